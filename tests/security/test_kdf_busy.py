"""A burst of sign-ins must not starve everyone else: only a few key derivations run
at once, and a sign-in that cannot get a slot in time is told "busy, try again"
(503 with Retry-After) while other requests go on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.core import crypto
from tests.factories import login, make_user
from tests.pages import csrf_token


@pytest.fixture
def one_slot(app: Flask) -> Iterator[None]:
    crypto.limit_kdf(1, 0.2)
    try:
        yield
    finally:
        crypto.limit_kdf(app.config["KDF_CONCURRENCY"], app.config["KDF_WAIT_SECONDS"])


def test_a_sign_in_with_every_slot_taken_is_told_to_try_again(
    app: Flask, client: FlaskClient, one_slot: None
) -> None:
    make_user(app, "ada@example.com")
    token = csrf_token(client, "/login")
    form = {"email": "ada@example.com", "password": "whatever-it-is-1", "csrf_token": token}
    with crypto.kdf_slot():  # another sign-in is deriving its key
        busy = client.post("/login", data=form)
        assert client.get("/healthz").status_code == 200  # the rest goes on
    page = busy.get_data(as_text=True)
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "5"
    assert "Many people are signing in right now" in page
    # The slot is free again: the same sign-in works.
    assert login(client, "ada@example.com").status_code == 302
