"""Every page on a phone, for both roles and logged out: axe (WCAG 2.2 AA and best
practices) in light and dark, 44 px touch targets, visible field borders, no sideways
scrolling at 320 px; text that grows with the system font size; reduced motion. The
main screens are saved as phone screenshots (light and dark) for the README."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from journal.extensions import db
from journal.models.entries import Entry
from journal.models.users import Role, User
from journal.services import entries
from journal.services.entries import EntryForm
from tests.browser.conftest import ARTIFACTS, finish_two_step
from tests.browser.test_first_journey import check_page
from tests.factories import PASSWORD, make_user

PATIENT = "phone.patient@example.com"
THERAPIST = "phone.therapist@example.com"
# `make screenshots` sets this to docs/screenshots, the folder the README shows.
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or ARTIFACTS)

# Screens whose interesting part is below the fold: shot whole.
FULL_PAGE = {"settings", "offline"}
ENTRIES = [
    (
        "Before the first session",
        "Nervous, curious. I want to understand the heaviness in the mornings.",
    ),
    ("", "Walked by the river. Noticed I was breathing slower than usual."),
    ("Something shifted", "A long corridor of doors. I did not need to open them. That felt new."),
]


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(
            path=str(SHOTS / f"{name}-{scheme}.png"), full_page=name in FULL_PAGE, scale="css"
        )
    page.emulate_media(color_scheme="light")


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    finish_two_step(page, email)
    expect(page.locator("h1")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/login"))


@pytest.fixture
def patient_with_entries(app: Flask) -> str:
    unlocked = make_user(app, PATIENT)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == PATIENT))
        assert user is not None
        for title, body in ENTRIES:
            entries.create_entry(user, unlocked.udk, EntryForm(title=title, body=body))
        newest = db.session.query(Entry).order_by(Entry.created_at.desc()).first()
        assert newest is not None
        return str(newest.id)


@pytest.fixture
def online(context: BrowserContext) -> Iterator[BrowserContext]:
    yield context
    context.set_offline(False)


def visit(
    page: Page, path: str, heading: str | None, label: str, screenshot: str | None = None
) -> None:
    page.emulate_media(color_scheme="light")
    page.goto(path)
    if heading is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    check_page(page, label, dark=True)
    if screenshot:
        shot(page, screenshot)


def test_every_page_works_on_a_phone_when_logged_out(page: Page) -> None:
    visit(page, "/", "Fresh Tracks", "landing", "landing")
    visit(page, "/login", "Log in", "login", "login")
    visit(page, "/signup", "Create an account", "sign-up")
    visit(page, "/forgot", "Forgot your password?", "forgot")
    visit(page, "/reset", "Reset with your recovery key", "reset")
    visit(page, "/start-over", "Start over with an empty journal", "start over")
    visit(page, "/offline", "You are offline", "offline page", "offline")
    visit(page, "/no-such-page", "Not found", "404")


def test_every_page_works_on_a_phone_for_a_patient(page: Page, patient_with_entries: str) -> None:
    entry_id = patient_with_entries
    log_in(page, PATIENT)
    visit(page, "/", "Home", "home", "home")
    visit(page, "/journal/", "Journal", "journal", "journal")
    visit(page, "/journal/new", "New entry", "new entry", "new-entry")
    visit(page, f"/journal/{entry_id}", "Journal entry", "entry", "entry")
    visit(page, f"/journal/{entry_id}/edit", "Edit entry", "edit entry")
    visit(page, f"/journal/{entry_id}/delete", None, "delete entry")
    visit(page, "/settings/", "Settings", "settings", "settings")
    visit(page, "/settings/password", "Change password", "password")
    visit(page, "/recovery-key", "Recovery key", "recovery key")
    visit(page, "/offline", "You are offline", "offline page, logged in")


def test_every_page_works_on_a_phone_for_a_therapist(page: Page, app: Flask) -> None:
    make_user(app, THERAPIST, Role.THERAPIST)
    log_in(page, THERAPIST)
    visit(page, "/clinic/patients", "Your patients", "patients", "therapist-patients")
    visit(page, "/settings/", "Settings", "therapist settings")
    visit(page, "/settings/password", "Change password", "therapist password")
    visit(page, "/recovery-key", "Recovery key", "therapist recovery key")


def test_the_outbox_banner_is_accessible_while_waiting_and_when_the_server_refuses_an_item(
    page: Page, app: Flask, online: BrowserContext
) -> None:
    make_user(app, PATIENT)
    # No fading "Saving…" indicator (the autosave fails offline) to catch mid-way.
    page.emulate_media(reduced_motion="reduce")
    log_in(page, PATIENT)
    page.goto("/journal/")
    page.evaluate("navigator.serviceWorker.ready")
    online.set_offline(True)
    page.locator("summary", has_text="New entry").click()
    too_long = "x" * (app.config["ENTRY_MAX_CHARS"] + 1)
    page.get_by_label("What is on your mind?").fill(too_long)
    page.get_by_role("button", name="Save entry").click()
    banner = page.locator("#outbox")
    expect(banner).to_contain_text("1 item is kept on this device")
    check_page(page, "outbox waiting", dark=True)
    shot(page, "outbox-offline")

    # Online again, the server refuses it (too long): it stays, marked, to copy out.
    online.set_offline(False)
    expect(banner).to_contain_text("could not take it as it is")
    check_page(page, "outbox refused", dark=True)
    banner.get_by_role("button", name="Show").click()
    expect(banner.locator(".outbox-text")).to_contain_text("xxxxxxxx")
    banner.get_by_role("button", name="Discard").click()
    expect(banner).to_contain_text("Discarded.")
    expect(banner.locator("#outbox-items li")).to_have_count(0)


def test_text_grows_with_the_system_font_size_without_sideways_scrolling(
    page: Page, patient_with_entries: str
) -> None:
    log_in(page, PATIENT)
    for path in ("/", "/journal/", "/journal/new", "/settings/", "/offline"):
        page.goto(path)
        normal = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)"
        )
        body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        # What a phone's "large text" setting does to a page that sizes text in rem.
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)"
        ) == pytest.approx(2 * normal)
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == (
            pytest.approx(2 * body)
        )
        width = page.evaluate("document.documentElement.scrollWidth")
        viewport = page.evaluate("window.innerWidth")
        assert width <= viewport, f"{path} scrolls sideways with large text: {width} > {viewport}"


def test_reduced_motion_turns_transitions_off(page: Page) -> None:
    page.emulate_media(reduced_motion="reduce")
    page.goto("/login")
    duration = page.evaluate(
        """() => {
          const probe = document.createElement("span");
          probe.className = "htmx-indicator";
          document.body.appendChild(probe);
          return getComputedStyle(probe).transitionDuration;
        }"""
    )
    assert duration == "0s"
    page.emulate_media(reduced_motion="no-preference")
    page.reload()
    duration = page.evaluate(
        """() => {
          const probe = document.createElement("span");
          probe.className = "htmx-indicator";
          document.body.appendChild(probe);
          return getComputedStyle(probe).transitionDuration;
        }"""
    )
    assert duration != "0s"


def test_dark_mode_follows_the_system_setting(page: Page) -> None:
    page.goto("/login")
    page.emulate_media(color_scheme="light")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (light, dark) == ("rgb(247, 245, 240)", "rgb(16, 23, 21)")
