"""Users and entries made the way the app makes them: through services or HTTP."""

from __future__ import annotations

import re
from email import message_from_bytes
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from journal.models.users import Role
from journal.services import accounts
from journal.services.accounts import Unlocked
from tests.conftest import csrf_token

PASSWORD = "lantern-meadow-copper-harbor-17"
KEY_RE = re.compile(r'id="recovery-key-text">([A-Z2-7-]+)<')
LINK_RE = re.compile(r"(https?://\S+)")


def make_user(
    app: Flask, email: str, role: Role = Role.PATIENT, password: str = PASSWORD
) -> Unlocked:
    with app.app_context():
        return accounts.create_user(email, password, role)


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
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )


def write_entry(client: FlaskClient, body: str, title: str = "") -> TestResponse:
    return client.post(
        "/journal/",
        data={"title": title, "body": body, "csrf_token": csrf_token(client, "/journal/")},
    )
