"""Step-up: a session cookie alone never changes a credential.

Every route marked as a credential or security change (read from the app's url_map,
so a new route is covered) is tried with a stolen cookie: the thief's browser holds
a real, unlocked session whose password confirmation is older than the step-up
window. Each refuses, and nothing about the account changes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.routing import Rule

from journal.core.extensions import db
from journal.models.audit import AuditEvent
from journal.models.sessions import AuthSession
from journal.models.two_factor import BackupCode, TwoFactor
from journal.models.types import utcnow
from journal.models.users import User
from journal.web.step_up import MARK
from tests.factories import PASSWORD, fresh_totp, login, make_user
from tests.pages import csrf_token
from tests.web.helpers import auth_cookie, plant_auth_cookie, user_id

ADA = "ada@example.com"
# The account and security areas: every route there is either a credential or
# security change (marked) or listed here with the reason it is not.
AREAS = {"auth", "settings", "security", "two_factor", "your_data", "step_up"}
NOT_CREDENTIAL = {
    "auth.login": "asks the password itself",
    "auth.logout": "ends only this session",
    "auth.signup": "no account yet",
    "auth.signup_finish": "no account yet",
    "auth.recovery_key": "a page saying whether the key was confirmed",
    "auth.confirm_recovery_key": "checks the last group of the key; changes nothing",
    "auth.forgot": "a page of choices",
    "auth.reset": "asks the recovery key (and the code, with two-step sign-in on)",
    "auth.start_over_request": "mails a link to the account's own address",
    "auth.start_over": "needs the link from that email",
    "settings.index": "a page of links",
    "settings.time_zone": "not a credential",
    "settings.language": "a display preference",
    "settings.questionnaires": "how questionnaires move on: not a credential",
    "security.sessions": "a list of devices",
    "security.activity": "the security log",
    "two_factor.sign_in": "the code step of a login",
    "two_factor.status": "a page saying whether it is on",
    "your_data.index": "a page of choices",
    "your_data.deleted": "shown after deletion, to no one in particular",
    "step_up.confirm": "the step-up itself",
}


def _area(endpoint: str) -> str:
    return endpoint.split(".", 1)[0]


def test_every_account_route_is_a_credential_change_or_says_why_not(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not set(NOT_CREDENTIAL) - endpoints, "NOT_CREDENTIAL names a route that is gone"
    unclassified = [
        endpoint
        for endpoint in sorted(endpoints)
        if _area(endpoint) in AREAS
        and endpoint not in NOT_CREDENTIAL
        and getattr(app.view_functions[endpoint], MARK, None) is None
    ]
    assert not unclassified, (
        f"{unclassified}: mark with requires_step_up, or list in NOT_CREDENTIAL with why"
    )


def _credential_rules(app: Flask) -> list[Rule]:
    """Ada's: the clinic administrator's own routes (404 to her) are tried with a
    stolen administrator's cookie in tests/web/test_admin.py."""
    found = [
        rule
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], MARK, None) is not None
        and not rule.endpoint.startswith("admin.")
    ]
    return sorted(found, key=lambda r: (r.rule, r.endpoint))


def test_the_credential_routes_include_the_ones_an_attacker_used(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in _credential_rules(app)}
    assert {
        "auth.new_recovery_key",
        "settings.password",
        "two_factor.setup",
        "two_factor.disable",
        "two_factor.backup_codes",
        "security.end_all",
        "security.end_session",
        "your_data.download",
        "your_data.printable",
        "your_data.delete",
        "security.secure",
    } <= endpoints


def _snapshot(app: Flask, email: str) -> dict[str, Any]:
    """Everything a credential change would move: the key wraps, two-step sign-in,
    backup codes, the sessions and the security log."""
    uid = user_id(app, email)
    with app.app_context():
        user = db.session.get(User, uid)
        assert user is not None
        columns = {c.key: getattr(user, c.key) for c in User.__table__.columns}
        two_factor = db.session.get(TwoFactor, uid)
        return {
            "user": columns,
            "two_factor": (two_factor.secret_sealed, two_factor.confirmed_at)
            if two_factor
            else None,
            "codes": sorted(
                (c.code_hash, c.used_at)
                for c in db.session.scalars(select(BackupCode).where(BackupCode.user_id == uid))
            ),
            "sessions": sorted(
                s.id_hash
                for s in db.session.scalars(select(AuthSession).where(AuthSession.user_id == uid))
            ),
            # A refused attempt is itself logged (the owner sees it); nothing else is.
            "log": [
                e.action
                for e in db.session.scalars(
                    select(AuditEvent).where(AuditEvent.user_id == uid).order_by(AuditEvent.id)
                )
                if e.action != "step_up.failed"
            ],
        }


def _forget_step_up(app: Flask, email: str) -> None:
    """The cookie was stolen a while after its owner signed in."""
    uid = user_id(app, email)
    with app.app_context():
        db.session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == uid)
            .values(stepped_up_at=utcnow() - timedelta(minutes=30))
        )
        db.session.commit()


@pytest.fixture
def thief(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Iterator[FlaskClient]:
    """Ada (two-step sign-in on) logged in on her phone; her cookie copied into the
    thief's browser. Her laptop is signed in too (a device to sign out)."""
    make_user(app, ADA, two_step=True)
    login(client, ADA)
    login(other_client, ADA)
    stolen = auth_cookie(app, client)
    assert stolen
    thief = app.test_client()
    plant_auth_cookie(app, thief, stolen)
    _forget_step_up(app, ADA)
    yield thief


def _other_device(app: Flask, thief: FlaskClient) -> str:
    uid = user_id(app, ADA)
    cookie = auth_cookie(app, thief)
    assert cookie
    from journal.accounts.auth_sessions import cookie_row_hash

    mine = cookie_row_hash(cookie)
    with app.app_context():
        rows = db.session.scalars(select(AuthSession).where(AuthSession.user_id == uid)).all()
        return next(str(r.public_id) for r in rows if r.id_hash != mine)


def _path(app: Flask, thief: FlaskClient, rule: Rule) -> str:
    path = rule.rule
    for name in rule.arguments:
        assert name == "device_id", f"{rule.endpoint}: say how to fill <{name}> here"
        path = path.replace(f"<{name}>", _other_device(app, thief))
    return path


def test_a_stolen_cookie_alone_changes_no_credential(app: Flask, thief: FlaskClient) -> None:
    rules = _credential_rules(app)
    assert rules
    token = csrf_token(thief, "/settings/")
    for rule in rules:
        path = _path(app, thief, rule)
        kind = getattr(app.view_functions[rule.endpoint], MARK)
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        if kind == "inline":
            # The form asking for the password is harmless; sending it is not.
            methods = [m for m in methods if m != "GET"]
        for method in methods:
            before = _snapshot(app, ADA)
            if method == "GET":
                response = thief.get(path + "?start=2000-01-01&end=2100-01-01")
            else:
                # Everything such a form could carry, except the password and code.
                response = thief.post(
                    path,
                    data={"csrf_token": token, "understood": "yes", "time_zone": "UTC"},
                )
            label = f"{method} {rule.rule}"
            assert response.status_code in (403, 422), (label, response.status_code)
            page = html.unescape(response.get_data(as_text=True))
            assert "recovery-key-text" not in page, label
            assert 'class="backup-codes' not in page, label
            assert 'id="totp-secret"' not in page, label
            assert _snapshot(app, ADA) == before, label
            assert response.headers.get("Content-Disposition") is None, label


def _confirm(thief: FlaskClient, path: str, **fields: str) -> Any:
    return thief.post(path, data={"csrf_token": csrf_token(thief, "/settings/"), **fields})


def test_the_owner_confirms_once_and_the_change_goes_through(
    app: Flask, thief: FlaskClient
) -> None:
    # The same request, now with the password and a code, as the confirm page sends it.
    asked = thief.post("/recovery-key/new", data={"csrf_token": csrf_token(thief, "/settings/")})
    assert asked.status_code == 403
    page = asked.get_data(as_text=True)
    assert "Confirm it&#39;s you" in page or "Confirm it's you" in page
    assert 'action="/recovery-key/new"' in page
    done = _confirm(
        thief,
        "/recovery-key/new",
        step_up_password=PASSWORD,
        step_up_code=fresh_totp(app, ADA),
    )
    assert done.status_code == 200
    assert "recovery-key-text" in done.get_data(as_text=True)
    # Valid a few minutes: the next change asks nothing.
    codes = thief.post(
        "/settings/two-factor/backup-codes", data={"csrf_token": csrf_token(thief, "/settings/")}
    )
    assert codes.status_code == 200
    # ... and no longer after that.
    _forget_step_up(app, ADA)
    again = thief.post("/recovery-key/new", data={"csrf_token": csrf_token(thief, "/settings/")})
    assert again.status_code == 403


def test_the_password_alone_is_not_enough_with_two_step_on(app: Flask, thief: FlaskClient) -> None:
    before = _snapshot(app, ADA)
    refused = _confirm(thief, "/recovery-key/new", step_up_password=PASSWORD, step_up_code="")
    assert refused.status_code == 422
    assert "That code did not work" in html.unescape(refused.get_data(as_text=True))
    assert _snapshot(app, ADA)["user"] == before["user"]


def test_a_failed_step_up_keeps_what_was_typed_except_the_password(
    app: Flask, thief: FlaskClient
) -> None:
    response = _confirm(
        thief,
        "/settings/two-factor/backup-codes",
        step_up_password="not-the-password-at-all",
        step_up_code="123456",
        note="kept as typed",
    )
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "That password is not right" in page and "nothing has been changed" in page
    assert 'value="123456"' in page  # the code, kept
    assert 'name="note" value="kept as typed"' in page
    assert "not-the-password-at-all" not in page
    assert 'action="/settings/two-factor/backup-codes"' in page


def test_a_page_behind_step_up_opens_after_confirming(app: Flask, thief: FlaskClient) -> None:
    asked = thief.get("/settings/password")
    assert asked.status_code == 403
    page = asked.get_data(as_text=True)
    assert 'action="/settings/confirm"' in page and 'name="next" value="/settings/password"' in page
    done = _confirm(
        thief,
        "/settings/confirm",
        step_up_password=PASSWORD,
        step_up_code=fresh_totp(app, ADA),
        next="/settings/password",
    )
    assert done.status_code == 302 and done.headers["Location"] == "/settings/password"
    assert thief.get("/settings/password").status_code == 200


def test_the_confirmation_lives_on_the_server_not_in_a_cookie(
    app: Flask, client: FlaskClient, thief: FlaskClient
) -> None:
    """Confirming in one browser does not let another browser with the same cookie
    value... but both share one session row; what matters is that no cookie carries
    the confirmation: the thief's cookie jar is the same before and after."""
    before = {c.key: c.value for c in thief._cookies.values()}  # type: ignore[attr-defined]
    _confirm(
        thief,
        "/settings/confirm",
        step_up_password=PASSWORD,
        step_up_code=fresh_totp(app, ADA),
        next="/settings/",
    )
    after = {c.key: c.value for c in thief._cookies.values()}  # type: ignore[attr-defined]
    auth = app.config["AUTH_COOKIE_NAME"]
    assert before[auth] == after[auth]
    with app.app_context():
        rows = db.session.scalars(select(AuthSession.stepped_up_at)).all()
    assert any(at is not None and utcnow() - at < timedelta(minutes=1) for at in rows)


def _reset(client: FlaskClient, recovery: str, code: str = "") -> Any:
    return client.post(
        "/reset",
        data={
            "email": ADA,
            "recovery_key": recovery,
            "code": code,
            "password": "a-brand-new-passphrase-9",
            "confirm": "a-brand-new-passphrase-9",
            "csrf_token": csrf_token(client, "/reset"),
        },
    )


def test_a_recovery_key_reset_still_asks_for_the_code(app: Flask, client: FlaskClient) -> None:
    unlocked = make_user(app, ADA, two_step=True)
    assert unlocked.recovery_key
    refused = _reset(client, unlocked.recovery_key)
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert "Also enter the code your authenticator app shows now" in page
    # What was typed stays, except the passwords.
    assert f'value="{ADA}"' in page and f'value="{unlocked.recovery_key}"' in page
    assert "a-brand-new-passphrase-9" not in page
    # The old password still works: nothing was reset.
    assert login(app.test_client(), ADA).status_code == 302
    assert re.search(r"/login/two-factor|/", login(app.test_client(), ADA).headers["Location"])
    done = _reset(client, unlocked.recovery_key, fresh_totp(app, ADA))
    assert done.status_code == 200
    assert "recovery-key-text" in done.get_data(as_text=True)


def test_a_recovery_key_reset_without_two_step_needs_no_code(
    app: Flask, client: FlaskClient
) -> None:
    unlocked = make_user(app, ADA)
    assert unlocked.recovery_key
    assert _reset(client, unlocked.recovery_key).status_code == 200
