"""Safety signals in two browsers. On a phone (412 x 915) the patient reads, on the
invitation, what telling their therapist of a safety signal does and does not mean,
with the crisis lines beside it, and chooses it; a PHQ-9 with question 9 above 0 then
sends the therapist one notice without content. On a laptop (1366 x 768) the therapist
finds the signal on the caseload and in the brief and acknowledges it with a note.
Each page is checked with axe in light and dark; screenshots of both schemes go to
tests/browser/artifacts/."""

from __future__ import annotations

import re
from collections.abc import Callable
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from journal.models.users import Role
from tests.browser.conftest import ARTIFACTS, screenshots
from tests.browser.test_care_loop import check, log_in, nav
from tests.browser.test_clinic_workspace import LAPTOP
from tests.browser.test_first_journey import heading
from tests.factories import make_user

THERAPIST = "dr.signal@example.com"
PATIENT = "signal.patient@example.com"
NOTICE = "Something in Fresh Tracks needs your attention"


def _full_screenshots(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{scheme}.png"), full_page=True)
    page.emulate_media(color_scheme="light")


def _notices(outbox: Path) -> list[str]:
    found = []
    for path in outbox.glob("*.eml"):
        msg = message_from_bytes(path.read_bytes(), policy=default)
        body = msg.get_body()
        if msg["To"] == THERAPIST and body is not None:
            found.append(f"{msg['Subject']}|{body.get_content().strip()}")
    return found


def test_the_patient_chooses_safety_signals_and_the_therapist_acknowledges_with_a_note(
    new_context: Callable[..., BrowserContext],
    browser: Browser,
    live_server: str,
    app: Flask,
    outbox: Path,
) -> None:
    make_user(app, THERAPIST, Role.THERAPIST)
    make_user(app, PATIENT)
    therapist: Page = browser.new_context(base_url=live_server, **LAPTOP).new_page()
    patient: Page = new_context().new_page()  # a Pixel 7
    patient.set_viewport_size({"width": 412, "height": 915})

    log_in(therapist, THERAPIST)
    nav(therapist, "Invite")
    therapist.get_by_label("Name", exact=True).fill("Dr Sam Rivera")
    therapist.get_by_role("button", name="Save name").click()
    therapist.get_by_role("button", name="Create an invitation code").click()
    code = therapist.locator("#invitation-code").inner_text().strip()

    # The invitation says plainly what a notice is and is not, beside the crisis lines.
    log_in(patient, PATIENT)
    assert patient.viewport_size == {"width": 412, "height": 915}
    patient.goto("/care/join")
    patient.get_by_label("Invitation code").fill(code)
    patient.get_by_role("button", name="Check the code").click()
    heading(patient, "Invitation from Dr Sam Rivera")
    choice = patient.locator(".signals-choice")
    expect(choice).to_contain_text("Something in Fresh Tracks needs your attention")
    expect(choice).to_contain_text("Nobody watches Fresh Tracks live.")
    expect(choice).to_contain_text("This is not an emergency service.")
    expect(choice).to_contain_text("They do not see your answers or your score")
    expect(choice.get_by_role("heading", name="If you need help now")).to_be_visible()
    box = patient.get_by_label("Tell Dr Sam Rivera when a questionnaire shows a safety signal")
    expect(box).not_to_be_checked()
    box.check()
    expect(box).to_be_checked()
    patient.mouse.move(0, 0)
    check(patient, "invitation with the safety-signals choice")
    choice.scroll_into_view_if_needed()
    screenshots(patient, "signals-consent-412")
    _full_screenshots(patient, "signals-consent-412-full")
    patient.get_by_role("button", name="Accept").click()
    heading(patient, "Dr Sam Rivera")
    expect(patient.get_by_role("status").first).to_contain_text(
        "Dr Sam Rivera will be told when a questionnaire shows a safety signal"
    )
    section = patient.locator("#safety-signals")
    expect(section).to_contain_text("On Dr Sam Rivera is told")
    expect(section.get_by_role("button", name="Stop telling Dr Sam Rivera")).to_be_visible()
    check(patient, "therapist page with safety signals on")
    section.scroll_into_view_if_needed()
    screenshots(patient, "signals-on-412")

    # A PHQ-9 with question 9 above 0: the crisis card, and one notice without content.
    patient.goto("/mood/measures/phq9")
    for number in range(1, 10):
        expect(patient.get_by_text(f"Question {number} of 9")).to_be_visible()
        patient.get_by_role("radio", name="Several days").click()
    expect(patient.locator("#crisis-card")).to_be_visible()
    patient.get_by_role("button", name="See my score").click()
    expect(patient.get_by_role("heading", name="Total 9 of 27")).to_be_visible()
    expect(patient.locator(".flag-told-note")).to_contain_text(
        "As you chose, Dr Sam Rivera was sent a notice"
    )
    expect(patient.locator(".flag-told-note")).to_contain_text("not an emergency service")
    check(patient, "flagged result, therapist told")
    assert _notices(outbox) == [f"{NOTICE}|{NOTICE}"]

    # The therapist, on a laptop: the signal on the caseload and in the brief.
    nav(therapist, "Patients")
    row = therapist.locator(".patient-list .patient-row").first
    expect(row.locator(".col-flags")).to_contain_text("1 to acknowledge")
    expect(row).to_have_class(re.compile("needs-attention"))
    expect(row).not_to_have_class(re.compile("overdue"))
    # A clinic that allows no time at all: the flag is overdue at once, in red.
    app.config["SAFETY_FLAG_OVERDUE_HOURS"] = 0
    try:
        therapist.reload()
        expect(row).to_have_class(re.compile("overdue"))
        expect(row.locator(".col-flags")).to_contain_text("Overdue")
        check(therapist, "caseload with an overdue flag")
        _full_screenshots(therapist, "signals-caseload-overdue-1366")
    finally:
        app.config["SAFETY_FLAG_OVERDUE_HOURS"] = 24
    row.get_by_role("link", name=re.compile("^Brief")).click()
    heading(therapist, "Pre-appointment brief")
    # Loaded whole: a boosted sign-in keeps the sign-in page's <body> class, so the
    # laptop's side navigation appears only from the next full load.
    therapist.reload()
    heading(therapist, "Pre-appointment brief")
    signals = therapist.locator("section[aria-labelledby='section-safety_signals']")
    expect(signals).to_contain_text("1 safety signal to acknowledge")
    expect(signals).to_contain_text("Safety signal PHQ-9")
    expect(signals).not_to_contain_text("Several days")
    note = signals.get_by_label(re.compile("^Note \\(optional\\)"))
    note.fill("called, safe")
    check(therapist, "brief with a safety signal and a note typed")
    _full_screenshots(therapist, "signals-brief-note-1366")
    signals.get_by_role("button", name=re.compile("^Acknowledge the safety signal")).click()
    expect(therapist.get_by_role("status").first).to_contain_text("Safety flag acknowledged")
    expect(signals).to_contain_text("Every safety signal here has been acknowledged")
    expect(signals).to_contain_text(re.compile(r"Acknowledged by Dr Sam Rivera on \w{3} \d+"))
    expect(signals.locator(".flag-note")).to_have_text("Your note: called, safe")
    check(therapist, "brief with the signal acknowledged")
    _full_screenshots(therapist, "signals-brief-acknowledged-1366")
    nav(therapist, "Patients")
    expect(row.locator(".col-flags")).to_have_text(re.compile(r"Open safety flags\s+0$"))
    assert len(_notices(outbox)) == 1

    # Where the therapist turns notices on for a device: the patients' push control.
    therapist.goto("/settings/")
    reminders = therapist.locator("#reminders")
    expect(reminders).to_contain_text("Something in Fresh Tracks needs your attention")
    expect(reminders).not_to_contain_text("To check in every day")
    check(therapist, "therapist settings with notices")
    reminders.scroll_into_view_if_needed()
    _full_screenshots(therapist, "signals-therapist-settings-1366")
