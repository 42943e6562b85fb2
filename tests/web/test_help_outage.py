"""Help never depends on the database: a signed-in patient who opens Get help while
the database is locked by another writer, stopped or unreachable gets the crisis
lines, never a bare "Internal Server Error"; other pages answer 503 with the lines."""

from __future__ import annotations

import html
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal import create_app
from journal.core.extensions import db
from tests.factories import login, make_user
from tests.web.helpers import BOOSTED, age_sessions, auth_cookie, plant_auth_cookie

LINES = ('href="tel:988"', 'href="sms:741741?&body=HOME"', 'href="tel:911"')

# Nothing listens on port 9 (discard) here, and the SQLite file's folder does not exist.
UNREACHABLE = {
    "postgresql": "postgresql+psycopg://journal:journal@127.0.0.1:9/journal",
    "sqlite": "sqlite:////nonexistent-folder/for/sure/journal.sqlite3",
}


def _text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


@pytest.fixture
def ada(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    assert login(client, "ada@example.com").status_code == 302
    return client


@contextmanager
def write_lock_held(app: Flask) -> Iterator[None]:
    """Another process's connection holding SQLite's write lock (BEGIN EXCLUSIVE)."""
    with app.app_context():
        path = db.engine.url.database
    assert path
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def _sqlite_only(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock")


@pytest.mark.parametrize("headers", [{}, BOOSTED], ids=["page", "boosted"])
def test_help_answers_with_the_lines_while_another_connection_holds_the_write_lock(
    app: Flask, ada: FlaskClient, headers: dict[str, str]
) -> None:
    _sqlite_only(app)
    # Idle long enough that this request would count as activity (a write).
    age_sessions(app, "ada@example.com", idle=timedelta(minutes=5))
    with write_lock_held(app):
        started = time.monotonic()
        response = ada.get("/help/", headers=headers)
        took = time.monotonic() - started
    page = _text(response)
    assert response.status_code == 200, page
    assert all(line in page for line in LINES)
    assert "Nobody watches this app live" in page
    # It does not wait out the lock's busy timeout (5 s) first.
    assert took < 4


def test_a_page_that_must_write_during_the_lock_is_a_503_with_the_lines(
    app: Flask, ada: FlaskClient
) -> None:
    _sqlite_only(app)
    age_sessions(app, "ada@example.com", idle=timedelta(minutes=5))
    with write_lock_held(app):
        response = ada.get("/mood/")
    page = _text(response)
    assert response.status_code == 503, page
    assert "cannot reach your journal" in page
    assert all(line in page for line in LINES)
    assert "Traceback" not in page
    # Not sent to the login page as if the session had ended.
    assert "/login" not in response.headers.get("Location", "")


@pytest.fixture(params=sorted(UNREACHABLE))
def broken_app(request: pytest.FixtureRequest, app: Flask) -> Flask:
    """The same app (same secrets) on a database that cannot be reached."""
    config = {k: v for k, v in app.config.items() if not k.startswith("SQLALCHEMY_ENGINE")}
    config["SQLALCHEMY_DATABASE_URI"] = UNREACHABLE[request.param]
    return create_app(config)


@pytest.mark.parametrize("headers", [{}, BOOSTED], ids=["page", "boosted"])
def test_help_signed_in_with_the_database_unreachable_shows_the_lines(
    app: Flask, ada: FlaskClient, broken_app: Flask, headers: dict[str, str]
) -> None:
    cookie = auth_cookie(app, ada)
    assert cookie
    patient = broken_app.test_client()
    plant_auth_cookie(broken_app, patient, cookie)
    response = patient.get("/help/", headers=headers)
    page = _text(response)
    assert response.status_code == 200, page
    assert all(line in page for line in LINES)
    assert "safety plan cannot be shown" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_other_pages_with_the_database_unreachable_are_a_503_with_the_lines(
    app: Flask, ada: FlaskClient, broken_app: Flask
) -> None:
    cookie = auth_cookie(app, ada)
    assert cookie
    patient = broken_app.test_client()
    plant_auth_cookie(broken_app, patient, cookie)
    for path in ("/mood/", "/mood/measures/phq9", "/journal/"):
        response = patient.get(path)
        page = _text(response)
        assert response.status_code == 503, (path, page)
        assert all(line in page for line in LINES), path
        assert "Log out" not in page  # drawn as nobody's, not through the failed session


def test_logged_out_help_needs_no_database(broken_app: Flask) -> None:
    response = broken_app.test_client().get("/help/")
    assert response.status_code == 200
    assert all(line in _text(response) for line in LINES)
