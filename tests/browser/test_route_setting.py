"""The plan form offers only the settings a route's label allows, on a phone."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.test_pwa import log_in
from tests.factories import make_user

EMAIL = "route.setting@example.com"


@pytest.fixture
def patient(app: Flask) -> None:
    make_user(app, EMAIL)


def test_choosing_a_route_offers_only_its_settings(page: Page, patient: None) -> None:
    log_in(page, EMAIL)
    page.goto("/sessions/new")
    home = page.get_by_role("radio", name="At home, with a sitter")
    clinic = page.get_by_role("radio", name="At the clinic")
    page.get_by_role("radio", name="Troches (oral or sublingual)").check()
    home.check()
    page.get_by_role("radio", name="Esketamine nasal spray").check()
    expect(home).to_be_hidden()
    expect(clinic).to_be_checked()
    page.get_by_role("radio", name="Troches (oral or sublingual)").check()
    expect(home).to_be_visible()
    expect(clinic).to_be_visible()
