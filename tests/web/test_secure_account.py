""" "Secure my account": one action for someone who thinks another person had their
password or phone. After the password (and code), every other session ends, the
data key is replaced (each record key re-wrapped), remembered devices are
forgotten and a new recovery key is shown once; interrupted, nothing changes."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.audit import AuditEvent
from journal.models.entries import Entry
from journal.models.sessions import KnownDevice
from journal.models.users import User
from journal.your_data import rotation
from tests.factories import PASSWORD, fresh_totp, login, make_user, write_entry
from tests.pages import csrf_token
from tests.web.helpers import HTMX, session_count, user_id

ADA = "ada@example.com"
KEY_RE = re.compile(r'id="recovery-key-text">([A-Z2-7-]+)<')


def _text(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


def _secure(client: FlaskClient, **form: str) -> TestResponse:
    data = {"csrf_token": csrf_token(client, "/settings/secure"), **form}
    return client.post("/settings/secure", data=data)


def _reset(client: FlaskClient, recovery: str, code: str = "") -> int:
    new = "a-brand-new-passphrase-9"
    return client.post(
        "/reset",
        data={
            "email": ADA,
            "recovery_key": recovery,
            "code": code,
            "password": new,
            "confirm": new,
            "csrf_token": csrf_token(client, "/reset"),
        },
    ).status_code


@pytest.fixture
def phone_and_thief(app: Flask, client: FlaskClient) -> tuple[FlaskClient, FlaskClient, str]:
    """Ada (two-step on) with an entry and a draft, signed in on her phone; a thief
    signed in with her password and code on another browser."""
    unlocked = make_user(app, ADA, two_step=True)
    login(client, ADA)
    write_entry(client, "Only mine, before and after.")
    client.post(
        f"/journal/drafts/{uuid.uuid4()}",
        data={"body": "Half a thought.", "csrf_token": csrf_token(client, "/journal/")},
        headers=HTMX,
    )
    thief = app.test_client()
    login(thief, ADA)
    assert thief.get("/journal/").status_code == 200
    return client, thief, unlocked.recovery_key or ""


def test_securing_ends_every_other_session_and_replaces_both_keys(
    app: Flask, phone_and_thief: tuple[FlaskClient, FlaskClient, str]
) -> None:
    phone, thief, old_recovery = phone_and_thief
    with app.app_context():
        before = {e.id: e.dek_wrapped for e in db.session.scalars(select(Entry))}
        wrapped_before = db.session.scalar(select(User.udk_by_password))
    page = _secure(phone, password=PASSWORD, code=fresh_totp(app, ADA))
    assert page.status_code == 200
    text = _text(page)
    assert "Your account is secured" in text
    new_recovery = KEY_RE.search(page.get_data(as_text=True))
    assert new_recovery

    # The thief is out; the phone goes on, with everything readable.
    assert thief.get("/journal/").status_code == 302
    assert session_count(app, ADA) == 1
    assert "Only mine, before and after." in _text(phone.get("/journal/"))
    assert "Half a thought." in _text(phone.get("/journal/new"))
    # Every record key re-wrapped under the new data key.
    with app.app_context():
        after = {e.id: e.dek_wrapped for e in db.session.scalars(select(Entry))}
        wrapped_after = db.session.scalar(select(User.udk_by_password))
        devices = db.session.scalars(select(KnownDevice)).all()
    assert before.keys() == after.keys() and all(before[k] != after[k] for k in before)
    assert wrapped_before != wrapped_after
    # Only the phone is remembered now (the thief's browser is an unknown client).
    assert len(devices) == 1
    assert "Secured the account" in _text(phone.get("/settings/activity"))
    # The old recovery key opens nothing; the new one does (with a code).
    assert _reset(app.test_client(), old_recovery, fresh_totp(app, ADA)) == 422
    assert _reset(app.test_client(), new_recovery.group(1), fresh_totp(app, ADA)) == 200


def test_it_asks_for_the_password_and_code_every_time_and_keeps_the_code_typed(
    app: Flask, phone_and_thief: tuple[FlaskClient, FlaskClient, str]
) -> None:
    phone, thief, _ = phone_and_thief
    # A stolen cookie alone, even one that signed in a moment ago, is not enough.
    refused = _secure(thief, code="123456")
    assert refused.status_code == 422
    text = _text(refused)
    assert "That password is not right" in text and 'value="123456"' in text
    wrong_code = _secure(thief, password=PASSWORD, code="000000")
    assert wrong_code.status_code == 422
    assert "That code did not work" in _text(wrong_code)
    assert PASSWORD not in wrong_code.get_data(as_text=True)
    assert phone.get("/journal/").status_code == 200  # nothing happened


def test_an_interrupted_securing_changes_nothing(
    app: Flask,
    phone_and_thief: tuple[FlaskClient, FlaskClient, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failure after some record keys were re-wrapped (here: the last step that
    re-seals what features sealed under the data key) rolls everything back."""
    phone, _thief, old_recovery = phone_and_thief

    def crash(user: User, old: bytes, new: bytes) -> None:
        raise RuntimeError("the server stopped half-way")

    monkeypatch.setattr(rotation, "_udk_hooks", [*rotation._udk_hooks, crash])
    with app.app_context():
        before = {e.id: e.dek_wrapped for e in db.session.scalars(select(Entry))}
    crashed = _secure(phone, password=PASSWORD, code=fresh_totp(app, ADA))
    assert crashed.status_code == 500
    assert "recovery-key-text" not in crashed.get_data(as_text=True)
    with app.app_context():
        db.session.remove()
        after = {e.id: e.dek_wrapped for e in db.session.scalars(select(Entry))}
    assert before == after
    assert session_count(app, ADA) == 2
    fresh = app.test_client()
    assert login(fresh, ADA).status_code == 302
    assert "Only mine, before and after." in _text(fresh.get("/journal/"))
    assert _reset(app.test_client(), old_recovery, fresh_totp(app, ADA)) == 200


def test_securing_again_after_an_interruption_completes_once(
    app: Flask,
    phone_and_thief: tuple[FlaskClient, FlaskClient, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    phone, thief, _old_recovery = phone_and_thief
    hooks = list(rotation._udk_hooks)

    def crash(user: User, old: bytes, new: bytes) -> None:
        raise RuntimeError("the server stopped half-way")

    monkeypatch.setattr(rotation, "_udk_hooks", [*hooks, crash])
    assert _secure(phone, password=PASSWORD, code=fresh_totp(app, ADA)).status_code == 500
    monkeypatch.setattr(rotation, "_udk_hooks", hooks)
    with app.app_context():
        db.session.remove()
        before = {e.id: e.dek_wrapped for e in db.session.scalars(select(Entry))}
    again = _secure(phone, password=PASSWORD, code=fresh_totp(app, ADA))
    assert again.status_code == 200
    assert "recovery-key-text" in again.get_data(as_text=True)
    with app.app_context():
        db.session.remove()
        after = {e.id: e.dek_wrapped for e in db.session.scalars(select(Entry))}
        secured = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "account.secured")
        ).all()
    assert before.keys() == after.keys()
    assert all(before[k] != after[k] for k in before)  # every record key re-wrapped
    assert len(secured) == 1
    assert "Only mine, before and after." in _text(phone.get("/journal/"))
    assert thief.get("/journal/").status_code in (302, 401)


def test_the_devices_page_offers_it(app: Flask, client: FlaskClient) -> None:
    make_user(app, ADA)
    login(client, ADA)
    page = _text(client.get("/settings/sessions"))
    assert 'href="/settings/secure"' in page
    assert user_id(app, ADA)
