"""The care-team loop with two people in two browsers: the therapist invites, the
patient accepts and shares a journal entry after the preview, the therapist reads it
in the brief, and the patient sees "read by". Every new page is checked with axe in
light and dark, for touch targets and for reflow at 320 px."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from journal.models.users import Role
from tests.browser.conftest import assert_no_axe_violations, finish_two_step, screenshots
from tests.browser.test_first_journey import (
    assert_control_borders,
    assert_no_horizontal_scroll,
    heading,
)
from tests.factories import PASSWORD, make_user

THERAPIST = "dr.lee@example.com"
PATIENT = "ada@example.com"
TITLE = "After session three"
BODY = "The corridor again. This time I opened one door <b>and</b> it was only light."

# Like the first journey's check, but a checkbox or radio button counts by the label
# that wraps it (the whole label is what a finger taps).
SMALL_TARGETS_JS = """
(min) => {
  const small = [];
  for (const el of document.querySelectorAll("a, button, input, select, textarea, summary")) {
    if (el.type === "hidden") continue;
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    let box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (["checkbox", "radio"].includes(el.type) && el.closest("label")) {
      box = el.closest("label").getBoundingClientRect();
    }
    if (el.tagName === "A" && getComputedStyle(el).display === "inline") {
      const block = el.closest("p, li, dd");
      if (block && block.textContent.trim() !== el.textContent.trim()) continue;
    }
    if (box.width < min - 0.01 || box.height < min - 0.01) {
      const name = (el.textContent || el.getAttribute("aria-label") || el.name || "").trim();
      const size = `${box.width.toFixed(1)}x${box.height.toFixed(1)}`;
      small.push(`<${el.tagName.toLowerCase()}> "${name}" ${size}`);
    }
  }
  return small;
}
"""


def check(page: Page, label: str) -> None:
    """axe in light and dark, touch targets, field borders, reflow at 320 px."""
    page.emulate_media(color_scheme="light")
    assert_no_axe_violations(page, label)
    small = page.evaluate(SMALL_TARGETS_JS, 44)
    assert not small, f"targets under 44x44 px on {label}:\n" + "\n".join(small)
    assert_control_borders(page)
    assert_no_horizontal_scroll(page)
    page.emulate_media(color_scheme="dark")
    try:
        assert_no_axe_violations(page, f"{label} (dark)")
        assert_control_borders(page)
    finally:
        page.emulate_media(color_scheme="light")


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    finish_two_step(page, email)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def test_the_care_loop_in_two_browsers(
    new_context: Callable[..., BrowserContext], live_server: str, app: Flask
) -> None:
    make_user(app, THERAPIST, Role.THERAPIST)
    make_user(app, PATIENT)
    therapist: Page = new_context().new_page()
    patient: Page = new_context().new_page()

    # The therapist: an empty patients list, then the invitation page.
    log_in(therapist, THERAPIST)
    heading(therapist, "Your patients")
    check(therapist, "patients, empty")
    nav(therapist, "Invite")
    heading(therapist, "Invite a patient")
    therapist.get_by_label("Name", exact=True).fill("Dr Sam Lee")
    therapist.get_by_role("button", name="Save name").click()
    expect(therapist.get_by_role("status").first).to_contain_text("Patients see this name")
    therapist.get_by_role("button", name="Create an invitation code").click()
    code = therapist.locator("#invitation-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    check(therapist, "invite, code shown")
    screenshots(therapist, "care-invite")

    # The patient: the care team page from Settings, the code, who it is from.
    log_in(patient, PATIENT)
    heading(patient, "Home")
    nav(patient, "Settings")
    patient.get_by_role("link", name=re.compile("Link with a therapist")).click()
    heading(patient, "Care team")
    check(patient, "care team, empty")
    patient.get_by_label("Invitation code").fill(code.lower())
    patient.get_by_role("button", name="Check the code").click()
    heading(patient, "Invitation from Dr Sam Lee")
    expect(patient.get_by_text(THERAPIST)).to_be_visible()
    check(patient, "invitation")
    screenshots(patient, "care-invitation")
    patient.get_by_role("button", name="Accept").click()
    heading(patient, "Dr Sam Lee")
    expect(patient.get_by_role("status").first).to_contain_text("linked with Dr Sam Lee")
    check(patient, "one therapist")

    # A journal entry, ticked on the list, previewed, shared.
    nav(patient, "Journal")
    patient.locator("summary", has_text="New entry").click()
    patient.get_by_label("Title").fill(TITLE)
    patient.get_by_label("What is on your mind?").fill(BODY)
    patient.get_by_role("button", name="Save entry").click()
    expect(patient.get_by_role("status").filter(has_text="Entry saved.")).to_be_visible()
    patient.get_by_label(f"Select “{TITLE}” to share").check()
    check(patient, "journal with share selection")
    patient.get_by_role("button", name="Share selected…").click()
    heading(patient, "Share 1 item")
    preview = patient.locator(".preview")
    expect(preview.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(preview.locator(".entry-body")).to_have_text(BODY)
    expect(patient.get_by_label("Dr Sam Lee")).to_be_checked()
    check(patient, "share preview")
    screenshots(patient, "care-share-preview")
    patient.get_by_role("button", name="Share", exact=True).click()
    heading(patient, "Journal")
    card = patient.locator("#entry-list > li").first
    expect(card.locator(".share-marks")).to_contain_text("Shared with Dr Sam Lee · not read yet")

    # The therapist: the patient appears with one unread item; the brief shows it.
    nav(therapist, "Patients")
    heading(therapist, "Your patients")
    expect(therapist.locator(".patient-list")).to_contain_text(PATIENT)
    expect(therapist.locator(".patient-list .col-new")).to_contain_text("1 new · 1 unread")
    check(therapist, "patients, one")
    therapist.get_by_role("link", name=PATIENT, exact=True).click()
    heading(therapist, PATIENT)
    therapist.get_by_label("Next appointment").fill("2031-05-04T15:30")
    therapist.get_by_role("button", name="Save appointment").click()
    expect(therapist.get_by_role("status").first).to_contain_text("Next appointment saved")
    check(therapist, "patient page")
    therapist.get_by_role("link", name="Pre-appointment brief").click()
    heading(therapist, "Pre-appointment brief")
    item = therapist.locator(".brief-item").first
    expect(item.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(item.locator(".entry-body")).to_have_text(BODY)  # markup shown as text
    expect(therapist.get_by_role("button", name="Print")).to_be_visible()
    check(therapist, "brief")
    screenshots(therapist, "care-brief")

    # Printed, the brief has no app chrome and no buttons.
    therapist.emulate_media(media="print")
    expect(therapist.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(therapist.locator(".top-bar")).to_be_hidden()
    expect(therapist.get_by_role("button", name="Mark all 1 as read")).to_be_hidden()
    expect(item.locator(".entry-body")).to_be_visible()
    therapist.emulate_media(media="screen")
    therapist.get_by_role("button", name="Mark all 1 as read").click()
    expect(therapist.get_by_role("status").first).to_contain_text("Marked 1 item as read")

    # The patient sees who read it, and the full log.
    patient.reload()
    expect(card.locator(".share-marks")).to_contain_text(re.compile(r"read by Dr Sam Lee on \w"))
    nav(patient, "Settings")
    patient.get_by_role("link", name="Who read what").click()
    heading(patient, "Who read what")
    # Two reads: the brief, and the brief again after "Mark all as read" came back to it.
    expect(patient.locator(".log-list li")).to_have_count(2)
    expect(patient.locator(".log-list li").first).to_contain_text(
        "Dr Sam Lee opened your pre-appointment brief: 1 item."
    )
    check(patient, "access log")

    # What the therapist can read, and the page before ending the link.
    patient.goto("/care/")
    patient.get_by_role("link", name="Dr Sam Lee").click()
    expect(patient.get_by_role("heading", name=TITLE)).to_be_visible()
    check(patient, "therapist detail with a share")
    patient.get_by_role("link", name="End the link…").click()
    heading(patient, "End the link with Dr Sam Lee?")
    check(patient, "end the link")
    patient.get_by_role("button", name="End the link and remove every share").click()
    heading(patient, "Care team")
    therapist.reload()
    heading(therapist, "Not found")


def test_invitation_problems_read_plainly(page: Page, live_server: str, app: Flask) -> None:
    make_user(app, "eve@example.com")
    log_in(page, "eve@example.com")
    page.goto("/care/join/ACDE-2345")
    heading(page, "Invitation not found")
    check(page, "invitation not found")
    page.goto("/care/join")
    page.get_by_label("Invitation code").fill("nope")
    page.get_by_role("button", name="Check the code").click()
    expect(page.get_by_role("alert")).to_contain_text("There is no invitation with that code")
    check(page, "join with an error")
