"""Time zones on the therapist's side: the zone comes from the browser at the first
sign-in of an account made in UTC, and is confirmed on the settings page; appointment
and dosing times show the therapist's clock and, where it differs, the patient's,
across zones and across a daylight-saving change in only one of the two places."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from journal.core.extensions import db
from journal.models.sharing import CareLink
from journal.models.users import Role, User
from tests.factories import PASSWORD, TOTP_SECRETS, fresh_totp, make_user
from tests.pages import csrf_token
from tests.web.care_helpers import Pair, linked_pair, plain


def _zones(app: Flask, pair: Pair, therapist: str, patient: str) -> None:
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == pair.therapist_id).values(time_zone=therapist)
        )
        db.session.execute(update(User).where(User.id == pair.patient_id).values(time_zone=patient))
        db.session.commit()


def _appointment(app: Flask, pair: Pair, when: datetime) -> None:
    with app.app_context():
        db.session.execute(
            update(CareLink).where(CareLink.id == pair.link).values(next_appointment_at=when)
        )
        db.session.commit()


def test_the_patients_clock_shows_beside_the_therapists_across_a_dst_change(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = linked_pair(app, other_client, client)
    _zones(app, pair, "Europe/London", "America/Chicago")
    # 2031: the US moves its clocks on 9 March, the UK on 30 March.
    _appointment(app, pair, datetime(2031, 3, 5, 16, 0, tzinfo=UTC))  # 6 h apart
    page = plain(pair.therapist.get("/clinic/patients"))
    assert "Wed 5 Mar 2031, 16:00 (10:00 for the patient, Chicago)" in page
    _appointment(app, pair, datetime(2031, 3, 20, 15, 0, tzinfo=UTC))  # 5 h apart
    page = plain(pair.therapist.get("/clinic/patients"))
    assert "Thu 20 Mar 2031, 15:00 (10:00 for the patient, Chicago)" in page
    brief = plain(pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief"))
    assert "15:00 (10:00 for the patient, Chicago)" in brief
    patient_page = plain(pair.therapist.get(f"/clinic/patients/{pair.patient_id}"))
    assert "15:00 (10:00 for the patient, Chicago)" in patient_page
    # Late in the therapist's evening is the next morning elsewhere: the day is named.
    _zones(app, pair, "America/New_York", "Asia/Tokyo")
    _appointment(app, pair, datetime(2031, 3, 21, 1, 0, tzinfo=UTC))
    page = plain(pair.therapist.get("/clinic/patients"))
    assert "Thu 20 Mar 2031, 21:00 (Fri 21 Mar, 10:00 for the patient, Tokyo)" in page


def test_no_second_clock_when_both_clocks_agree(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = linked_pair(app, other_client, client)
    _zones(app, pair, "Europe/Berlin", "Europe/Paris")
    _appointment(app, pair, datetime(2031, 3, 20, 9, 0, tzinfo=UTC))
    page = plain(pair.therapist.get("/clinic/patients"))
    assert "Thu 20 Mar 2031, 10:00" in page
    assert "for the patient" not in page


def test_a_therapist_made_in_utc_takes_the_browsers_zone_at_first_sign_in(
    app: Flask, client: FlaskClient
) -> None:
    email = "cli.made@example.com"
    make_user(app, email, Role.THERAPIST)
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": PASSWORD,
            "time_zone": "America/Chicago",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    if email in TOTP_SECRETS:
        location = response.headers["Location"]
        client.post(
            location,
            data={"code": fresh_totp(app, email), "csrf_token": csrf_token(client, location)},
        )
    with app.app_context():
        found = db.session.query(User).filter_by(email=email).one()
        assert (found.time_zone, found.time_zone_confirmed) == ("America/Chicago", False)
    settings = plain(client.get("/settings/"))
    assert "Taken from your browser when you signed in" in settings
    saved = client.post(
        "/settings/time-zone",
        data={"time_zone": "America/New_York", "csrf_token": csrf_token(client, "/settings/")},
    )
    assert saved.status_code == 302
    with app.app_context():
        found = db.session.query(User).filter_by(email=email).one()
        assert (found.time_zone, found.time_zone_confirmed) == ("America/New_York", True)
    assert "Taken from your browser" not in plain(client.get("/settings/"))


def test_the_same_moment_follows_the_viewers_zone_the_patients_and_the_language(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    """Written times are remembered per process (web/filters.py) for a moment, both
    zones and the language: a change of any of them shows at the next load."""
    pair = linked_pair(app, other_client, client)
    _zones(app, pair, "Europe/London", "America/Chicago")
    _appointment(app, pair, datetime(2031, 3, 5, 16, 0, tzinfo=UTC))
    assert "Wed 5 Mar 2031, 16:00 (10:00 for the patient, Chicago)" in plain(
        pair.therapist.get("/clinic/patients")
    )
    _zones(app, pair, "America/New_York", "America/Chicago")
    assert "Wed 5 Mar 2031, 11:00 (10:00 for the patient, Chicago)" in plain(
        pair.therapist.get("/clinic/patients")
    )
    _zones(app, pair, "America/New_York", "America/Denver")
    assert "Wed 5 Mar 2031, 11:00 (09:00 for the patient, Denver)" in plain(
        pair.therapist.get("/clinic/patients")
    )
    pair.therapist.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-US,es;q=0.9"
    assert "mié 5 mar 2031, 11:00 (09:00 para el/la paciente, Denver)" in plain(
        pair.therapist.get("/clinic/patients")
    )
