"""What an attacker with write access to the database file does, with no pepper, no
secret key and no one's private key: seal new content to a real public key, put
back old rows, replay a withdrawn adaptation, plant a draft. Each is shown to its
victim as nothing genuine: left out, logged as an integrity error, and a therapist
is told that an item could not be verified.

Everything here uses the real crypto and the real database; the "attacker" only
writes rows, using nothing but public keys and what is in clear.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, insert, select

from journal.core import crypto, records
from journal.core.extensions import db
from journal.models.adaptations import Adaptation
from journal.models.entries import Draft, Entry
from journal.models.measures import MeasureResult
from journal.models.sharing import Share
from journal.models.users import User
from journal.mood import measures
from tests.factories import login, make_user
from tests.pages import csrf_token, markup, words
from tests.web.care_helpers import Pair, linked_pair, share, write
from tests.web.care_mood_helpers import keys_of, share_record, take
from tests.web.care_prep_helpers import default_rows, post_adaptation
from tests.web.helpers import HTMX
from tests.web.mood_helpers import phq9

FORGED = "Forged words the patient never wrote"
UNVERIFIED = "could not be verified"


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _brief(pair: Pair) -> str:
    response = pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief?all=1")
    assert response.status_code == 200
    return markup(response)


def _open_flags(pair: Pair) -> int:
    page = words(pair.therapist.get("/clinic/patients"))
    found = re.search(r"Open safety flags (\d+)", page)
    assert found, "no open-flag count on the patients list"
    return int(found.group(1))


def _seal_share_as_attacker(
    therapist_public: bytes, table: str, record_id: uuid.UUID, pair: Pair, dek: bytes
) -> None:
    """A share row sealed with HPKE base mode to the therapist's real public key, with
    the right `info`: all an attacker with the database can make."""
    share_id = uuid.uuid4()
    info = crypto.hpke_info(share_id, record_id, pair.patient_id, pair.therapist_id)
    db.session.execute(
        insert(Share).values(
            id=share_id,
            record_table=table,
            record_id=record_id,
            patient_id=pair.patient_id,
            therapist_id=pair.therapist_id,
            record_revision=0,
            sealed_dek=crypto.seal_to_public_key(therapist_public, dek, info),
            # A MAC the attacker makes up (they have no key for a real one).
            mac=crypto.pair_mac(crypto.new_key(), b"guess", b""),
        )
    )


def _forge_entry(app: Flask, pair: Pair) -> uuid.UUID:
    with app.app_context():
        therapist = db.session.get(User, pair.therapist_id)
        assert therapist is not None
        entry_id, dek = uuid.uuid4(), crypto.new_key()
        db.session.add(
            Entry(
                id=entry_id,
                user_id=pair.patient_id,
                revision=0,
                dek_wrapped=crypto.new_key(),  # cannot wrap under the patient's UDK
                title_sealed=None,
                body_sealed=crypto.seal(
                    dek,
                    FORGED.encode(),
                    records.field_binding("entries", entry_id, pair.patient_id, "body", 0),
                ),
            )
        )
        db.session.flush()
        _seal_share_as_attacker(therapist.public_key, "entries", entry_id, pair, dek)
        db.session.commit()
    return entry_id


def _forge_phq9(app: Flask, pair: Pair, template_email: str) -> uuid.UUID:
    """A PHQ-9 result with question 9 at "Nearly every day", built from the attacker's
    own account's result (the format is public), planted as the patient's."""
    with app.app_context():
        mallory, mallory_udk = keys_of(template_email)
        own = db.session.scalars(
            select(MeasureResult).where(MeasureResult.user_id == mallory.id)
        ).one()
        data = records.open_payload(mallory_udk, measures.TABLE, own)
        therapist = db.session.get(User, pair.therapist_id)
        assert therapist is not None
        result_id, dek = uuid.uuid4(), crypto.new_key()
        clear = {
            c.name: getattr(own, c.key)
            for c in MeasureResult.__table__.columns
            if c.name not in {"id", "user_id", "dek_wrapped", "payload_sealed", "revision"}
        }
        clear["idempotency_key"] = uuid.uuid4()
        db.session.execute(
            insert(MeasureResult).values(
                id=result_id,
                user_id=pair.patient_id,
                revision=0,
                dek_wrapped=crypto.new_key(),
                payload_sealed=crypto.seal(
                    dek,
                    json.dumps(data, separators=(",", ":"), sort_keys=True).encode(),
                    records.field_binding(measures.TABLE, result_id, pair.patient_id, "payload", 0),
                ),
                **clear,
            )
        )
        _seal_share_as_attacker(therapist.public_key, measures.TABLE, result_id, pair, dek)
        db.session.commit()
    return result_id


def test_an_entry_sealed_to_the_therapists_real_key_is_not_shown_as_the_patients(
    app: Flask, pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    genuine = write(pair.patient, "What the patient really wrote")
    share(pair.patient, pair.link, genuine)
    forged = _forge_entry(app, pair)
    with caplog.at_level(logging.ERROR):
        brief = _brief(pair)
        item = pair.therapist.get(f"/clinic/patients/{pair.patient_id}/records/entries/{forged}")
    assert "What the patient really wrote" in brief  # the rest of the brief is there
    assert FORGED not in brief and FORGED not in markup(item)
    assert "One item " + UNVERIFIED in brief
    assert item.status_code != 200
    assert "integrity failure" in caplog.text and FORGED not in caplog.text


def test_a_forged_phq9_result_raises_no_flag_and_is_not_in_the_brief(
    app: Flask, pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    mallory = app.test_client()
    make_user(app, "mallory@example.com")
    login(mallory, "mallory@example.com")
    take(mallory, "phq9", phq9(item9=3))
    before = _open_flags(pair)
    assert before == 0
    forged = _forge_phq9(app, pair, "mallory@example.com")
    with caplog.at_level(logging.ERROR):
        after = _open_flags(pair)
        brief = _brief(pair)
    assert after == before  # no open flag was added to the patients list
    assert "Nearly every day" not in brief and "question 9" not in brief.lower()
    assert "One item " + UNVERIFIED in brief
    url = f"/clinic/patients/{pair.patient_id}/records/{measures.TABLE}/{forged}"
    assert pair.therapist.get(url).status_code != 200
    assert "integrity failure" in caplog.text


def test_a_forged_phq9_result_is_not_in_the_therapists_fhir_export(
    app: Flask, pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    mallory = app.test_client()
    make_user(app, "mallory@example.com")
    login(mallory, "mallory@example.com")
    take(mallory, "phq9", phq9(item9=3))
    genuine = take(pair.patient, "gad7", dict.fromkeys(range(1, 8), 1))
    assert share_record(pair, measures.TABLE, genuine).status_code in {302, 303}
    forged = _forge_phq9(app, pair, "mallory@example.com")
    data = {"csrf_token": csrf_token(pair.therapist, "/clinic/invite"), "start": "2000-01-01"}
    data["end"] = "2100-01-01"
    with caplog.at_level(logging.ERROR):
        response = pair.therapist.post(
            f"/clinic/patients/{pair.patient_id}/results.fhir", data=data
        )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert genuine in body and str(forged) not in body
    assert "44260-8" not in body  # not even the PHQ-9's questionnaire went out
    assert "integrity failure" in caplog.text


def _row(model: Any, **where: Any) -> dict[str, Any]:
    row: Any = db.session.scalars(select(model).filter_by(**where)).one()
    return {c.name: getattr(row, c.key) for c in model.__table__.columns}


def test_a_revoked_share_put_back_with_its_old_record_stays_unreadable(
    app: Flask, pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Shared for a week, then taken back"
    entry = write(pair.patient, secret)
    kept = write(pair.patient, "Still shared")
    share(pair.patient, pair.link, entry, kept)
    assert secret in _brief(pair)
    with app.app_context():
        old_share = _row(Share, record_id=uuid.UUID(entry))
        old_entry = _row(Entry, id=uuid.UUID(entry))
    revoke = pair.patient.post(
        f"/care/shares/{old_share['id']}/revoke",
        data={"csrf_token": csrf_token(pair.patient, "/care/")},
    )
    assert revoke.status_code in (302, 303), revoke.status_code
    assert secret not in _brief(pair)
    # The attacker restores both rows from an older copy of the database.
    with app.app_context():
        db.session.execute(delete(Entry).where(Entry.id == uuid.UUID(entry)))
        db.session.execute(insert(Entry).values(**old_entry))
        db.session.execute(insert(Share).values(**old_share))
        db.session.commit()
    with caplog.at_level(logging.ERROR):
        brief = _brief(pair)
        item = pair.therapist.get(f"/clinic/patients/{pair.patient_id}/records/entries/{entry}")
    assert secret not in brief and secret not in markup(item)
    assert "Still shared" in brief
    assert UNVERIFIED in brief
    assert "integrity failure" in caplog.text


def test_setting_the_share_counter_back_as_well_does_not_help(
    app: Flask, pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    """The counter is MACed with the public key under the pepper: set back without
    the matching MAC, the patient's public key itself fails, and nothing verifies."""
    secret = "Revoked, and the counter wound back"
    entry = write(pair.patient, secret)
    share(pair.patient, pair.link, entry)
    with app.app_context():
        old_share = _row(Share, record_id=uuid.UUID(entry))
        old_entry = _row(Entry, id=uuid.UUID(entry))
    pair.patient.post(
        f"/care/shares/{old_share['id']}/revoke",
        data={"csrf_token": csrf_token(pair.patient, "/care/")},
    )
    with app.app_context():
        patient = db.session.get(User, pair.patient_id)
        assert patient is not None and patient.share_counter == 1
        patient.share_counter = 0
        db.session.execute(delete(Entry).where(Entry.id == uuid.UUID(entry)))
        db.session.execute(insert(Entry).values(**old_entry))
        db.session.execute(insert(Share).values(**old_share))
        db.session.commit()
    with caplog.at_level(logging.ERROR):
        brief = _brief(pair)
    assert secret not in brief and UNVERIFIED in brief
    assert "integrity failure" in caplog.text


def test_a_withdrawn_adaptation_put_back_is_not_offered_again(
    app: Flask, pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"/clinic/patients/{pair.patient_id}/adaptations/checklist"
    assert post_adaptation(pair.therapist, url, default_rows()).status_code in (200, 302, 303)
    with app.app_context():
        old = _row(Adaptation, patient_id=pair.patient_id)
    plan = markup(pair.patient.get("/sessions/new"))
    assert "adapted" in plan and str(old["id"]) in plan
    withdrawn = pair.therapist.post(
        url + "/withdraw", data={"csrf_token": csrf_token(pair.therapist, url)}
    )
    assert withdrawn.status_code in (302, 303), withdrawn.status_code
    assert str(old["id"]) not in markup(pair.patient.get("/sessions/new"))
    with app.app_context():
        db.session.execute(insert(Adaptation).values(**old))
        db.session.commit()
    with caplog.at_level(logging.ERROR):
        plan = markup(pair.patient.get("/sessions/new"))
        chosen = pair.patient.get(f"/sessions/adapted-checklists/{old['id']}")
    assert str(old["id"]) not in plan
    assert chosen.status_code in (404, 500)


def test_an_older_version_of_a_live_adaptation_put_back_is_refused(app: Flask, pair: Pair) -> None:
    url = f"/clinic/patients/{pair.patient_id}/adaptations/checklist"
    assert post_adaptation(pair.therapist, url, default_rows()).status_code in (200, 302, 303)
    with app.app_context():
        first = _row(Adaptation, patient_id=pair.patient_id)
    assert post_adaptation(pair.therapist, url, default_rows()).status_code in (200, 302, 303)
    with app.app_context():
        db.session.execute(delete(Adaptation).where(Adaptation.id == first["id"]))
        db.session.execute(insert(Adaptation).values(**first))
        db.session.commit()
    assert str(first["id"]) not in markup(pair.patient.get("/sessions/new"))


def test_a_draft_planted_with_the_owners_public_key_is_never_offered(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    genuine = str(uuid.uuid4())
    client.post(
        f"/journal/drafts/{genuine}",
        data={"body": "Ada's own draft", "csrf_token": csrf_token(client, "/journal/")},
        headers=HTMX,
    )
    with app.app_context():
        ada = db.session.scalars(select(User).where(User.email == "ada@example.com")).one()
        planted = uuid.uuid4()
        info = crypto.hpke_info("draft", planted, ada.id, "")
        payload = json.dumps({"title": "", "body": FORGED}).encode()
        db.session.add(
            Draft(
                id=planted,
                user_id=ada.id,
                entry_id=None,
                sealed=crypto.seal_to_public_key(ada.public_key, payload, info),
            )
        )
        db.session.commit()
    with caplog.at_level(logging.ERROR):
        page = client.get("/journal/new")
    assert page.status_code == 200
    assert FORGED not in markup(page)
    assert "Ada's own draft" in markup(page)
    assert "integrity failure" in caplog.text


def test_shares_from_before_macs_keep_working_once_vouched_and_become_the_patients(
    app: Flask, pair: Pair
) -> None:
    """The rule for existing rows (docs/crypto.md): a share without a MAC is not
    shown; `flask shares vouch` vouches for those that exist when it runs; the
    patient's next sign-in makes them the patient's own. One planted after the vouch
    is not shown."""
    entry = write(pair.patient, "Written before shares carried a MAC")
    share(pair.patient, pair.link, entry)
    with app.app_context():
        row = db.session.scalars(select(Share)).one()
        row.mac, row.mac_kid = None, None  # as the migration leaves an existing share
        db.session.commit()
    assert "Written before" not in _brief(pair)
    result = app.test_cli_runner().invoke(args=["shares", "vouch"])
    assert "Vouched for 1 share" in result.output
    assert "Written before" in _brief(pair)
    forged = _forge_entry(app, pair)
    with app.app_context():
        planted = db.session.scalars(select(Share).where(Share.record_id == forged)).one()
        planted.mac = None
        db.session.commit()
    assert FORGED not in _brief(pair)
    login(app.test_client(), pair.patient_email)  # the next sign-in
    with app.app_context():
        row = db.session.scalars(select(Share).where(Share.record_id == uuid.UUID(entry))).one()
        assert row.mac_kid is None and row.mac is not None  # now the patient's own MAC
    assert "Written before" in _brief(pair)
    assert FORGED not in _brief(pair)


def test_a_share_record_helper_is_still_readable(app: Flask, pair: Pair) -> None:
    """The genuine path through every record type the tests share still verifies."""
    result = take(pair.patient, "phq9", phq9(item9=0))
    assert share_record(pair, measures.TABLE, result).status_code in (200, 302, 303)
    assert UNVERIFIED not in _brief(pair)


def test_a_revocation_never_lends_the_patients_mac_to_a_planted_share(
    app: Flask, pair: Pair
) -> None:
    """Revoking MACs every remaining share again, but only those that were the
    patient's: a planted one stays unverified; a vouched one becomes the patient's."""
    first = write(pair.patient, "Shared and later revoked")
    old = write(pair.patient, "Shared before MACs existed")
    share(pair.patient, pair.link, first, old)
    with app.app_context():
        row = db.session.scalars(select(Share).where(Share.record_id == uuid.UUID(old))).one()
        row.mac, row.mac_kid = None, None
        db.session.commit()
    app.test_cli_runner().invoke(args=["shares", "vouch"])
    forged = _forge_entry(app, pair)
    with app.app_context():
        share_id = db.session.scalars(
            select(Share.id).where(Share.record_id == uuid.UUID(first))
        ).one()
    revoke = pair.patient.post(
        f"/care/shares/{share_id}/revoke",
        data={"csrf_token": csrf_token(pair.patient, "/care/")},
    )
    assert revoke.status_code in (302, 303)
    brief = _brief(pair)
    assert FORGED not in brief and "One item " + UNVERIFIED in brief
    assert "Shared before MACs existed" in brief
    with app.app_context():
        planted = db.session.scalars(select(Share).where(Share.record_id == forged)).one()
        vouched = db.session.scalars(select(Share).where(Share.record_id == uuid.UUID(old))).one()
        assert vouched.mac_kid is None  # now the patient's own MAC
        assert planted.mac_kid is None and planted.mac is not None
