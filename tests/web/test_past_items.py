"""Checklist items whose time has passed are past, not "due now" (issue 18): a session
planned minutes before it starts, a session that is over, a session logged after the
fact."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import login, make_user
from tests.web.prep_helpers import in_hours, move_session, plan_session, planned_earlier

PATIENT = "past.items@example.com"


def _client(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, PATIENT)
    login(client, PATIENT)
    return client


def due_now_keys(html: str) -> list[str]:
    """The checklist items marked "due now" on a page."""
    return re.findall(r'id="item-([a-z0-9-]+)-when">[^\n]*<strong>due now</strong>', html)


def test_a_session_logged_after_the_fact_has_no_due_items(app: Flask, client: FlaskClient) -> None:
    patient = _client(app, client)
    session_id = plan_session(patient, in_hours(-26), status="done")
    page = patient.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert due_now_keys(page) == []
    assert "due now" not in page.lower()
    home = patient.get("/").get_data(as_text=True)
    assert due_now_keys(home) == [] and 'id="home-due-now"' not in home


def test_a_session_planned_minutes_ahead_lists_earlier_items_as_past(
    app: Flask, client: FlaskClient
) -> None:
    patient = _client(app, client)
    session_id = plan_session(patient, in_hours(0.25))
    page = patient.get(f"/sessions/{session_id}").get_data(as_text=True)
    # The 24 h, 6 h and 2 h items were due before the session was even planned.
    assert "no-solid-food-6h" not in due_now_keys(page)
    assert "no-alcohol-or-drugs" not in due_now_keys(page)
    assert "Time has passed" in page
    home = patient.get("/").get_data(as_text=True)
    assert "no-solid-food-6h" not in due_now_keys(home)


def test_before_items_are_past_once_the_session_has_begun(app: Flask, client: FlaskClient) -> None:
    patient = _client(app, client)
    session_id = plan_session(patient, in_hours(30))
    planned_earlier(app, session_id)  # planned days ago, never ticked
    move_session(app, session_id, in_hours(-1))  # and now it began an hour ago
    page = patient.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "no-drinks-2h" not in due_now_keys(page)
    assert "no-solid-food-6h" not in due_now_keys(page)
