"""Sign-up, login and logout as a person (or someone probing for accounts) sees them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.test import TestResponse

from journal.core import crypto
from journal.core.extensions import db
from journal.models.types import utcnow
from journal.models.users import LoginThrottle, User
from tests.factories import PASSWORD, login, make_user, signup_via_http
from tests.pages import csrf_token, markup
from tests.web.helpers import auth_cookie, without_csrf

LOGIN_FAILED = "That email and password do not match an account."


def _messages_to(outbox: Path, to: str) -> list[Any]:
    found = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        msg = message_from_bytes(path.read_bytes())
        if msg["To"] == to:
            found.append(msg)
    return found


def _user_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User)) or 0


def _same_page(a: TestResponse, b: TestResponse, typed_a: str, typed_b: str) -> None:
    """Two answers are the same to an outsider: same status, headers and bytes, once
    the per-request CSRF token and the email each person typed are set aside."""
    assert a.status_code == b.status_code
    ignored = {"Set-Cookie", "Content-Length", "X-Request-Id"}
    assert [h for h in a.headers if h[0] not in ignored] == [
        h for h in b.headers if h[0] not in ignored
    ]
    body_a = without_csrf(a.get_data(as_text=True)).replace(typed_a, "EMAIL")
    body_b = without_csrf(b.get_data(as_text=True)).replace(typed_b, "EMAIL")
    assert body_a == body_b


@pytest.fixture
def kdf_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts Argon2id runs. The real KDF still runs: this only watches it."""
    runs: list[int] = []
    real: Callable[..., bytes] = crypto.derive_root

    def watched(*args: Any, **kwargs: Any) -> bytes:
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(crypto, "derive_root", watched)
    return runs


# -- sign-up -----------------------------------------------------------------------------


def test_signing_up_through_the_emailed_link_logs_the_new_patient_in(
    client: FlaskClient, outbox: Path
) -> None:
    asked = client.post(
        "/signup",
        data={"email": "Ada@Example.com ", "csrf_token": csrf_token(client, "/signup")},
    )
    assert asked.status_code == 200
    assert "Check your email" in markup(asked)
    [message] = _messages_to(outbox, "ada@example.com")
    assert message["Subject"] == "Finish creating your Fresh Tracks account"

    key, page = signup_via_http(client, outbox, "ada@example.com")
    assert "Save your recovery key" in markup(page)
    assert len(key.split("-")) == 14
    assert client.get("/journal/").status_code == 200


def test_a_signup_link_works_only_once(client: FlaskClient, outbox: Path) -> None:
    signup_via_http(client, outbox, "ada@example.com")
    link = _link_in(_messages_to(outbox, "ada@example.com")[0])
    again = client.get(link)
    assert again.status_code == 404
    assert "This link no longer works" in markup(again)


def _link_in(message: Any) -> str:
    body: str = message.get_payload(decode=True).decode()
    start = body.index("http")
    return body[start:].split()[0].replace("http://localhost", "")


def test_signing_up_with_a_taken_email_looks_the_same_and_warns_the_owner(
    app: Flask, client: FlaskClient, other_client: FlaskClient, outbox: Path
) -> None:
    make_user(app, "ada@example.com")
    taken = client.post(
        "/signup",
        data={"email": "ada@example.com", "csrf_token": csrf_token(client, "/signup")},
    )
    fresh = other_client.post(
        "/signup",
        data={"email": "bob@example.com", "csrf_token": csrf_token(other_client, "/signup")},
    )
    _same_page(taken, fresh, "ada@example.com", "bob@example.com")

    [notice] = _messages_to(outbox, "ada@example.com")
    notice_text = notice.get_payload(decode=True).decode()
    assert "already has one" in notice_text
    assert "http" not in notice_text  # a notice, not a way in
    [invite] = _messages_to(outbox, "bob@example.com")
    assert "/signup/" in invite.get_payload(decode=True).decode()
    assert _user_count(app) == 1


def test_an_invalid_email_is_refused_with_a_message_and_no_mail(
    client: FlaskClient, outbox: Path
) -> None:
    response = client.post(
        "/signup", data={"email": "ada.example.com", "csrf_token": csrf_token(client, "/signup")}
    )
    assert response.status_code == 422
    assert "Enter an email address like name@example.com." in markup(response)
    assert 'value="ada.example.com"' in response.get_data(as_text=True)
    assert list(outbox.glob("*.eml")) == []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password123456", "This password is too easy to guess."),
        ("k7#Lmq2!x", "Use at least 10 characters."),  # 9 characters
    ],
)
def test_a_weak_password_is_refused_at_signup_with_a_message(
    app: Flask, client: FlaskClient, outbox: Path, password: str, message: str
) -> None:
    client.post(
        "/signup", data={"email": "ada@example.com", "csrf_token": csrf_token(client, "/signup")}
    )
    link = _link_in(_messages_to(outbox, "ada@example.com")[-1])
    response = client.post(
        link,
        data={"password": password, "confirm": password, "csrf_token": csrf_token(client, link)},
    )
    assert response.status_code == 422
    assert message in markup(response)
    assert password not in response.get_data(as_text=True)
    assert _user_count(app) == 0
    # The link still works for a better password.
    assert client.get(link).status_code == 200


def test_two_different_passwords_at_signup_are_refused(
    app: Flask, client: FlaskClient, outbox: Path
) -> None:
    client.post(
        "/signup", data={"email": "ada@example.com", "csrf_token": csrf_token(client, "/signup")}
    )
    link = _link_in(_messages_to(outbox, "ada@example.com")[-1])
    response = client.post(
        link,
        data={
            "password": PASSWORD,
            "confirm": PASSWORD + "x",
            "csrf_token": csrf_token(client, link),
        },
    )
    assert response.status_code == 422
    assert "The two passwords are different." in markup(response)
    assert _user_count(app) == 0


# -- recovery key confirmation ---------------------------------------------------------


def test_confirming_the_recovery_key_needs_its_real_last_group(
    client: FlaskClient, outbox: Path
) -> None:
    key, _ = signup_via_http(client, outbox, "ada@example.com")
    last = key.rsplit("-", 1)[1]
    wrong = "AAAA" if last != "AAAA" else "BBBB"

    refused = client.post(
        "/recovery-key/confirm",
        data={"last_group": wrong, "csrf_token": csrf_token(client, "/recovery-key")},
    )
    assert refused.status_code == 422
    assert "That is not the last group of your key." in markup(refused)
    assert "Your recovery key is not confirmed." in markup(client.get("/"))

    accepted = client.post(
        "/recovery-key/confirm",
        data={"last_group": f" {last.lower()} ", "csrf_token": csrf_token(client, "/recovery-key")},
    )
    assert accepted.status_code == 302
    assert "Recovery key confirmed." in markup(client.get("/"))
    assert "You confirmed your recovery key." in markup(client.get("/recovery-key"))
    assert "Your recovery key is not confirmed." not in markup(client.get("/"))


# -- login and logout ------------------------------------------------------------------


def test_logging_in_with_the_right_password_opens_the_journal(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    assert client.get("/journal/").status_code == 302
    response = login(client, "ada@example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/journal/").status_code == 200


def test_login_returns_to_the_page_asked_for_but_never_to_another_site(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    asked = client.get("/journal/new")
    assert asked.status_code == 302
    assert "/login?next=/journal/new" in asked.headers["Location"]
    token = csrf_token(client)
    back = client.post(
        "/login",
        data={
            "email": "ada@example.com",
            "password": PASSWORD,
            "next": "/journal/new",
            "csrf_token": token,
        },
    )
    assert back.headers["Location"] == "/journal/new"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    away = client.post(
        "/login",
        data={
            "email": "ada@example.com",
            "password": PASSWORD,
            "next": "//evil.example/x",
            "csrf_token": csrf_token(client),
        },
    )
    assert away.headers["Location"] == "/"


def test_logging_out_ends_the_session_and_clears_the_browser(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?logged_out=1"
    assert '"storage"' in response.headers["Clear-Site-Data"]
    assert auth_cookie(app, client) is None
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None
    # Only the known-device cookie stays: it opens nothing.
    assert client.get_cookie(app.config["DEVICE_COOKIE_NAME"]) is not None
    assert client.get("/journal/").status_code == 302
    assert "You are logged out." in markup(client.get("/login?logged_out=1"))


def test_wrong_password_and_unknown_email_get_the_same_answer_and_both_run_the_kdf(
    app: Flask, client: FlaskClient, other_client: FlaskClient, kdf_runs: list[int]
) -> None:
    make_user(app, "ada@example.com")
    # Same length as ada@example.com, so even Content-Length cannot tell them apart.
    kdf_runs.clear()
    wrong_password = login(client, "ada@example.com", "not-the-password-at-all")
    runs_for_wrong_password = len(kdf_runs)
    unknown_email = login(other_client, "bob@example.com", "not-the-password-at-all")
    runs_for_unknown_email = len(kdf_runs) - runs_for_wrong_password

    assert wrong_password.status_code == 422
    assert LOGIN_FAILED in markup(wrong_password)
    _same_page(wrong_password, unknown_email, "ada@example.com", "bob@example.com")
    assert runs_for_wrong_password == 1
    assert runs_for_unknown_email == 1
    assert auth_cookie(app, client) is None
    assert auth_cookie(app, other_client) is None


def test_a_malformed_email_at_login_gets_the_same_answer_and_runs_the_kdf(
    client: FlaskClient, kdf_runs: list[int]
) -> None:
    response = login(client, "not an email", "whatever-password")
    assert response.status_code == 422
    assert LOGIN_FAILED in markup(response)
    assert len(kdf_runs) == 1


def _fail_logins(client: FlaskClient, email: str, times: int) -> None:
    for _ in range(times):
        assert login(client, email, "wrong-password-again").status_code == 422


def _login_from(client: FlaskClient, email: str, password: str, address: str) -> TestResponse:
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address},
    )


def test_repeated_failures_slow_that_client_not_the_owner(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    """Five wrong passwords from one address make that address wait; the owner,
    signing in from elsewhere, is not locked out by someone else's guesses."""
    make_user(app, "ada@example.com")
    make_user(app, "bob@example.com")
    attacker = "198.51.100.66"
    for _ in range(5):
        assert (
            _login_from(client, "ada@example.com", "wrong-password-x", attacker).status_code == 422
        )
    locked = _login_from(client, "ada@example.com", PASSWORD, attacker)
    assert locked.status_code == 422
    assert "Too many attempts for this email. Wait 1 minute and try again." in markup(locked)
    assert auth_cookie(app, client) is None

    # The owner, from her own address, is not slowed down.
    owner = _login_from(other_client, "ada@example.com", PASSWORD, "203.0.113.7")
    assert owner.status_code == 302

    # Other people are not locked out by it either.
    assert login(app.test_client(), "bob@example.com").status_code == 302

    # Once the wait is over, the right password works from that address again.
    with app.app_context():
        db.session.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(1)))
        db.session.commit()
    assert _login_from(client, "ada@example.com", PASSWORD, attacker).status_code == 302


def test_guesses_spread_over_many_addresses_are_slowed_but_never_the_owners_device(
    app: Flask, client: FlaskClient
) -> None:
    """A botnet guessing from many addresses meets a shared bar for every unknown
    client of the account; the owner's browser, which signed in before, does not."""
    make_user(app, "ada@example.com")
    assert _login_from(client, "ada@example.com", PASSWORD, "203.0.113.7").status_code == 302
    assert client.get_cookie(app.config["DEVICE_COOKIE_NAME"]) is not None
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    botnet = app.test_client()
    for n in range(20):
        botnet.delete_cookie(app.config["DEVICE_COOKIE_NAME"])
        response = _login_from(botnet, "ada@example.com", "wrong-password-x", f"192.0.2.{n}")
        assert response.status_code == 422
    fresh = app.test_client()
    slowed = _login_from(fresh, "ada@example.com", PASSWORD, "192.0.2.200")
    assert "Too many attempts" in markup(slowed)

    # The owner on her known device, even from an address the botnet used.
    assert _login_from(client, "ada@example.com", PASSWORD, "192.0.2.3").status_code == 302
    # A forged device cookie is just an unknown client.
    fresh.set_cookie(app.config["DEVICE_COOKIE_NAME"], "made-up-token")
    assert "Too many attempts" in markup(
        _login_from(fresh, "ada@example.com", PASSWORD, "192.0.2.201")
    )


def test_the_backoff_answers_the_same_for_an_email_without_an_account(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    _fail_logins(client, "ada@example.com", 5)
    _fail_logins(other_client, "bob@example.com", 5)
    known = login(client, "ada@example.com", "wrong-password-again")
    unknown = login(other_client, "bob@example.com", "wrong-password-again")
    assert "Too many attempts for this email." in markup(unknown)
    _same_page(known, unknown, "ada@example.com", "bob@example.com")
