# ruff: noqa: F811  (the fixtures imported from test_phone are used as arguments)
"""Keyboard and small screens (issue 18): focus is never hidden under the fixed bottom
bar, an htmx swap never drops focus, the two-step code field is focused, and on a
320 px phone the bottom-nav labels and the header stay whole."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect

from journal.models.users import Role
from tests.browser.test_phone import (  # noqa: F401 (fixtures)
    PATIENT,
    THERAPIST,
    Patient,
    log_in,
    patient,
    patient_with_entries,
)
from tests.factories import PASSWORD, make_user

HIDDEN_UNDER_BAR = """() => {
  const a = document.activeElement;
  const bar = document.querySelector(".bottom-nav");
  if (!a || a === document.body || !bar || bar.contains(a)) { return null; }
  const r = a.getBoundingClientRect(), top = bar.getBoundingClientRect().top;
  const name = a.getAttribute("aria-label") || a.textContent || a.tagName;
  return r.bottom > top + 1 ? name.trim() : null;
}"""


def tab_through(page: Page, path: str, stops: int = 40) -> list[str]:
    page.goto(path)
    page.locator("body").click(position={"x": 1, "y": 1})
    hidden = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        covered = page.evaluate(HIDDEN_UNDER_BAR)
        if covered:
            hidden.append(f"{path}: {covered}")
    return hidden


def test_focus_is_never_hidden_under_the_bottom_bar(page: Page, patient: Patient) -> None:
    log_in(page, PATIENT)
    hidden: list[str] = []
    for path in (
        "/",
        "/journal/",
        f"/journal/{patient.entry_id}",
        f"/sessions/{patient.session_id}",
    ):
        hidden += tab_through(page, path)
    assert not hidden, "focus hidden under the bottom bar:\n" + "\n".join(hidden)


def focus_lands_in(page: Page, selector: str) -> None:
    """Wait until focus is inside `selector` (htmx moves it once the swap settles)."""
    page.wait_for_function(
        "(s) => !!(document.activeElement && document.activeElement.closest(s))",
        arg=selector,
        timeout=15_000,
    )


def test_focus_stays_after_ticking_editing_and_checking_in(page: Page, patient: Patient) -> None:
    log_in(page, PATIENT)
    # Ticking a checklist item: focus stays on the item's button.
    page.goto(f"/sessions/{patient.session_id}")
    item_id = page.locator("li.tick-item").first.get_attribute("id")
    tick = page.locator(f"#{item_id} button[data-tick]")
    pressed = tick.get_attribute("aria-pressed") or ""
    tick.focus()
    page.keyboard.press("Enter")
    expect(tick).not_to_have_attribute("aria-pressed", pressed)
    expect(page.locator(f"#{item_id} .htmx-request, #{item_id}.htmx-request")).to_have_count(0)
    expect(tick).to_be_focused()

    # Inline edit: Edit puts focus in the form; saving puts it on what was saved.
    page.goto("/journal/")
    page.get_by_role("link", name=re.compile("^Edit")).first.focus()
    page.keyboard.press("Enter")
    editing = page.locator(".entry-card.editing")
    expect(editing).to_be_visible()
    focus_lands_in(page, ".entry-card.editing")
    editing.get_by_role("button", name="Save changes").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Changes saved.")).to_be_visible()
    focus_lands_in(page, ".entry-card")

    # Saving a check-in: focus moves to the saved card, not back to the page's start.
    page.goto("/mood/check-in")
    page.locator("fieldset.scale").first.locator("label.choice").nth(2).click()
    page.locator("fieldset.scale").nth(1).locator("label.choice").nth(1).click()
    page.get_by_role("button", name=re.compile("Save")).first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#checkin-card")).to_contain_text("Edit today")
    focus_lands_in(page, "#checkin-card")


def test_the_two_step_page_focuses_the_code_field(page: Page, app: Flask) -> None:
    make_user(app, THERAPIST, Role.THERAPIST)
    page.goto("/login")
    page.get_by_label("Email").fill(THERAPIST)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    expect(page.get_by_label("Code")).to_be_focused()


def test_a_320_px_phone_keeps_nav_labels_and_the_header_whole(page: Page, patient: Patient) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, PATIENT)
    for path in ("/", "/journal/", "/settings/"):
        page.goto(path)
        lines = page.evaluate(
            """() => [...document.querySelectorAll('.bottom-nav a')].map(a => {
                 const range = document.createRange(); range.selectNodeContents(a);
                 const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                 return [a.textContent.trim(), tops.size];
               })"""
        )
        broken = [label for label, count in lines if count != 1]
        assert not broken, f"{path}: nav labels broken over lines: {broken}"
        header = page.locator(".top-bar").bounding_box()
        brand = page.locator(".brand").bounding_box()
        assert header and brand and header["height"] <= brand["height"] + 16, (
            f"{path}: the header wraps ({header})"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_log_out_is_in_settings_far_from_get_help(page: Page, patient: Patient) -> None:
    log_in(page, PATIENT)
    page.goto("/")
    expect(page.locator(".top-bar").get_by_role("button", name="Log out")).to_have_count(0)
    page.goto("/settings/")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
