"""Right after a session (issue 18): Mark done (or the route's session length,
whichever comes first) opens the right-after questions one at a time, always dark,
with Next, Skip and Later, ending on "That's all for now"; Home shows one card per
session saying what is due."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from journal.accounts import accounts
from journal.core.extensions import db
from journal.integration import integration
from journal.models.integration import PromptAnswer, PromptSchedule, PromptState
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.types import utcnow
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token, markup, words
from tests.web.integ_helpers import prompt, prompts
from tests.web.prep_helpers import in_hours, move_session, plan_session

EMAIL = "ada@example.com"
BODY = "What do you feel in your body, and where?"
IMAGES = "Any images, colours or words that stayed with you?"
HARD = "What was hard?"


@pytest.fixture
def patient(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, EMAIL)
    login(client, EMAIL)
    return client


def started(app: Flask, client: FlaskClient, minutes_ago: float, **values: str) -> str:
    """A planned session whose start was `minutes_ago` (its row moved back)."""
    sid = plan_session(client, in_hours(48), **values)
    move_session(app, sid, in_hours(-minutes_ago / 60))
    return sid


def press_mark_done(client: FlaskClient, sid: str) -> str:
    response = client.post(
        f"/sessions/{sid}/done", data={"csrf_token": csrf_token(client, f"/sessions/{sid}")}
    )
    assert response.status_code == 303
    return response.headers["Location"]


def flow(client: FlaskClient, sid: str) -> str:
    response = client.get(f"/sessions/{sid}/after")
    assert response.status_code == 200
    return words(response)


def post(client: FlaskClient, sid: str, key: str, action: str, **data: str) -> str:
    suffix = {"next": "", "skip": "/skip", "later": "/snooze"}[action]
    response = client.post(
        f"/sessions/{sid}/prompts/{key}{suffix}",
        data={
            "csrf_token": csrf_token(client, "/"),
            "next": f"/sessions/{sid}/after",
            **({"until": "3h"} if action == "later" else {}),
            **data,
        },
    )
    assert response.status_code == 303, response.status_code
    assert response.headers["Location"] == f"/sessions/{sid}/after"
    return flow(client, sid)


def test_mark_done_during_the_session_opens_the_right_after_questions_at_once(
    app: Flask, patient: FlaskClient
) -> None:
    sid = started(app, patient, minutes_ago=20)  # an IV session of 60 min: not over yet
    before = utcnow()
    assert press_mark_done(patient, sid) == f"/sessions/{sid}/after"
    for key in ("right-after-body", "right-after-images", "right-after-hard"):
        row = prompt(app, sid, key)
        # Due from the moment it was marked done, not at the planned end in 40 minutes,
        # and due for its 30-minute window from then.
        assert before - timedelta(seconds=1) <= row.due_at <= utcnow()
        assert row.closes_at >= before + timedelta(minutes=30)
    page = patient.get(f"/sessions/{sid}/after")
    html = markup(page)
    assert 'class="writing-view night-mode after-flow"' in html
    assert "Question 1 of 3" in words(page) and BODY in words(page)
    assert "no-store" in page.headers["Cache-Control"]
    # The later slots keep their times from the start.
    start = prompt(app, sid, "day-one-surprised").due_at - timedelta(minutes=240)
    assert prompt(app, sid, "day-three-support").due_at == start + timedelta(minutes=4320)


def test_next_skip_and_later_go_one_question_at_a_time_to_thats_all_for_now(
    app: Flask, patient: FlaskClient
) -> None:
    sid = started(app, patient, minutes_ago=30)
    press_mark_done(patient, sid)
    page = post(patient, sid, "right-after-body", "next", answer="Warm hands, heavy legs.")
    assert "Question 2 of 3" in page and IMAGES in page and BODY not in page
    page = post(patient, sid, "right-after-images", "skip")
    assert "Question 3 of 3" in page and HARD in page
    page = post(patient, sid, "right-after-hard", "later")
    assert "That's all for now" in page and "Next" not in page.split("That's all for now")[1]
    assert "What you put off comes back to your Home screen today at" in page or (
        "tomorrow at" in page
    )
    assert "The next questions from this session open" in page
    states = {p.prompt_key: p.state for p in prompts(app, sid)}
    assert states["right-after-body"] == PromptState.ANSWERED
    assert states["right-after-images"] == PromptState.SKIPPED
    assert states["right-after-hard"] == PromptState.OPEN
    assert prompt(app, sid, "right-after-hard").snoozed_until is not None
    # The answer is sealed: not in clear in the row, and it opens with the key.
    with app.app_context():
        row = db.session.scalar(
            select(PromptAnswer).where(
                PromptAnswer.kap_session_id == uuid.UUID(sid),
                PromptAnswer.prompt_key == "right-after-body",
            )
        )
        assert row is not None
        assert b"Warm hands" not in bytes(row.payload_sealed)
        udk = accounts.authenticate(EMAIL, PASSWORD).udk
        assert integration.read_prompt(row, udk).answer == "Warm hands, heavy legs."
    # Nothing is due now, so Home shows no card for the session.
    assert "questions from today's session" not in words(patient.get("/"))


def test_next_with_nothing_written_stays_on_the_question_and_keeps_a_draft(
    app: Flask, patient: FlaskClient
) -> None:
    sid = started(app, patient, minutes_ago=30)
    press_mark_done(patient, sid)
    response = patient.post(
        f"/sessions/{sid}/prompts/right-after-body",
        data={
            "csrf_token": csrf_token(patient, "/"),
            "next": f"/sessions/{sid}/after",
            "flow": "1",
            "answer": "   ",
        },
    )
    assert response.status_code == 422
    page = words(response)
    assert "Question 1 of 3" in page and "Write a word or two, or skip this prompt" in page
    assert 'id="after-flow"' in markup(response)
    assert prompt(app, sid, "right-after-body").state == PromptState.OPEN


def test_home_shows_one_card_with_what_is_due_and_leads_into_the_flow(
    app: Flask, patient: FlaskClient
) -> None:
    sid = started(app, patient, minutes_ago=30)
    press_mark_done(patient, sid)
    html = markup(patient.get("/"))
    assert html.count('class="card prompts-due"') == 1
    # Started 30 minutes ago: today's, unless that was before midnight.
    label = integration.session_label(in_hours(-0.5), utcnow(), UTC)
    assert f"3 questions from {label}" in words(patient.get("/"))
    assert f'href="/sessions/{sid}/after"' in html


def test_when_the_sessions_length_has_passed_home_offers_its_questions_before_mark_done(
    app: Flask, patient: FlaskClient
) -> None:
    still_on = started(app, patient, minutes_ago=20)  # IV: 60 minutes
    over = started(app, patient, minutes_ago=75, route="iv")
    page = words(patient.get("/"))
    assert "Mark done and begin" in page
    html = markup(patient.get("/"))
    assert f'action="/sessions/{over}/done"' in html
    assert f'action="/sessions/{still_on}/done"' not in html
    # Pressed long after the end, the questions are still open: their window counts
    # from the moment it was marked done.
    move_session(app, over, in_hours(-3))
    press_mark_done(patient, over)
    assert "Question 1 of 3" in flow(patient, over)


def test_a_session_logged_as_done_afterwards_keeps_the_planned_times(
    app: Flask, patient: FlaskClient
) -> None:
    sid = plan_session(patient, in_hours(-5), status="done")
    with app.app_context():
        row = db.session.get(KapSession, uuid.UUID(sid))
        assert row is not None
        starts = row.starts_at
    assert prompt(app, sid, "right-after-body").due_at == starts + timedelta(minutes=60)
    assert "That's all for now" not in flow(patient, sid)  # its day-one questions are due
    assert "Within a day" in flow(patient, sid)


def test_the_flow_is_only_for_the_patients_own_done_sessions(
    app: Flask, patient: FlaskClient
) -> None:
    sid = started(app, patient, minutes_ago=30)
    # Not done yet: back to the session's page.
    response = patient.get(f"/sessions/{sid}/after")
    assert response.status_code == 303 and response.headers["Location"] == f"/sessions/{sid}"
    press_mark_done(patient, sid)
    make_user(app, "eve@example.com")
    eve = app.test_client()
    login(eve, "eve@example.com")
    assert eve.get(f"/sessions/{sid}/after").status_code == 404
    assert eve.get(f"/sessions/{uuid.uuid4()}/after").status_code == 404
    with app.app_context():
        db.session.execute(
            update(KapSession)
            .where(KapSession.id == uuid.UUID(sid))
            .values(status=SessionStatus.CANCELLED)
        )
        db.session.commit()
    assert patient.get(f"/sessions/{sid}/after").status_code == 409


def test_the_moment_it_was_marked_done_is_sealed_in_the_schedule(
    app: Flask, patient: FlaskClient
) -> None:
    sid = started(app, patient, minutes_ago=30)
    press_mark_done(patient, sid)
    with app.app_context():
        schedule = db.session.scalar(
            select(PromptSchedule).where(PromptSchedule.kap_session_id == uuid.UUID(sid))
        )
        assert schedule is not None
        assert b"marked_done_at" not in bytes(schedule.payload_sealed)


def test_the_sessions_page_leads_into_the_flow_while_questions_are_due(
    app: Flask, patient: FlaskClient
) -> None:
    sid = started(app, patient, minutes_ago=30)
    press_mark_done(patient, sid)
    page = patient.get(f"/sessions/{sid}")
    assert "3 due now: answer one at a time" in words(page)
    assert f'href="/sessions/{sid}/after"' in markup(page)
    for key in ("right-after-body", "right-after-images", "right-after-hard"):
        post(patient, sid, key, "skip")
    assert "due now: answer one at a time" not in words(patient.get(f"/sessions/{sid}"))
