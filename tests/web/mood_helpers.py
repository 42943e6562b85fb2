"""Helpers for the mood and measures tests: a check-in, and questionnaires answered
the way a browser does it (each screen posts what the previous one carried)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from journal.accounts.accounts import Unlocked
from journal.core import records
from journal.core.extensions import db
from journal.models.moods import CheckIn
from journal.mood import measures, moods
from journal.mood.moods import CheckInValues
from journal.mood.scoring import get_instrument
from tests.pages import csrf_token

CRISIS_MARKERS = ("crisis-card", "Nobody watches this app live", 'href="tel:988"')


class _FormFields(HTMLParser):
    """What the questionnaire form submits as it stands: its hidden inputs and the
    radio that is checked on screen (a browser sends both)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.checked: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag != "input" or not a.get("name"):
            return
        if a.get("type") == "hidden":
            self.hidden[str(a["name"])] = a.get("value") or ""
        elif a.get("type") == "radio" and "checked" in a:
            self.checked[str(a["name"])] = a.get("value") or ""


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs alone: the answers carried from other screens."""
    parser = _FormFields()
    parser.feed(html)
    return parser.hidden


def checked_radios(html: str) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(html)
    return parser.checked


def form_fields(html: str) -> dict[str, str]:
    """Everything the form sends if the person presses a button without choosing."""
    return {**hidden_fields(html), **checked_radios(html)}


def checkin(
    client: FlaskClient, headers: Mapping[str, str] | None = None, **values: str
) -> TestResponse:
    data = {"csrf_token": csrf_token(client, "/mood/check-in"), **values}
    return client.post("/mood/check-in", data=data, headers=dict(headers or {}))


def step(
    client: FlaskClient,
    instrument: str,
    carried: Mapping[str, str],
    answer: Mapping[str, str] | None = None,
    go: str = "next",
    headers: Mapping[str, str] | None = None,
    follow: bool = False,
) -> TestResponse:
    """Post one screen: what it carried in hidden fields, plus the answer chosen on it."""
    data = {**carried, **(answer or {}), "go": go}
    return client.post(
        f"/mood/measures/{instrument}",
        data=data,
        headers=dict(headers or {}),
        follow_redirects=follow,
    )


def walk(
    client: FlaskClient,
    instrument: str,
    answers: list[int],
    headers: Mapping[str, str] | None = None,
    supplementary: Mapping[str, str] | None = None,
) -> TestResponse:
    """Answer every question screen by screen with Next, then finish on the last
    screen; returns the result page (or its fragment), the redirect followed."""
    has_extra = bool(get_instrument(instrument).supplementary_questions)
    page = client.get(f"/mood/measures/{instrument}").get_data(as_text=True)
    carried = form_fields(page)
    for number, value in enumerate(answers, start=1):
        answer = {f"q{number}": str(value)}
        if number == len(answers) and not has_extra:
            return step(client, instrument, carried, answer, "finish", headers, follow=True)
        response = step(client, instrument, carried, answer, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        carried = form_fields(response.get_data(as_text=True))
    return step(client, instrument, carried, supplementary, "finish", headers, follow=True)


def finish_at_once(
    client: FlaskClient,
    instrument: str,
    answers: Mapping[int, int],
    key: str | None = None,
    headers: Mapping[str, str] | None = None,
    follow: bool = False,
    **extra: str,
) -> TestResponse:
    """The last screen's post with every answer in it (what a browser sends at the end)."""
    data = {
        "csrf_token": csrf_token(client, f"/mood/measures/{instrument}"),
        "key": key or str(uuid.uuid4()),
        "step": str(len(answers)),
        **{f"q{n}": str(v) for n, v in answers.items()},
        **extra,
    }
    return step(client, instrument, data, go="finish", headers=headers, follow=follow)


def phq9(item9: int = 0, others: int = 1) -> dict[int, int]:
    return {**{n: others for n in range(1, 9)}, 9: item9}


def seed_checkins(
    app: Flask, keys: Unlocked, days: Iterable[tuple[date, int, int]], note: str = ""
) -> int:
    """Many check-ins at once, sealed exactly as the service seals them (one commit,
    so years of history take a moment, not minutes). Returns how many."""
    count = 0
    with app.app_context():
        user_id = db.session.merge(keys.user).id
        for day, mood, anxiety in days:
            row = CheckIn(id=uuid.uuid4(), user_id=user_id, day=day, revision=0)
            values = CheckInValues(mood=mood, anxiety=anxiety, note=note)
            records.seal_payload(keys.udk, moods.TABLE, row, values.payload())
            db.session.add(row)
            count += 1
        db.session.commit()
    return count


def seed_result(
    app: Flask, keys: Unlocked, instrument: str, answers: Mapping[int, int], taken_at: datetime
) -> None:
    with app.app_context():
        user = db.session.merge(keys.user)
        measures.submit(user, keys.udk, instrument, answers, {}, uuid.uuid4(), now=taken_at)
