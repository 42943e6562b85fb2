"""Cookie flags in the production configuration, and the security headers on every
kind of response the app sends (every GET route from the url_map, fragments,
redirects, errors of each status, the JSON download, static files)."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from journal import create_app
from journal.core.crypto import TEST_KDF
from journal.core.extensions import db
from journal.core.headers import PUBLIC_REVALIDATE
from tests.conftest import TEST_PEPPER
from tests.factories import PASSWORD, make_user
from tests.pages import csrf_token
from tests.security.world import build_world, get_pages
from tests.web.helpers import HTMX
from tests.web.test_headers import assert_safe_headers

HTTPS = "https://fresh-tracks.example"


@pytest.fixture
def production(
    app: Flask, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> Iterator[Flask]:
    monkeypatch.setenv("JOURNAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("JOURNAL_PEPPER", TEST_PEPPER)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PUBLIC_URL", HTTPS)
    prod = create_app(
        {
            "KDF_PARAMS": TEST_KDF,
            "RATELIMIT_ENABLED": False,
            "MAIL_BACKEND": "outbox",
            "MAIL_OUTBOX_DIR": str(tmp_path),
        }
    )
    yield prod
    with prod.app_context():
        db.session.remove()
        db.engine.dispose()


def _set_cookies(response: TestResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0]
        found[name] = header
    return found


def test_production_cookies_are_host_only_secure_http_only_and_same_site(production: Flask) -> None:
    make_user(production, "ada@example.com")
    client = production.test_client()
    page = client.get("/login", base_url=HTTPS)
    token = page.get_data(as_text=True).split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        base_url=HTTPS,
        data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": f"{HTTPS}/login"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    cookies = _set_cookies(page) | _set_cookies(response)
    assert set(cookies) == {"__Host-ft_session", "__Host-ft_flask", "__Host-ft_device"}
    for name, header in cookies.items():
        parsed = SimpleCookie()
        parsed.load(header)
        morsel = parsed[name]
        assert morsel["secure"], name
        assert morsel["httponly"], name
        assert morsel["samesite"] == "Lax", name
        assert morsel["path"] == "/", name
        assert not morsel["domain"], name  # __Host- cookies must not name a domain
    assert "max-age=63072000" in response.headers["Strict-Transport-Security"]


def test_production_refuses_a_form_posted_from_another_origin(production: Flask) -> None:
    client = production.test_client()
    page = client.get("/login", base_url=HTTPS).get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        base_url=HTTPS,
        data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "https://evil.example/login"},
    )
    assert response.status_code == 400


def test_every_get_route_as_page_and_fragment_sends_the_security_headers(app: Flask) -> None:
    """Everything is no-store except static files and the few public, user-free
    files a cache may keep if it revalidates (manifest, service worker, offline page)."""
    world = build_world(app)
    anonymous = app.test_client()
    routes = app.url_map.bind("localhost")
    for page in get_pages(world):
        endpoint, _ = routes.match(page.split("?", 1)[0])
        public = endpoint == "static" or endpoint in PUBLIC_REVALIDATE
        for client in (world.ada, world.eve, anonymous):
            for headers in ({}, HTMX):
                response = client.get(page, headers=headers)
                assert_safe_headers(response, cacheable=public)
                if endpoint in PUBLIC_REVALIDATE and response.status_code == 200:
                    assert response.headers["Cache-Control"] == "no-cache", page
                response.close()


def test_every_error_status_and_special_response_sends_the_security_headers(app: Flask) -> None:
    world = build_world(app)
    ada: FlaskClient = world.ada
    token = csrf_token(ada, "/settings/")
    responses = {
        "redirect": app.test_client().get("/journal/"),
        "htmx 401": app.test_client().get("/journal/", headers=HTMX),
        "400 csrf": ada.post("/journal/", data={"body": "x"}),
        "404": ada.get("/nowhere"),
        "405": ada.put("/settings/", headers={"X-CSRFToken": token}),
        "413": ada.post("/journal/", data={"body": "x" * (1024 * 1024 + 1), "csrf_token": token}),
        "422": ada.post("/journal/", data={"body": "", "csrf_token": token}),
        "json download": ada.post("/settings/export/json", data={"csrf_token": token}),
        "HEAD": ada.head("/journal/"),
        "OPTIONS": ada.options("/journal/"),
    }
    expected = {"404": 404, "405": 405, "413": 413, "422": 422, "400 csrf": 400}
    for name, response in responses.items():
        if name in expected:
            assert response.status_code == expected[name], name
        assert_safe_headers(response)
    assert responses["json download"].headers["Cache-Control"] == "no-store"
