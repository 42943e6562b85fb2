"""Users and entries made the way the app makes them: through services or HTTP."""

from __future__ import annotations

import re
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.test import TestResponse

from journal import create_app
from journal.accounts import accounts, two_factor
from journal.accounts.accounts import Unlocked
from journal.core.extensions import db
from journal.models.two_factor import TwoFactor
from journal.models.users import Role
from tests.pages import csrf_token

PASSWORD = "lantern-meadow-copper-harbor-17"
KEY_RE = re.compile(r'id="recovery-key-text">([A-Z2-7-]+)<')
LINK_RE = re.compile(r"(https?://\S+)")


def sibling_app(app: Flask, **overrides: Any) -> Flask:
    """A second app built the way the test app was (its database, key-derivation
    cost, mail outbox and job queue), with `overrides`: for a test that needs a route
    of its own or a setting the shared app must keep. Dispose of its engine after."""
    same = (
        "TESTING",
        "SQLALCHEMY_DATABASE_URI",
        "KDF_PARAMS",
        "RATELIMIT_ENABLED",
        "MAIL_BACKEND",
        "MAIL_OUTBOX_DIR",
        "SERVER_NAME",
        "PUBLIC_URL",
        "JOBS_URL",
        "JOBS_EAGER",
    )
    return create_app({**{key: app.config[key] for key in same}, **overrides})


# TOTP secrets of the users made here with two-step sign-in, so `login` can finish
# the second step the way a person with an authenticator app would.
TOTP_SECRETS: dict[str, str] = {}


def make_user(
    app: Flask,
    email: str,
    role: Role = Role.PATIENT,
    password: str = PASSWORD,
    *,
    two_step: bool | None = None,
) -> Unlocked:
    """A user made by the services. Therapists get two-step sign-in (they cannot use
    the app without it) unless `two_step=False`; patients only with `two_step=True`."""
    with app.app_context():
        unlocked = accounts.create_user(email, password, role)
        if two_step if two_step is not None else role == Role.THERAPIST:
            enrol_two_step(unlocked)
        return unlocked


def enrol_two_step(unlocked: Unlocked) -> str:
    """Turn two-step sign-in on through the service (inside an app context)."""
    enrolment = two_factor.pending_enrolment(unlocked.user, unlocked.udk)
    two_factor.confirm_enrolment(unlocked.user, unlocked.udk, pyotp.TOTP(enrolment.secret).now())
    # As if set up a while ago: the code showing now is still unused for a first login.
    db.session.execute(
        update(TwoFactor).where(TwoFactor.user_id == unlocked.user.id).values(last_step=0)
    )
    db.session.commit()
    TOTP_SECRETS[unlocked.user.email] = enrolment.secret
    return enrolment.secret


SECRET_RE = re.compile(r'data-secret="([A-Z2-7]+)"')


def enrol_via_http(client: FlaskClient) -> tuple[str, list[str]]:
    """Set up two-step sign-in as a person would: read the key off the set-up page,
    type the code. Returns the secret and the backup codes shown once."""
    page = client.get("/settings/two-factor/setup").get_data(as_text=True)
    match = SECRET_RE.search(page)
    assert match, "no secret on the set-up page"
    secret = match.group(1)
    done = client.post(
        "/settings/two-factor/setup",
        data={
            "code": pyotp.TOTP(secret).now(),
            "csrf_token": csrf_token(client, "/settings/two-factor/setup"),
        },
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(
        r"<code>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})</code>", done.get_data(as_text=True)
    )
    assert len(codes) == 10
    return secret, codes


def fresh_totp(app: Flask, email: str) -> str:
    """A code the app will accept now. Each code works once, so this first forgets
    which step was used last (a test moving time, the way helpers age sessions)."""
    with app.app_context():
        user = accounts.user_by_email(email)
        assert user is not None
        db.session.execute(
            update(TwoFactor).where(TwoFactor.user_id == user.id).values(last_step=0)
        )
        db.session.commit()
    return pyotp.TOTP(TOTP_SECRETS[email]).now()


def last_link(outbox: Path, to: str) -> str:
    """The link in the newest message to `to`, read from the real outbox files."""
    messages = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    for path in reversed(messages):
        msg = message_from_bytes(path.read_bytes())
        if msg["To"] == to:
            body = msg.get_payload(decode=True).decode()  # type: ignore[union-attr]
            match = LINK_RE.search(body)
            assert match, f"no link in the message to {to}"
            return match.group(1).replace("http://localhost", "")
    raise AssertionError(f"no message to {to}")


def signup_via_http(
    client: FlaskClient, outbox: Path, email: str, password: str = PASSWORD
) -> tuple[str, TestResponse]:
    """Sign up as a person would; returns the recovery key shown once."""
    client.post("/signup", data={"email": email, "csrf_token": csrf_token(client, "/signup")})
    link = last_link(outbox, email)
    token = csrf_token(client, link)
    response = client.post(
        link,
        data={
            "password": password,
            "confirm": password,
            "time_zone": "Europe/Berlin",
            "csrf_token": token,
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    match = KEY_RE.search(response.get_data(as_text=True))
    assert match, "no recovery key shown"
    return match.group(1), response


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    """Log in; for a user made with two-step sign-in, enter the code too."""
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )
    location = response.headers.get("Location", "")
    second_step = response.status_code == 302 and location.startswith("/login/two-factor")
    if second_step and email in TOTP_SECRETS:
        response = client.post(
            location,
            data={
                "code": fresh_totp(client.application, email),
                "csrf_token": csrf_token(client, location),
            },
        )
    return response


def write_entry(client: FlaskClient, body: str, title: str = "") -> TestResponse:
    return client.post(
        "/journal/",
        data={"title": title, "body": body, "csrf_token": csrf_token(client, "/journal/")},
    )
