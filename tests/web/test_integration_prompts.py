"""Due prompts on Home (oldest first), and answering, skipping and snoozing them;
empty answers stay drafts; a cancelled session's prompts cannot be answered."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from journal.core.extensions import db
from journal.models.integration import PromptAnswer, PromptDraft
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.types import utcnow
from tests.factories import last_link, login, make_user
from tests.pages import csrf_token
from tests.web.helpers import age_sessions
from tests.web.integ_helpers import (
    answer,
    autosave,
    end_snooze,
    log_done_session,
    mark_done_session,
    prompt,
    prompt_url,
    skip,
    snooze,
    travel,
)
from tests.web.prep_helpers import in_hours as hours_from_now
from tests.web.prep_helpers import plan_session, set_time_zone, text_of

DAY_ONE = ["What surprised you?", "What feels different, even a little?"]
DAY_THREE = "Who or what is supporting you right now?"
RIGHT_AFTER = "What do you feel in your body, and where?"
HARD = "What was hard?"
STEP = "What is one small, concrete step you could take this week?"


@pytest.fixture
def patient(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    return client


def home(client: FlaskClient) -> str:
    return text_of(client.get("/"))


def due_on_home(client: FlaskClient) -> list[str]:
    html = client.get("/").get_data(as_text=True)
    return [
        re.sub(r"\s+", " ", t).strip()
        for t in re.findall(r'class="prompt-link"[^>]*>([^<]*)<', html)
    ]


def test_right_after_a_session_is_done_its_first_prompts_are_on_home(
    app: Flask, patient: FlaskClient
) -> None:
    assert "questions from" not in home(patient)
    mark_done_session(app, patient, hours_ago=1.1)
    due = due_on_home(patient)
    assert due == [RIGHT_AFTER, "Any images, colours or words that stayed with you?", HARD]
    assert DAY_THREE not in due and DAY_ONE[0] not in due


def test_home_shows_one_card_per_session_newest_session_first(
    app: Flask, patient: FlaskClient
) -> None:
    older = log_done_session(patient, hours_ago=73)  # day 3 opened an hour ago
    newer = log_done_session(patient, hours_ago=4.5)  # "within a day" opened half an hour ago
    html = patient.get("/").get_data(as_text=True)
    cards = re.findall(r'<section class="card prompts-due"', html)
    assert len(cards) == 2
    due = due_on_home(patient)
    assert due == [*DAY_ONE, DAY_THREE, STEP]
    page = home(patient)
    newer_day = (utcnow() - timedelta(hours=4.5)).date()
    newer_card = "2 questions from " + (
        "today's session" if newer_day == utcnow().date() else "yesterday's session"
    )
    older_card = f"2 questions from {(utcnow() - timedelta(hours=73)):%A}'s session"
    assert page.index(newer_card) < page.index(older_card)
    # Each card leads into its own session's questions, one at a time.
    assert html.index(f"/sessions/{newer}/after") < html.index(f"/sessions/{older}/after")


def test_answering_a_prompt_saves_it_and_takes_it_off_home(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=5)
    page = text_of(patient.get(prompt_url(sid, "day-one-surprised")))
    assert "What surprised you?" in page and "Save answer" in page
    response = answer(patient, sid, "day-one-surprised", "How quiet it was.\n\nAnd warm.")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Answer saved." in home(patient)
    assert "What surprised you?" not in due_on_home(patient)
    row = prompt(app, sid, "day-one-surprised")
    assert row.state == "answered" and row.answered_at is not None
    again = text_of(patient.get(prompt_url(sid, "day-one-surprised")))
    assert "How quiet it was.\n\nAnd warm." in again and "Save changes" in again
    shown = text_of(patient.get(f"/sessions/{sid}"))
    assert "1 of 10 prompts answered" in shown


def test_editing_an_answer_keeps_when_it_was_first_answered(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=5)
    answer(patient, sid, "day-one-surprised", "First thoughts.")
    first = prompt(app, sid, "day-one-surprised").answered_at
    answer(patient, sid, "day-one-surprised", "Second thoughts.")
    assert prompt(app, sid, "day-one-surprised").answered_at == first
    assert "Second thoughts." in text_of(patient.get(prompt_url(sid, "day-one-surprised")))


def test_an_empty_answer_is_kept_as_a_draft_not_as_an_answer(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=5)
    response = answer(patient, sid, "day-one-surprised", "   \n  ")
    assert response.status_code == 422
    assert "nothing to save as an answer yet, so it is kept as a draft" in text_of(response)
    assert prompt(app, sid, "day-one-surprised").state == "open"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PromptDraft)) == 1
    assert "What surprised you?" in due_on_home(patient)


def test_an_over_long_answer_is_refused_and_nothing_typed_is_lost(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=5)
    text = "word " * (app.config["ENTRY_MAX_CHARS"] // 5 + 10)
    response = answer(patient, sid, "day-one-surprised", text)
    assert response.status_code == 422
    assert "the limit is" in text_of(response)
    assert text.rstrip() in text_of(response)
    assert prompt(app, sid, "day-one-surprised").state == "open"


def test_autosave_keeps_a_draft_that_the_writing_view_restores(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=5)
    saved = autosave(patient, sid, "day-one-surprised", "Half a sente")
    assert saved.status_code == 200 and "Draft saved at" in text_of(saved)
    page = text_of(patient.get(prompt_url(sid, "day-one-surprised")))
    assert "Restored what you were typing" in page and "Half a sente" in page
    answer(patient, sid, "day-one-surprised", "Half a sentence, finished.")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PromptDraft)) == 0


def test_autosave_still_lands_after_the_session_went_idle(app: Flask, patient: FlaskClient) -> None:
    sid = log_done_session(patient, hours_ago=5)
    token = csrf_token(patient, "/")
    age_sessions(app, "ada@example.com", idle=timedelta(hours=2))
    response = patient.post(
        prompt_url(sid, "day-one-surprised") + "/draft",
        data={"csrf_token": token, "answer": "Written while the session was idle."},
    )
    assert response.status_code == 200
    assert "Your session ended, but your words are saved." in text_of(response)
    login(patient, "ada@example.com")
    page = text_of(patient.get(prompt_url(sid, "day-one-surprised")))
    assert "Written while the session was idle." in page


def test_skipping_a_prompt_takes_it_off_home_but_it_can_still_be_answered(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=5)
    assert skip(patient, sid, "day-one-surprised").status_code == 303
    assert "What surprised you?" not in due_on_home(patient)
    assert prompt(app, sid, "day-one-surprised").state == "skipped"
    assert "You skipped this prompt" in text_of(patient.get(prompt_url(sid, "day-one-surprised")))
    answer(patient, sid, "day-one-surprised", "Changed my mind.")
    assert prompt(app, sid, "day-one-surprised").state == "answered"
    refused = skip(patient, sid, "day-one-surprised")
    assert refused.status_code == 409 and "already answered" in text_of(refused)


def test_snoozing_for_three_hours_brings_the_prompt_back_even_after_its_window(
    app: Flask, patient: FlaskClient
) -> None:
    sid = mark_done_session(app, patient, hours_ago=1.1)
    before = utcnow()
    response = snooze(patient, sid, "right-after-hard", "3h")
    assert response.status_code == 303
    row = prompt(app, sid, "right-after-hard")
    assert row.snoozed_until is not None
    assert before + timedelta(hours=3) <= row.snoozed_until <= utcnow() + timedelta(hours=3)
    assert "What was hard?" not in due_on_home(patient)
    assert "What do you feel in your body, and where?" in due_on_home(patient)
    # Hours later its own window (30 minutes) is long closed; the snooze brings it back.
    travel(app, sid, 3.5)
    end_snooze(app, sid, "right-after-hard")
    due = due_on_home(patient)
    assert "What was hard?" in due
    assert RIGHT_AFTER not in due


def test_snoozing_until_tomorrow_morning_uses_the_patients_clock(
    app: Flask, patient: FlaskClient
) -> None:
    zone = "America/Chicago"
    set_time_zone(app, "ada@example.com", zone)
    sid = log_done_session(patient, hours_ago=5, zone=zone)
    response = snooze(patient, sid, "day-one-surprised", "morning")
    assert response.status_code == 303
    until = prompt(app, sid, "day-one-surprised").snoozed_until
    assert until is not None
    local = until.astimezone(ZoneInfo(zone))
    today = utcnow().astimezone(ZoneInfo(zone))
    assert (local.hour, local.minute) == (9, 0)
    assert local.date() == (today.date() if today.hour < 5 else today.date() + timedelta(days=1))
    page = home(patient)
    assert "bring it back" in page and "at 09:00" in page
    bad = snooze(patient, sid, "day-one-feels-different", "next-year")
    assert bad.status_code == 422


def test_a_prompt_cannot_be_snoozed_once_answered(app: Flask, patient: FlaskClient) -> None:
    sid = log_done_session(patient, hours_ago=5)
    answer(patient, sid, "day-one-surprised", "Done.")
    response = snooze(patient, sid, "day-one-surprised", "3h")
    assert response.status_code == 409 and "already answered" in text_of(response)


def test_a_prompt_that_has_not_opened_cannot_be_answered_yet(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=5)
    page = patient.get(prompt_url(sid, "day-seven-next-step"))
    assert page.status_code == 409 and "This prompt opens on" in text_of(page)
    response = answer(patient, sid, "day-seven-next-step", "Too early.")
    assert response.status_code == 409
    assert prompt(app, sid, "day-seven-next-step").state == "open"


def test_a_cancelled_sessions_prompts_cannot_be_answered(app: Flask, patient: FlaskClient) -> None:
    planned = plan_session(patient, hours_from_now(30))
    patient.post(
        f"/sessions/{planned}/cancel",
        data={"csrf_token": csrf_token(patient, f"/sessions/{planned}")},
    )
    page = patient.get(prompt_url(planned, "right-after-body"))
    assert page.status_code == 409
    assert "This session was cancelled, so it has no prompts to answer." in text_of(page)

    # A done session whose record says cancelled (say, corrected by the clinic): its
    # prompts leave Home and refuse answers, with the same plain message.
    sid = log_done_session(patient, hours_ago=5)
    with app.app_context():
        db.session.execute(
            update(KapSession)
            .where(KapSession.id == uuid.UUID(sid))
            .values(status=SessionStatus.CANCELLED)
        )
        db.session.commit()
    assert due_on_home(patient) == []
    for response in (
        answer(patient, sid, "day-one-surprised", "Should not be saved."),
        skip(patient, sid, "day-one-surprised"),
        snooze(patient, sid, "day-one-surprised", "3h"),
        autosave(patient, sid, "day-one-surprised", "Nor this."),
    ):
        assert response.status_code == 409
        assert "This session was cancelled" in text_of(response)
    assert prompt(app, sid, "day-one-surprised").state == "open"


def test_weekly_prompts_come_only_from_the_latest_session(app: Flask, patient: FlaskClient) -> None:
    first = log_done_session(patient, hours_ago=24 * 7 + 30)
    due = due_on_home(patient)
    assert "What themes keep coming back across your sessions?" in due
    second = log_done_session(patient, hours_ago=24 * 7 + 2)
    due = due_on_home(patient)
    assert due.count("What themes keep coming back across your sessions?") == 1
    assert prompt(app, first, "weekly-themes").state == "open"
    html = patient.get("/").get_data(as_text=True)
    assert f"/sessions/{second}/prompts/weekly-themes" in html
    assert f"/sessions/{first}/prompts/weekly-themes" not in html


def test_unknown_prompt_keys_are_not_found(app: Flask, patient: FlaskClient) -> None:
    sid = log_done_session(patient, hours_ago=5)
    assert patient.get(prompt_url(sid, "no-such-prompt")).status_code == 404
    assert patient.get(prompt_url("not-a-uuid", "day-one-surprised")).status_code == 404
    assert patient.get(prompt_url(str(uuid.uuid4()), "day-one-surprised")).status_code == 404


def test_the_session_page_shows_where_each_prompt_stands(app: Flask, patient: FlaskClient) -> None:
    sid = log_done_session(patient, hours_ago=5)
    answer(patient, sid, "day-one-surprised", "A lot.")
    skip(patient, sid, "right-after-hard")
    page = text_of(patient.get(f"/sessions/{sid}"))
    assert "After the session" in page and "1 of 10 prompts answered" in page
    assert "Answered" in page and "Skipped" in page and "Due now" in page and "Opens" in page
    assert "After-effects log (0)" in page


def test_starting_over_takes_sessions_prompts_and_after_effects_with_it(
    app: Flask, patient: FlaskClient, outbox: Path
) -> None:
    sid = log_done_session(patient, hours_ago=5)
    answer(patient, sid, "day-one-surprised", "Sealed under the old key.")
    patient.post("/logout", data={"csrf_token": csrf_token(patient, "/")})
    patient.post(
        "/start-over",
        data={"email": "ada@example.com", "csrf_token": csrf_token(patient, "/start-over")},
    )
    link = last_link(outbox, "ada@example.com")
    new_password = "harbor-lantern-copper-meadow-71"
    done = patient.post(
        link,
        data={
            "password": new_password,
            "confirm": new_password,
            "understood": "yes",
            "csrf_token": csrf_token(patient, link),
        },
    )
    assert done.status_code == 200
    assert patient.get("/").status_code == 200
    assert due_on_home(patient) == []
    assert patient.get(f"/sessions/{sid}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PromptAnswer)) == 0
        assert db.session.scalar(select(func.count()).select_from(KapSession)) == 0
