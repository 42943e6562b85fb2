"""The therapist's workspace on a laptop (1366 x 768) and on a phone (412 x 915): the
caseload as a wide table with a side navigation, or as cards above the bottom tabs;
the demo patient's brief with its summary first, earlier sessions folded, and a
printout of two pages at most. Every page is checked with axe in light and dark."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from journal.cli import DEMO_PATIENT_NAME, DEMO_THERAPIST
from journal.models.types import utcnow
from tests.browser.conftest import (
    ARTIFACTS,
    assert_no_axe_violations,
    finish_two_step,
    load_demo,
    screenshots,
)
from tests.browser.test_care_loop import check
from tests.browser.test_first_journey import heading
from tests.web.clinic_helpers import add_patients

LAPTOP = {
    "viewport": {"width": 1366, "height": 768},
    "screen": {"width": 1366, "height": 768},
    "is_mobile": False,
    "has_touch": False,
    "device_scale_factor": 1,
}


def _demo(app: Flask) -> str:
    """The demo, and thirty more patients with appointments; the therapist's password."""
    password = load_demo(app).therapist_password
    soon = utcnow() + timedelta(days=2)
    add_patients(
        app,
        DEMO_THERAPIST,
        [f"Patient {n:02d} {'Okafor' if n % 3 else 'Lindqvist'}" for n in range(30)],
        appointments={n: soon + timedelta(hours=n) for n in range(0, 30, 2)},
        prefix="caseload",
    )
    return password


def _log_in(page: Page, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(DEMO_THERAPIST)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    finish_two_step(page, DEMO_THERAPIST)
    expect(page.get_by_role("heading", name="Your patients")).to_be_visible()


def test_caseload_and_brief_on_a_laptop_and_a_phone(
    new_context: Callable[..., BrowserContext],
    browser: Browser,
    live_server: str,
    app: Flask,
    tmp_path: Path,
) -> None:
    password = _demo(app)
    laptop_context = browser.new_context(base_url=live_server, **LAPTOP)
    try:
        _workspace(laptop_context.new_page(), new_context().new_page(), password, tmp_path)
    finally:
        laptop_context.close()


def test_the_patient_sees_the_appointment_and_can_add_it_to_a_calendar(
    new_context: Callable[..., BrowserContext], app: Flask
) -> None:
    demo = load_demo(app)
    phone = new_context().new_page()
    phone.goto("/login")
    phone.get_by_label("Email").fill(demo.patient_email)
    phone.get_by_label("Password").fill(demo.patient_password)
    phone.get_by_role("button", name="Log in").click()
    heading(phone, "Home")
    card = phone.get_by_role("region", name="Your next appointment")
    expect(card).to_contain_text("with Dr Sam Lee (demo)")
    with phone.expect_download() as download:
        card.get_by_role("link", name=re.compile("Add to calendar")).click()
    body = Path(download.value.path()).read_text()
    assert "SUMMARY:Appointment \u2014 Fresh Tracks" in body and "demo" not in body
    card.scroll_into_view_if_needed()
    check(phone, "Home with the appointment, phone")
    ARTIFACTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        phone.emulate_media(color_scheme=scheme)
        card.screenshot(path=str(ARTIFACTS / f"patient-appointment-card-{scheme}.png"))


def _workspace(laptop: Page, phone: Page, password: str, tmp_path: Path) -> None:
    _log_in(laptop, password)
    _log_in(phone, password)

    # The laptop: a side navigation and a wide table, the demo patient (new items)
    # first, 25 rows a page.
    laptop.goto("/clinic/patients")
    heading(laptop, "Your patients")
    nav = laptop.get_by_role("navigation", name="Main")
    box = nav.bounding_box()
    assert box is not None and box["x"] == 0 and box["height"] >= 700 and box["width"] < 260
    table = laptop.locator("table.caseload-table")
    expect(table.locator("thead")).to_be_visible()
    assert (table.bounding_box() or {"width": 0})["width"] > 900
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(25)
    expect(rows.first.locator("th")).to_contain_text(DEMO_PATIENT_NAME)
    expect(rows.first.locator(".col-new")).to_contain_text("new")
    assert laptop.evaluate("document.documentElement.scrollWidth") <= 1366
    assert_no_axe_violations(laptop, "caseload, laptop")
    laptop.emulate_media(color_scheme="dark")
    assert_no_axe_violations(laptop, "caseload, laptop (dark)")
    laptop.emulate_media(color_scheme="light")
    screenshots(laptop, "clinic-caseload-laptop")

    laptop.get_by_label("Find a patient by name or email").fill("lindqvist")
    laptop.get_by_role("button", name="Search").click()
    expect(laptop.locator("#caseload-status")).to_contain_text("10 patients matching")
    expect(rows).to_have_count(10)
    laptop.get_by_role("link", name="Show all").click()
    laptop.get_by_role("link", name="Next page").click()
    expect(laptop.locator("#caseload-status")).to_contain_text("showing 26\u201331")
    expect(rows).to_have_count(6)

    # The phone: cards with labels, the bottom tabs.
    phone.goto("/clinic/patients")
    heading(phone, "Your patients")
    head = phone.locator("table.caseload-table thead").bounding_box()
    assert head is not None and head["width"] <= 1  # for screen readers only
    first = phone.locator("tbody tr").first
    expect(first.locator(".col-appointment .cell-label")).to_be_visible()
    bar = phone.get_by_role("navigation", name="Main").bounding_box()
    assert bar is not None and bar["y"] > 700 and bar["width"] == 412
    check(phone, "caseload, phone")
    screenshots(phone, "clinic-caseload-phone")

    # The demo patient's brief on the laptop: the summary and the newest session
    # above the fold, earlier sessions folded.
    laptop.goto("/clinic/patients")
    laptop.get_by_role("link", name=f"Brief for {DEMO_PATIENT_NAME}").click()
    heading(laptop, "Pre-appointment brief")
    summary = laptop.locator(".brief-summary")
    expect(summary).to_contain_text(DEMO_PATIENT_NAME)
    expect(summary.locator(".new-by-kind")).to_contain_text("journal entr")
    assert (summary.bounding_box() or {"y": 9999})["y"] < 300
    groups = laptop.locator("details.brief-group")
    expect(groups.first).to_have_attribute("open", "")
    if groups.count() > 1:
        expect(groups.nth(1)).not_to_have_attribute("open", "")
    expect(laptop.locator(".brief")).not_to_contain_text("due now")
    # Mood over the series in the summary, the dosing sessions marked, on one screen.
    spark = summary.get_by_role("img", name=re.compile("Mood over the series"))
    expect(spark).to_be_visible()
    assert spark.evaluate("e => e.getAttribute('style')") is None
    expect(spark.locator("desc")).to_contain_text("Dosing sessions:")
    box = spark.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768
    assert_no_axe_violations(laptop, "brief, laptop")
    laptop.emulate_media(color_scheme="dark")
    assert_no_axe_violations(laptop, "brief, laptop (dark)")
    laptop.emulate_media(color_scheme="light")
    screenshots(laptop, "clinic-brief-laptop")

    # Printed: no chrome, no buttons, the name and the date on the first page, few pages.
    laptop.emulate_media(media="print")
    expect(laptop.locator(".print-line")).to_be_visible()
    expect(laptop.locator(".print-line")).to_contain_text(f"{DEMO_PATIENT_NAME} · printed")
    assert (laptop.locator(".brief-head").bounding_box() or {"y": 9999})["y"] < 50
    expect(laptop.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(laptop.get_by_role("button", name=re.compile("Mark all"))).to_be_hidden()
    expect(laptop.locator(".brief a").first).to_have_css("text-decoration-line", "none")
    # Folded sessions print open.
    for n in range(groups.count()):
        expect(groups.nth(n).locator(".brief-item").first).to_be_visible()
    pdf = ARTIFACTS / "clinic-brief.pdf"
    laptop.pdf(path=str(pdf), format="A4")
    laptop.emulate_media(media="screen")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert 1 <= pages <= 2, pages

    phone.goto(laptop.url)
    heading(phone, "Pre-appointment brief")
    expect(phone.get_by_role("img", name=re.compile("Mood over the series"))).to_be_visible()
    check(phone, "brief, phone")
    screenshots(phone, "clinic-brief-phone")

    _adaptation_form(laptop, phone, laptop.url.replace("/brief", "/adaptations/checklist"))
    _invite_by_email(laptop)


def _invite_by_email(laptop: Page) -> None:
    """An address that is not one keeps what was typed and says so; a good one is
    named on the code it was mailed with."""
    laptop.goto("/clinic/invite")
    laptop.get_by_label("The name you use for the patient").fill("Jo Example")
    laptop.get_by_label("Email the code to the patient").fill("jo at example")
    laptop.get_by_role("button", name="Create an invitation code").click()
    expect(laptop.locator("#f-patient_email-error")).to_contain_text("Enter an email address")
    expect(laptop.get_by_label("Email the code to the patient")).to_have_value("jo at example")
    assert_no_axe_violations(laptop, "invite with a bad address, laptop")
    form = laptop.locator("form", has=laptop.get_by_label("Email the code to the patient"))
    form.screenshot(path=str(ARTIFACTS / "clinic-invite-email-error-laptop.png"))
    laptop.get_by_label("Email the code to the patient").fill("jo@example.org")
    laptop.get_by_role("button", name="Create an invitation code").click()
    expect(laptop.get_by_text("Sent to jo@example.org")).to_be_visible()
    expect(laptop.get_by_text("For Jo Example", exact=True)).to_be_visible()


def _line_texts(page: Page) -> list[str]:
    return page.locator(".adapt-lines > li:not([hidden]) .line-text").evaluate_all(
        "els => els.map(e => e.value)"
    )


def _adaptation_form(laptop: Page, phone: Page, url: str) -> None:
    """The checklist adaptation form: one line per item, the route filter as chips,
    moves by keyboard and by pointer, details that show all their text."""
    laptop.goto(url)
    heading(laptop, re.compile("checklist", re.IGNORECASE))
    tall = laptop.evaluate("document.documentElement.scrollHeight")
    assert tall < 2800, tall  # every item of every route, on one line each (was 15,748)
    lines = laptop.locator(".adapt-lines > li:not([hidden]) .line")
    for n in range(lines.count()):
        box = lines.nth(n).bounding_box()
        assert box is not None and box["height"] < 50, (n, box)

    # The chips: the items for an IV infusion (at the clinic) fit the screen.
    laptop.get_by_role("button", name="IV infusion").click()
    expect(laptop.get_by_role("button", name="IV infusion")).to_have_attribute(
        "aria-pressed", "true"
    )
    shown = laptop.locator(".adapt-lines > li:not([hidden])")
    expect(shown.filter(has=laptop.locator('input[value="Confirm your sitter"]'))).to_have_count(0)
    listing = laptop.locator(".adapt-lines").bounding_box()
    assert listing is not None and listing["height"] <= 768, listing
    assert_no_axe_violations(laptop, "adaptation form, laptop")
    screenshots(laptop, "clinic-adaptation-laptop")

    # Keyboard: the second item moves up with its button, focus stays on it.
    before = _line_texts(laptop)
    up = shown.nth(1).get_by_role("button", name=re.compile("^Move up"))
    up.focus()
    laptop.keyboard.press("Enter")
    assert _line_texts(laptop)[:2] == [before[1], before[0]]
    assert laptop.evaluate("document.activeElement.dataset.move") == "-1"
    # Pointer: and back down with a click.
    shown.nth(0).get_by_role("button", name=re.compile("^Move down")).click()
    assert _line_texts(laptop)[:2] == before[:2]

    # Details open on request, in a text area that shows all of its text.
    toggle = shown.nth(0).get_by_role("button", name=re.compile("^Details"))
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    area = shown.nth(0).locator("textarea")
    expect(area).to_be_visible()
    assert area.evaluate("e => e.value.length > 40 && e.scrollHeight <= e.clientHeight + 2")
    laptop.emulate_media(color_scheme="dark")
    assert_no_axe_violations(laptop, "adaptation form, laptop (dark)")
    laptop.emulate_media(color_scheme="light")
    screenshots(laptop, "clinic-adaptation-details-laptop")

    # Saved in the new order.
    shown.nth(0).get_by_role("button", name=re.compile("^Move down")).click()
    laptop.get_by_role("button", name="Save for this patient").click()
    expect(laptop.get_by_text(re.compile("Preparation checklist saved for"))).to_be_visible()
    assert _line_texts(laptop)[:2] == [before[1], before[0]]

    phone.goto(url)
    heading(phone, re.compile("checklist", re.IGNORECASE))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 412
    check(phone, "adaptation form, phone")
    screenshots(phone, "clinic-adaptation-phone")
    phone.locator(".adapt-lines > li").nth(0).scroll_into_view_if_needed()
    phone.locator(".adapt-lines").screenshot(
        path=str(ARTIFACTS / "clinic-adaptation-rows-phone.png")
    )
