"""When the database fails mid-request (stopped, restarting, locked by another writer)
the answer is still a page: 503 with Retry-After, made without the database, with the
crisis lines, never gunicorn's bare "Internal Server Error" or a traceback."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from werkzeug.test import TestResponse

from journal import create_app
from journal.core.extensions import db, limiter
from journal.models.entries import Entry
from tests.factories import login, make_user, write_entry
from tests.pages import csrf_token


def _assert_unavailable(response: TestResponse) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page
    assert response.headers["Retry-After"] == "5"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Busy for a moment" in page
    assert "988" in page  # the crisis lines are still there
    assert "Traceback" not in page
    assert "OperationalError" not in page


@pytest.fixture
def no_database(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """A server whose database cannot be opened (stopped, wrong address)."""
    broken = create_app(
        {
            "TESTING": True,
            "KDF_PARAMS": app.config["KDF_PARAMS"],
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'journal.sqlite3'}",
            "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
            "RATELIMIT_ENABLED": False,
        }
    )
    yield broken
    limiter.init_app(app)


def _signed_in_there(app: Flask, no_database: Flask) -> FlaskClient:
    """A browser with a real session cookie, from before the database went away."""
    make_user(app, "ada@example.com")
    before = app.test_client()
    assert login(before, "ada@example.com").status_code == 302
    name = app.config["AUTH_COOKIE_NAME"]
    cookie = before.get_cookie(name)
    assert cookie is not None
    client = no_database.test_client()
    client.set_cookie(name, cookie.value)
    return client


def test_a_signed_in_page_without_a_database_answers_503(app: Flask, no_database: Flask) -> None:
    _assert_unavailable(_signed_in_there(app, no_database).get("/journal/"))


def test_sign_in_without_a_database_answers_503(no_database: Flask) -> None:
    client = no_database.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": "ada@example.com", "password": "x" * 12, "csrf_token": token}
    )
    _assert_unavailable(response)


def test_an_htmx_request_gets_the_message_in_the_alert_region(
    app: Flask, no_database: Flask
) -> None:
    client = _signed_in_there(app, no_database)
    response = client.get("/journal/", headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert response.headers["HX-Retarget"] == "#alerts"
    assert "<html" not in response.get_data(as_text=True)


def test_a_write_while_another_connection_holds_the_lock_answers_503(
    app: Flask, client: FlaskClient, database_url: str
) -> None:
    if not database_url.startswith("sqlite:///"):
        pytest.skip("SQLite's write lock")
    make_user(app, "ada@example.com")
    assert login(client, "ada@example.com").status_code == 302
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=1)
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")  # another process is writing and does not let go
    try:
        response = write_entry(client, "Written while the database was locked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _assert_unavailable(response)
    # Once the lock is gone the same session works, and the entry is saved once.
    assert write_entry(client, "Written afterwards").status_code in (200, 302, 303)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 1


def test_sqlite_in_production_waits_for_the_disk_on_every_commit(
    app: Flask, tmp_path: Path
) -> None:
    def synchronous(journal_env: str) -> int:
        server = create_app(
            {
                "JOURNAL_ENV": journal_env,
                "KDF_PARAMS": app.config["KDF_PARAMS"],
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / journal_env}.sqlite3",
                "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
            }
        )
        with server.app_context():
            value = db.session.scalar(text("PRAGMA synchronous"))
            db.engine.dispose()
        limiter.init_app(app)
        return int(value)

    assert synchronous("production") == 2  # FULL
    assert synchronous("development") == 1  # NORMAL
