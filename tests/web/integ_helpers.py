"""Helpers for the integration tests: sessions done through the real forms, prompts
answered over HTTP, and time moved on by editing real rows."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.integration import PromptAnswer
from journal.models.kap_sessions import KapSession
from journal.models.types import utcnow
from tests.pages import csrf_token
from tests.web.prep_helpers import in_hours, move_session, plan_session


def log_done_session(
    client: FlaskClient, hours_ago: float, zone: str = "UTC", **values: str
) -> str:
    """A session that already happened, logged as done through the form."""
    return plan_session(client, in_hours(-hours_ago), zone, status="done", **values)


def mark_done_session(
    app: Flask, client: FlaskClient, hours_ago: float, zone: str = "UTC", **values: str
) -> str:
    """Plan a session, let it start (its row is moved back), then press "Mark done"."""
    session_id = plan_session(client, in_hours(48), zone, **values)
    move_session(app, session_id, in_hours(-hours_ago))
    response = client.post(
        f"/sessions/{session_id}/done",
        data={"csrf_token": csrf_token(client, f"/sessions/{session_id}")},
    )
    assert response.status_code == 303, response.status_code
    return session_id


def prompts(app: Flask, session_id: str) -> list[PromptAnswer]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(PromptAnswer)
                .where(PromptAnswer.kap_session_id == uuid.UUID(session_id))
                .order_by(PromptAnswer.due_at, PromptAnswer.position)
            )
        )
        db.session.expunge_all()
    return rows


def prompt(app: Flask, session_id: str, key: str) -> PromptAnswer:
    found = [p for p in prompts(app, session_id) if p.prompt_key == key]
    assert found, f"no prompt {key}"
    return found[0]


def session_start(app: Flask, session_id: str) -> datetime:
    with app.app_context():
        row = db.session.get(KapSession, uuid.UUID(session_id))
        assert row is not None
        return row.starts_at


def travel(app: Flask, session_id: str, hours: float) -> None:
    """Pretend `hours` have passed for this session: it and its prompts move back."""
    delta = timedelta(hours=hours)
    sid = uuid.UUID(session_id)
    with app.app_context():
        row = db.session.get(KapSession, sid)
        assert row is not None
        row.starts_at = row.starts_at - delta
        for p in db.session.scalars(select(PromptAnswer).where(PromptAnswer.kap_session_id == sid)):
            p.due_at -= delta
            p.closes_at -= delta
            if p.snoozed_until is not None:
                p.snoozed_until -= delta
        db.session.commit()


def end_snooze(app: Flask, session_id: str, key: str) -> None:
    """The snooze is over: its time is now in the past (the window stays open)."""
    with app.app_context():
        db.session.execute(
            update(PromptAnswer)
            .where(
                PromptAnswer.kap_session_id == uuid.UUID(session_id),
                PromptAnswer.prompt_key == key,
            )
            .values(snoozed_until=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()


def prompt_url(session_id: str, key: str) -> str:
    return f"/sessions/{session_id}/prompts/{key}"


def answer(client: FlaskClient, session_id: str, key: str, text: str) -> TestResponse:
    return client.post(
        prompt_url(session_id, key),
        data={"csrf_token": csrf_token(client, "/"), "answer": text},
    )


def skip(client: FlaskClient, session_id: str, key: str) -> TestResponse:
    return client.post(
        prompt_url(session_id, key) + "/skip", data={"csrf_token": csrf_token(client, "/")}
    )


def snooze(client: FlaskClient, session_id: str, key: str, until: str) -> TestResponse:
    return client.post(
        prompt_url(session_id, key) + "/snooze",
        data={"csrf_token": csrf_token(client, "/"), "until": until},
    )


def autosave(client: FlaskClient, session_id: str, key: str, text: str) -> TestResponse:
    return client.post(
        prompt_url(session_id, key) + "/draft",
        data={"csrf_token": csrf_token(client, "/"), "answer": text},
    )


def add_after_effect(client: FlaskClient, session_id: str, **values: str) -> TestResponse:
    data = {"csrf_token": csrf_token(client, "/"), **values}
    return client.post(f"/sessions/{session_id}/after-effects", data=data)


def write_entry(
    client: FlaskClient, body: str, title: str = "", tags: str = "", session: str = ""
) -> TestResponse:
    return client.post(
        "/journal/",
        data={
            "title": title,
            "body": body,
            "tags": tags,
            "session": session,
            "csrf_token": csrf_token(client, "/journal/"),
        },
    )


def search(client: FlaskClient, q: str = "", **values: str) -> TestResponse:
    data = {"csrf_token": csrf_token(client, "/journal/search"), "q": q, **values}
    return client.post("/journal/search", data=data)
