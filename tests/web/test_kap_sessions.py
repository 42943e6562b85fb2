"""Planning, logging, editing, cancelling and finishing dosing sessions through the
pages, in the patient's time zone; and the bad input the form must answer plainly
without losing what was typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.models.kap_sessions import SessionStatus
from journal.models.types import utcnow
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.prep_helpers import (
    field_errors,
    in_hours,
    local_fields,
    move_session,
    next_dst_change,
    plan_session,
    planned_earlier,
    post_session,
    session_row,
    set_time_zone,
    text_of,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


@pytest.fixture
def ada(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    set_time_zone(app, "ada@example.com", BERLIN)
    assert login(client, "ada@example.com").status_code == 302
    return client


def _post(client: FlaskClient, path: str, **data: str) -> int:
    data["csrf_token"] = csrf_token(client, "/sessions/")
    return client.post(path, data=data).status_code


# -- planning and logging -------------------------------------------------------------


def test_a_planned_session_is_stored_in_utc_and_shown_in_local_time(
    app: Flask, ada: FlaskClient
) -> None:
    starts = in_hours(50)
    session_id = plan_session(
        ada, starts, BERLIN, route="intranasal", series_position="3", series_total="6"
    )
    row = session_row(app, session_id)
    assert row.starts_at == starts
    assert row.status == SessionStatus.PLANNED

    page = text_of(ada.get(f"/sessions/{session_id}"))
    local = starts.astimezone(ZoneInfo(BERLIN))
    assert "Session planned." in page
    assert local.strftime("%a %-d %b %Y") in page
    assert f">{local:%H:%M}</time>" in page
    assert "Esketamine nasal spray" in page
    assert "Induction 3 of 6" in page


def test_the_list_shows_coming_sessions_first_and_past_ones_below(ada: FlaskClient) -> None:
    later = plan_session(ada, in_hours(72), BERLIN)
    sooner = plan_session(ada, in_hours(30), BERLIN, series_position="2")
    logged = plan_session(ada, in_hours(-100), BERLIN, status="done")
    page = ada.get("/sessions/").get_data(as_text=True)
    coming, past = page.split('id="past-title"')
    assert coming.index(sooner) < coming.index(later)
    assert logged in past and logged not in coming
    assert "Sessions</a>" in page and 'aria-current="page">Sessions' in page


def test_a_past_session_can_be_logged_as_done(app: Flask, ada: FlaskClient) -> None:
    session_id = plan_session(ada, in_hours(-30), BERLIN, status="done", dose="56")
    assert session_row(app, session_id).status == SessionStatus.DONE
    page = text_of(ada.get(f"/sessions/{session_id}"))
    assert "Session logged." in page
    assert "56 mg" in page


def test_a_past_session_cannot_be_planned_and_nothing_typed_is_lost(ada: FlaskClient) -> None:
    response = post_session(
        ada, **local_fields(in_hours(-3), BERLIN), notes="Bring the blue blanket", dose="84"
    )
    assert response.status_code == 422
    assert any("already passed" in e and "It already happened" in e for e in field_errors(response))
    page = text_of(response)
    assert "Bring the blue blanket" in page
    assert 'value="84"' in page
    assert 'value="intranasal"' in page  # the form is all there


def test_a_session_in_the_future_cannot_be_logged_as_done(ada: FlaskClient) -> None:
    response = post_session(ada, **local_fields(in_hours(5), BERLIN), status="done")
    assert response.status_code == 422
    assert any("still to come" in e for e in field_errors(response))


@pytest.mark.parametrize("dose", ["a lot", "56mg56", "-5", "0", "NaN", "1e9"])
def test_a_dose_that_is_not_a_plausible_number_is_refused(ada: FlaskClient, dose: str) -> None:
    response = post_session(ada, **local_fields(in_hours(5), BERLIN), dose=dose, notes="kept")
    assert response.status_code == 422
    assert any("dose" in e and "milligrams" in e for e in field_errors(response))
    assert f'value="{dose}"' in response.get_data(as_text=True)
    assert "kept" in text_of(response)


@pytest.mark.parametrize(("typed", "stored"), [("56", "56"), ("0,5", "0.5"), ("84 mg", "84")])
def test_a_dose_is_read_as_milligrams(ada: FlaskClient, typed: str, stored: str) -> None:
    session_id = plan_session(ada, in_hours(5), BERLIN, dose=typed)
    assert f"{stored} mg" in text_of(ada.get(f"/sessions/{session_id}"))


def test_an_overlapping_session_is_refused_and_the_message_says_which(ada: FlaskClient) -> None:
    first = in_hours(48)
    plan_session(ada, first, BERLIN, route="im")
    response = post_session(ada, **local_fields(first + timedelta(hours=3), BERLIN))
    assert response.status_code == 422
    [message] = [e for e in field_errors(response) if "already have a session" in e]
    local = first.astimezone(ZoneInfo(BERLIN))
    assert local.strftime("%a %-d %b %Y at %H:%M") in message
    assert "IM injection" in message
    assert "4 hours" in message


def test_sessions_four_hours_apart_or_around_a_cancelled_one_are_fine(
    ada: FlaskClient,
) -> None:
    first = in_hours(48)
    first_id = plan_session(ada, first, BERLIN)
    plan_session(ada, first + timedelta(hours=4), BERLIN, series_position="2")
    assert _post(ada, f"/sessions/{first_id}/cancel") == 303
    plan_session(ada, first - timedelta(hours=1), BERLIN, series_position="3")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"date": "", "time": "09:00"}, "Enter the date"),
        ({"date": "14/03/2027", "time": "09:00"}, "year-month-day"),
        ({"time": "9 o'clock"}, "hours:minutes"),
        ({"route": "rectal"}, "how the medicine is given"),
        ({"setting": "car"}, "where the session takes place"),
        ({"series_position": "three"}, "whole number"),
        ({"series_position": "7", "series_total": "6"}, "larger than the total"),
        ({"notes": "x" * 5001}, "keep them under 5,000"),
    ],
)
def test_each_bad_field_gets_its_own_message(
    ada: FlaskClient, values: dict[str, str], message: str
) -> None:
    fields = {**local_fields(in_hours(5), BERLIN), **values}
    response = post_session(ada, **fields)
    assert response.status_code == 422
    assert any(message in e for e in field_errors(response)), field_errors(response)


# -- time zones -----------------------------------------------------------------------


def test_a_time_the_clocks_skip_is_refused_with_a_reason(app: Flask, ada: FlaskClient) -> None:
    spring = next_dst_change(ZoneInfo(BERLIN), utcnow().date(), forward=True)
    response = post_session(ada, date=spring.isoformat(), time="02:30")
    assert response.status_code == 422
    assert any("does not exist" in e and "clocks go forward" in e for e in field_errors(response))


def test_across_the_autumn_change_the_day_before_item_keeps_24_real_hours(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "nyc@example.com")
    set_time_zone(app, "nyc@example.com", NEW_YORK)
    login(client, "nyc@example.com")
    autumn = next_dst_change(ZoneInfo(NEW_YORK), utcnow().date(), forward=False)
    response = post_session(client, date=autumn.isoformat(), time="09:00")
    assert response.status_code == 303
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    # 09:00 on the Sunday the clocks go back is 14:00 UTC (EST, UTC-5).
    starts = datetime.combine(autumn, datetime.min.time(), tzinfo=UTC) + timedelta(hours=14)
    assert session_row(app, session_id).starts_at == starts

    page = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    day_before = autumn - timedelta(days=1)
    # 24 real hours before is 10:00 on Saturday, still daylight time (UTC-4).
    assert (
        f'id="item-no-alcohol-or-drugs-when">24 h before · '
        f'<time datetime="{day_before.isoformat()}T14:00:00+00:00">'
        f"{day_before:%a %-d %b}, 10:00</time>"
    ) in page
    # 6 h before is 03:00 EST, the clocks having gone back at 02:00 EDT.
    assert f"{autumn:%a %-d %b}, 03:00</time>" in page


# -- edit, cancel, done --------------------------------------------------------------


def test_editing_a_session_keeps_its_status_and_updates_the_details(
    app: Flask, ada: FlaskClient
) -> None:
    session_id = plan_session(ada, in_hours(30), BERLIN, notes="first")
    form = ada.get(f"/sessions/{session_id}/edit")
    assert form.status_code == 200
    assert "first" in text_of(form)
    moved = in_hours(54)
    data = {
        **local_fields(moved, BERLIN),
        "route": "im",
        "setting": "clinic",
        "series": "maintenance",
        "series_position": "",
        "series_total": "",
        "dose": "",
        "notes": "second",
        "csrf_token": csrf_token(ada, f"/sessions/{session_id}/edit"),
    }
    response = ada.post(f"/sessions/{session_id}", data=data)
    assert response.status_code == 303
    row = session_row(app, session_id)
    assert (row.starts_at, row.status) == (moved, SessionStatus.PLANNED)
    page = text_of(ada.get(f"/sessions/{session_id}"))
    assert "Changes saved." in page
    assert "IM injection" in page and "Maintenance" in page and "second" in page


def test_a_started_session_can_still_be_edited_if_its_time_stays(
    app: Flask, ada: FlaskClient
) -> None:
    session_id = plan_session(ada, in_hours(30), BERLIN)
    started = in_hours(-1)
    move_session(app, session_id, started)
    data = {
        **local_fields(started, BERLIN),
        **{k: v for k, v in (("route", "iv"), ("setting", "clinic"), ("series", "induction"))},
        "notes": "felt calm",
        "csrf_token": csrf_token(ada, f"/sessions/{session_id}/edit"),
    }
    assert ada.post(f"/sessions/{session_id}", data=data).status_code == 303


def test_a_planned_session_cannot_be_moved_into_the_past(app: Flask, ada: FlaskClient) -> None:
    session_id = plan_session(ada, in_hours(30), BERLIN)
    data = {
        **local_fields(in_hours(-5), BERLIN),
        "route": "iv",
        "setting": "clinic",
        "series": "induction",
        "csrf_token": csrf_token(ada, f"/sessions/{session_id}/edit"),
    }
    response = ada.post(f"/sessions/{session_id}", data=data)
    assert response.status_code == 422
    assert any("Mark done" in e for e in field_errors(response))
    assert 'name="status"' not in response.get_data(as_text=True)


def test_a_cancelled_session_stays_in_the_list_marked_cancelled(
    app: Flask, ada: FlaskClient
) -> None:
    session_id = plan_session(ada, in_hours(30), BERLIN)
    confirm = ada.get(f"/sessions/{session_id}/cancel")
    assert "Cancel the session on" in text_of(confirm)
    assert _post(ada, f"/sessions/{session_id}/cancel") == 303
    assert session_row(app, session_id).status == SessionStatus.CANCELLED
    listing = ada.get("/sessions/").get_data(as_text=True)
    past = listing.split('id="past-title"')[1]
    assert session_id in past and "Cancelled" in past
    page = text_of(ada.get(f"/sessions/{session_id}"))
    assert "Edit</a>" not in page
    # A cancelled session is not edited back to life.
    data = {**local_fields(in_hours(30), BERLIN), "csrf_token": csrf_token(ada, "/sessions/")}
    assert ada.post(f"/sessions/{session_id}", data=data).status_code == 409


def test_a_session_is_marked_done_once_it_has_started(app: Flask, ada: FlaskClient) -> None:
    session_id = plan_session(ada, in_hours(30), BERLIN)
    assert "Mark done" not in text_of(ada.get(f"/sessions/{session_id}"))
    assert _post(ada, f"/sessions/{session_id}/done") == 303
    assert "still to come" in text_of(ada.get(f"/sessions/{session_id}"))
    assert session_row(app, session_id).status == SessionStatus.PLANNED

    move_session(app, session_id, in_hours(-2))
    assert "Mark done" in text_of(ada.get(f"/sessions/{session_id}"))
    assert _post(ada, f"/sessions/{session_id}/done") == 303
    assert session_row(app, session_id).status == SessionStatus.DONE
    # A done session cannot be cancelled any more.
    assert _post(ada, f"/sessions/{session_id}/cancel") == 303
    assert session_row(app, session_id).status == SessionStatus.DONE


def test_the_new_form_guesses_the_next_session_of_the_series(ada: FlaskClient) -> None:
    plan_session(ada, in_hours(-50), BERLIN, status="done", route="oral", setting="home")
    form = ada.get("/sessions/new").get_data(as_text=True)
    assert 'name="series_position" type="text" value="2"' in form
    assert 'value="oral" checked' in form
    assert 'value="home" checked' in form


# -- the Home card --------------------------------------------------------------------


def test_home_shows_the_next_session_with_its_checklist_count_and_due_items(
    ada: FlaskClient,
) -> None:
    assert "No session planned." in text_of(ada.get("/"))
    starts = in_hours(49)
    session_id = plan_session(ada, starts, BERLIN)
    plan_session(ada, in_hours(120), BERLIN, series_position="2")
    zone = ZoneInfo(BERLIN)
    days = (starts.astimezone(zone).date() - utcnow().astimezone(zone).date()).days
    home = text_of(ada.get("/"))
    assert (
        f'>In {days} days</a> — checklist <span id="progress-patient" role="status">0 of ' in home
    )
    assert f"/sessions/{session_id}" in home
    assert "Write your intention" in home


def test_home_lists_the_items_due_now_first(app: Flask, ada: FlaskClient) -> None:
    session_id = plan_session(ada, in_hours(3), BERLIN)
    planned_earlier(app, session_id)
    home = ada.get("/").get_data(as_text=True)
    assert "Today at" in home or "Tomorrow at" in home
    due_now = home.split('id="home-due-now"')[1].split("</ul>")[0]
    # 3 hours before an IV session: the day-before items and no solid food are due.
    assert 'id="item-no-alcohol-or-drugs"' in due_now
    assert 'id="item-no-solid-food-6h"' in due_now
    assert 'id="item-no-drinks-2h"' not in due_now
    assert f"/sessions/{session_id}/checklist/no-solid-food-6h" in due_now
