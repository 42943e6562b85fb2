"""Two-step sign-in: setting it up, signing in with it, backup codes, and who must use it."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.sessions import AuthSession
from journal.models.two_factor import TwoFactor
from journal.models.types import utcnow
from journal.models.users import LoginThrottle, Role
from tests.factories import (
    PASSWORD,
    TOTP_SECRETS,
    enrol_via_http,
    fresh_totp,
    login,
    make_user,
    write_entry,
)
from tests.pages import csrf_token, markup
from tests.web.helpers import HTMX, auth_cookie, plant_auth_cookie, session_count, user_id

WRONG_CODE = "That code did not work."


def _password_step(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )


def _code_step(client: FlaskClient, code: str) -> TestResponse:
    return client.post(
        "/login/two-factor",
        # The login page's token: the code page itself may rightly redirect.
        data={"code": code, "csrf_token": csrf_token(client, "/login")},
    )


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_patient_turns_on_two_step_sign_in_by_scanning_a_qr_code(ada: FlaskClient) -> None:
    status = markup(ada.get("/settings/two-factor"))
    assert "Off." in status
    page = ada.get("/settings/two-factor/setup").get_data(as_text=True)
    # The QR code is inline SVG markup (allowed by the CSP, unlike a script) and the
    # same key is written out for typing by hand.
    assert re.search(r"<svg[^>]*class=\"segno\"", page)
    assert "<script" not in page.split("<main", 1)[1]
    secret, codes = enrol_via_http(ada)
    assert re.sub(r"\s", "", re.search(r'id="totp-secret"[^>]*>([^<]+)<', page).group(1)) == secret  # type: ignore[union-attr]
    assert len(set(codes)) == 10
    assert "On." in markup(ada.get("/settings/two-factor"))
    assert "You have 10 unused backup codes." in markup(ada.get("/settings/two-factor"))


def test_reloading_the_set_up_page_keeps_the_same_key(ada: FlaskClient) -> None:
    first = re.search(
        r'data-secret="(\w+)"', ada.get("/settings/two-factor/setup").get_data(as_text=True)
    )
    again = re.search(
        r'data-secret="(\w+)"', ada.get("/settings/two-factor/setup").get_data(as_text=True)
    )
    assert first and again and first.group(1) == again.group(1)


def test_a_wrong_code_at_set_up_leaves_two_step_sign_in_off(ada: FlaskClient) -> None:
    page = ada.get("/settings/two-factor/setup").get_data(as_text=True)
    secret = re.search(r'data-secret="(\w+)"', page).group(1)  # type: ignore[union-attr]
    response = ada.post(
        "/settings/two-factor/setup",
        data={
            "code": _wrong(pyotp.TOTP(secret).now()),
            "csrf_token": csrf_token(ada, "/settings/two-factor"),
        },
    )
    assert response.status_code == 422
    assert WRONG_CODE in markup(response)
    assert "Off." in markup(ada.get("/settings/two-factor"))


def test_signing_in_with_two_steps_needs_the_password_and_then_a_code(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com", two_step=True)
    first = _password_step(client, "ada@example.com")
    assert first.status_code == 302
    assert first.headers["Location"].startswith("/login/two-factor")
    # Half-way is not signed in: nothing opens, not even through htmx or autosave.
    assert client.get("/journal/").status_code == 302
    assert client.get("/settings/").status_code == 302
    assert client.get("/journal/", headers=HTMX).status_code == 401
    pending_cookie = auth_cookie(app, client)

    done = _code_step(client, fresh_totp(app, "ada@example.com"))
    assert done.status_code == 302
    assert done.headers["Location"] == "/"
    assert client.get("/journal/").status_code == 200
    # A new session id after the second step: the half-way cookie is dead.
    assert auth_cookie(app, client) != pending_cookie
    assert session_count(app, "ada@example.com") == 1


def test_the_half_way_cookie_cannot_be_replayed_after_the_second_step(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "ada@example.com", two_step=True)
    _password_step(client, "ada@example.com")
    pending = auth_cookie(app, client)
    assert pending
    _code_step(client, fresh_totp(app, "ada@example.com"))
    plant_auth_cookie(app, other_client, pending)
    assert other_client.get("/journal/").status_code == 302
    again = _code_step(other_client, fresh_totp(app, "ada@example.com"))
    assert again.headers["Location"] == "/login"


def test_a_code_is_accepted_only_once(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com", two_step=True)
    code = fresh_totp(app, "ada@example.com")
    _password_step(client, "ada@example.com")
    assert _code_step(client, code).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _password_step(client, "ada@example.com")
    replay = _code_step(client, code)
    assert replay.status_code == 422
    assert WRONG_CODE in markup(replay)


def test_the_next_page_is_kept_through_both_steps(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com", two_step=True)
    first = client.post(
        "/login",
        data={
            "email": "ada@example.com",
            "password": PASSWORD,
            "next": "/journal/new",
            "csrf_token": csrf_token(client),
        },
    )
    assert first.headers["Location"] == "/login/two-factor?next=/journal/new"
    done = client.post(
        "/login/two-factor",
        data={
            "code": fresh_totp(app, "ada@example.com"),
            "next": "/journal/new",
            "csrf_token": csrf_token(client, "/login/two-factor"),
        },
    )
    assert done.headers["Location"] == "/journal/new"


def test_a_backup_code_signs_in_once(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    _, codes = enrol_via_http(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    _password_step(client, "ada@example.com")
    assert _code_step(client, codes[0].lower().replace("-", " ")).status_code == 302
    assert "You have 9 unused backup codes." in markup(client.get("/settings/two-factor"))
    log = markup(client.get("/settings/activity"))
    assert "Signed in with a backup code" in log
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    _password_step(client, "ada@example.com")
    assert _code_step(client, codes[0]).status_code == 422


def test_five_wrong_codes_end_the_half_way_sign_in(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com", two_step=True)
    _password_step(client, "ada@example.com")
    wrong = _wrong(pyotp.TOTP(TOTP_SECRETS["ada@example.com"]).now())
    for _ in range(4):
        assert _code_step(client, wrong).status_code == 422
    fifth = _code_step(client, wrong)
    assert fifth.status_code == 302
    assert fifth.headers["Location"] == "/login"
    assert "Too many wrong codes. Enter your password again." in markup(client.get("/login"))
    # The right code no longer helps: the password is needed again.
    assert _code_step(client, fresh_totp(app, "ada@example.com")).headers["Location"] == "/login"


def test_wrong_codes_lock_the_second_step_of_that_email_from_any_address(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "ada@example.com", two_step=True)
    wrong = _wrong(pyotp.TOTP(TOTP_SECRETS["ada@example.com"]).now())
    for attempt in range(5):
        _password_step(client, "ada@example.com")
        assert _code_step(client, wrong).status_code == 422, attempt
    # A new half-way sign-in from elsewhere, with the right code, must wait too.
    other_client.post(
        "/login",
        data={
            "email": "ada@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_token(other_client),
        },
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    locked = _code_step(other_client, fresh_totp(app, "ada@example.com"))
    assert locked.status_code == 422
    assert "Too many attempts for this email." in markup(locked)
    with app.app_context():
        db.session.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(1)))
        db.session.commit()
    assert _code_step(other_client, fresh_totp(app, "ada@example.com")).status_code == 302


def test_a_half_way_sign_in_expires_after_five_minutes(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com", two_step=True)
    _password_step(client, "ada@example.com")
    with app.app_context():
        db.session.execute(
            update(AuthSession).values(created_at=utcnow() - timedelta(minutes=5, seconds=1))
        )
        db.session.commit()
    response = _code_step(client, fresh_totp(app, "ada@example.com"))
    assert response.headers["Location"] == "/login"
    assert session_count(app, "ada@example.com") == 0


def test_the_code_page_without_a_half_way_sign_in_goes_back_to_the_password(
    client: FlaskClient,
) -> None:
    assert client.get("/login/two-factor").headers["Location"] == "/login"


def test_a_therapist_is_sent_to_set_up_two_step_sign_in_before_anything_else(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "dr.lee@example.com", Role.THERAPIST, two_step=False)
    # Signed in, straight to the set-up (no detour through a page that answers 401).
    assert login(client, "dr.lee@example.com").headers["Location"] == "/settings/two-factor/setup"
    for path in ("/", "/clinic/patients", "/settings/", "/journal/", "/settings/export"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/settings/two-factor/setup"
    fragment = client.get("/settings/", headers=HTMX)
    assert fragment.status_code == 401
    assert fragment.headers["HX-Redirect"] == "/settings/two-factor/setup"
    page = markup(client.get("/settings/two-factor/setup"))
    assert "Therapist accounts need two-step sign-in before anything else" in page
    enrol_via_http(client)
    assert client.get("/clinic/patients").status_code == 200


def test_a_therapist_without_two_step_sign_in_still_reaches_help_and_the_app_files(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "dr.lee@example.com", Role.THERAPIST, two_step=False)
    # Signed in, straight to the set-up (no detour through a page that answers 401).
    assert login(client, "dr.lee@example.com").headers["Location"] == "/settings/two-factor/setup"
    for path in ("/help/", "/sw.js", "/manifest.webmanifest", "/offline"):
        assert client.get(path).status_code == 200, path
    assert client.get("/settings/").headers["Location"] == "/settings/two-factor/setup"


def test_a_therapist_without_two_step_sign_in_can_still_log_out(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "dr.lee@example.com", Role.THERAPIST, two_step=False)
    login(client, "dr.lee@example.com")
    token = csrf_token(client, "/settings/two-factor/setup")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert session_count(app, "dr.lee@example.com") == 0


def test_a_therapist_cannot_turn_two_step_sign_in_off(app: Flask, client: FlaskClient) -> None:
    make_user(app, "dr.lee@example.com", Role.THERAPIST)
    login(client, "dr.lee@example.com")
    page = markup(client.get("/settings/two-factor"))
    assert "Therapist accounts always use two-step sign-in." in page
    response = client.post(
        "/settings/two-factor/disable",
        data={
            "password": PASSWORD,
            "code": fresh_totp(app, "dr.lee@example.com"),
            "csrf_token": csrf_token(client, "/settings/two-factor"),
        },
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(TwoFactor, user_id(app, "dr.lee@example.com")) is not None


def test_a_patient_turns_two_step_sign_in_off_with_password_and_code(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com", two_step=True)
    login(client, "ada@example.com")
    token = csrf_token(client, "/settings/two-factor")
    refused = client.post(
        "/settings/two-factor/disable",
        data={
            "password": "not-my-password",
            "code": fresh_totp(app, "ada@example.com"),
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422
    assert "Your password is not right." in markup(refused)
    done = client.post(
        "/settings/two-factor/disable",
        data={
            "password": PASSWORD,
            "code": fresh_totp(app, "ada@example.com"),
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert _password_step(client, "ada@example.com").headers["Location"] == "/"
    log = markup(client.get("/settings/activity"))
    assert "Two-step sign-in turned off" in log and "Two-step sign-in turned on" in log


def test_new_backup_codes_replace_the_old_ones(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    _, old_codes = enrol_via_http(client)
    response = client.post(
        "/settings/two-factor/backup-codes",
        data={
            # A backup code works wherever a code is asked for.
            "code": old_codes[0],
            "csrf_token": csrf_token(client, "/settings/two-factor"),
        },
    )
    assert response.status_code == 200
    new_codes = re.findall(r"<code>([A-Z2-7-]{19})</code>", response.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _password_step(client, "ada@example.com")
    assert _code_step(client, old_codes[1]).status_code == 422
    assert _code_step(client, new_codes[0]).status_code == 302


def test_the_totp_secret_is_sealed_and_a_clock_a_step_off_still_works(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com", two_step=True)
    secret = TOTP_SECRETS["ada@example.com"]
    with app.app_context():
        row = db.session.scalar(select(TwoFactor))
        assert row is not None
        assert secret.encode() not in row.secret_sealed
    fresh_totp(app, "ada@example.com")  # forget the step used at enrolment
    _password_step(client, "ada@example.com")
    behind = pyotp.TOTP(secret).at(time.time() - 30)
    assert _code_step(client, behind).status_code == 302


def test_a_wrong_password_for_an_account_with_two_steps_looks_like_any_other(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "ada@example.com", two_step=True)
    two_step = _password_step(client, "ada@example.com", "not-the-password-at-all")
    unknown = _password_step(other_client, "bob@example.com", "not-the-password-at-all")
    assert two_step.status_code == unknown.status_code == 422
    assert auth_cookie(app, client) is None


def test_a_session_of_an_account_with_two_steps_still_writes(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com", two_step=True)
    login(client, "ada@example.com")
    assert write_entry(client, "After two steps.").status_code == 302
