"""The printable export of a patient with one of every record, on a phone and a
laptop, light and dark, on screen and as printed: every record in words, nothing
hidden under the bottom bar when printed, axe clean."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from playwright.sync_api import Page, expect

from journal.models.types import utcnow
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_first_journey import check_page
from tests.browser.test_phone import log_in
from tests.security.world import ADA
from tests.web.test_deletion import _fill_every_table

LAPTOP = {"width": 1366, "height": 768}


def test_the_printable_export_reads_as_words(page: Page, app: Flask) -> None:
    _fill_every_table(app)
    log_in(page, ADA)
    today = utcnow().date()
    page.goto(
        f"/settings/export/print?start={today - timedelta(days=3)}&end={today + timedelta(days=2)}"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fresh Tracks: ada@example.com")
    for section in ("Dosing sessions", "Integration prompts", "After-effects", "Daily check-ins"):
        expect(page.get_by_role("heading", level=2, name=section)).to_be_visible()
    expect(page.get_by_text("Headache, mild")).to_be_visible()
    expect(page.get_by_text("Intention: To rest.", exact=False)).to_be_visible()
    check_page(page, "printable export", dark=True)

    ARTIFACTS.mkdir(exist_ok=True)
    phone = page.viewport_size
    for suffix, size in (("phone", phone), ("laptop", LAPTOP)):
        if size:
            page.set_viewport_size(size)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.screenshot(
                path=str(ARTIFACTS / f"export-print-{suffix}-{scheme}.png"),
                full_page=True,
                scale="css",
            )
    page.emulate_media(color_scheme="light", media="print")
    expect(page.locator(".bottom-nav")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "export-print-as-printed.png"), full_page=True)
    page.emulate_media(media="screen")
    if phone:
        page.set_viewport_size(phone)
