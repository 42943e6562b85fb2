"""A pooled PostgreSQL connection that the server ended (a restart, a terminated
backend) is noticed before a request uses it, and replaced: the person's next page
opens instead of answering 503. Real PostgreSQL, a real signed-in browser session;
the backend is ended the way PostgreSQL ends it on a restart. Skipped on SQLite,
where there is no server to lose."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from journal.core.extensions import db
from tests.factories import login, make_user, sibling_app, write_entry
from tests.pages import csrf_token


@pytest.fixture
def server(app: Flask) -> Iterator[Flask]:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("a pooled connection to a database server is PostgreSQL's")
    # Its own pool, used by this one test thread: the connections the pages used.
    server = sibling_app(app)
    yield server
    with server.app_context():
        db.engine.dispose()


@pytest.fixture
def admin(app: Flask) -> Iterator[Engine]:
    """A separate connection, as an operator's psql would be."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def browser(app: Flask, server: Flask) -> FlaskClient:
    """Ada, signed in on the server before anything happens to its connections."""
    make_user(app, "ada@example.com")
    browser = server.test_client()
    assert login(browser, "ada@example.com").status_code == 302
    return browser


def _backends(server: Flask) -> set[int]:
    """The server processes behind the connections waiting in the app's pool."""
    with server.app_context():
        engine = db.engine
        assert isinstance(engine.pool, QueuePool)
        held = [engine.raw_connection() for _ in range(engine.pool.checkedin())]
        pids = set()
        for connection in held:
            cursor = connection.cursor()
            cursor.execute("SELECT pg_backend_pid()")
            row = cursor.fetchone()
            assert row is not None
            pids.add(row[0])
            cursor.close()
            connection.close()  # back to the pool
    return pids


def _end(admin: Engine, pids: set[int]) -> None:
    """End these backends as a restart does, and wait until they are gone."""
    with admin.connect() as conn:
        for pid in pids:
            # Waits (up to 30 s) until the backend is gone, or answers false.
            assert conn.scalar(text("SELECT pg_terminate_backend(:pid, 30000)"), {"pid": pid})


def test_a_page_after_the_server_ended_the_connection_still_opens(
    server: Flask, admin: Engine, browser: FlaskClient
) -> None:
    assert write_entry(browser, "The body.", "Kept through a restart").status_code == 302
    assert browser.get("/journal/").status_code == 200
    used = _backends(server)
    assert used

    _end(admin, used)

    page = browser.get("/journal/")
    assert page.status_code == 200, page.status_code
    assert "Kept through a restart" in page.get_data(as_text=True)
    assert not _backends(server) & used  # a new connection, not the ended one


def test_a_write_after_the_server_ended_the_connection_is_kept(
    server: Flask, admin: Engine, browser: FlaskClient
) -> None:
    token = csrf_token(browser, "/journal/")

    _end(admin, _backends(server))

    saved = browser.post(
        "/journal/",
        data={"title": "Written after", "body": "Still here.", "csrf_token": token},
    )
    assert saved.status_code == 302, saved.status_code
    assert "Written after" in browser.get("/journal/").get_data(as_text=True)
