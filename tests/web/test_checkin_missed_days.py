"""Checking in for yesterday or any missed day of the past week (issue 18): the
patient picks the day (today by default, the 7 days before, never a day to come),
one check-in a day, with a clear message for each refusal."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.moods import CheckIn
from journal.models.users import User
from journal.mood import moods
from tests.factories import login, make_user
from tests.pages import csrf_token, markup, words

EMAIL = "ada@example.com"


@pytest.fixture
def patient(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, EMAIL)
    login(client, EMAIL)
    return client


def today(app: Flask) -> date:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        assert user is not None
        return moods.local_today(user)


def check_in(
    client: FlaskClient, for_day: date | str | None, mood: str = "3", **extra: str
) -> TestResponse:
    data = {"csrf_token": csrf_token(client, "/"), "mood": mood, "anxiety": "2", **extra}
    if for_day is not None:
        data["for_day"] = for_day if isinstance(for_day, str) else for_day.isoformat()
    return client.post("/mood/check-in", data=data)


def days_saved(app: Flask) -> list[date]:
    with app.app_context():
        return list(db.session.scalars(select(CheckIn.day).order_by(CheckIn.day)))


def test_the_form_offers_today_and_the_seven_days_before_and_no_day_to_come(
    app: Flask, patient: FlaskClient
) -> None:
    html = markup(patient.get("/"))
    assert '<label for="ci-for-day">Which day is this check-in for?</label>' in html
    values = re.findall(r'<option value="(\d{4}-\d\d-\d\d)"', html)
    now = today(app)
    assert values == [(now - timedelta(days=n)).isoformat() for n in range(8)]
    assert f'<option value="{now.isoformat()}" selected>Today (' in html
    assert "Yesterday (" in html


def test_checking_in_for_yesterday_saves_it_for_that_day(app: Flask, patient: FlaskClient) -> None:
    yesterday = today(app) - timedelta(days=1)
    response = check_in(patient, yesterday, next="/")
    assert response.status_code == 302
    assert days_saved(app) == [yesterday]
    assert f"Check-in for {yesterday:%A} {yesterday.day} {yesterday:%B} saved." in words(
        patient.get("/")
    )
    # Today is still to do; yesterday is now marked and cannot be chosen again.
    html = markup(patient.get("/"))
    assert f'<option value="{yesterday.isoformat()}" disabled>' in html
    assert "(checked in)" in html


def test_seven_days_back_is_allowed_eight_is_refused_with_a_message(
    app: Flask, patient: FlaskClient
) -> None:
    now = today(app)
    assert check_in(patient, now - timedelta(days=7)).status_code == 302
    response = check_in(patient, now - timedelta(days=8))
    assert response.status_code == 422
    assert "is more than 7 days ago: you can check in for today or any of the 7 days before" in (
        words(response)
    )
    assert days_saved(app) == [now - timedelta(days=7)]


def test_a_day_to_come_is_refused_never_saved_as_today(app: Flask, patient: FlaskClient) -> None:
    response = check_in(patient, today(app) + timedelta(days=1))
    assert response.status_code == 422
    assert "A check-in can't be for a day still to come." in words(response)
    assert days_saved(app) == []


@pytest.mark.parametrize("raw", ["not-a-day", "2025-02-30", ""])
def test_a_day_that_is_not_a_date_is_refused(app: Flask, patient: FlaskClient, raw: str) -> None:
    response = check_in(patient, raw)
    assert response.status_code == 422
    assert "Choose the day this check-in is for from the list." in words(response)
    assert days_saved(app) == []


def test_a_second_check_in_for_a_chosen_day_is_refused_not_merged(
    app: Flask, patient: FlaskClient
) -> None:
    yesterday = today(app) - timedelta(days=1)
    assert check_in(patient, yesterday, mood="2").status_code == 302
    again = check_in(patient, yesterday, mood="5")
    assert again.status_code == 422
    assert "You already checked in for yesterday: one check-in a day. Choose another day." in (
        words(again)
    )
    assert check_in(patient, today(app)).status_code == 302
    twice = check_in(patient, today(app))
    assert twice.status_code == 422 and "Use “Edit today's check-in” to change it." in words(twice)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 2


def test_editing_todays_check_in_still_works_without_the_picker(
    app: Flask, patient: FlaskClient
) -> None:
    assert check_in(patient, today(app), mood="2").status_code == 302
    edit = markup(patient.get("/mood/check-in"))
    assert 'name="for_day"' not in edit and "Save changes" in edit
    assert check_in(patient, None, mood="4").status_code == 302
    assert days_saved(app) == [today(app)]


def test_when_today_is_done_home_offers_a_missed_day(app: Flask, patient: FlaskClient) -> None:
    assert check_in(patient, today(app)).status_code == 302
    assert "Check in for a missed day" in words(patient.get("/"))
    page = patient.get("/mood/check-in?missed=1")
    html = markup(page)
    yesterday = today(app) - timedelta(days=1)
    assert f'<option value="{yesterday.isoformat()}" selected>Yesterday (' in html
    assert f'<option value="{today(app).isoformat()}" disabled>' in html
    assert 'name="missed" value="1"' in html


def test_a_missed_day_is_offered_even_before_today_is_done(
    app: Flask, patient: FlaskClient
) -> None:
    """Asking for a missed day shows yesterday chosen and asks about "that day", while
    today stays a choice."""
    html = markup(patient.get("/mood/check-in?missed=1"))
    yesterday = today(app) - timedelta(days=1)
    assert f'<option value="{yesterday.isoformat()}" selected>Yesterday (' in html
    assert f'<option value="{today(app).isoformat()}">Today (' in html
    assert mood_legend(html) == "How was your mood that day?"
    assert check_in(patient, yesterday, missed="1").status_code == 302
    assert days_saved(app) == [yesterday]


def test_asking_for_a_missed_day_when_none_is_missing_says_so(
    app: Flask, patient: FlaskClient
) -> None:
    for back in range(1, 8):
        assert check_in(patient, today(app) - timedelta(days=back)).status_code == 302
    page = words(patient.get("/mood/check-in?missed=1"))
    assert "No day of the past week is missing a check-in." in page
    assert "Check in for a missed day" not in page
    assert "How is your mood today?" in page


def test_a_check_in_kept_offline_counts_its_week_from_the_day_it_was_written(
    app: Flask, patient: FlaskClient
) -> None:
    """The outbox sends `day` (the day the form was written); a day chosen then stays
    valid when it is sent days later, and the same key sent twice saves once."""
    written = today(app) - timedelta(days=3)
    chosen = written - timedelta(days=6)  # 9 days ago now, 6 days before it was written
    key = str(uuid.uuid4())
    first = check_in(patient, chosen, day=written.isoformat(), idempotency_key=key)
    assert first.status_code == 302
    again = check_in(patient, chosen, day=written.isoformat(), idempotency_key=key)
    assert again.status_code == 302
    assert days_saved(app) == [chosen]
    future = check_in(patient, written + timedelta(days=1), day=written.isoformat())
    assert future.status_code == 422


# -- the mood question names the day shown (issue 18) ------------------------------------


def mood_legend(html: str) -> str:
    found = re.search(
        r'<legend><span data-question-today="[^"]*" data-question-past="[^"]*">([^<]*)</span>', html
    )
    assert found is not None, "the mood question carries both wordings"
    return found.group(1)


def test_the_mood_question_says_today_for_today(app: Flask, patient: FlaskClient) -> None:
    html = markup(patient.get("/mood/check-in"))
    assert mood_legend(html) == "How is your mood today?"
    assert 'data-question-past="How was your mood that day?"' in html
    assert f'data-today="{today(app).isoformat()}"' in html


def test_a_missed_day_is_not_asked_about_today(app: Flask, patient: FlaskClient) -> None:
    assert check_in(patient, today(app)).status_code == 302
    html = markup(patient.get("/mood/check-in?missed=1"))
    assert mood_legend(html) == "How was your mood that day?"
    assert "How is your mood today?" not in words(patient.get("/mood/check-in?missed=1"))


def test_after_an_error_the_question_follows_the_day_chosen(
    app: Flask, patient: FlaskClient
) -> None:
    yesterday = today(app) - timedelta(days=1)
    refused = check_in(patient, yesterday, mood="")
    assert refused.status_code == 422
    assert mood_legend(markup(refused)) == "How was your mood that day?"
    refused_today = check_in(patient, today(app), mood="")
    assert refused_today.status_code == 422
    assert mood_legend(markup(refused_today)) == "How is your mood today?"
