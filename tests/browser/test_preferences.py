"""Settings by keyboard on a phone: turning off "move to the next question when I
choose an answer" makes a questionnaire wait for Next (a tap only chooses), and on
again a tap moves on; the time zone is typed, offered from this device, or chosen
among the zones that match. Screenshots of Settings on a phone and a laptop, light
and dark, with a choice made and with an error shown."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from playwright.sync_api import BrowserContext, Page, Request, expect

from tests.browser.conftest import ARTIFACTS, assert_no_axe_violations
from tests.browser.test_first_journey import check_page
from tests.browser.test_phone import log_in
from tests.factories import make_user

EMAIL = "prefs.phone@example.com"
LAPTOP = {"width": 1366, "height": 768}


def shots(page: Page, name: str, part: str) -> None:
    """The part of Settings that matters, on a phone (412 x 915) and a laptop, light and dark."""
    ARTIFACTS.mkdir(exist_ok=True)
    phone = page.viewport_size
    for suffix, size in (("phone", phone), ("laptop", LAPTOP)):
        if size:
            page.set_viewport_size(size)
        page.locator(part).scroll_into_view_if_needed()
        page.evaluate("(s) => document.querySelector(s).scrollIntoView({block: 'center'})", part)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{suffix}-{scheme}.png"), scale="css")
    if phone:
        page.set_viewport_size(phone)
    page.emulate_media(color_scheme="light")


def tab_to(page: Page, element_id: str, stops: int = 80) -> None:
    """Press Tab (for real) until the element has focus."""
    for _ in range(stops):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def posts_to(page: Page, path: str) -> list[str]:
    """The form bodies the page sends to `path`, as they leave."""
    sent: list[str] = []

    def watch(request: Request) -> None:
        if request.method == "POST" and request.url.split("?")[0].endswith(path):
            sent.append(request.post_data or "")

    page.on("request", watch)
    return sent


def test_the_questionnaire_setting_by_keyboard(page: Page, app: Flask) -> None:
    make_user(app, EMAIL)
    log_in(page, EMAIL)
    page.goto("/settings/")
    box = page.get_by_label("Move to the next question when I choose an answer")
    expect(box).to_be_checked()
    page.locator("body").click(position={"x": 1, "y": 1})
    tab_to(page, "f-advance_on_tap")
    page.keyboard.press("Space")
    expect(box).not_to_be_checked()
    page.keyboard.press("Tab")
    save = page.locator("#questionnaires").get_by_role("button", name="Save")
    expect(save).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#alerts")).to_contain_text(
        "Saved. Choose an answer, then press Next to move on."
    )
    box = page.get_by_label("Move to the next question when I choose an answer")
    expect(box).not_to_be_checked()
    check_page(page, "settings with tapping turned off", dark=True)
    shots(page, "settings-questionnaires-off", "#questionnaires")

    # The PHQ-9 now waits for Next: a tap only chooses.
    sent = posts_to(page, "/mood/measures/phq9")
    page.goto("/mood/measures/phq9")
    expect(page.get_by_text("Question 1 of 9")).to_be_visible()
    expect(page.get_by_text("Tapping an answer moves on")).to_have_count(0)
    page.get_by_role("radio", name="Several days").click()
    expect(page.get_by_role("radio", name="Several days")).to_be_checked()
    # By keyboard from here: Tab to Next, Enter.
    tab_to(page, "measure-next")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Question 2 of 9")).to_be_visible()
    assert len(sent) == 1 and "go=next" in sent[0] and "q1=1" in sent[0], sent
    # The new question has focus; arrows choose, Tab reaches Next, Enter moves on.
    expect(page.locator("fieldset.question")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="Several days")).to_be_checked()
    expect(page.get_by_text("Question 2 of 9")).to_be_visible()
    tab_to(page, "measure-next")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Question 3 of 9")).to_be_visible()
    assert len(sent) == 2 and "q2=1" in sent[1], sent
    assert_no_axe_violations(page, "PHQ-9 waiting for Next")

    # On again, by keyboard: a tap moves on by itself.
    page.goto("/settings/")
    page.locator("body").click(position={"x": 1, "y": 1})
    tab_to(page, "f-advance_on_tap")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#alerts")).to_contain_text(
        "Saved. Choosing an answer moves to the next question."
    )
    sent.clear()
    page.goto("/mood/measures/phq9")
    expect(page.get_by_text("Tapping an answer moves on")).to_be_visible()
    page.get_by_role("radio", name="Not at all").click()
    expect(page.get_by_text("Question 2 of 9")).to_be_visible()
    assert len(sent) == 1 and "q1=0" in sent[0], sent


def test_the_time_zone_is_typed_offered_from_the_device_or_chosen_among_matches(
    new_context: Callable[..., BrowserContext], app: Flask
) -> None:
    make_user(app, EMAIL)
    page = new_context(timezone_id="Pacific/Auckland").new_page()
    log_in(page, EMAIL)
    page.goto("/settings/")
    # A new account takes this device's zone at sign-in; it is first in the list.
    field = page.get_by_label("Times are shown in")
    expect(field).to_have_value("Pacific/Auckland")
    first = page.locator("#zone-list option").first
    expect(first).to_have_attribute("value", "Pacific/Auckland")
    expect(page.locator("[data-device-zone]")).to_be_hidden()

    # Typed, by keyboard: a city is enough.
    page.locator("body").click(position={"x": 1, "y": 1})
    tab_to(page, "f-time_zone")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("lisbon")
    page.keyboard.press("Enter")
    expect(page.locator("#alerts")).to_contain_text("Time zone saved: Europe/Lisbon.")
    expect(page.get_by_label("Times are shown in")).to_have_value("Europe/Lisbon")
    # Now this device is elsewhere: a button offers its zone.
    device = page.get_by_role("button", name="Use this device's zone: Pacific/Auckland")
    expect(device).to_be_visible()

    # Several zones match: they are offered as buttons, with the error beside the field.
    page.get_by_label("Times are shown in").fill("indiana")
    page.get_by_label("Times are shown in").press("Enter")
    expect(page.locator("#f-time_zone-error")).to_have_text(
        "More than one zone matches: choose one below."
    )
    expect(page.get_by_label("Times are shown in")).to_have_attribute("aria-invalid", "true")
    check_page(page, "settings with a time-zone error", dark=True)
    shots(page, "settings-time-zone-error", "#time-zone")
    page.get_by_role("button", name="Indiana, Knox (America)").click()
    expect(page.locator("#alerts")).to_contain_text("Time zone saved: America/Indiana/Knox.")

    # And this device's zone, in one press.
    page.get_by_role("button", name="Use this device's zone: Pacific/Auckland").click()
    expect(page.locator("#alerts")).to_contain_text("Time zone saved: Pacific/Auckland.")
    expect(page.get_by_label("Times are shown in")).to_have_value("Pacific/Auckland")
    # The zone shown is the device's own now: no button offering it again.
    expect(page.locator("[data-device-zone]")).to_be_hidden()
    shots(page, "settings-time-zone-saved", "#time-zone")
