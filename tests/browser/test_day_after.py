"""The patient's day after dosing (issue 18): the recovery key can be copied,
downloaded and printed; an item's share mark offers Stop sharing."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_phone import PATIENT, log_in
from tests.factories import make_user


def test_the_recovery_key_can_be_copied_downloaded_and_printed(
    page: Page, context: BrowserContext, app: Flask, live_server: str, tmp_path: Path
) -> None:
    make_user(app, PATIENT)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    log_in(page, PATIENT)
    page.goto("/recovery-key")
    page.get_by_role("button", name="Make a new recovery key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new recovery key")
    key = page.locator("#recovery-key-text").inner_text().strip()
    assert len(key) > 20

    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").strip() == key

    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    saved = tmp_path / "key.txt"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "fresh-tracks-recovery-key.txt"
    assert saved.read_text().strip() == key

    expect(page.get_by_role("button", name="Print")).to_be_visible()
