"""Small helpers shared by the HTTP tests: reading cookies and pages the way an
observer would, and moving time by editing real session rows."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.sessions import AuthSession
from journal.models.types import utcnow
from journal.models.users import User

HTMX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}
ENTRY_ID_RE = re.compile(r'<article class="entry-card[^"]*" id="entry-([0-9a-f-]{36})"')
_TOKEN_RES = (
    re.compile(r'(name="csrf_token" value=")[^"]+(")'),
    re.compile(r'("X-CSRFToken": ")[^"]+(")'),
)


def without_csrf(html: str) -> str:
    """The page with every CSRF token blanked: the token is the one part that is
    meant to differ between two responses."""
    for pattern in _TOKEN_RES:
        html = pattern.sub(r"\1\2", html)
    return html


def auth_cookie(app: Flask, client: FlaskClient) -> str | None:
    cookie = client.get_cookie(app.config["AUTH_COOKIE_NAME"])
    return cookie.value if cookie else None


def plant_auth_cookie(app: Flask, client: FlaskClient, value: str) -> None:
    client.set_cookie(app.config["AUTH_COOKIE_NAME"], value)


def user_id(app: Flask, email: str) -> uuid.UUID:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None, f"no user {email}"
    return found


def session_count(app: Flask, email: str) -> int:
    uid = user_id(app, email)
    with app.app_context():
        return len(db.session.scalars(select(AuthSession).where(AuthSession.user_id == uid)).all())


def age_sessions(
    app: Flask,
    email: str,
    *,
    idle: timedelta | None = None,
    age: timedelta | None = None,
) -> None:
    """Pretend the user's sessions were last used `idle` ago and began `age` ago."""
    uid = user_id(app, email)
    values = {}
    if idle is not None:
        values["last_seen_at"] = utcnow() - idle
    if age is not None:
        values["created_at"] = utcnow() - age
    with app.app_context():
        db.session.execute(update(AuthSession).where(AuthSession.user_id == uid).values(**values))
        db.session.commit()


def entry_ids(html: str) -> list[str]:
    """Entry ids in the order the page shows them."""
    return ENTRY_ID_RE.findall(html)


def varies_on_htmx(response: TestResponse) -> bool:
    """Caches must keep the fragment and the full page of one URL apart."""
    return "HX-Request" in response.vary
