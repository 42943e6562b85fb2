"""One forged or damaged row never turns a page into an error: Home, Journal and Mood
show everything else and say, in the bad row's place, that one item could not be
opened; the integrity error is logged once, with no content."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from journal.core.extensions import db
from journal.models.entries import Entry
from journal.models.measures import MeasureResult
from journal.models.moods import CheckIn
from journal.models.types import utcnow
from tests.factories import login, make_user
from tests.pages import markup
from tests.web.care_helpers import write
from tests.web.care_mood_helpers import check_in_on, take
from tests.web.mood_helpers import phq9

EMAIL = "ada@example.com"
NOTICE = "One item could not be opened."


def _flip(blob: bytes) -> bytes:
    return blob[:-1] + bytes([blob[-1] ^ 1])


@pytest.fixture
def ada(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, EMAIL)
    login(client, EMAIL)
    return client


def test_a_damaged_entry_leaves_home_and_the_journal_working(
    app: Flask, ada: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    write(ada, "A good day by the river", title="River")
    bad = write(ada, "This one gets damaged", title="Damaged")
    with app.app_context():
        entry = db.session.get(Entry, uuid.UUID(bad))
        assert entry is not None and entry.title_sealed is not None
        entry.title_sealed = _flip(entry.title_sealed)
        db.session.commit()
    with caplog.at_level(logging.ERROR):
        for url in ("/", "/journal/", "/journal/timeline"):
            response = ada.get(url)
            assert response.status_code == 200, url
            page = markup(response)
            assert "River" in page and NOTICE in page and "Damaged" not in page
    assert "integrity failure" in caplog.text and "damaged" not in caplog.text.lower()
    assert caplog.text.count(f"entries {bad}") == 3  # once for each page, not more


def test_a_forged_check_in_or_result_leaves_mood_working(
    app: Flask, ada: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    today = utcnow().date()
    check_in_on(app, EMAIL, today - timedelta(days=1), 3, 2, note="kept")
    bad_checkin = check_in_on(app, EMAIL, today - timedelta(days=2), 4, 1)
    take(ada, "phq9", phq9(item9=0))
    bad_result = take(ada, "phq9", phq9(item9=0))
    with app.app_context():
        for model, rid in ((CheckIn, bad_checkin), (MeasureResult, bad_result)):
            row = db.session.get(model, uuid.UUID(rid))
            assert row is not None
            db.session.execute(
                update(model)
                .where(model.id == row.id)
                .values(payload_sealed=_flip(row.payload_sealed))
            )
        db.session.commit()
    with caplog.at_level(logging.ERROR):
        for url in ("/", "/mood/", "/mood/charts", "/journal/timeline"):
            response = ada.get(url)
            assert response.status_code == 200, url
            assert "could not be opened" in markup(response), url
    assert "integrity failure" in caplog.text


def test_a_damaged_shared_record_leaves_the_brief_and_the_care_page_working(
    app: Flask, client: FlaskClient, other_client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.web.care_helpers import linked_pair, share

    pair = linked_pair(app, other_client, client)
    write_ok = write(pair.patient, "Shared and fine", title="Fine")
    bad = write(pair.patient, "Shared and then damaged", title="Damaged")
    share(pair.patient, pair.link, write_ok, bad)
    with app.app_context():
        entry = db.session.get(Entry, uuid.UUID(bad))
        assert entry is not None
        entry.body_sealed = _flip(entry.body_sealed)
        db.session.commit()
    with caplog.at_level(logging.ERROR):
        brief = pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief?all=1")
        care = pair.patient.get(f"/care/therapists/{pair.link}")
    assert brief.status_code == 200
    assert "Shared and fine" in markup(brief) and NOTICE in markup(brief)
    assert "Shared and then damaged" not in markup(brief)
    assert care.status_code == 200
    assert "Fine" in markup(care) and "Shared and then damaged" not in markup(care)
    assert "integrity failure" in caplog.text
