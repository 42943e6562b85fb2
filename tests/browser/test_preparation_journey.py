"""Preparing for a session on a phone: plan it, tick the checklist (at once, before
the server answers), write an intention, and use the dark at-home page. Every new
page is checked with axe in light and dark, for touch targets and for reflow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import screenshots, wait_until
from tests.browser.test_first_journey import check_page, heading
from tests.factories import PASSWORD, make_user
from tests.web.prep_helpers import in_hours, set_time_zone

ZONE = "Europe/Berlin"


def _log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    heading(page, "Home")


@pytest.fixture
def patient(app: Flask) -> str:
    email = "prep.journey@example.com"
    make_user(app, email)
    set_time_zone(app, email, ZONE)
    return email


def test_plan_a_session_tick_items_and_write_an_intention(page: Page, patient: str) -> None:
    page.emulate_media(color_scheme="light")
    _log_in(page, patient)
    expect(page.get_by_text("No session planned.")).to_be_visible()

    # Sessions, from the bottom navigation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    heading(page, "Sessions")
    check_page(page, "sessions, empty", dark=True)

    # Plan an IV session in three hours: the day-before and fasting items are due now.
    page.get_by_role("link", name="Plan a session").click()
    heading(page, "Plan a session")
    check_page(page, "plan a session", dark=True)
    # 6 h 30 min ahead: the "6 h before" items are due now, the 24 h ones already past.
    starts = in_hours(6.5).astimezone(ZoneInfo(ZONE))
    page.get_by_label("Date", exact=True).fill(starts.date().isoformat())
    page.get_by_label("Start time").fill(starts.strftime("%H:%M"))
    page.get_by_label("IV infusion").check()
    page.get_by_label("At the clinic").check()
    page.get_by_label("Session number (optional)").fill("1")
    page.get_by_label("Out of (optional)").fill("6")
    page.get_by_label("Dose in mg (optional)").fill("not sure")
    page.get_by_role("button", name="Plan session").click()

    # A dose that is not a number: the form comes back with everything still in it.
    expect(page.get_by_role("alert")).to_contain_text("Enter the dose as a number")
    expect(page.get_by_label("Out of (optional)")).to_have_value("6")
    expect(page.get_by_label("IV infusion")).to_be_checked()
    check_page(page, "plan a session, with an error")
    screenshots(page, "plan-session-error")
    page.get_by_label("Dose in mg (optional)").fill("")
    page.get_by_role("button", name="Plan session").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Session on")
    expect(page.get_by_text("Session planned.")).to_be_visible()
    expect(page.get_by_text("Induction 1 of 6")).to_be_visible()
    groups = page.locator(".checklist h3")
    expect(groups.first).to_have_text("Due now")
    check_page(page, "session with checklist", dark=True)
    screenshots(page, "session-checklist")

    # One tap ticks: the box flips while the request is still on its way.
    item = page.locator("#item-no-solid-food-6h")
    button = item.get_by_role("button", name="From now: no solid food or milk")
    expect(button).to_have_attribute("aria-pressed", "false")
    progress = page.locator("#progress-patient")
    total = int(re.search(r"of (\d+) done", progress.inner_text()).group(1))  # type: ignore[union-attr]
    held: list[Route] = []
    page.route("**/checklist/**", lambda route: held.append(route))
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(progress).to_contain_text(f"0 of {total} done")  # the server has not answered
    wait_until(page, lambda: len(held) == 1, "the tick's request to reach the held route")
    held[0].continue_()
    page.unroute("**/checklist/**")
    expect(progress).to_contain_text(f"1 of {total} done")
    expect(page.locator("#item-no-solid-food-6h")).to_have_class(re.compile("is-done"))

    # A tick that never reaches the server flips back.
    music = page.locator("#item-music-ready").get_by_role("button")
    page.route("**/checklist/music-ready", lambda route: route.abort())
    music.click()
    expect(music).to_have_attribute("aria-pressed", "false")
    page.unroute("**/checklist/music-ready")

    # Ticks are on the server: a reload shows them, and untick is one tap too.
    page.reload()
    expect(page.locator("#item-no-solid-food-6h").get_by_role("button")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#group-done + ul #item-no-solid-food-6h")).to_have_count(1)
    page.locator("#item-no-solid-food-6h").get_by_role("button").click()
    expect(page.locator("#progress-patient")).to_contain_text(f"0 of {total} done")

    # The intention, with the questions for a first session.
    page.get_by_role("link", name="Write your intention").click()
    heading(page, "Your intention")
    expect(page.get_by_text("What brought you to this treatment?")).to_be_visible()
    check_page(page, "intention", dark=True)
    screenshots(page, "intention")
    page.get_by_label("Your intention, in one sentence").fill("To meet whatever comes, kindly.")
    page.get_by_role("button", name="Save intention").click()
    expect(page.get_by_text("Intention saved.")).to_be_visible()
    page.get_by_role("link", name="The session").click()
    expect(page.locator("blockquote.intention-text")).to_have_text(
        "To meet whatever comes, kindly."
    )
    expect(page.locator("#item-write-intention").get_by_role("button")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Home: the next session, how far the list is, and what is due now.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    heading(page, "Home")
    card = page.locator(".next-session")
    expect(card).to_contain_text(f"checklist 1 of {total} done")
    expect(card.locator("#home-due-now + ul .tick-item").first).to_be_visible()
    check_page(page, "home with the next session", dark=True)
    screenshots(page, "home-next-session")


def test_the_at_home_page_and_the_self_check(page: Page, patient: str) -> None:
    page.emulate_media(color_scheme="light")
    _log_in(page, patient)
    page.goto("/sessions/new")
    starts = in_hours(26).astimezone(ZoneInfo(ZONE))
    page.get_by_label("Date", exact=True).fill(starts.date().isoformat())
    page.get_by_label("Start time").fill(starts.strftime("%H:%M"))
    page.get_by_label("Troches (oral or sublingual)").check()
    page.get_by_label("At home, with a sitter").check()
    page.get_by_role("button", name="Plan session").click()
    expect(page.get_by_text("Session planned.")).to_be_visible()

    page.get_by_role("link", name="Open the sitter's page").click()
    heading(page, "During the session")
    # Always dark (it is read in a dim room), so one scheme to check.
    expect(page.locator("body")).to_have_css("background-color", "rgb(0, 0, 0)")
    check_page(page, "at home, sitter and log")
    page.get_by_label("Top number").fill("300")
    page.get_by_label("Bottom number").fill("90")
    page.get_by_role("button", name="Save reading").click()
    expect(page.get_by_role("alert")).to_contain_text("between 60 and 260")
    expect(page.get_by_label("Top number")).to_have_value("300")
    check_page(page, "at home, with an error")
    page.get_by_label("Top number").fill("130")
    page.get_by_role("button", name="Save reading").click()
    page.get_by_role("button", name="Log a dose").click()
    log = page.locator(".night-log li")
    expect(log).to_have_count(2)
    expect(log.first).to_contain_text("Dose taken")
    expect(log.nth(1)).to_contain_text("130/90")
    sitter = page.locator("#item-sitter-phone-ready").get_by_role("button")
    sitter.click()
    expect(page.locator("#progress-sitter")).to_contain_text("1 of ")
    check_page(page, "at home, with a log")
    screenshots(page, "at-home")

    # A session that already happened, logged afterwards: the list shows both.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="Log a past session").click()
    heading(page, "Log a past session")
    before = in_hours(-50).astimezone(ZoneInfo(ZONE))
    page.get_by_label("Date", exact=True).fill(before.date().isoformat())
    page.get_by_label("Start time").fill(before.strftime("%H:%M"))
    page.get_by_label("Esketamine nasal spray").check()
    page.get_by_label("At the clinic").check()
    page.get_by_label("Dose in mg (optional)").fill("56")
    page.get_by_role("button", name="Log session").click()
    expect(page.get_by_text("Session logged.")).to_be_visible()
    page.get_by_role("link", name="All sessions").click()
    heading(page, "Sessions")
    expect(page.locator(".session-card")).to_have_count(2)
    check_page(page, "sessions, one coming and one past", dark=True)

    page.get_by_role("link", name="Go through the list").click()
    heading(page, "Things to talk over with your provider")
    check_page(page, "self-check", dark=True)
    screenshots(page, "self-check")
    for group in page.locator("fieldset.choices").all():
        group.get_by_label("No", exact=True).check()
    page.get_by_role("group", name="Do you have high blood pressure?").get_by_label(
        "Not sure"
    ).check()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    expect(page.locator(".card")).to_contain_text("Do you have high blood pressure?")
    check_page(page, "self-check, answered")


@pytest.fixture
def page_without_js(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_ticking_works_without_javascript(page_without_js: Page, patient: str) -> None:
    page = page_without_js
    _log_in(page, patient)
    page.goto("/sessions/new")
    starts = in_hours(30).astimezone(ZoneInfo(ZONE))
    page.get_by_label("Date", exact=True).fill(starts.date().isoformat())
    page.get_by_label("Start time").fill(starts.strftime("%H:%M"))
    page.get_by_label("IM injection").check()
    page.get_by_label("At the clinic").check()
    page.get_by_role("button", name="Plan session").click()
    expect(page.get_by_text("Session planned.")).to_be_visible()
    page.locator("#item-music-ready").get_by_role("button").click()
    assert page.url.endswith("#item-music-ready")
    expect(page.locator("#item-music-ready").get_by_role("button")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#progress-patient")).to_contain_text("1 of ")
