"""Re-reading every answer to one prompt across sessions, side by side."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import login, make_user
from tests.web.integ_helpers import answer, log_done_session, skip
from tests.web.prep_helpers import text_of


@pytest.fixture
def patient(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    return client


def test_answers_to_one_prompt_sit_side_by_side_in_session_order(
    app: Flask, patient: FlaskClient
) -> None:
    sessions = [log_done_session(patient, hours_ago=h) for h in (24 * 14, 24 * 7, 5)]
    # Answered out of order; the page follows the sessions.
    answer(patient, sessions[2], "day-one-feels-different", "Third: lighter.")
    answer(patient, sessions[1], "day-one-feels-different", "Second: a crack of light.")
    answer(patient, sessions[0], "day-one-feels-different", "First: nothing yet.")
    skip(patient, sessions[1], "day-one-surprised")
    answer(patient, sessions[2], "day-one-surprised", "The quiet.")

    index = text_of(patient.get("/journal/answers"))
    assert "(3 answers)" in index and "(1 answer)" in index
    assert index.index("What surprised you?") < index.index("What feels different")

    page = text_of(patient.get("/journal/answers/day-one-feels-different"))
    assert "3 answers, in the order of your sessions." in page
    positions = [page.index(t) for t in ("First: nothing", "Second: a crack", "Third: lighter")]
    assert positions == sorted(positions)
    assert "Session 1" in page and "Session 2" in page and "Session 3" in page

    writing = text_of(patient.get(f"/sessions/{sessions[2]}/prompts/day-one-feels-different"))
    assert "Your 3 answers to this prompt, side by side" in writing


def test_a_prompt_never_answered_has_no_page(app: Flask, patient: FlaskClient) -> None:
    sid = log_done_session(patient, hours_ago=5)
    skip(patient, sid, "day-one-surprised")
    assert patient.get("/journal/answers/day-one-surprised").status_code == 404
    assert "No answers yet." in text_of(patient.get("/journal/answers"))
