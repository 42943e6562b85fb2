"""The daily check-in through the outbox: the form carries an idempotency key and a
day field, a retried send is answered as saved (never a 422) and never overwrites an
edit made since, and a check-in kept offline keeps the day it was written."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from journal.accounts.accounts import Unlocked
from journal.core.extensions import db
from journal.models.idempotency import IdempotencyKey
from journal.models.moods import CheckIn
from journal.models.users import User
from journal.mood import moods
from tests.web.helpers import HTMX
from tests.web.mood_helpers import checkin

EMAIL = "ada@example.com"


def _today(app: Flask) -> date:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        assert user is not None
        return moods.local_today(user)


def _stored(app: Flask, keys: Unlocked) -> dict[date, moods.CheckInValues]:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == EMAIL))
        rows = db.session.scalars(select(CheckIn).where(CheckIn.user_id == user_id)).all()
        return {row.day: moods.read_checkin(row, keys.udk).values for row in rows}


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CheckIn)) or 0


def test_the_check_in_form_goes_through_the_outbox_with_a_key_and_a_day(ada: FlaskClient) -> None:
    for path in ("/", "/mood/", "/mood/check-in"):
        page = ada.get(path).get_data(as_text=True)
        form = page[page.index('action="/mood/check-in"') :].split("</form>")[0]
        assert 'data-outbox="mood.check_in"' in form, path
        key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', form)
        assert key is not None, path
        uuid.UUID(key.group(1))
        assert 'name="day" value="" data-outbox-day="UTC"' in form, path
        assert 'data-outbox-required="mood"' in form and 'data-outbox-required="anxiety"' in form


def test_the_same_key_twice_makes_one_check_in_and_both_answers_are_success(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    key = str(uuid.uuid4())
    first = checkin(ada, HTMX, mood="3", anxiety="2", idempotency_key=key)
    again = checkin(ada, HTMX, mood="3", anxiety="2", idempotency_key=key)
    assert first.status_code == again.status_code == 200
    assert "Check-in saved." in again.get_data(as_text=True)
    assert _count(app) == 1
    plain = checkin(ada, mood="3", anxiety="2", idempotency_key=key)
    assert plain.status_code == 302


def test_a_retried_send_never_overwrites_an_edit_made_since(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    sent_offline = str(uuid.uuid4())
    checkin(ada, HTMX, mood="2", anxiety="4", note="first", idempotency_key=sent_offline)
    checkin(ada, HTMX, mood="4", anxiety="1", note="edited", idempotency_key=str(uuid.uuid4()))
    # The outbox never heard back about the first send and sends it again.
    retry = checkin(ada, HTMX, mood="2", anxiety="4", note="first", idempotency_key=sent_offline)
    assert retry.status_code == 200
    (values,) = _stored(app, ada_keys).values()
    assert (values.mood, values.anxiety, values.note) == (4, 1, "edited")


def test_a_retried_send_is_success_even_when_the_form_would_now_be_refused(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    key = str(uuid.uuid4())
    assert checkin(ada, HTMX, mood="3", anxiety="3", idempotency_key=key).status_code == 200
    # By the time it is sent again its day is too old to save, and a repeat must
    # still not turn into an item the outbox marks as refused.
    old_day = (_today(app) - timedelta(days=365)).isoformat()
    retry = checkin(ada, HTMX, mood="3", anxiety="3", idempotency_key=key, day=old_day)
    assert retry.status_code == 200
    assert _count(app) == 1


def test_a_check_in_kept_offline_keeps_the_day_it_was_written(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    yesterday = _today(app) - timedelta(days=1)
    response = checkin(ada, HTMX, mood="2", anxiety="3", day=yesterday.isoformat())
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f"Check-in for {yesterday:%A} {yesterday.day} {yesterday:%B} saved." in body
    # Today's card still asks for today's check-in.
    assert "Save check-in" in body
    checkin(ada, HTMX, mood="4", anxiety="2")
    stored = _stored(app, ada_keys)
    assert {d: v.mood for d, v in stored.items()} == {yesterday: 2, _today(app): 4}


def test_a_day_ahead_of_the_users_zone_is_today(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    tomorrow = _today(app) + timedelta(days=1)
    assert checkin(ada, HTMX, mood="3", anxiety="3", day=tomorrow.isoformat()).status_code == 200
    assert list(_stored(app, ada_keys)) == [_today(app)]


@pytest.mark.parametrize("day", ["last tuesday", "2020-02-30", "old"])
def test_a_day_that_is_not_a_date_or_too_old_is_refused_with_what_was_typed(
    app: Flask, ada: FlaskClient, day: str
) -> None:
    if day == "old":
        day = (_today(app) - moods.BACKDATE_LIMIT - timedelta(days=1)).isoformat()
    response = checkin(ada, HTMX, mood="5", anxiety="1", note="kept as typed", day=day)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "too old to save" in text
    assert "kept as typed" in text
    assert _count(app) == 0


def test_a_refused_check_in_does_not_use_up_its_key(app: Flask, ada: FlaskClient) -> None:
    key = str(uuid.uuid4())
    assert checkin(ada, HTMX, anxiety="2", idempotency_key=key).status_code == 422
    assert checkin(ada, HTMX, mood="3", anxiety="2", idempotency_key=key).status_code == 200
    assert _count(app) == 1
    with app.app_context():
        kinds = db.session.scalars(select(IdempotencyKey.kind)).all()
    assert kinds == ["mood.check_in"]


def test_the_offline_page_takes_a_check_in_too(client: FlaskClient) -> None:
    page = client.get("/offline").get_data(as_text=True)
    form = page[page.index('id="offline-checkin-form"') - 200 :].split("</form>")[0]
    assert 'action="/mood/check-in"' in form
    assert 'data-outbox="mood.check_in" data-outbox-always' in form
    assert 'data-outbox-day=""' in form
    assert "How is your mood today?" in form and "How anxious do you feel?" in form
    assert "csrf_token" not in form
