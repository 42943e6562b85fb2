"""The induction series is numbered by date (issue 18), and renumbered when a session
is added, moved or cancelled."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.prep_helpers import in_hours, local_fields, plan_session, session_form, text_of

PATIENT = "series@example.com"


def position(client: FlaskClient, session_id: str) -> str:
    match = re.search(r"Induction (\d+) of (\d+)", text_of(client.get(f"/sessions/{session_id}")))
    assert match, "no series place on the page"
    return match.group(1)


def move(client: FlaskClient, session_id: str, starts_at: datetime, **values: str) -> None:
    data = session_form(**local_fields(starts_at, "UTC"), **values)
    data["csrf_token"] = csrf_token(client, f"/sessions/{session_id}/edit")
    assert client.post(f"/sessions/{session_id}", data=data).status_code == 303


def test_sessions_are_numbered_by_date_when_added_moved_or_cancelled(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, PATIENT)
    login(client, PATIENT)
    future = plan_session(client, in_hours(72), series_position="1")
    # Logged afterwards, but it happened first: it is number 1, the planned one 2.
    past = plan_session(client, in_hours(-48), status="done", series_position="2")
    assert (position(client, past), position(client, future)) == ("1", "2")

    # One planned in between takes number 2; the later one becomes 3.
    between = plan_session(client, in_hours(24), series_position="3")
    assert [position(client, s) for s in (past, between, future)] == ["1", "2", "3"]

    # Moved before the one in between: they swap numbers.
    move(client, future, in_hours(12), series_position="3")
    assert [position(client, s) for s in (past, future, between)] == ["1", "2", "3"]

    # Cancelled: the ones after it move up.
    token = csrf_token(client, f"/sessions/{future}/cancel")
    assert client.post(f"/sessions/{future}/cancel", data={"csrf_token": token}).status_code == 303
    assert [position(client, s) for s in (past, between)] == ["1", "2"]


def test_a_series_begun_before_the_app_keeps_its_first_number(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, PATIENT)
    login(client, PATIENT)
    later = plan_session(client, in_hours(72), series_position="4")
    earlier = plan_session(client, in_hours(24), series_position="5")
    assert (position(client, earlier), position(client, later)) == ("4", "5")
