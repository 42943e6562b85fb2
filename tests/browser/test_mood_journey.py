"""On a phone: the daily check-in from Home in three taps, a PHQ-9 one question a
screen (back and forward), the crisis card when item 9 is above 0, the result, the
charts and the help pages. Each page is checked with axe in light and dark, for
touch-target size, field borders and reflow at 320 px."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from playwright.sync_api import Page, expect

from journal.core.extensions import db
from journal.mood import moods
from tests.browser.conftest import screenshots
from tests.browser.test_first_journey import check_page, heading
from tests.factories import PASSWORD, make_user
from tests.web.mood_helpers import seed_checkins, seed_result


def _log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    heading(page, "Home")


def test_check_in_and_phq9_on_a_phone(page: Page, live_server: str, app: Flask) -> None:
    email = "mood.phone@example.com"
    keys = make_user(app, email)
    with app.app_context():
        today = moods.local_today(db.session.merge(keys.user))
    # Two months of history before today, and a baseline PHQ-9 of 17.
    seed_checkins(
        app,
        keys,
        [(today - timedelta(days=d), 2 + (d // 9) % 3, 1 + (d // 6) % 4) for d in range(1, 61)],
    )
    seed_result(
        app,
        keys,
        "phq9",
        {**{n: 2 for n in range(1, 9)}, 9: 1},
        datetime.now(UTC) - timedelta(days=60),
    )

    page.emulate_media(color_scheme="light")
    _log_in(page, email)
    card = page.locator("#checkin-card")
    expect(card.get_by_role("group", name="How is your mood today?")).to_be_visible()
    check_page(page, "home with the check-in", dark=True)
    screenshots(page, "mood-home")

    # Three taps: a mood, an anxiety, save. htmx swaps the card in place.
    card.get_by_role("radio", name="4 Good").click()
    card.get_by_role("radio", name="2 A little").click()
    card.get_by_role("button", name="Save check-in").click()
    expect(card.get_by_role("status")).to_have_text("Check-in saved.")
    expect(card).to_contain_text("Good (4 of 5)")
    assert page.url == f"{live_server}/"
    check_page(page, "home after the check-in")

    # Editing the same day: the form comes back filled in.
    card.get_by_role("link", name="Edit today's check-in").click()
    expect(card.get_by_role("radio", name="4 Good")).to_be_checked()
    card.get_by_role("radio", name="5 Very good").click()
    card.get_by_role("button", name="Save changes").click()
    expect(card.get_by_role("status")).to_have_text("Today's check-in updated.")

    # The PHQ-9, one question a screen.
    page.get_by_role("link", name="Start the PHQ-9").click()
    heading(page, "PHQ-9 Patient Health Questionnaire-9")
    expect(page.get_by_text("Question 1 of 9")).to_be_visible()
    check_page(page, "PHQ-9 question 1", dark=True)
    screenshots(page, "phq9-question")
    answers = [
        "Several days",
        "More than half the days",
        "Several days",
        "Nearly every day",
        "Not at all",
        "Several days",
        "Not at all",
        "Not at all",
    ]
    # The keyboard (or a screen reader) chooses without moving on: Next does that.
    page.get_by_role("radio", name="Not at all").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="More than half the days")).to_be_checked()
    expect(page.get_by_text("Question 1 of 9")).to_be_visible()
    # A tap on an answer moves on by itself (issue 18).
    for number, label in enumerate(answers, start=1):
        expect(page.get_by_text(f"Question {number} of 9")).to_be_visible()
        page.get_by_role("radio", name=label).click()
        if number == 3:
            # Back to question 3 and forward again: nothing is lost.
            expect(page.get_by_text("Question 4 of 9")).to_be_visible()
            page.get_by_role("button", name="Back").click()
            expect(page.get_by_text("Question 3 of 9")).to_be_visible()
            expect(page.get_by_role("radio", name="Several days")).to_be_checked()
            page.get_by_role("button", name="Back").click()
            expect(page.get_by_role("radio", name="More than half the days")).to_be_checked()
            page.get_by_role("button", name="Next").click()
            expect(page.get_by_role("radio", name="Several days")).to_be_checked()
            page.get_by_role("button", name="Next").click()

    # Item 9 above 0: the crisis card at once, on the very next screen, with focus.
    expect(page.get_by_text("Question 9 of 9")).to_be_visible()
    # On the page already (so it shows even offline), but not shown before the answer.
    expect(page.locator("#crisis-card")).to_be_hidden()
    page.get_by_role("radio", name="Several days").click()
    crisis = page.locator("#crisis-card")
    expect(crisis).to_be_visible()
    expect(crisis).to_be_focused()
    expect(crisis.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(crisis.get_by_role("link", name="Text HOME to 741741")).to_have_attribute(
        "href", "sms:741741?&body=HOME"
    )
    expect(crisis).to_contain_text("Nobody watches this app live.")
    check_page(page, "PHQ-9 with the crisis card", dark=True)
    screenshots(page, "phq9-crisis-card")

    page.get_by_role("radio", name="Somewhat difficult").check()
    page.get_by_role("button", name="See my score").click()
    heading_or_score = page.get_by_role("heading", name="Total 9 of 27")
    expect(heading_or_score).to_be_visible()
    # The card comes before the score on the result too, and the address is the result's.
    order = page.evaluate(
        "document.getElementById('crisis-card').compareDocumentPosition("
        "document.getElementById('score-title')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    assert order
    assert "/mood/results/" in page.url
    expect(page.locator(".score-card")).to_contain_text("Compared with your baseline of 17")
    check_page(page, "PHQ-9 result", dark=True)
    screenshots(page, "phq9-result-full", full_page=True)

    # A reload shows the same result: nothing is posted twice.
    page.reload()
    expect(page.get_by_role("heading", name="Total 9 of 27")).to_be_visible()

    # The charts, with their tables open.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Mood").click()
    heading(page, "Mood")
    check_page(page, "mood page", dark=True)
    page.get_by_role("link", name="Charts of mood and scores").click()
    heading(page, "Charts")
    expect(page.locator("svg.chart")).to_have_count(2)
    check_page(page, "charts", dark=True)
    screenshots(page, "charts")
    for summary in page.get_by_text("Show the numbers").all():
        summary.click()
    check_page(page, "charts with their tables", dark=True)
    screenshots(page, "charts-full", full_page=True)
    page.get_by_role("link", name="1 year").click()
    expect(page.get_by_role("link", name="1 year")).to_have_attribute("aria-current", "page")
    check_page(page, "charts, a year")

    # The crisis card again from the top bar, and the safety plan.
    page.get_by_role("link", name="Get help").click()
    heading(page, "Get help now")
    check_page(page, "get help", dark=True)
    page.get_by_role("link", name="Write your safety plan").click()
    heading(page, "Your safety plan")
    check_page(page, "safety plan", dark=True)
    page.get_by_label("My warning signs").fill("I stop answering messages.")
    page.get_by_label("People I can ask for help").fill("Jo, 555 0100")
    page.get_by_role("button", name="Save safety plan").click()
    heading(page, "Get help now")
    expect(page.locator(".safety-plan")).to_contain_text("Jo, 555 0100")
    check_page(page, "get help with a plan", dark=True)
    screenshots(page, "get-help")


def test_get_help_works_without_logging_in(page: Page, live_server: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Get help").click()
    heading(page, "Get help now")
    expect(
        page.get_by_role("link", name="Call or text 988").or_(
            page.get_by_role("link", name="Call 988")
        )
    ).to_be_visible()
    check_page(page, "get help, logged out", dark=True)
