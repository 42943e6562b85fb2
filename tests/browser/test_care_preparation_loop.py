"""The care team and preparation, in two browsers: the therapist adapts the checklist
for a linked patient, the patient plans a session and sees the adapted items, writes
an intention and shares it after the preview, and the therapist finds it in the brief
under that session. Every new page is checked with axe in light and dark, for touch
targets and for reflow at 320 px."""

from __future__ import annotations

import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from journal.accounts import accounts
from journal.care import care
from journal.models.users import Role
from tests.browser.conftest import ARTIFACTS, screenshots
from tests.browser.test_care_loop import check, log_in, nav
from tests.browser.test_first_journey import heading
from tests.factories import make_user
from tests.web.prep_helpers import in_hours, move_session, set_time_zone

THERAPIST = "dr.lee@example.com"
PATIENT = "ada@example.com"
ZONE = "Europe/Berlin"
OWN_ITEM = "Bring the drawing of the corridor <b>you</b> mentioned"
INTENTION = "I want to stay with the corridor & see where it leads."


def _linked(app: Flask) -> None:
    make_user(app, THERAPIST, Role.THERAPIST)
    make_user(app, PATIENT)
    set_time_zone(app, PATIENT, ZONE)
    set_time_zone(app, THERAPIST, ZONE)
    with app.app_context():
        therapist = accounts.user_by_email(THERAPIST)
        patient = accounts.user_by_email(PATIENT)
        assert therapist is not None and patient is not None
        care.set_display_name(therapist, "Dr Sam Lee")
        care.accept_invitation(patient, care.create_invitation(therapist).code)


def test_adapted_checklist_plan_share_and_brief_in_two_browsers(
    new_context: Callable[..., BrowserContext], live_server: str, app: Flask
) -> None:
    _linked(app)
    therapist: Page = new_context().new_page()
    patient: Page = new_context().new_page()

    # The therapist adapts the checklist on the patient's page.
    log_in(therapist, THERAPIST)
    therapist.get_by_role("link", name=PATIENT, exact=True).click()
    heading(therapist, PATIENT)
    expect(therapist.get_by_text("The clinic's standard list.")).to_be_visible()
    check(therapist, "patient page with adaptations")
    therapist.get_by_role("link", name="Adapt the preparation checklist").click()
    heading(therapist, f"Preparation checklist for {PATIENT}")
    check(therapist, "adapt the checklist")
    therapist.get_by_label("Item: Get your music ready").fill(
        "Choose three pieces of music without words"
    )
    therapist.get_by_label("Keep \u201cFill in your questionnaires\u201d").uncheck()
    therapist.get_by_role("button", name="Add an item").click()
    new_row = therapist.locator("li.adapt-line.is-new").first
    expect(new_row.get_by_label("New item", exact=True)).to_be_focused()
    new_row.get_by_label("New item", exact=True).fill(OWN_ITEM)
    new_row.get_by_label("When: New item").select_option(label="24 h before")
    therapist.get_by_role("button", name="Save for this patient").click()
    expect(therapist.get_by_role("status").first).to_contain_text("Preparation checklist saved")
    expect(therapist.get_by_text("Your adaptation, last saved")).to_be_visible()
    screenshots(therapist, "care-adapt-checklist")

    # The patient plans a session: the adapted list is offered and chosen.
    log_in(patient, PATIENT)
    nav(patient, "Sessions")
    patient.get_by_role("link", name="Plan a session").click()
    heading(patient, "Plan a session")
    adapted = patient.get_by_label("The list Dr Sam Lee adapted for you")
    expect(adapted).to_be_checked()
    check(patient, "plan a session with an adapted list")
    patient.get_by_role("link", name="See the list Dr Sam Lee adapted").click()
    heading(patient, "The checklist Dr Sam Lee adapted for you")
    expect(patient.get_by_text(OWN_ITEM)).to_be_visible()  # markup shown as text
    check(patient, "adapted list preview")
    patient.go_back()
    starts = in_hours(50).astimezone(ZoneInfo(ZONE))
    patient.get_by_label("Date", exact=True).fill(starts.date().isoformat())
    patient.get_by_label("Start time").fill(starts.strftime("%H:%M"))
    patient.get_by_label("IV infusion").check()
    patient.get_by_label("At the clinic").check()
    patient.get_by_label("Session number (optional)").fill("2")
    patient.get_by_label("Out of (optional)").fill("6")
    patient.get_by_role("button", name="Plan session").click()
    expect(patient.get_by_text("Session planned.")).to_be_visible()
    expect(patient.get_by_text("Adapted for you by Dr Sam Lee.")).to_be_visible()
    expect(patient.get_by_text(OWN_ITEM)).to_be_visible()
    expect(patient.get_by_text("Choose three pieces of music without words")).to_be_visible()
    expect(patient.get_by_text("Fill in your questionnaires")).to_have_count(0)
    check(patient, "session with an adapted checklist")
    screenshots(patient, "care-adapted-session")

    # The intention, shared after the preview.
    patient.get_by_role("link", name="Write your intention").first.click()
    heading(patient, "Your intention")
    patient.get_by_label("Your intention, in one sentence").fill(INTENTION)
    patient.get_by_role("button", name="Save intention").click()
    expect(patient.get_by_text("Intention saved.")).to_be_visible()
    patient.get_by_role("link", name="Share with your therapist…").click()
    heading(patient, "Share 1 item")
    preview = patient.locator(".preview")
    expect(preview.locator(".intention-text")).to_have_text(INTENTION)
    expect(
        preview.get_by_role("heading", name=re.compile("Intention for the session on"))
    ).to_be_visible()
    check(patient, "share an intention")
    patient.get_by_role("button", name="Share", exact=True).click()
    heading(patient, "Your intention")
    marks = patient.locator(".share-marks")
    expect(marks).to_contain_text("Shared with Dr Sam Lee · not read yet")
    check(patient, "intention, shared")

    # The therapist: the next dosing session on the list, the intention in the brief
    # under that session's heading.
    nav(therapist, "Patients")
    expect(therapist.locator(".patient-list")).to_contain_text(
        re.compile(rf"Next dosing session\s*{starts:%a %-d %b %Y, %H:%M}")
    )
    therapist.get_by_role("link", name=re.compile("^Brief for")).click()
    heading(therapist, "Pre-appointment brief")
    group = therapist.locator(".brief-group").first
    expect(group.get_by_role("heading", level=3)).to_have_text(
        f"Session on {starts:%a %-d %b %Y, %H:%M}"
    )
    expect(group.locator(".intention-text")).to_have_text(INTENTION)
    expect(group).to_contain_text("route and place in the series not shared")
    check(therapist, "brief grouped by session")
    screenshots(therapist, "care-brief-by-session")

    # Listed in the brief is not yet "read"; marked, it is, on both sides.
    patient.reload()
    expect(marks).to_contain_text("not read yet")
    therapist.get_by_role("button", name=re.compile(r"Mark all \d+ as read")).click()
    expect(therapist.get_by_role("status").first).to_contain_text("as read")
    patient.reload()
    expect(marks).to_contain_text(re.compile(r"read by Dr Sam Lee on \w"))


OWN_PROMPT = "What did the <b>corridor</b> show you?"


def test_adapted_prompt_set_from_the_clinic_to_a_done_session(
    new_context: Callable[..., BrowserContext], live_server: str, app: Flask
) -> None:
    _linked(app)
    therapist: Page = new_context().new_page()
    patient: Page = new_context().new_page()

    # The therapist adapts the prompts: a forgotten time is refused, then saved.
    log_in(therapist, THERAPIST)
    therapist.get_by_role("link", name=PATIENT, exact=True).click()
    expect(therapist.get_by_text("The clinic's standard prompts.")).to_be_visible()
    therapist.get_by_role("link", name="Adapt the integration prompts").click()
    heading(therapist, f"Integration prompts for {PATIENT}")
    check(therapist, "adapt the prompts")
    therapist.get_by_label("Prompt: What was hard?", exact=True).fill(
        "What was hardest, and what helped?"
    )
    therapist.get_by_label("Keep \u201cWhat surprised you?\u201d").uncheck()
    therapist.get_by_role("button", name="Add a prompt").click()
    new_row = therapist.locator("li.adapt-line.is-new").first
    expect(new_row.get_by_label("New prompt", exact=True)).to_be_focused()
    new_row.get_by_label("New prompt", exact=True).fill(OWN_PROMPT)
    therapist.get_by_role("button", name="Save for this patient").click()
    expect(therapist.get_by_role("alert")).to_contain_text("Choose when the prompt comes.")
    new_row = therapist.locator("li.adapt-line.is-new").first
    expect(new_row.get_by_label("New prompt", exact=True)).to_have_value(OWN_PROMPT)
    check(therapist, "adapt the prompts, a time missing")
    screenshots(therapist, "care-adapt-prompts-error")
    new_row.locator("select.line-when").select_option(label="Right after")
    therapist.get_by_role("button", name="Save for this patient").click()
    expect(therapist.get_by_role("status").first).to_contain_text("Integration prompts saved")
    expect(therapist.get_by_text("Your adaptation, last saved")).to_be_visible()

    # The patient's session, done: the prompts are the therapist's, shown as text.
    log_in(patient, PATIENT)
    patient.goto("/sessions/new")
    starts = in_hours(3).astimezone(ZoneInfo(ZONE))
    patient.get_by_label("Date", exact=True).fill(starts.date().isoformat())
    patient.get_by_label("Start time").fill(starts.strftime("%H:%M"))
    patient.get_by_label("IV infusion").check()
    patient.get_by_label("At the clinic").check()
    patient.get_by_role("button", name="Plan session").click()
    expect(patient.get_by_text("Session planned.")).to_be_visible()
    session_url = patient.url
    move_session(app, session_url.rsplit("/", 1)[1], in_hours(-2))
    patient.reload()
    patient.get_by_role("button", name="Mark done").click()
    # Mark done leads into the right-after questions, one at a time (issue 18).
    expect(patient.get_by_text("Question 1 of")).to_be_visible()
    patient.goto(session_url)
    section = patient.locator("section.integration")
    expect(section).to_contain_text("Prompts adapted for you by Dr Sam Lee.")
    expect(section.get_by_role("link", name=OWN_PROMPT)).to_be_visible()
    expect(section.get_by_text("What was hardest, and what helped?")).to_be_visible()
    expect(section.get_by_text("What surprised you?")).to_have_count(0)
    check(patient, "session with adapted prompts")
    screenshots(patient, "care-adapted-prompts-session")


SIZES_JS = """() => {
  const box = (e) => e.getBoundingClientRect();
  return {save: box(document.querySelector('.adapt-actions .button')).bottom,
          h1: box(document.querySelector('h1')).top,
          chips: box(document.querySelector('[data-route-chips]')).bottom};
}"""


def test_a_typical_checklist_fits_one_laptop_screen(
    new_context: Callable[..., BrowserContext], live_server: str, app: Flask
) -> None:
    """Issue 17: on a laptop, the default checklist for one route shows its heading,
    its route chips and its Save button on the first screen, without scrolling; the
    explanation is folded away beside the list and the rows are one 44 px line each."""
    _linked(app)
    therapist: Page = new_context().new_page()
    therapist.set_viewport_size({"width": 1366, "height": 768})
    log_in(therapist, THERAPIST)
    therapist.get_by_role("link", name=PATIENT, exact=True).click()
    therapist.get_by_role("link", name="Adapt the preparation checklist").click()
    heading(therapist, f"Preparation checklist for {PATIENT}")
    expect(therapist.get_by_text("Times count from the start of the appointment.")).to_be_hidden()
    chips = therapist.get_by_role("group", name="Show the items for")
    chips.get_by_role("button", name="IV infusion").click()
    expect(chips.get_by_role("button", name="IV infusion")).to_have_attribute(
        "aria-pressed", "true"
    )
    sizes = therapist.evaluate(SIZES_JS)
    assert therapist.evaluate("window.scrollY") == 0
    assert sizes["h1"] >= 0, sizes
    assert sizes["chips"] <= 768, sizes
    assert sizes["save"] <= 768, sizes
    rows = therapist.locator("li.adapt-line:not([hidden])")
    heights = rows.evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
    assert max(heights) <= 46, heights
    check(therapist, "adapt the checklist on a laptop, one route")
    for scheme in ("light", "dark"):
        therapist.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        therapist.screenshot(path=str(ARTIFACTS / f"care-adapt-checklist-laptop-{scheme}.png"))
    therapist.emulate_media(color_scheme="light")
    # The explanation is one tap away; Save, beside the list, covers no row.
    therapist.get_by_text("How adapting works").click()
    expect(therapist.get_by_text("Times count from the start of the appointment.")).to_be_visible()
    last = rows.nth(rows.count() - 1).locator(".line-text")
    last.focus()
    assert therapist.evaluate(
        """(el) => el.getBoundingClientRect().left >=
             document.querySelector('.adapt-actions').getBoundingClientRect().right""",
        last.element_handle(),
    )
    therapist.screenshot(path=str(ARTIFACTS / "care-adapt-checklist-laptop-explained.png"))
