"""Session attacks beyond tests/web/test_sessions.py (fixation, replay after logout,
idle and absolute expiry are there): forged and half-stolen cookies, cookies that
outlive their account or their device, and the half-way state of a two-step login."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, fresh_totp, login, make_user
from tests.pages import csrf_token
from tests.web.helpers import age_sessions, auth_cookie, plant_auth_cookie, session_count


def _flip(cookie: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cookie))
    raw[index] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode()


def test_a_cookie_with_the_right_id_and_a_wrong_key_opens_nothing(
    app: Flask, client: FlaskClient, other_client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Someone with the sessions table (the id hash) but not the key Ks half of the
    cookie: a guessed Ks fails the AES-GCM check, is logged, and is just "logged out"."""
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    cookie = auth_cookie(app, client)
    assert cookie
    plant_auth_cookie(app, other_client, _flip(cookie, 40))
    with caplog.at_level(logging.WARNING):
        response = other_client.get("/journal/")
    assert response.status_code == 302
    assert "session row failed integrity check" in caplog.text
    # The real owner is not affected.
    assert client.get("/journal/").status_code == 200


@pytest.mark.parametrize(
    "cookie", ["", "x", "%%%", "A" * 300, base64.urlsafe_b64encode(b"\0" * 64).decode()]
)
def test_garbage_cookies_are_simply_logged_out(
    app: Flask, client: FlaskClient, cookie: str
) -> None:
    plant_auth_cookie(app, client, cookie)
    response = client.get("/journal/")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_cookie_outlives_neither_its_account_nor_a_sign_out_from_another_device(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    login(other_client, "ada@example.com")
    stolen = auth_cookie(app, other_client)
    assert stolen
    client.post("/settings/sessions/end-all", data={"csrf_token": csrf_token(client, "/settings/")})
    thief = app.test_client()
    plant_auth_cookie(app, thief, stolen)
    assert thief.get("/journal/").status_code == 302

    login(client, "ada@example.com")
    kept = auth_cookie(app, client)
    assert kept
    client.post(
        "/settings/delete",
        data={
            "password": PASSWORD,
            "understood": "yes",
            "csrf_token": csrf_token(client, "/settings/delete"),
        },
    )
    plant_auth_cookie(app, thief, kept)
    assert thief.get("/journal/").status_code == 302


def test_a_half_way_two_step_cookie_is_no_session_anywhere(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com", two_step=True)
    client.post(
        "/login",
        data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert auth_cookie(app, client)
    for path in ("/", "/journal/", "/settings/", "/settings/sessions", "/settings/export"):
        assert client.get(path).status_code in (200, 302), path
        assert "ada@example.com" not in client.get(path).get_data(as_text=True), path
    autosave = client.post(
        "/journal/drafts/00000000-0000-4000-8000-000000000000",
        data={"body": "typed half-way", "csrf_token": csrf_token(client)},
    )
    assert autosave.status_code == 401
    assert session_count(app, "ada@example.com") == 1  # only the half-way row


def test_idle_and_absolute_limits_hold_for_a_two_step_session_too(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com", two_step=True)
    login(client, "ada@example.com")
    assert client.get("/journal/").status_code == 200
    age_sessions(app, "ada@example.com", idle=timedelta(minutes=31))
    assert client.get("/journal/").status_code == 302
    login(client, "ada@example.com")
    age_sessions(app, "ada@example.com", age=timedelta(hours=12, minutes=1), idle=timedelta(0))
    assert client.get("/journal/").status_code == 302
    assert fresh_totp(app, "ada@example.com")
