"""Per-IP limits (Flask-Limiter) on every unauthenticated POST that guesses at an
account: sign-in, both of its steps, sign-up, recovery, start-over. The per-email
backoff (in the database) is tested in tests/web; this is the per-address layer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from journal import create_app
from journal.extensions import db, limiter
from tests.conftest import csrf_token
from tests.web.test_headers import assert_safe_headers

LIMITED = ["/login", "/login/two-factor", "/signup", "/reset", "/start-over"]


@pytest.fixture
def limited_app(app: Flask) -> Iterator[Flask]:
    keep = ("TESTING", "SQLALCHEMY_DATABASE_URI", "KDF_PARAMS", "MAIL_BACKEND", "MAIL_OUTBOX_DIR")
    limited = create_app({**{k: app.config[k] for k in keep}, "RATELIMIT_ENABLED": True})
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
