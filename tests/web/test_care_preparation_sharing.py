"""Sharing preparation records: an intention, a dosing session's details, a checklist
(one, or all of them as a standing category). Preview first, the shared mark and
"read by", and revocation that re-keys each record type with the real crypto."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.accounts import keys
from journal.care.sharing import share_info
from journal.core import crypto, records
from journal.core.extensions import db
from journal.dosing import checklists, intentions, kap_sessions
from journal.models.checklists import Checklist
from journal.models.intentions import Intention
from journal.models.kap_sessions import KapSession
from journal.models.users import User
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token
from tests.web.care_helpers import Pair, access_rows, linked_pair, plain, shares, text
from tests.web.care_prep_helpers import (
    checklist_id,
    intention_id,
    share_refs,
    write_intention,
)
from tests.web.prep_helpers import in_hours, plan_session

INTENTION = "I want to meet the heaviness with curiosity."


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _session_with_intention(app: Flask, pair: Pair, **values: str) -> tuple[str, str]:
    session = plan_session(pair.patient, in_hours(48), **values)
    assert write_intention(pair.patient, session, INTENTION).status_code == 303
    return session, intention_id(app, session)


def _record_url(pair: Pair, table: str, record_id: str) -> str:
    return f"/clinic/patients/{pair.patient_id}/records/{table}/{record_id}"


def test_an_intention_is_shared_after_a_preview_and_carries_the_mark(
    app: Flask, pair: Pair
) -> None:
    session, intention = _session_with_intention(app, pair)
    page = pair.patient.get(f"/sessions/{session}/intention").get_data(as_text=True)
    assert "Share with your therapist…" in page
    assert f"record=intentions:{intention}" in page

    preview = text(pair.patient.get(f"/care/share?record=intentions:{intention}"))
    assert INTENTION in preview and "Intention for the session on" in preview
    assert "What they will see" in preview
    assert shares(app) == []

    assert share_refs(pair.patient, pair.link, f"intentions:{intention}").status_code == 302
    mark = plain(pair.patient.get(f"/sessions/{session}/intention"))
    assert "Shared with dr.lee@example.com · not read yet" in mark

    item = text(pair.therapist.get(_record_url(pair, "intentions", intention)))
    assert INTENTION in item
    assert "read by dr.lee@example.com on" in plain(pair.patient.get(f"/sessions/{session}"))
    log = pair.patient.get("/care/access-log")
    assert "dr.lee@example.com opened an intention." in plain(log)
    assert INTENTION not in plain(log)
    assert f'href="/sessions/{session}/intention"' in log.get_data(as_text=True)


def test_without_a_therapist_the_intention_page_offers_no_sharing(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "solo@example.com")
    login(client, "solo@example.com")
    session = plan_session(client, in_hours(48))
    write_intention(client, session, INTENTION)
    for url in (f"/sessions/{session}/intention", f"/sessions/{session}"):
        page = client.get(url).get_data(as_text=True)
        assert "care/share" not in page, url


def test_editing_a_shared_intention_keeps_the_share_working(app: Flask, pair: Pair) -> None:
    session, intention = _session_with_intention(app, pair)
    share_refs(pair.patient, pair.link, f"intentions:{intention}")
    write_intention(pair.patient, session, "Rewritten the evening before.")
    item = text(pair.therapist.get(_record_url(pair, "intentions", intention)))
    assert "Rewritten the evening before." in item and INTENTION not in item


def test_an_unshared_session_keeps_its_details_and_a_shared_one_shows_them(
    app: Flask, pair: Pair
) -> None:
    session = plan_session(pair.patient, in_hours(48), notes="Bring the blue blanket.", dose="56")
    assert pair.therapist.get(_record_url(pair, "kap_sessions", session)).status_code == 404
    page = pair.patient.get(f"/sessions/{session}").get_data(as_text=True)
    assert f"record=kap_sessions:{session}" in page

    preview = text(pair.patient.get(f"/care/share?record=kap_sessions:{session}"))
    assert "IV infusion" in preview and "Induction 1 of 6" in preview
    assert "56 mg" in preview and "Bring the blue blanket." in preview
    share_refs(pair.patient, pair.link, f"kap_sessions:{session}")
    item = text(pair.therapist.get(_record_url(pair, "kap_sessions", session)))
    assert "Dosing session on" in item and "IV infusion" in item
    assert "Bring the blue blanket." in item
    assert "Shared with dr.lee@example.com" in plain(pair.patient.get(f"/sessions/{session}"))


def test_a_checklist_is_shared_with_its_ticks_and_ticking_stays_visible(
    app: Flask, pair: Pair
) -> None:
    session = plan_session(pair.patient, in_hours(48))
    checklist = checklist_id(app, session)
    page = pair.patient.get(f"/sessions/{session}").get_data(as_text=True)
    assert f"record=checklists:{checklist}" in page
    share_refs(pair.patient, pair.link, f"checklists:{checklist}")
    url = _record_url(pair, "checklists", checklist)
    assert "0 of 14 done" in text(pair.therapist.get(url))

    pair.patient.post(
        f"/sessions/{session}/checklist/music-ready",
        data={"done": "1", "csrf_token": csrf_token(pair.patient, f"/sessions/{session}")},
    )
    after = plain(pair.therapist.get(url))
    assert "1 of 14 done" in after
    assert "Ticked: ✓ Get your music ready" in after


def test_the_checklist_category_shares_every_list_and_each_new_one(app: Flask, pair: Pair) -> None:
    first = plan_session(pair.patient, in_hours(48))
    url = f"/care/therapists/{pair.link}/categories/preparation-checklists"
    preview = text(pair.patient.get(url))
    assert "Share preparation checklists with dr.lee@example.com?" in preview
    assert "0 of 14 done" in preview
    assert shares(app) == []
    pair.patient.post(url, data={"csrf_token": csrf_token(pair.patient, "/care/")})
    assert [str(s.record_id) for s in shares(app)] == [checklist_id(app, first)]

    second = plan_session(pair.patient, in_hours(120), series_position="2")
    assert {str(s.record_id) for s in shares(app)} == {
        checklist_id(app, first),
        checklist_id(app, second),
    }
    assert {s.category for s in shares(app)} == {"preparation-checklists"}
    item = _record_url(pair, "checklists", checklist_id(app, second))
    assert pair.therapist.get(item).status_code == 200
    # An intention is not in the category.
    write_intention(pair.patient, second, INTENTION)
    assert len(shares(app)) == 2


def _keys_for(email: str) -> tuple[User, bytes]:
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    udk = keys.check_password(user, PASSWORD)
    assert udk is not None
    return user, udk


def _open(table: str, record: Any, dek: bytes) -> dict[str, Any]:
    return records.open_payload_with_dek(dek, table, record)


@pytest.mark.parametrize(
    ("table", "model"),
    [
        (intentions.TABLE, Intention),
        (kap_sessions.TABLE, KapSession),
        (checklists.TABLE, Checklist),
    ],
)
def test_revoking_rekeys_the_record_so_the_old_key_opens_nothing(
    app: Flask, pair: Pair, table: str, model: type[Any]
) -> None:
    session, intention = _session_with_intention(app, pair)
    record_id = {
        intentions.TABLE: intention,
        kap_sessions.TABLE: session,
        checklists.TABLE: checklist_id(app, session),
    }[table]
    share_refs(pair.patient, pair.link, f"{table}:{record_id}")
    (old_share,) = shares(app)
    with app.app_context():
        therapist, therapist_udk = _keys_for(pair.therapist_email)
        private = keys.private_key(therapist, therapist_udk)
        old_dek = crypto.open_with_private_key(private, old_share.sealed_dek, share_info(old_share))
        before = db.session.get(model, uuid.UUID(record_id))
        assert before is not None
        readable = _open(table, before, old_dek)
        old_revision = before.revision

    revoked = pair.patient.post(
        f"/care/shares/{old_share.id}/revoke",
        data={"csrf_token": csrf_token(pair.patient, "/care/")},
    )
    assert revoked.status_code == 302
    assert shares(app) == []

    with app.app_context():
        after = db.session.get(model, uuid.UUID(record_id))
        assert after is not None
        assert after.revision == old_revision + 1
        with pytest.raises(crypto.IntegrityFailure):
            _open(table, after, old_dek)
        _, patient_udk = _keys_for(pair.patient_email)
        assert records.open_payload(patient_udk, table, after) == readable

    assert pair.therapist.get(_record_url(pair, table, record_id)).status_code == 404
    assert access_rows(app)[-1].outcome == "refused"
    # The patient's pages still open the re-keyed record, and ticking still works.
    assert INTENTION in text(pair.patient.get(f"/sessions/{session}"))
    ticked = pair.patient.post(
        f"/sessions/{session}/checklist/music-ready",
        data={"done": "1", "csrf_token": csrf_token(pair.patient, f"/sessions/{session}")},
    )
    assert ticked.status_code == 303


def test_ending_the_link_removes_preparation_shares_too(app: Flask, pair: Pair) -> None:
    session, intention = _session_with_intention(app, pair)
    share_refs(
        pair.patient,
        pair.link,
        f"intentions:{intention}",
        f"kap_sessions:{session}",
        f"checklists:{checklist_id(app, session)}",
    )
    assert len(shares(app)) == 3
    pair.patient.post(
        f"/care/therapists/{pair.link}/end",
        data={"csrf_token": csrf_token(pair.patient, "/care/")},
    )
    assert shares(app) == []
    assert INTENTION in text(pair.patient.get(f"/sessions/{session}/intention"))


def test_a_patient_cannot_share_someone_elses_intention(app: Flask, pair: Pair) -> None:
    other = linked_pair(
        app, app.test_client(), app.test_client(), "dr.kim@example.com", "bob@example.com"
    )
    session = plan_session(other.patient, in_hours(48))
    write_intention(other.patient, session, "Bob's intention.")
    bobs = intention_id(app, session)
    assert pair.patient.get(f"/care/share?record=intentions:{bobs}").status_code == 404
    assert share_refs(pair.patient, pair.link, f"intentions:{bobs}").status_code == 404
    assert shares(app) == []
