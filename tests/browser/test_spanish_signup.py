"""A Spanish-speaking patient's first minutes on a phone (issue 21): Chromium set to
Spanish (United States) signs up, keeps the recovery key and writes a first journal
entry, and no page on the way shows an English message of the catalog. Screenshots
of each page, light and dark, at 412 by 915."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import ARTIFACTS, assert_no_axe_violations
from tests.factories import PASSWORD, last_link, make_user
from tests.spanish import english_leaks, english_words, page_text, spanish

PHONE = {"width": 412, "height": 915}


@pytest.fixture
def spanish_phone(
    browser: Browser, browser_context_args: dict[str, Any], live_server: str
) -> Iterator[BrowserContext]:
    context = browser.new_context(
        **{**browser_context_args, "viewport": PHONE, "locale": "es-US", "base_url": live_server}
    )
    yield context
    context.close()


def only_spanish(page: Page, name: str) -> None:
    """The page says it is Spanish and its visible text holds no English message of
    the catalog; screenshots in both colour schemes, checked with axe in both."""
    expect(page.locator("html")).to_have_attribute("lang", "es")
    text = page_text(page.locator("body").inner_text())
    leaks = english_leaks(text)
    assert not leaks, f"English on {page.url}: {leaks}"
    ARTIFACTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert_no_axe_violations(page, f"{name} ({scheme}, Spanish)")
        page.screenshot(path=str(ARTIFACTS / f"es-{name}-{scheme}.png"), full_page=True)
    page.emulate_media(color_scheme="light")


def heading(page: Page, msgid: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(spanish(msgid))


def test_a_spanish_browser_signs_up_and_never_meets_english(
    spanish_phone: BrowserContext, live_server: str, outbox: Path
) -> None:
    page = spanish_phone.new_page()
    email = "ana.garcia@example.com"

    page.goto("/")
    expect(page.get_by_role("link", name=spanish("Create an account"))).to_be_visible()
    only_spanish(page, "landing")

    page.get_by_role("link", name=spanish("Log in")).click()
    heading(page, "Log in")
    only_spanish(page, "login")
    page.get_by_role("link", name=spanish("Forgot your password?")).click()
    heading(page, "Forgot your password?")
    only_spanish(page, "forgot")
    page.goto("/")

    page.get_by_role("link", name=spanish("Create an account")).click()
    heading(page, "Create an account")
    only_spanish(page, "signup")
    page.get_by_label(spanish("Email")).fill(email)
    page.get_by_role("button", name=spanish("Email me a link")).click()
    heading(page, "Check your email")
    only_spanish(page, "check-email")

    link = last_link(outbox, email)
    page.goto(link if link.startswith("http") else live_server + link)
    heading(page, "Choose a password")
    # A password that is too short: refused, in Spanish.
    page.get_by_label(spanish("Password"), exact=True).fill("corta")
    page.get_by_label(spanish("Password again")).fill("corta")
    page.get_by_role("button", name=spanish("Create my account")).click()
    expect(page.get_by_role("alert")).to_contain_text("Use al menos 10 caracteres.")
    only_spanish(page, "password-error")
    page.get_by_label(spanish("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(spanish("Password again")).fill(PASSWORD)
    page.get_by_role("button", name=spanish("Create my account")).click()

    heading(page, "Save your recovery key")
    key = page.locator("#recovery-key-text").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4})+", key), key
    expect(page.get_by_role("button", name=spanish("Copy"))).to_be_visible()
    only_spanish(page, "recovery-key")
    page.get_by_label(
        spanish("To confirm you saved it, type its last group of four characters")
    ).fill(key.rsplit("-", 1)[1])
    page.get_by_role("button", name=spanish("I saved it")).click()

    # Home is another part of the app's translation; the journal is reached from it.
    expect(page.get_by_role("status")).to_contain_text(
        spanish("Recovery key confirmed. Keep it somewhere safe and private.")
    )
    page.goto("/journal/")
    heading(page, "Journal")
    only_spanish(page, "journal-empty")
    page.locator("summary", has_text=spanish("New entry")).click()
    page.get_by_label(spanish("Title")).fill("Después de la primera sesión")
    page.get_by_label(spanish("What is on your mind?")).fill("La música me ayudó.")
    page.get_by_role("button", name=spanish("Save entry")).click()
    expect(page.get_by_role("status").filter(has_text=spanish("Entry saved."))).to_be_visible()
    expect(page.locator("#entry-list > li")).to_have_count(1)
    expect(page.locator("#entry-list time")).to_have_text(
        re.compile(r"^(lun|mar|mié|jue|vie|sáb|dom) \d{1,2} \w+ \d{4}, \d{2}:\d{2}$")
    )
    only_spanish(page, "journal-first-entry")


def test_the_outbox_banner_speaks_spanish_offline(
    spanish_phone: BrowserContext, app: Flask
) -> None:
    """The words the scripts write come from the page: an entry written offline is
    kept, and the banner says so in Spanish, then that it was sent."""
    make_user(app, "lucia@example.com")
    page = spanish_phone.new_page()
    page.goto("/login")
    page.get_by_label(spanish("Email")).fill("lucia@example.com")
    page.get_by_label(spanish("Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=spanish("Log in")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(spanish("Home"))
    page.goto("/journal/")
    page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    spanish_phone.set_offline(True)
    page.locator("summary", has_text=spanish("New entry")).click()
    page.get_by_label(spanish("What is on your mind?")).fill("Sin señal en el tren.")
    page.get_by_role("button", name=spanish("Save entry")).click()
    banner = page.locator("#outbox")
    expect(banner).to_contain_text("Guardado en este dispositivo.")
    expect(banner).to_contain_text("1 elemento se guarda cifrado en este dispositivo")
    expect(banner.get_by_role("heading")).to_have_text(spanish("Waiting to be sent"))
    text = page_text(banner.inner_text())
    assert not english_leaks(text) and not english_words(text), text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "es-outbox-offline-light.png"))

    spanish_phone.set_offline(False)
    expect(banner).to_contain_text("1 elemento se envió y se guardó.")
    expect(banner.get_by_role("heading")).to_have_text("Enviado")
