"""Settings a person makes for how the app behaves: the time zone (a searchable list,
common zones first, no pseudo-zones) and whether a questionnaire moves on when an
answer is tapped (on by default; off for people who prefer pressing Next)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from journal.accounts import preferences
from journal.core.extensions import db
from journal.models.users import Role, User
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token, markup, words

PATIENT = "prefs@example.com"
THERAPIST = "dr.prefs@example.com"


def _patient(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, PATIENT)
    login(client, PATIENT)
    return client


def _stored(app: Flask, email: str = PATIENT) -> User:
    with app.app_context():
        found: User = db.session.scalars(select(User).where(User.email == email)).one()
        db.session.expunge(found)
        return found


def _save_zone(client: FlaskClient, **fields: str) -> TestResponse:
    return client.post(
        "/settings/time-zone", data={**fields, "csrf_token": csrf_token(client, "/settings/")}
    )


# -- the time-zone picker ----------------------------------------------------------------


def test_the_zone_list_offers_common_zones_first_in_words_and_no_pseudo_zones(
    app: Flask, client: FlaskClient
) -> None:
    page = markup(_patient(app, client).get("/settings/"))
    box = re.search(r'<input type="text" id="f-time_zone" name="time_zone" list="zone-list"', page)
    assert box, "the zone is typed into a text box with a list"
    listed = re.search(r'<datalist id="zone-list">(.*?)</datalist>', page, re.S)
    assert listed
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', listed.group(1))
    values = [value for value, _ in options]
    assert values[: len(preferences.COMMON_ZONES)] == list(preferences.COMMON_ZONES)
    assert len(values) == len(set(values))
    assert not {"Factory", "localtime", "posixrules", "US/Eastern", "GB"} & set(values)
    assert ("America/New_York", "New York (America)") in options
    assert ("America/Argentina/Buenos_Aires", "Argentina, Buenos Aires (America)") in options
    assert values[len(preferences.COMMON_ZONES) :] == sorted(
        values[len(preferences.COMMON_ZONES) :]
    )


def test_a_city_or_a_zone_in_any_case_is_saved_and_confirmed(
    app: Flask, client: FlaskClient
) -> None:
    patient = _patient(app, client)
    for typed, zone in (
        ("Europe/Berlin", "Europe/Berlin"),
        ("  tokyo ", "Asia/Tokyo"),
        ("new york", "America/New_York"),
        ("New York (America)", "America/New_York"),
        ("america/los_angeles", "America/Los_Angeles"),
        ("UTC", "UTC"),
        # A browser may report an old spelling; it is a real zone, so it is taken.
        ("Asia/Calcutta", "Asia/Calcutta"),
    ):
        saved = _save_zone(patient, time_zone=typed)
        assert saved.status_code == 302, typed
        stored = _stored(app)
        assert (stored.time_zone, stored.time_zone_confirmed) == (zone, True), typed
    assert "Time zone saved: Asia/Calcutta." in words(patient.get("/settings/"))


def test_several_matches_are_offered_as_buttons_that_work_without_javascript(
    app: Flask, client: FlaskClient
) -> None:
    patient = _patient(app, client)
    refused = _save_zone(patient, time_zone="indiana")
    assert refused.status_code == 422
    page = markup(refused)
    assert "More than one zone matches: choose one below." in page
    assert 'aria-invalid="true"' in page and 'value="indiana"' in page
    offered = dict(
        re.findall(
            r'<button type="submit" class="button secondary" name="pick" value="([^"]+)">([^<]+)<',
            page,
        )
    )
    assert offered["America/Indiana/Indianapolis"] == "Indiana, Indianapolis (America)"
    assert len(offered) > 1 and all(z.startswith("America/Indiana/") for z in offered)
    # Enter in the text box sends the first submit button: Save, never a suggestion.
    first = re.search(r'<button type="submit"[^>]*>', page.split('id="f-time_zone"', 1)[1])
    assert first and "name=" not in first.group(0)
    picked = _save_zone(patient, time_zone="indiana", pick="America/Indiana/Knox")
    assert picked.status_code == 302
    assert _stored(app).time_zone == "America/Indiana/Knox"
    assert _stored(app).time_zone_confirmed


def test_this_devices_zone_is_taken_from_its_own_button(app: Flask, client: FlaskClient) -> None:
    patient = _patient(app, client)
    saved = _save_zone(patient, time_zone="UTC", device_zone="Pacific/Auckland")
    assert saved.status_code == 302
    assert _stored(app).time_zone == "Pacific/Auckland"


def test_a_zone_that_is_not_one_is_refused_and_nothing_changes(
    app: Flask, client: FlaskClient
) -> None:
    patient = _patient(app, client)
    assert _save_zone(patient, time_zone="Europe/Paris").status_code == 302
    for typed in ("Factory", "localtime", "posixrules", "Atlantis", "", "../../etc/passwd"):
        refused = _save_zone(patient, time_zone=typed)
        assert refused.status_code == 422, typed
        assert "Type a city" in words(refused)
        for forged in ("pick", "device_zone"):
            if typed:
                assert _save_zone(patient, **{forged: typed}).status_code == 422
    assert _stored(app).time_zone == "Europe/Paris"


def test_sign_in_takes_only_a_real_zone_from_the_browser(app: Flask, client: FlaskClient) -> None:
    make_user(app, PATIENT)
    token = csrf_token(client, "/login")
    client.post(
        "/login",
        data={"email": PATIENT, "password": PASSWORD, "time_zone": "Factory", "csrf_token": token},
    )
    assert _stored(app).time_zone == "UTC"


def test_the_therapist_picks_a_zone_on_the_same_settings_page(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, THERAPIST, Role.THERAPIST)
    login(client, THERAPIST)
    page = markup(client.get("/settings/"))
    assert 'list="zone-list"' in page
    assert "Move to the next question" not in page  # questionnaires are a patient's
    assert _save_zone(client, time_zone="chicago").status_code == 302
    assert _stored(app, THERAPIST).time_zone == "America/Chicago"


def test_only_the_preferences_module_reads_the_zone_database() -> None:
    """Listing every zone reads hundreds of files (milliseconds): it happens once, when
    journal/accounts/preferences.py is imported, never per request."""
    package = Path(__file__).parents[2] / "journal"
    readers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Name | ast.Attribute)
        and (node.id if isinstance(node, ast.Name) else node.attr) == "available_timezones"
    )
    assert set(readers) == {"accounts/preferences.py"}
    assert preferences.is_zone("Europe/Berlin") and not preferences.is_zone("Factory")


# -- questionnaires: tap to move on, or press Next -----------------------------------------


def _first_question(client: FlaskClient) -> str:
    return markup(client.get("/mood/measures/phq9"))


def _form_tag(page: str) -> str:
    found = re.search(r"<form[^>]*mood/measures/phq9[^>]*>", page)
    assert found
    return found.group(0)


def test_a_new_account_moves_on_when_an_answer_is_tapped(app: Flask, client: FlaskClient) -> None:
    patient = _patient(app, client)
    assert _stored(app).advance_on_tap is True
    page = _first_question(patient)
    assert "data-advance" in _form_tag(page)
    assert "Tapping an answer moves on to the next question." in words(
        patient.get("/mood/measures/phq9")
    )
    assert 'name="go" value="next"' in page  # Next stays for the keyboard and without JS
    settings = markup(patient.get("/settings/"))
    assert re.search(r'<input type="checkbox" id="f-advance_on_tap"[^>]*checked', settings)
    assert (
        '<label for="f-advance_on_tap">Move to the next question when I choose an answer'
        in settings
    )


def test_turned_off_a_questionnaire_waits_for_next_and_the_choice_is_kept(
    app: Flask, client: FlaskClient
) -> None:
    patient = _patient(app, client)
    token = csrf_token(patient, "/settings/")
    saved = patient.post("/settings/questionnaires", data={"csrf_token": token})
    assert saved.status_code == 302
    assert _stored(app).advance_on_tap is False
    assert "press Next to move on" in words(patient.get("/settings/"))
    page = _first_question(patient)
    assert "data-advance" not in _form_tag(page)
    assert "Tapping an answer" not in page
    assert 'name="go" value="next"' in page
    settings = markup(patient.get("/settings/"))
    assert not re.search(r'<input type="checkbox" id="f-advance_on_tap"[^>]*checked', settings)
    # And on again.
    token = csrf_token(patient, "/settings/")
    patient.post("/settings/questionnaires", data={"advance_on_tap": "on", "csrf_token": token})
    assert _stored(app).advance_on_tap is True
    assert "data-advance" in _form_tag(_first_question(patient))


def test_the_setting_is_one_persons_own(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    patient = _patient(app, client)
    make_user(app, "other@example.com")
    login(other_client, "other@example.com")
    patient.post("/settings/questionnaires", data={"csrf_token": csrf_token(patient, "/settings/")})
    assert "data-advance" not in _form_tag(_first_question(patient))
    assert "data-advance" in _form_tag(_first_question(other_client))


def test_the_setting_needs_a_session_and_a_csrf_token(app: Flask, client: FlaskClient) -> None:
    anonymous = app.test_client()
    assert anonymous.post("/settings/questionnaires").status_code in (302, 400)
    patient = _patient(app, client)
    assert patient.post("/settings/questionnaires", data={}).status_code == 400
    assert _stored(app).advance_on_tap is True
