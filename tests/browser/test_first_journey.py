"""A new patient's first minutes, on a phone: sign up, keep the recovery key, write
the first journal entry, find it again. Every page on the way is checked with axe
(light and dark), for touch-target size and for horizontal scrolling at 320 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_axe_violations, screenshots
from tests.factories import PASSWORD, last_link, make_user

MIN_TARGET = 44  # CSS px, WCAG 2.5.5 (AAA) and the platforms' own guidance
NARROW = {"width": 320, "height": 640}

# Every visible control that is too small. Links inside a sentence are exempt
# (WCAG 2.5.8 "inline"): an inline <a> whose paragraph, list item or definition has
# other text.
SMALL_TARGETS_JS = """
(min) => {
  const small = [];
  for (const el of document.querySelectorAll("a, button, input, select, textarea, summary")) {
    if (el.type === "hidden") continue;
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    // A box or a round choice inside its label: the label is what one taps (WCAG 2.5.8
    // counts the whole label), so the label is measured.
    const label = ["checkbox", "radio"].includes(el.type) && el.closest("label");
    if (label) {
      const area = label.getBoundingClientRect();
      if (area.width >= min - 0.01 && area.height >= min - 0.01) continue;
    }
    if (el.tagName === "A" && getComputedStyle(el).display === "inline") {
      const block = el.closest("p, li, dd");
      if (block && block.textContent.trim() !== el.textContent.trim()) continue;
    }
    if (box.width < min - 0.01 || box.height < min - 0.01) {
      const name = (el.textContent || el.getAttribute("aria-label") || el.name || "").trim();
      small.push(`<${el.tagName.toLowerCase()}${el.id ? " id=" + el.id : ""}> "${name}" `
                 + `${box.width.toFixed(1)}x${box.height.toFixed(1)}`);
    }
  }
  return small;
}
"""


def assert_touch_targets(page: Page) -> None:
    small = page.evaluate(SMALL_TARGETS_JS, MIN_TARGET)
    assert not small, f"targets under {MIN_TARGET}x{MIN_TARGET} px on {page.url}:\n" + "\n".join(
        small
    )


# WCAG 1.4.11 (non-text contrast), which axe does not check: the border that shows
# where a text field is must stand out 3:1 from what is around it.
WEAK_BORDERS_JS = r"""
(min) => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.match(/[\d.]+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const backdrop = (el) => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      if (!/rgba\(.*,\s*0\)$/.test(bg) && bg !== "transparent") return bg;
    }
    return "rgb(255, 255, 255)";
  };
  const weak = [];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden" || !el.checkVisibility()) continue;
    if (["checkbox", "radio"].includes(el.type)) continue;  // drawn by the browser
    const border = getComputedStyle(el).borderTopColor;
    const contrast = ratio(border, backdrop(el));
    if (contrast < min) {
      weak.push(`#${el.id}: border ${border} on ${backdrop(el)}, ${contrast.toFixed(2)}:1`);
    }
  }
  return weak;
}
"""


def assert_control_borders(page: Page) -> None:
    weak = page.evaluate(WEAK_BORDERS_JS, 3)
    assert not weak, f"form fields hard to see on {page.url}:\n" + "\n".join(weak)


# The innermost elements that reach past the right edge: what to fix.
WIDE_ELEMENTS_JS = """
(edge) => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > edge + 0.5
    && ![...el.children].some((c) => c.getBoundingClientRect().right > edge + 0.5))
  .slice(0, 5)
  .map((el) => {
    const right = el.getBoundingClientRect().right.toFixed(0);
    const text = (el.textContent || "").trim().slice(0, 40);
    return `<${el.tagName.toLowerCase()} class="${el.className}"> ${text} (right ${right})`;
  })
"""


def assert_no_horizontal_scroll(page: Page) -> None:
    """At 320 CSS px (WCAG 1.4.10 reflow) nothing may push the page sideways."""
    phone = page.viewport_size
    page.set_viewport_size(NARROW)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(WIDE_ELEMENTS_JS, NARROW["width"]) if width > NARROW["width"] else []
        assert width <= NARROW["width"], (
            f"{page.url} scrolls sideways at 320 px: {width} px wide; " + "; ".join(wide)
        )
    finally:
        assert phone is not None
        page.set_viewport_size(phone)


def check_page(page: Page, label: str, dark: bool = False) -> None:
    """axe, target size, field borders and reflow on the page as it is now; with
    `dark`, axe and field borders again in the dark colour scheme."""
    assert_no_axe_violations(page, label)
    assert_touch_targets(page)
    assert_control_borders(page)
    assert_no_horizontal_scroll(page)
    if dark:
        page.emulate_media(color_scheme="dark")
        try:
            assert_no_axe_violations(page, f"{label} (dark)")
            assert_control_borders(page)
        finally:
            page.emulate_media(color_scheme="light")


def heading(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_first_journey(page: Page, live_server: str, outbox: Path) -> None:
    email = "first.steps@example.com"
    title = "After the first session"
    body = "The music helped.\nI want to remember the feeling of the open field."

    # The landing page.
    page.emulate_media(color_scheme="light")
    page.goto("/")
    heading(page, "Fresh Tracks")
    check_page(page, "landing", dark=True)
    screenshots(page, "landing")

    # Sign up with an email address.
    page.get_by_role("link", name="Create an account").click()
    heading(page, "Create an account")
    check_page(page, "sign-up", dark=True)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Email me a link").click()
    heading(page, "Check your email")
    check_page(page, "check your email")

    # The link in the message starts with PUBLIC_URL (http://localhost in the tests,
    # never the live server's Host header); the outbox helper strips it to a path.
    link = last_link(outbox, email)
    if link.startswith("/"):
        link = live_server + link
    assert link.startswith(f"{live_server}/signup/"), link
    page.goto(link)
    heading(page, "Choose a password")
    check_page(page, "choose a password", dark=True)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    # The recovery key, shown once; confirming it means typing its last group.
    heading(page, "Save your recovery key")
    key = page.locator("#recovery-key-text").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4})+", key), key
    check_page(page, "recovery key", dark=True)
    screenshots(page, "recovery-key")
    page.get_by_label("type its last group").fill(key.rsplit("-", 1)[1])
    page.get_by_role("button", name="I saved it").click()

    # Home.
    heading(page, "Home")
    expect(page.get_by_role("status")).to_contain_text("Recovery key confirmed")
    expect(page.get_by_text("Your recovery key is not confirmed")).to_have_count(0)
    check_page(page, "home", dark=True)
    screenshots(page, "home")

    # The journal, and the inline composer.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Journal").click()
    heading(page, "Journal")
    expect(page.get_by_role("link", name="Journal")).to_have_attribute("aria-current", "page")
    page.locator("summary", has_text="New entry").click()
    expect(page.get_by_label("What is on your mind?")).to_be_visible()
    check_page(page, "journal, composer open", dark=True)
    screenshots(page, "composer")
    page.get_by_label("Title").fill(title)
    page.get_by_label("What is on your mind?").fill(body)
    page.get_by_role("button", name="Save entry").click()

    # The htmx swap puts it at the top of the list, without leaving the page.
    expect(page.get_by_role("status").filter(has_text="Entry saved.")).to_be_visible()
    entries = page.locator("#entry-list > li")
    expect(entries).to_have_count(1)
    expect(entries.first.get_by_role("heading", name=title)).to_be_visible()
    # A new entry is neither "edited" nor announced as "Changes saved."
    expect(entries.first.locator(".meta")).not_to_contain_text("edited")
    expect(page.get_by_text("Changes saved.")).to_have_count(0)
    assert page.url == f"{live_server}/journal/"
    check_page(page, "journal with an entry", dark=True)
    screenshots(page, "journal")

    # Still there after a reload: it came from the database, not the swap.
    page.reload()
    heading(page, "Journal")
    expect(entries).to_have_count(1)
    expect(entries.first.get_by_role("heading", name=title)).to_be_visible()

    # A second entry beside the list: the answer brings only the new card (on top),
    # the count and the composer again, closed and empty.
    page.locator("summary", has_text="New entry").click()
    page.get_by_label("Title").fill("A second page")
    page.get_by_label("What is on your mind?").fill("Shorter, this time.")
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_role("status").filter(has_text="Entry saved.")).to_be_visible()
    expect(entries).to_have_count(2)
    expect(entries.first.get_by_role("heading", name="A second page")).to_be_visible()
    expect(entries.nth(1).get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_text("2 entries, newest first.")).to_be_visible()
    expect(page.get_by_label("What is on your mind?")).to_be_hidden()
    screenshots(page, "journal-second-entry")
    page.locator("summary", has_text="New entry").click()
    expect(page.get_by_label("What is on your mind?")).to_have_value("")
    # "Saving…" fades out once the composer is shown again (a 200 ms transition).
    expect(page.locator("#composer-busy")).to_have_css("opacity", "0")
    check_page(page, "journal with a second entry saved in place", dark=True)

    # Open the first.
    page.get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_title(re.compile(re.escape(title)))
    card = page.locator("article.entry-card")
    expect(card.get_by_role("heading", level=2)).to_have_text(title)
    expect(card.locator(".entry-body")).to_have_text(body)
    check_page(page, "entry", dark=True)
    screenshots(page, "entry")


def _first_tab_stop_is_skip_link(page: Page) -> None:
    page.keyboard.press("Tab")
    focused: dict[str, Any] = page.evaluate(
        """() => {
          const el = document.activeElement;
          const box = el.getBoundingClientRect();
          return { cls: el.className, text: el.textContent.trim(),
                   left: box.left, top: box.top, width: box.width, height: box.height };
        }"""
    )
    assert focused["cls"] == "skip-link", focused
    assert focused["text"] == "Skip to content"
    # Shown on screen when focused, and big enough to tap.
    assert focused["left"] >= 0 and focused["top"] >= 0, focused
    assert focused["width"] >= MIN_TARGET and focused["height"] >= MIN_TARGET, focused

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab lands inside the main content, past the header.
    page.keyboard.press("Tab")
    inside_main = page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert inside_main, page.evaluate("document.activeElement.outerHTML")


def test_skip_link_is_first_tab_stop(page: Page, live_server: str, app: Flask) -> None:
    page.goto("/")
    heading(page, "Fresh Tracks")
    _first_tab_stop_is_skip_link(page)

    # Logged in, where a header and a bottom navigation come before and after main.
    make_user(app, "keys.only@example.com")
    page.goto("/login")
    page.get_by_label("Email").fill("keys.only@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    heading(page, "Home")
    page.goto("/journal/")
    heading(page, "Journal")
    _first_tab_stop_is_skip_link(page)
