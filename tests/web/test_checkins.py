"""The daily check-in: from Home in one post (mood, anxiety, save), one per local
day, a second one the same day edits it, and what is wrong is said plainly."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from journal.accounts.accounts import Unlocked
from journal.core.extensions import db
from journal.models.moods import CheckIn
from journal.models.users import User
from journal.mood import moods
from tests.pages import words
from tests.web.helpers import BOOSTED, HTMX
from tests.web.mood_helpers import checkin


def _checkins(app: Flask, keys: Unlocked) -> list[moods.CheckInView]:
    with app.app_context():
        user = db.session.merge(keys.user)
        return moods.checkins_between(user, keys.udk, None, date.max)


def test_home_offers_the_check_in_and_one_post_saves_it(
    app: Flask, ada_keys: Unlocked, ada: FlaskClient
) -> None:
    home = ada.get("/").get_data(as_text=True)
    assert 'action="/mood/check-in"' in home
    assert home.count('name="mood"') == 5 and home.count('name="anxiety"') == 5
    # Tap a mood, tap an anxiety, tap save: the form's one post.
    response = checkin(ada, mood="4", anxiety="2", next="/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = words(ada.get("/"))
    assert "Check-in saved." in page
    assert "Mood Good (4 of 5)" in page
    assert "Anxiety A little (2 of 5)" in page
    assert "Edit today's check-in" in page
    [saved] = _checkins(app, ada_keys)
    assert saved.values == moods.CheckInValues(mood=4, anxiety=2)


def test_the_optional_details_are_kept(app: Flask, ada_keys: Unlocked, ada: FlaskClient) -> None:
    response = checkin(
        ada,
        mood="3",
        anxiety="3",
        energy="2",
        sleep_hours="6,5",
        sleep_quality="4",
        note="Slept badly, better after a walk.",
    )
    assert response.status_code == 302
    [saved] = _checkins(app, ada_keys)
    assert saved.values == moods.CheckInValues(3, 3, 2, 6.5, 4, "Slept badly, better after a walk.")
    page = words(ada.get("/mood/"))
    assert "Sleep 6.5 hours" in page
    assert "Slept badly, better after a walk." in page


def test_a_second_check_in_the_same_day_edits_the_first(
    app: Flask, ada_keys: Unlocked, ada: FlaskClient
) -> None:
    checkin(ada, mood="2", anxiety="4", note="Heavy morning.")
    response = checkin(ada, mood="4", anxiety="2")
    assert response.status_code == 302
    assert "Today's check-in updated." in words(ada.get("/mood/"))
    [saved] = _checkins(app, ada_keys)
    assert (saved.values.mood, saved.values.anxiety, saved.values.note) == (4, 2, "")
    assert saved.edited


def test_the_edit_form_shows_todays_answers(ada: FlaskClient) -> None:
    checkin(ada, mood="5", anxiety="1", note="Light.")
    page = ada.get("/mood/check-in").get_data(as_text=True)
    assert re.search(r'name="mood" value="5"\s+checked', page)
    assert re.search(r'name="anxiety" value="1"\s+checked', page)
    assert ">Light.</textarea>" in page
    assert "Save changes" in page


def test_the_next_day_is_a_new_check_in(app: Flask, ada_keys: Unlocked, ada: FlaskClient) -> None:
    checkin(ada, mood="2", anxiety="2")
    with app.app_context():
        for row in db.session.scalars(select(CheckIn)):
            row.day -= timedelta(days=1)
        db.session.commit()
    assert "Edit today's check-in" not in words(ada.get("/"))
    checkin(ada, mood="3", anxiety="1")
    assert [c.values.mood for c in _checkins(app, ada_keys)] == [2, 3]


def test_through_htmx_the_card_swaps_in_place(ada: FlaskClient) -> None:
    response = checkin(ada, headers=HTMX, mood="1", anxiety="5", next="/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" not in page
    assert page.lstrip().startswith('<section class="card checkin-card" id="checkin-card"')
    assert 'role="status">Check-in saved.' in page
    edit = ada.get("/mood/check-in?next=/", headers=HTMX).get_data(as_text=True)
    assert "<html" not in edit and 'name="mood"' in edit
    boosted = checkin(ada, headers=BOOSTED, mood="2", anxiety="5")
    assert boosted.status_code == 302


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"anxiety": "2"}, "Choose one answer for “How is your mood today?”"),
        ({"mood": "3"}, "Choose one answer for “How anxious do you feel?”"),
        ({"mood": "6", "anxiety": "2"}, "“How is your mood today?” takes one of the five answers"),
        ({"mood": "0", "anxiety": "2"}, "“How is your mood today?” takes one of the five answers"),
        ({"mood": "3", "anxiety": "-1"}, "“How anxious do you feel?” takes one of the five"),
        (
            {"mood": "3", "anxiety": "2", "energy": "9"},
            "“How is your energy?” takes one of the five",
        ),
        ({"mood": "3", "anxiety": "2", "sleep_hours": "25"}, "Hours of sleep is a number from 0"),
        ({"mood": "3", "anxiety": "2", "sleep_hours": "lots"}, "Hours of sleep is a number"),
        ({"mood": "3", "anxiety": "2", "sleep_hours": "nan"}, "Hours of sleep is a number"),
        ({"mood": "3", "anxiety": "2", "note": "x" * 1001}, "keep it under 1,000"),
    ],
)
def test_wrong_values_are_refused_with_what_was_typed_kept(
    app: Flask, ada_keys: Unlocked, ada: FlaskClient, values: dict[str, str], message: str
) -> None:
    typed = {"note": "Keep this note.", **values}
    for headers in ({}, HTMX):
        response = checkin(ada, headers=headers, **typed)
        assert response.status_code == 422
        page = words(response)
        assert message in page, page
        if "note" not in values:
            assert ">Keep this note.</textarea>" in response.get_data(as_text=True)
    assert _checkins(app, ada_keys) == []


def test_the_day_is_the_users_own_calendar_day(
    app: Flask, ada_keys: Unlocked, ada: FlaskClient
) -> None:
    """At any moment one of UTC+14 and UTC-11 is on another date than UTC."""
    now = datetime.now(UTC)
    zone = next(
        z
        for z in ("Pacific/Kiritimati", "Pacific/Pago_Pago")
        if now.astimezone(ZoneInfo(z)).date() != now.date()
    )
    with app.app_context():
        db.session.execute(update(User).values(time_zone=zone))
        db.session.commit()
    checkin(ada, mood="3", anxiety="3")
    with app.app_context():
        stored = db.session.scalar(select(CheckIn.day))
    assert stored == datetime.now(ZoneInfo(zone)).date()


def test_local_today_follows_the_time_zone(app: Flask, ada_keys: Unlocked) -> None:
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    with app.app_context():
        user = db.session.merge(ada_keys.user)
        user.time_zone = "Europe/Berlin"
        assert moods.local_today(user, late) == date(2026, 3, 2)
        user.time_zone = "America/Chicago"
        assert moods.local_today(user, late) == date(2026, 3, 1)
        user.time_zone = "Not/AZone"
        assert moods.local_today(user, late) == date(2026, 3, 1)
        db.session.rollback()


def test_the_check_in_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/mood/check-in")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
