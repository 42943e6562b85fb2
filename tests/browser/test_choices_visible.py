"""Every choice looks chosen: on every form with radios or checkboxes, a screenshot of
an option before and after choosing it differs, in light and in dark. Checked by
pixels, not by the DOM: a radio drawn with `opacity: 0` is checked in the DOM and
invisible on screen."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from tests.browser.test_phone import PATIENT, log_in
from tests.factories import login, make_user
from tests.web.prep_helpers import in_hours, plan_session

# Each form's inputs, found on the page; the label around (or for) each is what is shot.
OPTIONS = "input[type=radio]:not(:checked), input[type=checkbox]:not(:checked)"


def option_box(control: Locator) -> Locator:
    """What a person looks at for one option: the label around it, or (a control beside
    its label) the element holding both."""
    around = control.locator("xpath=ancestor::label[1]")
    return around if around.count() else control.locator("xpath=..")


def assert_every_choice_shows(page: Page, path: str) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(path)
        # A questionnaire moves on when an answer is tapped (test_mood_journey.py);
        # here the answer must stay on screen to be looked at.
        page.evaluate(
            "document.querySelectorAll('form[data-advance]')"
            ".forEach((f) => f.removeAttribute('data-advance'))"
        )
        seen: set[str] = set()
        # Number the options first: a locator on `:not(:checked)` moves once one is chosen.
        count = page.evaluate(
            """(selector) => { const all = document.querySelectorAll(selector);
               all.forEach((input, i) => { input.dataset.probe = String(i); });
               return all.length; }""",
            OPTIONS,
        )
        assert count, f"no radio or checkbox on {path}"
        for index in range(count):
            control = page.locator(f"[data-probe='{index}']")
            name = control.get_attribute("name") or str(index)
            box = option_box(control)
            if name in seen or control.is_checked() or not box.is_visible():
                continue
            seen.add(name)
            box.scroll_into_view_if_needed()
            box.hover()  # the same pointer position before and after: only the choice differs
            before = box.screenshot(animations="disabled")
            box.click()
            expect(control).to_be_checked()
            page.mouse.move(0, 0)
            box.hover()
            after = box.screenshot(animations="disabled")
            if before == after:
                pytest.fail(f"choosing {name!r} on {path} ({scheme}) changes nothing on screen")
    page.emulate_media(color_scheme="light")


@pytest.mark.parametrize(
    "path",
    [
        "/sessions/new",
        "/sessions/self-check",
        "after-effects",
        "/mood/check-in",
        "/mood/measures/phq9",
        "/settings/delete",
        "/settings/",
    ],
)
def test_every_choice_looks_chosen(page: Page, app: Flask, path: str) -> None:
    make_user(app, PATIENT)
    if path == "after-effects":
        client = app.test_client()
        login(client, PATIENT)
        session_id = plan_session(client, in_hours(-30), status="done")
        path = f"/sessions/{session_id}/after-effects/new?kind=nausea"
    log_in(page, PATIENT)
    assert_every_choice_shows(page, path)
