"""Account enumeration: whether an email has an account must not show in any answer,
in its timing (one Argon2id run either way) or in the backoff. tests/web covers the
password step, sign-up and start-over one by one; here every entrance is compared
with the same yardstick, two-step sign-in included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from journal.core import crypto
from tests.factories import make_user
from tests.pages import csrf_token
from tests.web.helpers import without_csrf

KNOWN, UNKNOWN = "ada@example.com", "bob@example.com"  # the same length on purpose
NEW_PASSWORD = "orchard-violin-glacier-ember-42"
FAKE_KEY = "-".join(["AAAA"] * 13 + ["AEWQ"])  # well-formed, checksum aside


@pytest.fixture
def kdf_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    runs: list[int] = []
    real: Callable[..., bytes] = crypto.derive_root

    def watched(*args: Any, **kwargs: Any) -> bytes:
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(crypto, "derive_root", watched)
    return runs


def _same(a: TestResponse, b: TestResponse) -> None:
    assert a.status_code == b.status_code
    ignored = {"Set-Cookie", "Content-Length", "X-Request-Id"}
    assert [h for h in a.headers if h[0] not in ignored] == [
        h for h in b.headers if h[0] not in ignored
    ]
    assert without_csrf(a.get_data(as_text=True)).replace(KNOWN, "E") == without_csrf(
        b.get_data(as_text=True)
    ).replace(UNKNOWN, "E")


ENTRANCES: dict[str, Callable[[FlaskClient, str], TestResponse]] = {
    "sign-in": lambda c, email: c.post(
        "/login", data={"email": email, "password": "wrong-password-x", "csrf_token": csrf_token(c)}
    ),
    "sign-up": lambda c, email: c.post(
        "/signup", data={"email": email, "csrf_token": csrf_token(c)}
    ),
    "recovery": lambda c, email: c.post(
        "/reset",
        data={
            "email": email,
            "recovery_key": real_looking_key(),
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(c),
        },
    ),
    "start over": lambda c, email: c.post(
        "/start-over", data={"email": email, "csrf_token": csrf_token(c)}
    ),
}


def real_looking_key() -> str:
    return crypto.format_recovery_key(b"\x07" * 32)


@pytest.mark.parametrize("two_step", [False, True], ids=["password only", "two-step account"])
@pytest.mark.parametrize("entrance", list(ENTRANCES))
def test_every_entrance_answers_the_same_for_a_known_and_an_unknown_email(
    app: Flask, outbox: object, kdf_runs: list[int], entrance: str, two_step: bool
) -> None:
    make_user(app, KNOWN, two_step=two_step)
    send = ENTRANCES[entrance]
    kdf_runs.clear()
    known = send(app.test_client(), KNOWN)
    runs_known = len(kdf_runs)
    unknown = send(app.test_client(), UNKNOWN)
    runs_unknown = len(kdf_runs) - runs_known
    _same(known, unknown)
    assert runs_known == runs_unknown


@pytest.mark.parametrize("entrance", ["sign-in", "recovery"])
def test_the_backoff_looks_the_same_for_a_known_and_an_unknown_email(
    app: Flask, entrance: str
) -> None:
    make_user(app, KNOWN, two_step=True)
    send = ENTRANCES[entrance]
    clients = {email: app.test_client() for email in (KNOWN, UNKNOWN)}
    for _ in range(5):
        for email, client in clients.items():
            send(client, email)
    known, unknown = (send(clients[e], e) for e in (KNOWN, UNKNOWN))
    assert "Too many attempts for this email." in known.get_data(as_text=True)
    _same(known, unknown)
