"""Help with the network cut, in a real Chromium on a phone: PHQ-9 item 9 answered
offline shows the crisis card at once and the answers are scored once on
reconnecting; Get help offline shows the lines; the offline page lists them; a
request that cannot be sent says so."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func, select

from journal.accounts import accounts
from journal.core.extensions import db
from journal.models.measures import MeasureResult
from journal.mood import measures
from tests.browser.test_pwa import log_in, outbox_items, storage, wait_for_service_worker
from tests.factories import PASSWORD, make_user

EMAIL = "offline.crisis@example.com"

# Whether this origin's outbox holds a sealed copy of the safety plan.
HAS_PLAN_COPY = """() => new Promise((resolve) => {
  const r = indexedDB.open("fresh-tracks-outbox");
  r.onupgradeneeded = () => { r.transaction.abort(); };
  r.onsuccess = () => {
    if (!r.result.objectStoreNames.contains("meta")) { r.result.close(); resolve(false); return; }
    const meta = r.result.transaction("meta", "readonly").objectStore("meta");
    const get = meta.get("copy:safety-plan");
    get.onsuccess = () => { resolve(!!get.result); r.result.close(); };
    get.onerror = () => { resolve(false); r.result.close(); };
  };
  r.onerror = () => resolve(false);
})"""


@pytest.fixture
def patient(app: Flask) -> None:
    make_user(app, EMAIL)


def result_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(MeasureResult)) or 0


def flagged_results(app: Flask) -> list[tuple[int, bool]]:
    with app.app_context():
        unlocked = accounts.authenticate(EMAIL, PASSWORD)
        return [(r.total, r.safety_flag) for r in measures.results_of(unlocked.user, unlocked.udk)]


def choose(page: Page, answer: str) -> None:
    """Choose as a keyboard or screen-reader user does (Space on the radio): the
    questionnaire then waits for Next, where a tap would move on by itself."""
    # The swap that brought this question moves focus once it settles (to keep the
    # keyboard user's place): choose only after htmx is done with the page.
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    radio = page.get_by_role("radio", name=answer)
    radio.focus()
    page.keyboard.press("Space")
    expect(radio).to_be_checked()


def answer_items_1_to_8(page: Page) -> None:
    page.goto("/mood/measures/phq9")
    wait_for_service_worker(page)
    for number in range(1, 9):
        expect(page.locator("#measure-progress")).to_contain_text(f"Question {number} of 9")
        choose(page, "Several days")
        page.get_by_role("button", name="Next").click()
    expect(page.locator("#measure-progress")).to_contain_text("Question 9 of 9")


def test_item_9_offline_shows_the_card_at_once_and_is_scored_once_back_online(
    page: Page, app: Flask, patient: None, online: BrowserContext
) -> None:
    log_in(page, EMAIL)
    answer_items_1_to_8(page)
    card = page.locator("#crisis-card")
    expect(card).to_be_hidden()

    online.set_offline(True)
    choose(page, "More than half the days")
    page.get_by_role("button", name="Next").click()
    # The page knew the answer and the lines: no server needed.
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(
        page.get_by_text("You are offline. Your answers are kept on this device")
    ).to_be_visible()
    banner = page.locator("#outbox")
    expect(banner).to_contain_text("1 item is kept on this device")
    expect(banner.locator("#outbox-items")).to_contain_text("Questionnaire, written")
    # Kept encrypted: no answer in clear on the device.
    (item,) = outbox_items(page)
    assert item[1]["kind"] == "mood.measure"
    assert '"q9"' not in json.dumps(storage(page)["databases"])
    assert result_count(app) == 0

    online.set_offline(False)
    expect(banner).to_contain_text("1 item was sent and saved.")
    assert outbox_items(page) == []
    assert flagged_results(app) == [(10, True)]
    # Another flush (a reload sends what waits) makes nothing more.
    page.reload()
    assert flagged_results(app) == [(10, True)]


def test_item_9_online_shows_the_card_before_the_answer_comes_back(
    page: Page, app: Flask, patient: None, online: BrowserContext
) -> None:
    """The request is held: the card is already there."""
    log_in(page, EMAIL)
    answer_items_1_to_8(page)
    held = []
    online.route("**/mood/measures/phq9", lambda route: held.append(route))
    choose(page, "Nearly every day")
    with page.expect_request("**/mood/measures/phq9"):
        page.get_by_role("button", name="Next").click()
    expect(page.locator("#crisis-card")).to_be_visible()
    expect(page.locator("#crisis-card")).to_be_focused()
    assert result_count(app) == 0  # nothing has reached the server yet
    page.evaluate("1")  # one round trip: the held request is handed to the handler
    assert held
    held[0].continue_()
    expect(page.locator("#measure-saved")).to_be_visible()
    assert flagged_results(app) == [(11, True)]


@pytest.mark.parametrize(
    "link", ["Get help", "Get help now"], ids=["top bar", "boosted link on the page"]
)
def test_get_help_offline_shows_the_crisis_lines(
    page: Page, patient: None, online: BrowserContext, link: str
) -> None:
    log_in(page, EMAIL)
    page.goto("/mood/")
    wait_for_service_worker(page)
    online.set_offline(True)
    page.get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    lines = page.locator(".crisis-lines-box")
    expect(lines).to_be_visible()
    expect(lines.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(lines.get_by_role("link", name="Text HOME to 741741")).to_be_visible()
    expect(lines.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")


def test_the_offline_page_lists_the_lines_logged_out(page: Page, online: BrowserContext) -> None:
    page.goto("/")
    wait_for_service_worker(page)
    online.set_offline(True)
    page.goto("/help/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_role("link", name="Call 988")).to_be_visible()
    # Listed before the forms: the first thing under the heading.
    order = page.evaluate(
        "[...document.querySelectorAll('main h2')].map((h) => h.textContent.trim())"
    )
    assert order[0] == "If you need help now"


def test_a_request_that_cannot_be_sent_offline_says_so_and_keeps_the_answer(
    page: Page, patient: None, online: BrowserContext
) -> None:
    log_in(page, EMAIL)
    page.goto("/mood/measures/phq9")
    wait_for_service_worker(page)
    online.set_offline(True)
    choose(page, "Not at all")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#alerts")).to_contain_text(
        "This could not be sent: you seem to be offline"
    )
    expect(page.get_by_role("radio", name="Not at all")).to_be_checked()
    online.set_offline(False)
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#measure-progress")).to_contain_text("Question 2 of 9")
    expect(page.locator("#alerts")).not_to_contain_text("could not be sent")


def test_the_safety_plan_once_opened_reads_offline_and_is_never_in_plain_storage(
    page: Page, patient: None, online: BrowserContext
) -> None:
    secret = "Give the pills to Sam to keep"
    log_in(page, EMAIL)
    page.goto("/help/safety-plan")
    page.get_by_label("Step 6: Making the environment safe").fill(secret)
    page.get_by_label("Step 4: People I can ask for help").fill("My sister Jo, 555 0100")
    page.get_by_role("button", name="Save safety plan").click()
    expect(page.locator("#safety-plan")).to_contain_text(secret)
    wait_for_service_worker(page)
    page.wait_for_function(HAS_PLAN_COPY)
    dump = json.dumps(storage(page))
    assert secret not in dump and secret.encode().hex() not in dump
    assert "555 0100" not in dump

    online.set_offline(True)
    page.goto("/help/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    plan = page.locator("#offline-plan")
    expect(plan).to_be_visible()
    expect(plan).to_contain_text(secret)
    expect(plan.get_by_role("link", name="555 0100")).to_have_attribute("href", "tel:5550100")

    # Logging out deletes the copy with the outbox.
    online.set_offline(False)
    page.goto("/settings/")  # Log out is in Settings
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.wait_for_function(f"async () => !(await ({HAS_PLAN_COPY})())")
