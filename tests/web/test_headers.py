"""Security and caching headers on every kind of response, errors included, and error
pages that give nothing away."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.entries import Entry
from tests.factories import make_user, sibling_app, write_entry
from tests.pages import csrf_token, markup
from tests.web.helpers import HTMX, varies_on_htmx

SECRET = "A private line about the ketamine session."
GENERIC_500 = "It is not something you did. Your saved entries are safe. Try again in a moment."


def assert_safe_headers(response: TestResponse, *, cacheable: bool = False) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";")}
    assert directives["script-src"] == "script-src 'self'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    if not cacheable:
        assert response.headers["Cache-Control"] == "no-store"
        assert varies_on_htmx(response)


def test_a_full_page_sends_the_security_headers(client: FlaskClient) -> None:
    for path in ("/", "/login", "/signup"):
        response = client.get(path)
        assert response.status_code == 200
        assert_safe_headers(response)


def test_an_authenticated_page_and_an_htmx_fragment_are_never_cached(ada: FlaskClient) -> None:
    write_entry(ada, SECRET)
    page = ada.get("/journal/")
    assert_safe_headers(page)
    fragment = ada.get("/journal/", headers=HTMX)
    assert "<html" not in fragment.get_data(as_text=True)
    assert_safe_headers(fragment)


def test_a_redirect_to_login_is_never_cached(client: FlaskClient) -> None:
    response = client.get("/journal/")
    assert response.status_code == 302
    assert_safe_headers(response)


def test_a_404_page_sends_the_security_headers(ada: FlaskClient) -> None:
    response = ada.get("/no-such-page")
    assert response.status_code == 404
    assert_safe_headers(response)
    assert "Not found" in markup(response)
    fragment = ada.get("/no-such-page", headers=HTMX)
    assert fragment.status_code == 404
    assert "<html" not in fragment.get_data(as_text=True)
    assert_safe_headers(fragment)


def test_a_csrf_failure_sends_the_security_headers(ada: FlaskClient) -> None:
    response = ada.post("/journal/", data={"body": "no token"})
    assert response.status_code == 400
    assert_safe_headers(response)


def test_the_health_check_is_json_without_user_data(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert "ada@example.com" not in response.get_data(as_text=True)
    assert_safe_headers(response)


def test_static_files_carry_the_security_headers_that_apply_to_them(client: FlaskClient) -> None:
    """A stylesheet or script obeys its type and its referrer policy, and nothing that
    could be opened as a document (an icon, the manifest, the service worker) goes
    without the document's policy."""
    for path in ("/static/css/app.css", "/static/js/app.js", "/static/js/htmx-2.0.11.min.js"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Content-Security-Policy" not in response.headers
        response.close()
    for path in ("/static/icons/icon-192.png", "/manifest.webmanifest", "/sw.js"):
        response = client.get(path)
        assert response.status_code == 200
        assert_safe_headers(response, cacheable=True)
        response.close()


def test_files_the_same_for_everyone_do_not_vary_on_the_cookie(ada: FlaskClient) -> None:
    """A signed-in visitor's static files and service worker are the same as anyone's
    (a cache may share them); their pages still vary on the cookie."""
    for path in ("/static/css/app.css", "/sw.js", "/offline"):
        response = ada.get(path)
        assert response.status_code == 200, path
        assert "Cookie" not in response.vary, path
        response.close()
    assert "Cookie" in ada.get("/journal/").vary


@pytest.fixture
def crashing_app(app: Flask) -> Iterator[Flask]:
    """A second app built the same way as the test app, with one route that fails."""
    broken = sibling_app(app)

    @broken.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals: /srv/app/journal/db.py line 42")

    yield broken
    with broken.app_context():
        db.engine.dispose()


def test_an_unexpected_error_shows_a_plain_500_page(
    crashing_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = crashing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert_safe_headers(response)
    text = markup(response)
    assert "Something went wrong" in text
    assert GENERIC_500 in text
    assert "Traceback" not in text
    assert "secret internals" not in text
    assert "RuntimeError" not in text
    assert "unhandled error on GET /boom" in caplog.text

    fragment = crashing_app.test_client().get("/boom", headers=HTMX)
    assert fragment.status_code == 500
    assert "<html" not in fragment.get_data(as_text=True)
    assert_safe_headers(fragment)


def _flip_a_byte_of_the_body(app: Flask, entry_id: str) -> None:
    with app.app_context():
        entry = db.session.scalar(select(Entry).where(Entry.id == uuid.UUID(entry_id)))
        assert entry is not None
        sealed = bytearray(entry.body_sealed)
        sealed[-1] ^= 0x01
        entry.body_sealed = bytes(sealed)
        db.session.commit()


def test_a_tampered_entry_gives_a_logged_integrity_error_and_a_plain_500_page(
    app: Flask, ada: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    entry_id = (
        write_entry(ada, SECRET, title="Tampered").headers["Location"].removeprefix("/journal/")
    )
    _flip_a_byte_of_the_body(app, entry_id)

    with caplog.at_level(logging.INFO):
        response = ada.get(f"/journal/{entry_id}")
    assert response.status_code == 500
    assert_safe_headers(response)
    text = markup(response)
    assert GENERIC_500 in text
    assert "Traceback" not in text
    assert "IntegrityFailure" not in text
    assert "InvalidTag" not in text
    assert SECRET not in text
    assert "Tampered" not in text
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert f"integrity failure on GET /journal/{entry_id}" in errors
    assert SECRET not in caplog.text

    # The list containing it shows the rest and says one item could not be opened,
    # as an htmx fragment too.
    listing = ada.get("/journal/", headers=HTMX)
    assert listing.status_code == 200
    assert "<html" not in listing.get_data(as_text=True)
    assert "One item could not be opened." in markup(listing)
    assert SECRET not in markup(listing)
    assert_safe_headers(listing)

    # The app keeps working for the rest: a new entry can still be written.
    token = csrf_token(ada, "/settings/")
    fresh = ada.post("/journal/", data={"body": "Fresh start.", "csrf_token": token})
    assert fresh.status_code == 302
