"""The adaptation forms on a laptop (1366 x 768): the demo patient's checklist opens on
the route of their next session, and that list fits one screen with its heading and
Save; the prompt set too. On a phone (412 x 915) both stay usable. A patient linked
before names were asked for is offered a name on the caseload, and gets one."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from journal.cli import DEMO_PATIENT_NAME, DEMO_THERAPIST
from tests.browser.conftest import assert_no_axe_violations, load_demo, screenshots
from tests.browser.test_care_loop import check
from tests.browser.test_clinic_workspace import LAPTOP, _log_in
from tests.browser.test_first_journey import heading
from tests.web.clinic_helpers import add_patients

HEIGHT = LAPTOP["viewport"]["height"]  # type: ignore[index]


def _fits(page: Page, save: str) -> None:
    """The whole page within the laptop's screen, Save inside it, nothing beside it."""
    tall = page.evaluate("document.documentElement.scrollHeight")
    assert tall <= HEIGHT, tall
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    box = page.get_by_role("button", name=save).bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, box
    h1 = page.get_by_role("heading", level=1).bounding_box()
    assert h1 is not None and h1["y"] >= 0


def test_the_adaptation_forms_fit_a_laptop_screen(
    new_context: Callable[..., BrowserContext], browser: Browser, live_server: str, app: Flask
) -> None:
    password = load_demo(app).therapist_password
    laptop_context = browser.new_context(base_url=live_server, **LAPTOP)
    try:
        laptop = laptop_context.new_page()
        phone = new_context().new_page()
        _log_in(laptop, password)
        _log_in(phone, password)
        laptop.get_by_role("link", name=f"Brief for {DEMO_PATIENT_NAME}").click()
        heading(laptop, "Pre-appointment brief")
        base = laptop.url.replace("/brief", "/adaptations/")
        _checklist(laptop, phone, base + "checklist")
        _prompts(laptop, phone, base + "prompts")
    finally:
        laptop_context.close()
    # In Spanish, whose words run longer, the checklist still fits.
    spanish_context = browser.new_context(base_url=live_server, **LAPTOP)
    try:
        spanish = spanish_context.new_page()
        _log_in(spanish, password)
        spanish.set_extra_http_headers({"Accept-Language": "es-ES,es;q=0.9"})
        spanish.goto(base + "checklist")
        expect(spanish.locator("html")).to_have_attribute("lang", "es")
        screenshots(spanish, "adaptation-checklist-laptop-es")
        _fits(spanish, "Guardar para este paciente")
    finally:
        spanish_context.close()


def _checklist(laptop: Page, phone: Page, url: str) -> None:
    laptop.goto(url)
    heading(laptop, re.compile("checklist", re.IGNORECASE))
    # The demo patient's next session is an IV infusion: its chip is chosen, and only
    # its items (and the therapist's own, for every route) are shown.
    chip = laptop.get_by_role("button", name="IV infusion")
    expect(chip).to_have_attribute("aria-pressed", "true")
    expect(laptop.get_by_role("button", name="All routes")).to_have_attribute(
        "aria-pressed", "false"
    )
    shown = laptop.locator(".adapt-lines > li:not([hidden])")
    expect(shown.filter(has=laptop.locator('input[value="Confirm your sitter"]'))).to_have_count(0)
    assert shown.count() >= 14
    _fits(laptop, "Save for this patient")
    for n in range(shown.count()):
        box = shown.nth(n).locator(".line").bounding_box()
        assert box is not None and 44 <= box["height"] < 50, (n, box)
    assert_no_axe_violations(laptop, "checklist adaptation, laptop")
    laptop.emulate_media(color_scheme="dark")
    assert_no_axe_violations(laptop, "checklist adaptation, laptop (dark)")
    laptop.emulate_media(color_scheme="light")
    screenshots(laptop, "adaptation-checklist-laptop")

    # Every route, for a therapist who wants them: the page scrolls, Save stays in view.
    laptop.get_by_role("button", name="All routes").click()
    expect(shown).to_have_count(laptop.locator(".adapt-lines > li:not(.is-blank)").count())
    shown.last.scroll_into_view_if_needed()
    assert laptop.evaluate("window.scrollY") > 0
    box = laptop.get_by_role("button", name="Save for this patient").bounding_box()
    assert box is not None and box["y"] + box["height"] <= HEIGHT, box

    # An error: the item's words emptied. The message shows, what was typed stays, the
    # page still fits (every route is shown so that no wrong row hides).
    laptop.get_by_role("button", name="IV infusion").click()
    first = shown.first.locator(".line-text")
    first.fill("")
    laptop.get_by_role("button", name="Save for this patient").click()
    expect(laptop.get_by_role("alert")).to_contain_text("Write the item")
    expect(laptop.locator(".adapt-lines .field-error").first).to_be_visible()
    assert_no_axe_violations(laptop, "checklist adaptation with an error, laptop")
    screenshots(laptop, "adaptation-checklist-error-laptop")

    phone.goto(url)
    heading(phone, re.compile("checklist", re.IGNORECASE))
    expect(phone.get_by_role("button", name="IV infusion")).to_have_attribute(
        "aria-pressed", "true"
    )
    check(phone, "checklist adaptation, phone")
    screenshots(phone, "adaptation-checklist-phone")
    phone.get_by_role("button", name="Save for this patient").scroll_into_view_if_needed()
    expect(phone.get_by_role("button", name="Save for this patient")).to_be_in_viewport()


def _prompts(laptop: Page, phone: Page, url: str) -> None:
    laptop.goto(url)
    heading(laptop, re.compile("prompt", re.IGNORECASE))
    _fits(laptop, "Save for this patient")
    assert_no_axe_violations(laptop, "prompt adaptation, laptop")
    screenshots(laptop, "adaptation-prompts-laptop")
    laptop.locator(".adapt-lines .line-text").first.fill("")
    laptop.get_by_role("button", name="Save for this patient").click()
    expect(laptop.get_by_role("alert")).to_contain_text("Write the prompt")
    screenshots(laptop, "adaptation-prompts-error-laptop")

    phone.goto(url)
    heading(phone, re.compile("prompt", re.IGNORECASE))
    check(phone, "prompt adaptation, phone")
    screenshots(phone, "adaptation-prompts-phone")
    laptop.emulate_media(color_scheme="light")


def test_a_patient_without_a_name_is_offered_one_on_a_laptop(
    new_context: Callable[..., BrowserContext], browser: Browser, live_server: str, app: Flask
) -> None:
    password = load_demo(app).therapist_password
    add_patients(app, DEMO_THERAPIST, [""], prefix="unnamed")
    laptop_context = browser.new_context(base_url=live_server, **LAPTOP)
    try:
        laptop = laptop_context.new_page()
        _log_in(laptop, password)
        add = laptop.get_by_role("link", name=re.compile("^No name yet: add the name you use"))
        expect(add).to_have_count(1)
        assert_no_axe_violations(laptop, "caseload with a patient without a name, laptop")
        screenshots(laptop, "clinic-caseload-unnamed-laptop")
        phone = new_context().new_page()
        _log_in(phone, password)
        phone_add = phone.get_by_role("link", name=re.compile("^No name yet"))
        phone_add.scroll_into_view_if_needed()
        check(phone, "caseload with a patient without a name, phone")
        screenshots(phone, "clinic-caseload-unnamed-phone")
        phone_add.click()
        expect(phone.get_by_label("Name", exact=True)).to_be_in_viewport()
        add.click()
        field = laptop.get_by_label("Name", exact=True)
        expect(field).to_be_in_viewport()
        # The field stops at its limit as typed; a pasted-in longer name (the limit
        # taken away) is refused by the server with the words kept.
        field.evaluate("e => e.removeAttribute('maxlength')")
        field.fill("x" * 130)
        laptop.get_by_role("button", name="Save name").click()
        expect(laptop.locator("#f-patient_name-error")).to_contain_text("Keep the name under")
        expect(laptop.locator("#f-patient_name-error")).to_be_in_viewport()
        expect(field).to_have_value("x" * 130)
        assert_no_axe_violations(laptop, "naming a patient with an error, laptop")
        screenshots(laptop, "clinic-name-error-laptop")
        field.fill("Rosalind Unnamed")
        laptop.get_by_role("button", name="Save name").click()
        heading(laptop, "Rosalind Unnamed")
        laptop.goto("/clinic/patients")
        expect(laptop.get_by_role("link", name="Rosalind Unnamed", exact=True)).to_be_visible()
        expect(add).to_have_count(0)
        screenshots(laptop, "clinic-caseload-named-laptop")
    finally:
        laptop_context.close()
