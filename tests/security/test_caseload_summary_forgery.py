"""The caseload's sealed summaries against someone who can write the database (no
pepper, no one's keys): a planted share counts for nothing, and a summary made up,
moved to another patient or put back from an older copy is never believed."""

from __future__ import annotations

import re
import uuid
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select, update

from journal.care import summaries
from journal.core import crypto
from journal.core.extensions import db
from journal.models.moods import CheckIn
from journal.models.sharing import CareLink, CaseloadOrder, CaseloadSummary, Share
from journal.models.types import utcnow
from journal.mood import moods
from tests.pages import words
from tests.web.care_helpers import Pair, linked_pair, share, write
from tests.web.care_mood_helpers import (
    RESULTS,
    check_in_on,
    keys_of,
    phq9_answers,
    share_record,
    take,
)
from tests.web.clinic_helpers import add_patients


def _row_of(therapist: FlaskClient, label: str) -> str:
    """The words of one caseload row."""
    page = words(therapist.get("/clinic/patients"))
    found = re.search(re.escape(label) + r"(.*?)Brief for " + re.escape(label), page)
    assert found, f"no row for {label}"
    return found.group(1)


def _first_row(therapist: FlaskClient) -> str:
    found = re.search(
        r'<tr class="patient-row[^"]*">\s*<th scope="row" class="patient-cell">\s*'
        r"<a [^>]*>([^<]+)</a>",
        therapist.get("/clinic/patients").get_data(as_text=True),
    )
    assert found
    return found.group(1)


def _forge_share(pair: Pair, table: str, record_id: str) -> None:
    """A share with a MAC made up (the attacker has no key for a real one), and the
    generation advanced, as the attacker would, so the summary is rebuilt."""
    db.session.execute(
        insert(Share).values(
            id=uuid.uuid4(),
            record_table=table,
            record_id=uuid.UUID(record_id),
            patient_id=pair.patient_id,
            therapist_id=pair.therapist_id,
            record_revision=0,
            sealed_dek=crypto.new_key(),
            mac=crypto.pair_mac(crypto.new_key(), b"guess", b""),
            created_at=utcnow(),
        )
    )
    db.session.execute(
        update(CareLink)
        .where(CareLink.id == pair.link)
        .values(summary_generation=CareLink.summary_generation + 1)
    )
    db.session.commit()


def _sealed(link_id: uuid.UUID) -> bytes:
    return db.session.scalars(
        select(CaseloadSummary.sealed).where(CaseloadSummary.link_id == link_id)
    ).one()


def _put(link_id: uuid.UUID, sealed: bytes) -> None:
    db.session.execute(
        update(CaseloadSummary).where(CaseloadSummary.link_id == link_id).values(sealed=sealed)
    )
    db.session.commit()


def test_a_planted_share_is_neither_unread_nor_the_last_check_in(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = linked_pair(app, other_client, client)
    private = check_in_on(app, pair.patient_email, date.today(), 4, 2)  # never shared
    assert "0 new" in _row_of(pair.therapist, pair.patient_email)
    with app.app_context():
        _forge_share(pair, moods.TABLE, private)
        assert db.session.get(CheckIn, uuid.UUID(private)) is not None
    row = _row_of(pair.therapist, pair.patient_email)
    assert "0 new" in row and "unread" not in row
    assert "Last check-in None shared" in row

    share(pair.patient, pair.link, write(pair.patient, "Really shared."))
    row = _row_of(pair.therapist, pair.patient_email)
    assert "1 new · 1 unread" in row  # the genuine one counts, the planted one still not


def test_a_summary_made_up_or_moved_to_another_patient_is_rebuilt(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = linked_pair(app, other_client, client)
    (other_id,) = add_patients(app, pair.therapist_email, ["Quiet Patient"])
    share(pair.patient, pair.link, write(pair.patient, "One."), write(pair.patient, "Two."))
    assert "2 new · 2 unread" in _row_of(pair.therapist, pair.patient_email)
    assert "0 new" in _row_of(pair.therapist, "Quiet Patient")
    with app.app_context():
        other_link = db.session.scalars(
            select(CareLink.id).where(CareLink.patient_id == other_id)
        ).one()
        mine, theirs = _sealed(pair.link), _sealed(other_link)
        # Swapped: each row now holds the other's summary, sealed by the therapist.
        _put(pair.link, theirs)
        _put(other_link, mine)
    assert "2 new · 2 unread" in _row_of(pair.therapist, pair.patient_email)
    assert "0 new" in _row_of(pair.therapist, "Quiet Patient")
    with app.app_context():
        assert _sealed(other_link) != mine  # rebuilt, not believed
        # Made up: a summary saying nothing is new, sealed under a key of the attacker's.
        state = summaries.LinkState(pair.link, pair.patient_id, 0, None, None)
        made_up = crypto.seal(
            crypto.new_key(),
            b"[0,0,0,null,null,null]",
            summaries._binding(pair.therapist_id, state),
        )
        _put(pair.link, made_up)
    assert "2 new · 2 unread" in _row_of(pair.therapist, pair.patient_email)


def test_a_summary_put_back_from_before_a_flag_does_not_hide_it(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = linked_pair(app, other_client, client)
    add_patients(app, pair.therapist_email, [f"Patient {i}" for i in range(30)])
    assert "Open safety flags 0" in _row_of(pair.therapist, pair.patient_email)
    with app.app_context():
        before = _sealed(pair.link)
        order_before = db.session.get(CaseloadOrder, pair.therapist_id)
        assert order_before is not None
        old_order = order_before.sealed
    share_record(pair, RESULTS, take(pair.patient, "phq9", phq9_answers(12, item9=2)))
    assert "1 to acknowledge" in _row_of(pair.therapist, pair.patient_email)
    with app.app_context():
        _put(pair.link, before)
        db.session.execute(
            update(CaseloadOrder)
            .where(CaseloadOrder.therapist_id == pair.therapist_id)
            .values(sealed=old_order)
        )
        db.session.commit()
    # Still first of 31, still flagged: both old copies were refused and rebuilt.
    assert _first_row(pair.therapist) == pair.patient_email
    assert "1 to acknowledge" in _row_of(pair.therapist, pair.patient_email)


def test_the_summary_keeps_when_the_oldest_open_flag_was_shared(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = linked_pair(app, other_client, client)
    first = take(pair.patient, "phq9", phq9_answers(12, item9=1))
    share_record(pair, RESULTS, first)
    share_record(pair, RESULTS, take(pair.patient, "phq9", phq9_answers(14, item9=2)))
    with app.app_context():
        therapist, udk = keys_of(pair.therapist_email)
        link = db.session.get(CareLink, pair.link)
        assert link is not None
        shared_at = db.session.scalars(
            select(Share.created_at).where(Share.record_id == uuid.UUID(first))
        ).one()
        summary = summaries.summary_of(therapist, udk, link)
    assert summary.open_flags == 2
    assert summary.oldest_open_flag_at == shared_at
