"""The next appointment as a calendar file for the therapist: the time and the app's
name, nothing else (no patient, no health detail); another therapist's patient, or
no appointment, is not found."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from journal.core.extensions import db
from journal.models.sharing import CareLink
from tests.web.care_helpers import linked_pair


def test_the_appointment_downloads_as_a_calendar_file_without_health_data(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = linked_pair(app, other_client, client)
    url = f"/clinic/patients/{pair.patient_id}/appointment.ics"
    assert pair.therapist.get(url).status_code == 404  # none set yet
    with app.app_context():
        db.session.execute(
            update(CareLink)
            .where(CareLink.id == pair.link)
            .values(next_appointment_at=datetime(2031, 3, 20, 15, 0, tzinfo=UTC))
        )
        db.session.commit()
    response = pair.therapist.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    assert "DTSTART:20310320T150000Z\r\n" in body
    assert "DTEND:20310320T155000Z\r\n" in body
    assert "SUMMARY:Appointment \u2014 Fresh Tracks\r\n" in body
    assert pair.patient_email not in body and pair.therapist_email not in body
    assert "DESCRIPTION" not in body and "LOCATION" not in body
    # Not the patient's to fetch from the clinic side.
    assert pair.patient.get(url).status_code == 404


def test_the_patient_sees_the_appointment_on_home_and_the_session_page_and_downloads_it(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    from tests.factories import login, make_user
    from tests.pages import csrf_token, words
    from tests.web.prep_helpers import plan_session, set_time_zone

    pair = linked_pair(app, other_client, client)
    set_time_zone(app, pair.patient_email, "America/Chicago")
    url = f"/care/links/{pair.link}/appointment.ics"
    assert "Your next appointment" not in words(pair.patient.get("/"))
    assert pair.patient.get(url).status_code == 404  # none set yet
    pair.therapist.post(
        f"/clinic/patients/{pair.patient_id}/appointment",
        data={
            "next_appointment": "2031-03-20T10:00",
            "csrf_token": csrf_token(pair.therapist, "/clinic/invite"),
        },
    )
    home = words(pair.patient.get("/"))
    assert "Your next appointment" in home
    session = plan_session(pair.patient, datetime(2031, 3, 25, 15, 0, tzinfo=UTC))
    assert "Your next appointment" in words(pair.patient.get(f"/sessions/{session}"))
    response = pair.patient.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    assert "SUMMARY:Appointment \u2014 Fresh Tracks\r\n" in body
    assert pair.patient_email not in body and pair.therapist_email not in body
    assert "DESCRIPTION" not in body and "LOCATION" not in body
    # The therapist's clinic time (UTC here) is the patient's 05:00 in Chicago.
    assert "DTSTART:20310320T100000Z\r\n" in body
    assert "20 Mar 2031" in home

    # Another patient's link, or the therapist, is not found.
    make_user(app, "bo@example.com")
    bo = app.test_client()
    login(bo, "bo@example.com")
    assert bo.get(url).status_code == 404
    assert pair.therapist.get(url).status_code == 404
