"""A prompt answer written with no connection, in a real Chromium on a phone: kept in
the outbox encrypted, sent once when the connection returns; and one whose session
was cancelled meanwhile is marked in the banner, to copy out, never silently lost."""

from __future__ import annotations

import json
import uuid

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Locator, Page, expect
from sqlalchemy import func, select, update

from journal.accounts import accounts
from journal.core.extensions import db
from journal.integration import integration
from journal.models.idempotency import IdempotencyKey
from journal.models.integration import PromptAnswer, PromptState
from journal.models.kap_sessions import KapSession, SessionStatus
from tests.browser.test_pwa import (
    EMAIL,
    log_in,
    outbox_items,
    storage,
    wait_for_service_worker,
)
from tests.factories import PASSWORD, login, make_user
from tests.web.integ_helpers import log_done_session, prompt_url


@pytest.fixture
def writer(app: Flask) -> None:
    make_user(app, EMAIL)


KEY = "day-one-surprised"
QUESTION = "What surprised you?"


def done_session(app: Flask) -> str:
    """A session done five hours ago, so its day-one prompts are open."""
    client = app.test_client()
    assert login(client, EMAIL).status_code == 302
    return log_done_session(client, hours_ago=5)


def answers_in_db(app: Flask, session_id: str) -> list[str]:
    """The session's answered prompts, opened the way the app does."""
    with app.app_context():
        unlocked = accounts.authenticate(EMAIL, PASSWORD)
        rows = db.session.scalars(
            select(PromptAnswer).where(
                PromptAnswer.kap_session_id == uuid.UUID(session_id),
                PromptAnswer.state == PromptState.ANSWERED,
            )
        ).all()
        return [integration.read_prompt(row, unlocked.udk).answer for row in rows]


def _answer_offline(
    page: Page, app: Flask, online: BrowserContext, secret: str
) -> tuple[str, Locator]:
    """Signed in, the service worker ready, a done session's prompt answered with the
    connection gone: the answer waits in the outbox. Returns the session id and the
    outbox banner."""
    session_id = done_session(app)
    log_in(page)
    wait_for_service_worker(page)
    page.goto(prompt_url(session_id, KEY))
    expect(page.get_by_role("heading", level=1)).to_have_text(QUESTION)

    online.set_offline(True)
    page.get_by_label(QUESTION).fill(secret)
    page.get_by_role("button", name="Save answer").click()
    banner = page.locator("#outbox")
    expect(banner).to_contain_text("1 item is kept on this device")
    return session_id, banner


def test_a_prompt_answer_written_offline_is_kept_encrypted_and_saved_once_when_back_online(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    secret = "That the music made me cry, and that it felt good."
    session_id, banner = _answer_offline(page, app, online, secret)
    expect(banner.locator("#outbox-items")).to_contain_text("Prompt answer, written")
    expect(page.get_by_label(QUESTION)).to_have_value("")
    (item,) = outbox_items(page)
    assert item[1]["kind"] == "integration.prompt_answer"
    # Kept, but not readable: ciphertext under a key that cannot be exported.
    dump = json.dumps(storage(page))
    assert secret not in dump and secret.encode().hex() not in dump
    assert answers_in_db(app, session_id) == []

    online.set_offline(False)
    expect(banner).to_contain_text("1 item was sent and saved.")
    assert outbox_items(page) == []
    assert answers_in_db(app, session_id) == [secret]
    # Sending again (a reload, another tab, Background Sync) makes nothing more.
    page.reload()
    page.goto(prompt_url(session_id, KEY))
    expect(page.get_by_label(QUESTION)).to_have_value(secret)
    assert answers_in_db(app, session_id) == [secret]
    with app.app_context():
        keys = db.session.scalar(
            select(func.count())
            .select_from(IdempotencyKey)
            .where(IdempotencyKey.kind == integration.KIND)
        )
    assert keys == 1


def test_an_answer_kept_offline_whose_session_was_cancelled_meanwhile_is_marked_not_lost(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    secret = "Written in the park, long after the signal went."
    session_id, banner = _answer_offline(page, app, online, secret)
    with app.app_context():  # corrected by the clinic while the phone was offline
        db.session.execute(
            update(KapSession)
            .where(KapSession.id == uuid.UUID(session_id))
            .values(status=SessionStatus.CANCELLED)
        )
        db.session.commit()

    online.set_offline(False)
    items = banner.locator("#outbox-items")
    expect(items).to_contain_text("Prompt answer from")
    expect(items).to_contain_text("its session was cancelled")
    expect(banner).not_to_contain_text("kept on this device")
    assert answers_in_db(app, session_id) == []
    (item,) = outbox_items(page)
    assert item[1]["state"] == "rejected" and item[1]["status"] == 409

    # Still on the device, to copy out, then discard.
    items.get_by_role("button", name="Show").click()
    expect(items.locator(".outbox-text")).to_have_text(secret)
    items.get_by_role("button", name="Discard").click()
    expect(banner).to_contain_text("Discarded.")
    assert outbox_items(page) == []
