"""Helpers for the preparation tests: plan sessions through the real form, in the
patient's own time zone, and read what the pages show."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.kap_sessions import KapSession
from journal.models.types import utcnow
from journal.models.users import User
from tests.pages import csrf_token, markup

SESSION_ID_RE = re.compile(r"^/sessions/([0-9a-f-]{36})$")
FIELD_ERROR_RE = re.compile(r'class="field-error"[^>]*>([^<]*)<')


text_of = markup


def field_errors(response: TestResponse) -> list[str]:
    return [html.unescape(e) for e in FIELD_ERROR_RE.findall(response.get_data(as_text=True))]


def set_time_zone(app: Flask, email: str, zone: str) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.email == email).values(time_zone=zone))
        db.session.commit()


def in_hours(hours: float) -> datetime:
    """A moment this far from now, on a whole minute (the form has no seconds)."""
    return (utcnow() + timedelta(hours=hours)).replace(second=0, microsecond=0)


def local_fields(moment: datetime, zone: str) -> dict[str, str]:
    local = moment.astimezone(ZoneInfo(zone))
    return {"date": local.date().isoformat(), "time": local.strftime("%H:%M")}


def session_form(**values: str) -> dict[str, str]:
    form = {
        "status": "planned",
        "route": "iv",
        "setting": "clinic",
        "series": "induction",
        "series_position": "1",
        "series_total": "6",
        "dose": "",
        "notes": "",
    }
    form.update(values)
    return form


def post_session(client: FlaskClient, **values: str) -> TestResponse:
    data = session_form(**values)
    data["csrf_token"] = csrf_token(client, "/sessions/new")
    return client.post("/sessions/", data=data)


def plan_session(client: FlaskClient, starts_at: datetime, zone: str = "UTC", **values: str) -> str:
    """Plan (or, with status="done", log) a session through the form; its id."""
    response = post_session(client, **local_fields(starts_at, zone), **values)
    assert response.status_code == 303, field_errors(response) or response.status_code
    match = SESSION_ID_RE.match(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def move_session(app: Flask, session_id: str, starts_at: datetime) -> None:
    """Pretend time has passed: the session now starts at ``starts_at``."""
    with app.app_context():
        db.session.execute(
            update(KapSession)
            .where(KapSession.id == uuid.UUID(session_id))
            .values(starts_at=starts_at)
        )
        db.session.commit()


def session_row(app: Flask, session_id: str) -> KapSession:
    with app.app_context():
        row = db.session.scalar(select(KapSession).where(KapSession.id == uuid.UUID(session_id)))
        assert row is not None
        db.session.expunge(row)
        return row


def next_dst_change(zone: tzinfo, after: date, forward: bool) -> date:
    """The next day on which the clocks in ``zone`` go forward (or back)."""
    for offset in range(1, 400):
        day = after + timedelta(days=offset)
        before = datetime.combine(day, time(0)).replace(tzinfo=zone).utcoffset()
        later = datetime.combine(day + timedelta(days=1), time(0)).replace(tzinfo=zone).utcoffset()
        assert before is not None and later is not None
        if (later > before) if forward else (later < before):
            return day
    raise AssertionError(f"no daylight-saving change in {zone} within a year")


def planned_earlier(app: Flask, session_id: str, days: float = 3) -> None:
    """As if the session had been planned `days` ago (its row written then), so every
    checklist item's time came after the planning."""
    with app.app_context():
        db.session.execute(
            update(KapSession)
            .where(KapSession.id == uuid.UUID(session_id))
            .values(created_at=utcnow() - timedelta(days=days))
        )
        db.session.commit()
