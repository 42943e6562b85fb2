"""Login sessions: what the cookies hold, when a session ends, and who can reuse one."""

from __future__ import annotations

import base64
import os
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, login, make_user, signup_via_http, write_entry
from tests.pages import csrf_token, markup
from tests.web.helpers import (
    age_sessions,
    auth_cookie,
    plant_auth_cookie,
    session_count,
    user_id,
)

IDLE = timedelta(minutes=30)


def login_again(client: FlaskClient, email: str) -> None:
    """Log in from a browser that already holds a session (the login page would
    redirect it home, so the form is posted with a token from another page)."""
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/settings/")},
    )
    assert response.status_code == 302


ABSOLUTE = timedelta(hours=12)


def test_every_login_gets_a_new_session_id(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    first = auth_cookie(app, client)
    login_again(client, "ada@example.com")
    second = auth_cookie(app, client)
    assert first and second and first != second
    plant_auth_cookie(app, other_client, first)
    assert other_client.get("/journal/").status_code == 302
    # The browser's earlier session ended when it logged in again.
    assert session_count(app, "ada@example.com") == 1


def test_a_cookie_planted_before_login_is_not_reused(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    planted = base64.urlsafe_b64encode(os.urandom(64)).decode()
    plant_auth_cookie(app, client, planted)
    assert login(client, "ada@example.com").status_code == 302
    assert auth_cookie(app, client) not in (None, planted)
    # Whoever planted it gets nothing from it.
    plant_auth_cookie(app, other_client, planted)
    assert other_client.get("/journal/").status_code == 302


def test_a_session_cookie_of_another_user_is_replaced_at_login(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    """An attacker logs in, plants their own valid cookie in the victim's browser,
    and the victim logs in: the victim must end up in their own account, not in the
    attacker's, and the attacker's cookie must not gain the victim's identity."""
    make_user(app, "ada@example.com")
    make_user(app, "mallory@example.com")
    login(other_client, "mallory@example.com")
    mallory_cookie = auth_cookie(app, other_client)
    assert mallory_cookie
    plant_auth_cookie(app, client, mallory_cookie)
    login_again(client, "ada@example.com")
    assert auth_cookie(app, client) != mallory_cookie
    assert "ada@example.com" in client.get("/settings/").get_data(as_text=True)
    assert other_client.get("/journal/").status_code == 302


def test_a_cookie_replayed_after_logout_goes_to_the_login_page(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    stolen = auth_cookie(app, client)
    assert stolen
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    plant_auth_cookie(app, other_client, stolen)
    response = other_client.get("/journal/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert session_count(app, "ada@example.com") == 0


def test_a_session_survives_29_idle_minutes(app: Flask, client: FlaskClient) -> None:
    assert app.config["SESSION_IDLE_SECONDS"] == IDLE.total_seconds()
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    age_sessions(app, "ada@example.com", idle=IDLE - timedelta(minutes=1))
    assert client.get("/journal/").status_code == 200


def test_thirty_idle_minutes_lock_the_journal(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    write_entry(client, "Before the pause.")
    age_sessions(app, "ada@example.com", idle=IDLE + timedelta(seconds=5))

    response = client.get("/journal/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/journal/")
    page = markup(client.get(response.headers["Location"]))
    assert "You were away for a while, so we locked your journal." in page
    assert "Before the pause." not in page
    # Coming back later does not unlock it either: logging in again is the only way.
    assert client.get("/journal/").status_code == 302


def test_an_htmx_request_after_the_idle_timeout_is_sent_to_login(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    age_sessions(app, "ada@example.com", idle=IDLE + timedelta(seconds=5))
    response = client.get("/journal/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=/journal/")


def test_twelve_hours_end_a_session_even_when_it_is_in_use(app: Flask, client: FlaskClient) -> None:
    assert app.config["SESSION_ABSOLUTE_SECONDS"] == ABSOLUTE.total_seconds()
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    age_sessions(
        app, "ada@example.com", age=ABSOLUTE + timedelta(minutes=1), idle=timedelta(seconds=10)
    )
    response = client.get("/journal/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert session_count(app, "ada@example.com") == 0


def test_moving_the_timeouts_in_config_moves_when_sessions_end(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    monkeypatch.setitem(app.config, "SESSION_IDLE_SECONDS", 60)
    age_sessions(app, "ada@example.com", idle=timedelta(minutes=2))
    assert client.get("/journal/").status_code == 302


def test_flask_session_cookie_holds_no_keys_and_no_identity(
    app: Flask, client: FlaskClient, outbox: Path
) -> None:
    _, _ = signup_via_http(client, outbox, "ada@example.com")
    write_entry(client, "Something to flash about.")  # leaves an "Entry saved." flash
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    assert app.config["SESSION_COOKIE_NAME"] == "ft_flask"
    contents = app.session_interface.get_signing_serializer(app).loads(  # type: ignore[attr-defined]
        cookie.value
    )
    assert set(contents) <= {"csrf_token", "_flashes"}
    assert "_flashes" in contents
    assert isinstance(contents["csrf_token"], str) and len(contents["csrf_token"]) == 40
    uid = user_id(app, "ada@example.com")
    raw = repr(contents) + cookie.value
    for secret in (str(uid), uid.hex, "ada@example.com", PASSWORD):
        assert secret not in raw
    auth = auth_cookie(app, client)
    assert auth and auth not in raw
    # After the flash has been shown, only the CSRF token is left.
    client.get("/journal/")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert set(serializer.loads(cookie.value)) == {"csrf_token"}


def test_the_login_cookie_is_http_only_and_same_site_lax(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com")
    response = login(client, "ada@example.com")
    set_cookie = next(
        v
        for v in response.headers.getlist("Set-Cookie")
        if v.startswith(app.config["AUTH_COOKIE_NAME"] + "=")
    )
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie
    assert "Path=/" in set_cookie
