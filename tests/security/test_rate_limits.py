"""Per-IP limits (Flask-Limiter) on every unauthenticated POST that guesses at an
account: sign-in, both of its steps, sign-up, recovery, start-over. The per-email
backoff (in the database) is tested in tests/web; this is the per-address layer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from journal import create_app
from journal.core.extensions import db, limiter
from tests.pages import csrf_token
from tests.web.test_headers import assert_safe_headers

LIMITED = ["/login", "/login/two-factor", "/signup", "/reset", "/start-over"]


KEEP = ("TESTING", "SQLALCHEMY_DATABASE_URI", "KDF_PARAMS", "MAIL_BACKEND", "MAIL_OUTBOX_DIR")


@pytest.fixture
def limited_app(app: Flask) -> Iterator[Flask]:
    limited = create_app({**{k: app.config[k] for k in KEEP}, "RATELIMIT_ENABLED": True})
    yield limited
    with limited.app_context():
        db.engine.dispose()
    # The limiter is one object shared by every app made in this process, and
    # init_app set it to "enabled": give it back to the suite's app, limits off.
    limiter.init_app(app)


@pytest.mark.parametrize("path", LIMITED)
def test_the_eleventh_attempt_in_a_minute_from_one_address_is_refused(
    limited_app: Flask, path: str
) -> None:
    client = limited_app.test_client()
    token = csrf_token(client, "/login")
    form = {
        "email": "ada@example.com",
        "password": "wrong-password-x",
        "code": "123456",
        "csrf_token": token,
    }
    mine = {"REMOTE_ADDR": "198.51.100.4"}
    for attempt in range(10):
        response = client.post(path, data=form, environ_base=mine)
        assert response.status_code != 429, attempt
    refused = client.post(path, data=form, environ_base=mine)
    assert refused.status_code == 429
    assert "Too many attempts in a short time." in refused.get_data(as_text=True)
    assert_safe_headers(refused)
    # Another address is not held back by it.
    elsewhere = client.post(path, data=form, environ_base={"REMOTE_ADDR": "198.51.100.5"})
    assert elsewhere.status_code != 429


def _login_attempts(app: Flask, forwarded_for: str, times: int) -> list[int]:
    """`times` wrong sign-ins through one proxy (127.0.0.1) for one client address."""
    client = app.test_client()
    form = {"email": "ada@example.com", "password": "wrong-password-x"}
    form["csrf_token"] = csrf_token(client, "/login")
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    headers = {"X-Forwarded-For": forwarded_for}
    return [
        client.post("/login", data=form, environ_base=proxy, headers=headers).status_code
        for _ in range(times)
    ]


@pytest.fixture
def behind_a_proxy(app: Flask) -> Iterator[Flask]:
    config = {k: app.config[k] for k in KEEP}
    proxied = create_app({**config, "RATELIMIT_ENABLED": True, "TRUSTED_PROXIES": 1})
    yield proxied
    with proxied.app_context():
        db.engine.dispose()
    limiter.init_app(app)


def test_behind_a_trusted_proxy_each_client_has_its_own_sign_in_limit(
    behind_a_proxy: Flask,
) -> None:
    assert _login_attempts(behind_a_proxy, "203.0.113.7", 11)[-1] == 429
    # Another patient behind the same proxy can still sign in.
    assert 429 not in _login_attempts(behind_a_proxy, "203.0.113.8", 3)


def test_a_client_cannot_escape_the_limit_by_adding_forwarded_addresses(
    behind_a_proxy: Flask,
) -> None:
    """Only the proxy's own entry (the last) is believed; what the client put in
    front of it changes nothing."""
    attempts = [
        _login_attempts(behind_a_proxy, f"10.0.0.{i}, 203.0.113.9", 1)[0] for i in range(11)
    ]
    assert attempts[-1] == 429


def test_without_trusted_proxies_forwarded_headers_are_ignored(limited_app: Flask) -> None:
    statuses = [_login_attempts(limited_app, f"203.0.113.{i}", 1)[0] for i in range(11)]
    assert statuses[-1] == 429, "a made-up X-Forwarded-For must not reset the limit"
