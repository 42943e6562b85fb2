"""Two loads of the caseload at once (two tabs, a double click, two workers) both
rebuild what it keeps: each patient's sealed summary and the safety-check note of each
shared result. The later write wins and neither load gets an error page.

On PostgreSQL the second load's write waits for the first transaction's row; a plain
INSERT then failed on the primary key (seen under `make bench`: an error page on
`/clinic/patients`). Here another connection plays the first load: it writes the rows
and holds its transaction open until the page's load is waiting on it.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from journal.care import safety_flags, summaries
from journal.core.extensions import db
from journal.models.safety_flags import SafetyCheck
from journal.models.sharing import CareLink, CaseloadSummary, Share
from journal.models.types import utcnow
from tests.web.care_helpers import linked_pair, plain
from tests.web.care_mood_helpers import RESULTS, keys_of, phq9_answers, share_record, take

STALE = b"\x00" * 64  # what the other load wrote: not sealed by this therapist's key


def _waiting_on_a_lock(app: Flask) -> bool:
    with app.app_context():
        waiting = db.session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        db.session.rollback()
    return bool(waiting)


def test_a_caseload_load_that_waits_on_another_still_answers(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("another transaction's uncommitted row: PostgreSQL")
    pair = linked_pair(app, other_client, client)
    result = take(pair.patient, "phq9", phq9_answers(6, item9=0))
    assert share_record(pair, RESULTS, result).status_code == 302
    with app.app_context():
        share_id = db.session.scalar(select(Share.id).where(Share.record_id == uuid.UUID(result)))
        link = db.session.get(CareLink, pair.link)
        assert share_id is not None and link is not None
        # Whatever the pages kept so far goes: the next load rebuilds both.
        db.session.execute(CaseloadSummary.__table__.delete())
        db.session.execute(SafetyCheck.__table__.delete())
        db.session.commit()
        engine = db.engine

    other = engine.connect()
    other.begin()
    other.execute(
        SafetyCheck.__table__.insert().values(
            share_id=share_id,
            therapist_id=pair.therapist_id,
            record_revision=1,
            sealed=STALE,
            checked_at=utcnow(),
        )
    )
    other.execute(
        CaseloadSummary.__table__.insert().values(
            link_id=pair.link, therapist_id=pair.therapist_id, sealed=STALE, updated_at=utcnow()
        )
    )
    answered: list[object] = []

    def load() -> None:
        try:
            answered.append(pair.therapist.get("/clinic/patients"))
        except Exception as error:  # the failure this test is about, raised in testing
            answered.append(error)

    page = threading.Thread(target=load)
    page.start()
    try:
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock(app):
            assert page.is_alive(), answered  # it must wait for the other load's rows
            assert time.monotonic() < deadline, "the page never waited on the other load"
            time.sleep(0.05)
    finally:
        other.commit()
        other.close()
    page.join(timeout=30)

    (response,) = answered
    assert not isinstance(response, Exception), repr(response)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "ada@example.com" in plain(response)  # type: ignore[arg-type]
    # The page's own rows stand: sealed by the therapist, they open again.
    with app.app_context():
        therapist, udk = keys_of(pair.therapist_email)
        note = db.session.get(SafetyCheck, share_id)
        assert note is not None and note.sealed != STALE
        row = db.session.get(CaseloadSummary, pair.link)
        assert row is not None and row.sealed != STALE
        link = db.session.get(CareLink, pair.link)
        assert link is not None
        state = summaries.state_of(link, row.sealed)
        assert summaries.summaries(therapist, udk, [state])[pair.patient_id].open_flags == 0
        assert safety_flags.open_flags(therapist, udk, pair.patient_id).count == 0
