"""The patient's day after dosing (issue 18): the recovery key can be copied,
downloaded and printed; Mark done opens the right-after questions one at a time,
always dark, by keyboard, to "That's all for now"; Home shows one card per session;
an answer written offline in the flow is saved once."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func, select

from journal.accounts import accounts
from journal.core.extensions import db
from journal.integration import integration
from journal.models.idempotency import IdempotencyKey
from journal.models.integration import PromptAnswer
from tests.browser.conftest import ARTIFACTS, assert_no_axe_violations, wait_until
from tests.browser.test_phone import PATIENT, log_in
from tests.browser.test_pwa import EMAIL as PWA_EMAIL
from tests.browser.test_pwa import log_in as pwa_log_in
from tests.browser.test_pwa import storage, wait_for_service_worker
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token
from tests.web.integ_helpers import log_done_session
from tests.web.prep_helpers import in_hours, move_session, plan_session


def test_the_recovery_key_can_be_copied_downloaded_and_printed(
    page: Page, context: BrowserContext, app: Flask, live_server: str, tmp_path: Path
) -> None:
    make_user(app, PATIENT)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    log_in(page, PATIENT)
    page.goto("/recovery-key")
    page.get_by_role("button", name="Make a new recovery key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new recovery key")
    key = page.locator("#recovery-key-text").inner_text().strip()
    assert len(key) > 20

    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").strip() == key

    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    saved = tmp_path / "key.txt"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "fresh-tracks-recovery-key.txt"
    assert saved.read_text().strip() == key

    expect(page.get_by_role("button", name="Print")).to_be_visible()


# -- right after: Mark done, one question at a time in the dark ---------------------------

BODY = "What do you feel in your body, and where?"
IMAGES = "Any images, colours or words that stayed with you?"
HARD = "What was hard?"
BLACK = "rgb(0, 0, 0)"  # .night-mode's background, whatever the phone's scheme


def _started_session(app: Flask, email: str, minutes_ago: float = 20) -> str:
    """A planned IV session that started `minutes_ago` (not over yet)."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    sid = plan_session(client, in_hours(48))
    move_session(app, sid, in_hours(-minutes_ago / 60))
    return sid


def _states(app: Flask, sid: str) -> dict[str, str]:
    with app.app_context():
        rows = db.session.scalars(
            select(PromptAnswer).where(PromptAnswer.kap_session_id == uuid.UUID(sid))
        )
        return {r.prompt_key: r.state.value for r in rows if r.slot == "right_after"}


def _press(page: Page, name: str, tabs: int) -> None:
    """From the focused question, Tab `tabs` times to the button called `name`, check
    it has focus and is not covered, and press Enter: the keyboard, nothing else."""
    for _ in range(tabs):
        page.keyboard.press("Tab")
    button = page.get_by_role("button", name=name, exact=True)
    expect(button).to_be_focused()
    covered = page.evaluate(
        """() => { const a = document.activeElement; const r = a.getBoundingClientRect();
        const e = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !(e === a || a.contains(e)); }"""
    )
    assert not covered, f"{name} is covered"
    page.keyboard.press("Enter")


def _is_dark(page: Page) -> None:
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == BLACK, background


@pytest.mark.parametrize(
    ("width", "height", "scheme"),
    [(412, 915, "light"), (412, 915, "dark"), (320, 640, "light")],
    ids=["412-light", "412-dark", "320-light"],
)
def test_mark_done_opens_one_dark_question_at_a_time_by_keyboard_to_thats_all_for_now(
    page: Page, app: Flask, width: int, height: int, scheme: str
) -> None:
    make_user(app, PATIENT)
    sid = _started_session(app, PATIENT)
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    log_in(page, PATIENT)
    page.goto(f"/sessions/{sid}")
    done = page.get_by_role("button", name="Mark done")
    done.focus()
    page.keyboard.press("Enter")

    # Question 1: the heading has focus, the page is dark whatever the scheme.
    question = page.get_by_role("heading", level=1)
    expect(question).to_have_text(BODY)
    expect(question).to_be_focused()
    expect(page.get_by_text("Question 1 of 3")).to_be_visible()
    _is_dark(page)
    assert_no_axe_violations(page, f"after flow, question 1 ({scheme}, {width} px)")
    tag = f"{width}-{scheme}"
    page.screenshot(path=str(ARTIFACTS / f"after-flow-question-{tag}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.keyboard.press("Tab")  # into the answer box, labelled by the question
    expect(page.get_by_label(BODY)).to_be_focused()
    page.keyboard.type("Warm hands, heavy legs.")
    _press(page, "Next", tabs=1)

    # Question 2, swapped in by htmx: focus on its heading; Skip.
    expect(question).to_have_text(IMAGES)
    expect(question).to_be_focused()
    expect(page.get_by_text("Question 2 of 3")).to_be_visible()
    expect(page.get_by_text("Answer saved.")).to_be_visible()
    _press(page, "Skip", tabs=3)

    # Question 3: Later.
    expect(question).to_have_text(HARD)
    expect(question).to_be_focused()
    _press(page, "Later", tabs=4)

    expect(question).to_have_text("That's all for now")
    expect(question).to_be_focused()
    expect(page.get_by_text("What you put off comes back to your Home screen")).to_be_visible()
    _is_dark(page)
    assert_no_axe_violations(page, f"after flow, the end ({scheme}, {width} px)")
    page.screenshot(path=str(ARTIFACTS / f"after-flow-end-{tag}.png"), full_page=True)
    assert _states(app, sid) == {
        "right-after-body": "answered",
        "right-after-images": "skipped",
        "right-after-hard": "open",
    }

    # Home, in the phone's own scheme again.
    page.get_by_role("link", name="Back to Home").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != BLACK


def test_home_shows_one_card_per_session_newest_first(page: Page, app: Flask) -> None:
    make_user(app, PATIENT)
    client = app.test_client()
    assert login(client, PATIENT).status_code == 302
    log_done_session(client, hours_ago=73)
    log_done_session(client, hours_ago=4.5)
    page.set_viewport_size({"width": 412, "height": 915})
    log_in(page, PATIENT)
    cards = page.locator("section.prompts-due")
    expect(cards).to_have_count(2)
    expect(cards.nth(0).get_by_role("heading", level=2)).to_contain_text("2 questions from")
    expect(cards.nth(0)).to_contain_text("Within a day")
    expect(cards.nth(1)).to_contain_text("Day 3")
    assert_no_axe_violations(page, "home with two session cards")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        page.screenshot(path=str(ARTIFACTS / f"home-session-cards-{scheme}.png"), full_page=True)
    # The card leads into that session's questions, one at a time.
    cards.nth(0).get_by_role("link", name="One at a time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What surprised you?")
    expect(page.get_by_role("heading", level=1)).to_be_focused()


OFFLINE_SECRET = "The light through the blinds, and my grandmother's kitchen."


def test_an_answer_written_offline_in_the_flow_is_saved_once_on_reconnect(
    page: Page, app: Flask, online: BrowserContext
) -> None:
    make_user(app, PWA_EMAIL)
    sid = _started_session(app, PWA_EMAIL)
    client = app.test_client()
    assert login(client, PWA_EMAIL).status_code == 302
    client.post(
        f"/sessions/{sid}/done", data={"csrf_token": csrf_token(client, f"/sessions/{sid}")}
    )
    pwa_log_in(page)
    wait_for_service_worker(page)
    page.goto(f"/sessions/{sid}/after")
    expect(page.get_by_role("heading", level=1)).to_have_text(BODY)

    online.set_offline(True)
    # Skip needs the server: offline, the flow says so rather than doing nothing.
    page.get_by_role("button", name="Skip", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="You're offline")).to_be_visible()
    assert _states(app, sid)["right-after-body"] == "open"
    page.get_by_label(BODY).fill(OFFLINE_SECRET)
    page.get_by_role("button", name="Next", exact=True).click()
    banner = page.locator("#outbox")
    expect(banner).to_contain_text("1 item is kept on this device")
    # The answer is not left as an empty box: the question goes, the flow says where
    # the answer is and what comes next, and focus is on that sentence.
    kept = page.get_by_role("status").filter(has_text="Your answer is saved on this phone")
    expect(kept).to_be_visible()
    expect(kept).to_contain_text("The next question comes when you're back online.")
    expect(kept).to_be_focused()
    expect(page.get_by_label(BODY)).to_be_hidden()
    expect(page.get_by_role("button", name="Skip", exact=True)).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "after-flow-kept-offline.png"))
    assert OFFLINE_SECRET not in json.dumps(storage(page))
    assert _states(app, sid)["right-after-body"] == "open"

    online.set_offline(False)
    expect(banner).to_contain_text("1 item was sent and saved.")
    wait_until(page, lambda: _states(app, sid)["right-after-body"] == "answered", "the answer")
    expect(page.get_by_role("status").filter(has_text="Your answer was sent.")).to_be_visible()
    assert_no_axe_violations(page, "the right-after flow, an answer kept offline and sent")
    page.screenshot(path=str(ARTIFACTS / "after-flow-kept-sent.png"))
    page.get_by_role("link", name="Next question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(IMAGES)
    with app.app_context():
        keys = db.session.scalar(
            select(func.count())
            .select_from(IdempotencyKey)
            .where(IdempotencyKey.kind == integration.KIND)
        )
        row = db.session.scalar(
            select(PromptAnswer).where(
                PromptAnswer.kap_session_id == uuid.UUID(sid),
                PromptAnswer.prompt_key == "right-after-body",
            )
        )
        assert row is not None
        udk = accounts.authenticate(PWA_EMAIL, PASSWORD).udk
        assert integration.read_prompt(row, udk).answer == OFFLINE_SECRET
    assert keys == 1


# -- a check-in for a missed day ------------------------------------------------------------


def test_checking_in_for_yesterday_then_a_missed_day_on_a_phone(page: Page, app: Flask) -> None:
    make_user(app, PATIENT)
    page.set_viewport_size({"width": 412, "height": 915})
    log_in(page, PATIENT)
    card = page.locator("#checkin-card")
    day = card.get_by_label("Which day is this check-in for?")
    expect(day).to_have_value(page.evaluate("new Date().toISOString().slice(0, 10)"))
    yesterday = card.get_by_role("option", name=re.compile(r"^Yesterday"))
    expect(card.get_by_role("group", name="How is your mood today?")).to_be_visible()
    day.select_option(value=yesterday.get_attribute("value"))
    # The question follows the day chosen: yesterday is not asked about "today".
    expect(card.get_by_role("group", name="How was your mood that day?")).to_be_visible()
    expect(card.get_by_text("How is your mood today?")).to_have_count(0)
    card.get_by_role("radio", name="2 Low").click()
    card.get_by_role("radio", name="3 Some").click()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        card.screenshot(path=str(ARTIFACTS / f"checkin-pick-day-{scheme}.png"))
    assert_no_axe_violations(page, "check-in with the day picker")
    card.get_by_role("button", name="Save check-in").click()
    expect(card.get_by_role("status")).to_contain_text("Check-in for ")
    expect(card.get_by_role("status")).to_contain_text(" saved.")
    # Today is still to do, and yesterday can no longer be chosen.
    expect(card.get_by_role("heading", name="Today's check-in")).to_be_visible()
    expect(card.get_by_role("option", name=re.compile(r"^Yesterday"))).to_be_disabled()
    card.get_by_role("radio", name="4 Good").click()
    card.get_by_role("radio", name="1 Not at all").click()
    card.get_by_role("button", name="Save check-in").click()
    expect(card.get_by_role("status")).to_have_text("Check-in saved.")
    card.get_by_role("link", name="Check in for a missed day").click()
    expect(card.get_by_role("heading", name="Check in for a missed day")).to_be_visible()
    expect(card.get_by_role("option", name=re.compile(r"^Today"))).to_be_disabled()
    expect(card.get_by_role("group", name="How was your mood that day?")).to_be_visible()
    assert_no_axe_violations(page, "check-in for a missed day")
    card.screenshot(path=str(ARTIFACTS / "checkin-missed-day-dark.png"))
