"""The clinic administrator's pages on a laptop (1366 x 768) and a phone (412 x 915):
the therapists as a wide table or as cards, an invitation with a mistake in it, closing
a therapist's account (a wrong password first), the system page; and the patient told
that the link ended. axe in light and dark on each, screenshots of each."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from journal.accounts import accounts
from journal.care import care
from journal.core.extensions import db
from journal.models.jobs import FailedJob
from journal.models.users import Role
from tests.browser.conftest import assert_no_axe_violations, finish_two_step, screenshots
from tests.browser.test_care_loop import check
from tests.browser.test_clinic_workspace import LAPTOP
from tests.browser.test_first_journey import heading
from tests.factories import PASSWORD, fresh_totp, make_user

ADMIN = "admin@clinic.example"
THERAPIST = "dr.rowan@clinic.example"
PATIENT = "sky@example.com"


def _world(app: Flask) -> None:
    make_user(app, ADMIN, Role.ADMIN, two_step=True)
    make_user(app, THERAPIST, Role.THERAPIST)
    make_user(app, PATIENT)
    make_user(app, "dr.quinn@clinic.example", Role.THERAPIST)
    with app.app_context():
        therapist = accounts.user_by_email(THERAPIST)
        patient = accounts.user_by_email(PATIENT)
        assert therapist is not None and patient is not None
        care.set_display_name(therapist, "Dr Rowan Hale")
        invitation = care.create_invitation(therapist, "Sky")
        care.accept_invitation(patient, invitation.code)
        db.session.add(
            FailedJob(name="accounts.mail", args=str(uuid.uuid4()), error="SMTPServerDisconnected")
        )
        db.session.commit()


def _log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    finish_two_step(page, email)


def _axe_both(page: Page, label: str) -> None:
    assert_no_axe_violations(page, label)
    page.emulate_media(color_scheme="dark")
    try:
        assert_no_axe_violations(page, f"{label} (dark)")
    finally:
        page.emulate_media(color_scheme="light")


def test_the_administrator_on_a_laptop_and_a_phone(
    new_context: Callable[..., BrowserContext], browser: Browser, live_server: str, app: Flask
) -> None:
    _world(app)
    laptop_context = browser.new_context(base_url=live_server, **LAPTOP)
    try:
        laptop = laptop_context.new_page()
        phone = new_context().new_page()
        _on_laptop(laptop, app)
        _on_phone(phone)
        _patient_told(new_context().new_page())
    finally:
        laptop_context.close()


def _on_laptop(laptop: Page, app: Flask) -> None:
    _log_in(laptop, ADMIN)
    heading(laptop, "Therapists")
    # Straight after the (boosted) sign-in: the desktop layout, no reload needed.
    expect(laptop.locator("body")).to_have_class("clinic admin")
    nav = laptop.get_by_role("navigation", name="Main")
    box = nav.bounding_box()
    assert box is not None and box["x"] == 0 and box["height"] >= 700
    table = laptop.locator("table.therapist-list")
    expect(table.locator("thead")).to_be_visible()
    assert (table.bounding_box() or {"width": 0})["width"] > 900
    rowan = table.locator("tbody tr", has_text="Dr Rowan Hale")
    expect(rowan.locator(".col-patients")).to_contain_text("1")
    expect(rowan.locator(".col-sign-in")).to_contain_text("Never")
    assert laptop.evaluate("document.documentElement.scrollWidth") <= 1366
    _axe_both(laptop, "therapists, laptop")
    screenshots(laptop, "admin-therapists-laptop", full_page=True)

    # A mistake in the address: said next to the field.
    laptop.get_by_label("Their work email").fill("rowan at clinic")
    laptop.get_by_role("button", name="Send the invitation").click()
    expect(laptop.locator("#form-errors")).to_contain_text("Enter an email address")
    expect(laptop.get_by_label("Their work email")).to_have_attribute("aria-invalid", "true")
    _axe_both(laptop, "invitation error, laptop")
    screenshots(laptop, "admin-invite-error-laptop", full_page=True)
    laptop.get_by_label("Their work email").fill("dr.new@clinic.example")
    laptop.get_by_role("button", name="Send the invitation").click()
    expect(laptop.locator("#alerts")).to_contain_text("Invitation sent to dr.new@clinic.example")
    expect(laptop.get_by_role("heading", name="Invitations not used yet")).to_be_visible()

    # Closing an account: a wrong password changes nothing and says so.
    laptop.get_by_role("link", name="Close account of Dr Rowan Hale").click()
    heading(laptop, "Close Dr Rowan Hale\u2019s account")
    laptop.get_by_label("Your password").fill("not-my-password-1")
    laptop.get_by_label("Code from your app, or a backup code").fill(fresh_totp(app, ADMIN))
    laptop.get_by_role("button", name="Close the account").click()
    expect(laptop.locator("#form-errors")).to_contain_text("That password is not right")
    _axe_both(laptop, "close account error, laptop")
    screenshots(laptop, "admin-deactivate-error-laptop", full_page=True)
    laptop.get_by_label("Your password").fill(PASSWORD)
    laptop.get_by_label("Code from your app, or a backup code").fill(fresh_totp(app, ADMIN))
    laptop.get_by_role("button", name="Close the account").click()
    heading(laptop, "Therapists")
    expect(laptop.locator("#alerts")).to_contain_text("can no longer sign in")
    expect(table.locator("tbody tr", has_text="Dr Rowan Hale")).to_contain_text("Closed")
    screenshots(laptop, "admin-after-deactivate-laptop", full_page=True)

    laptop.get_by_role("link", name="System").click()
    heading(laptop, "System")
    expect(laptop.locator("table.failed-jobs")).to_contain_text("SMTPServerDisconnected")
    expect(laptop.locator("table.content-versions")).to_contain_text("Crisis lines")
    _axe_both(laptop, "system, laptop")
    screenshots(laptop, "admin-system-laptop", full_page=True)


def _on_phone(phone: Page) -> None:
    _log_in(phone, ADMIN)
    heading(phone, "Therapists")
    head = phone.locator("table.therapist-list thead").bounding_box()
    assert head is not None and head["width"] <= 1  # for screen readers only
    expect(phone.locator("tbody tr").first.locator(".col-patients .cell-label")).to_be_visible()
    bar = phone.get_by_role("navigation", name="Main").bounding_box()
    assert bar is not None and bar["y"] > 700 and bar["width"] == 412
    check(phone, "therapists, phone")
    screenshots(phone, "admin-therapists-phone", full_page=True)
    phone.get_by_label("Their work email").fill("@")
    phone.get_by_role("button", name="Send the invitation").click()
    expect(phone.locator("#form-errors")).to_be_visible()
    check(phone, "invitation error, phone")
    screenshots(phone, "admin-invite-error-phone", full_page=True)
    phone.goto("/admin/system")
    heading(phone, "System")
    check(phone, "system, phone")
    screenshots(phone, "admin-system-phone", full_page=True)


def _patient_told(page: Page) -> None:
    _log_in(page, PATIENT)
    heading(page, "Home")
    expect(
        page.get_by_role("note").filter(has_text="A link with your therapist ended")
    ).to_be_visible()
    screenshots(page, "patient-home-link-ended-phone", full_page=True)
    page.get_by_role("link", name="See your care team").click()
    heading(page, "Care team")
    expect(page.locator(".link-endings")).to_contain_text("Dr Rowan Hale")
    check(page, "care team, link ended")
    screenshots(page, "patient-link-ended-phone", full_page=True)
    page.get_by_role("button", name="I have read this").click()
    expect(page.locator(".link-endings")).to_have_count(0)
