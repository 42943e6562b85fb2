"""After a session, on a phone: mark it done, find the first prompts on Home, answer
one by dictation in the dark writing view (autosaved while "speaking"), put another
off, log an after-effect, then find it all on the timeline and by search. Every new
page is checked with axe in light and dark, for touch targets and for reflow."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from journal.models.types import utcnow
from tests.browser.conftest import screenshots
from tests.browser.test_first_journey import check_page, heading
from tests.factories import PASSWORD, make_user
from tests.web.prep_helpers import in_hours, move_session, set_time_zone

ZONE = "Europe/Berlin"


def _day_in_three_hours() -> str:
    """How the snooze's confirmation names the day three hours from now, in ZONE."""
    now = utcnow()
    later = (now + timedelta(hours=3)).astimezone(ZoneInfo(ZONE)).date()
    return "today" if later == now.astimezone(ZoneInfo(ZONE)).date() else "tomorrow"


BODY = "What do you feel in your body, and where?"


@pytest.fixture
def patient(app: Flask) -> str:
    email = "integration.journey@example.com"
    make_user(app, email)
    set_time_zone(app, email, ZONE)
    return email


def _log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    heading(page, "Home")


def test_from_session_done_to_an_answered_prompt_on_a_phone(
    app: Flask, page: Page, patient: str
) -> None:
    page.emulate_media(color_scheme="light")
    _log_in(page, patient)

    # A session planned for today, which started 70 minutes ago.
    page.goto("/sessions/new")
    starts = in_hours(3).astimezone(ZoneInfo(ZONE))
    page.get_by_label("Date", exact=True).fill(starts.date().isoformat())
    page.get_by_label("Start time").fill(starts.strftime("%H:%M"))
    page.get_by_label("IV infusion").check()
    page.get_by_label("At the clinic").check()
    page.get_by_role("button", name="Plan session").click()
    expect(page.get_by_text("Session planned.")).to_be_visible()
    session_id = page.url.rsplit("/", 1)[1]
    move_session(app, session_id, (utcnow() - timedelta(minutes=70)).replace(microsecond=0))

    page.reload()
    page.get_by_role("button", name="Mark done").click()
    # Straight into the right-after questions, one at a time (issue 18).
    heading(page, BODY)
    expect(page.get_by_text("Question 1 of 3")).to_be_visible()
    check_page(page, "the flow right after", dark=True)
    page.goto(f"/sessions/{session_id}")
    expect(page.locator("#integration-title")).to_have_text("After the session")
    check_page(page, "session page after done", dark=True)

    # Home: one card for the session, with its three right-after questions.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    heading(page, "Home")
    card = page.locator(".prompts-due")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", level=2)).to_contain_text("3 questions from")
    expect(card.locator(".prompt-link")).to_have_count(3)
    expect(card.locator(".prompt-link").first).to_have_text(BODY)
    check_page(page, "home with due prompts", dark=True)
    screenshots(page, "home-prompts")

    # The writing view: dark for "right after", nothing but the question and the box.
    card.get_by_role("link", name=BODY).click()
    heading(page, BODY)
    expect(page.locator("body")).to_have_css("background-color", "rgb(0, 0, 0)")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    check_page(page, "writing view")
    box = page.get_by_label(BODY)
    box.click()
    # Dictation inserts text without key presses; autosave still follows it.
    page.keyboard.insert_text("Warm hands, heavy legs, a buzzing in the chest.")
    expect(page.locator("#answer-autosave")).to_contain_text("Draft saved at")
    page.reload()
    expect(page.get_by_text("Restored what you were typing")).to_be_visible()
    expect(page.get_by_label(BODY)).to_have_value("Warm hands, heavy legs, a buzzing in the chest.")
    screenshots(page, "writing-view")
    page.get_by_role("button", name="Save answer").click()

    heading(page, "Home")
    expect(page.get_by_text("Answer saved.")).to_be_visible()
    expect(page.locator(".prompt-link")).to_have_count(2)
    expect(page.get_by_role("link", name=BODY)).to_have_count(0)

    # Another one, later: "Not now" → in 3 hours, from its own page.
    page.get_by_role("link", name="What was hard?").click()
    heading(page, "What was hard?")
    page.get_by_text("Not now").click()
    # "today" until three hours before Berlin's midnight, then "tomorrow".
    before = _day_in_three_hours()
    page.get_by_role("button", name="In 3 hours").click()
    heading(page, "Home")
    days = "|".join({before, _day_in_three_hours()})
    confirmation = re.compile(rf"We'll bring it back ({days}) at \d\d:\d\d")
    expect(page.get_by_text(confirmation)).to_be_visible()
    expect(page.locator(".prompt-link")).to_have_count(1)
    check_page(page, "home after snoozing")

    # An after-effect, from the session page.
    page.goto(f"/sessions/{session_id}")
    page.get_by_role("link", name="After-effects log (0)").click()
    heading(page, "After-effects")
    check_page(page, "after-effects kinds", dark=True)
    page.get_by_role("link", name="Headache").click()
    page.get_by_label("Mild: noticeable, but didn't get in the way.").check()
    page.get_by_role("button", name="Save to the log").click()
    expect(page.get_by_text("Saved to the after-effects log.")).to_be_visible()
    expect(page.locator(".effects-log li")).to_contain_text("Headache, mild")
    check_page(page, "after-effects log", dark=True)

    # The journal: timeline, search and answers by prompt, under "Journal".
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Journal").click()
    page.get_by_role("navigation", name="Journal views").get_by_role(
        "link", name="Timeline"
    ).click()
    heading(page, "Timeline")
    group = page.locator(".timeline-group").first
    expect(group).to_contain_text("Session 1")
    expect(group).to_contain_text("Warm hands, heavy legs")
    expect(group).to_contain_text("Headache, mild")
    check_page(page, "timeline", dark=True)
    screenshots(page, "timeline")

    page.get_by_role("navigation", name="Journal views").get_by_role("link", name="Search").click()
    heading(page, "Search your journal")
    page.get_by_label("Words to find").fill("heavy (legs")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name="Nothing found")).to_be_visible()
    page.get_by_label("Words to find").fill("HEAVY legs")
    page.get_by_role("button", name="Search", exact=True).click()
    result = page.locator(".result")
    expect(result).to_have_count(1)
    expect(result.locator("mark")).to_have_text(["heavy", "legs"])
    check_page(page, "search results", dark=True)
    screenshots(page, "search")

    page.get_by_role("navigation", name="Journal views").get_by_role(
        "link", name="By prompt"
    ).click()
    heading(page, "Answers by prompt")
    page.get_by_role("link", name=BODY).click()
    heading(page, BODY)
    expect(page.locator(".side-by-side-answers li")).to_have_count(1)
    check_page(page, "answers side by side", dark=True)
