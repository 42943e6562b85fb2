"""Two-step sign-in, devices, the security log, export and deletion, on a phone:
set up with the key from the page, sign in with two steps, and every page checked
with axe (light and dark), target size, field borders and reflow."""

from __future__ import annotations

import pyotp
from flask import Flask
from playwright.sync_api import Page, expect

from journal.models.users import Role
from tests.browser.conftest import screenshots
from tests.browser.test_first_journey import check_page, heading
from tests.factories import PASSWORD, fresh_totp, make_user


def _password_step(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_patient_sets_up_two_step_sign_in_and_looks_after_the_account(
    page: Page, live_server: str, app: Flask
) -> None:
    make_user(app, "phone.owner@example.com")
    _password_step(page, "phone.owner@example.com")
    heading(page, "Home")

    page.goto("/settings/")
    page.get_by_role("link", name="Two-step sign-in").click()
    heading(page, "Two-step sign-in")
    check_page(page, "two-step status", dark=True)
    page.get_by_role("link", name="Set up two-step sign-in").click()
    heading(page, "Set up two-step sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    check_page(page, "two-step set-up", dark=True)
    screenshots(page, "two-step-setup")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Six-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    heading(page, "Two-step sign-in is on")
    expect(page.locator(".backup-codes li")).to_have_count(10)
    check_page(page, "backup codes", dark=True)

    # Signing in again takes both steps.
    page.goto("/settings/")
    page.get_by_role("button", name="Log out").click()
    heading(page, "Log in")  # the logout has landed before the next navigation
    _password_step(page, "phone.owner@example.com")
    heading(page, "Enter your code")
    check_page(page, "code step", dark=True)
    from tests.factories import TOTP_SECRETS

    TOTP_SECRETS["phone.owner@example.com"] = secret
    page.get_by_label("Code").fill(fresh_totp(app, "phone.owner@example.com"))
    page.get_by_role("button", name="Continue").click()
    heading(page, "Home")

    for link, title in (
        ("Devices where you are signed in", "Devices"),
        ("Security log", "Security log"),
        ("Export your data", "Export your data"),
        ("Delete your account", "Delete your account"),
    ):
        page.goto("/settings/")
        page.get_by_role("link", name=link).click()
        heading(page, title)
        check_page(page, title, dark=True)
    expect(page.get_by_label("Code from your authenticator app (or a backup code)")).to_be_visible()

    page.goto("/settings/export")
    page.get_by_role("button", name="Show printable document").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fresh Tracks: phone.owner")
    check_page(page, "printable export")
    page.emulate_media(media="print")
    expect(page.locator(".bottom-nav")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    page.emulate_media(media="screen")


def test_a_therapist_is_led_to_set_up_two_step_sign_in_first(
    page: Page, live_server: str, app: Flask
) -> None:
    make_user(app, "new.therapist@example.com", Role.THERAPIST, two_step=False)
    _password_step(page, "new.therapist@example.com")
    heading(page, "Set up two-step sign-in")
    expect(page.get_by_text("Therapist accounts need two-step sign-in")).to_be_visible()
    page.get_by_role("link", name="Settings").click()
    heading(page, "Set up two-step sign-in")
