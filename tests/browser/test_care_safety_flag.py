"""Mood and measures with a care team, in two browsers: the patient shares the
"questionnaire results" and "mood check-ins" categories after their previews, checks in
and takes a PHQ-9 with question 9 above 0 (and sees the crisis card); the therapist
sees the flag on the patients list and at the top of the brief, with the mood trend
and the scores, and acknowledges it. Every new page is checked with axe in light and
dark, for touch targets and for reflow at 320 px."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from journal.models.users import Role
from tests.browser.conftest import screenshots
from tests.browser.test_care_loop import check, log_in, nav
from tests.browser.test_first_journey import heading
from tests.factories import make_user

THERAPIST = "dr.flag@example.com"
PATIENT = "flag.patient@example.com"
NOTE = "Slept 5 hours. <b>Tired</b> but calmer."


def test_a_safety_flag_from_a_shared_phq9_reaches_the_therapist_who_acknowledges_it(
    new_context: Callable[..., BrowserContext], live_server: str, app: Flask
) -> None:
    make_user(app, THERAPIST, Role.THERAPIST)
    make_user(app, PATIENT)
    therapist: Page = new_context().new_page()
    patient: Page = new_context().new_page()

    # The therapist names themself and makes a code; the patient accepts it.
    log_in(therapist, THERAPIST)
    nav(therapist, "Invite")
    therapist.get_by_label("Name", exact=True).fill("Dr Ana Flores")
    therapist.get_by_role("button", name="Save name").click()
    therapist.get_by_role("button", name="Create an invitation code").click()
    code = therapist.locator("#invitation-code").inner_text().strip()
    log_in(patient, PATIENT)
    patient.goto("/care/join")
    patient.get_by_label("Invitation code").fill(code)
    patient.get_by_role("button", name="Check the code").click()
    patient.get_by_role("button", name="Accept").click()
    heading(patient, "Dr Ana Flores")

    # Both categories, each after its preview.
    patient.get_by_role("link", name="Preview and share questionnaire results").click()
    heading(patient, "Share questionnaire results with Dr Ana Flores?")
    expect(patient.locator("main")).to_contain_text("safety flag")
    check(patient, "questionnaire results category preview")
    patient.get_by_role("button", name="Share questionnaire results").click()
    heading(patient, "Dr Ana Flores")
    expect(patient.get_by_role("status").first).to_contain_text(
        "Questionnaire results are now shared"
    )
    patient.get_by_role("link", name="Preview and share mood check-ins").click()
    heading(patient, "Share mood check-ins with Dr Ana Flores?")
    patient.get_by_role("button", name="Share mood check-ins").click()
    expect(patient.locator("main")).to_contain_text("All of them, new ones too.")
    check(patient, "therapist page with two categories")

    # A check-in with a note, from Home.
    nav(patient, "Home")
    card = patient.locator("#checkin-card")
    card.get_by_role("radio", name="2 Low").click()
    card.get_by_role("radio", name="3 Some").click()
    card.locator("summary", has_text="Sleep, energy and a note").click()
    card.get_by_label("A note").fill(NOTE)
    card.get_by_role("button", name="Save check-in").click()
    expect(card.get_by_role("status")).to_have_text("Check-in saved.")

    # A PHQ-9 with question 9 above 0: the crisis card at once.
    patient.goto("/mood/measures/phq9")
    for number in range(1, 9):
        expect(patient.get_by_text(f"Question {number} of 9")).to_be_visible()
        patient.get_by_role("radio", name="Several days").click()  # a tap moves on
    expect(patient.get_by_text("Question 9 of 9")).to_be_visible()
    patient.get_by_role("radio", name="Several days").click()
    crisis = patient.locator("#crisis-card")
    expect(crisis).to_be_visible()
    expect(crisis).to_contain_text("Nobody watches this app live.")
    patient.get_by_role("button", name="See my score").click()
    expect(patient.get_by_role("heading", name="Total 9 of 27")).to_be_visible()
    expect(patient.locator("#crisis-card")).to_be_visible()
    expect(patient.locator(".share-marks")).to_contain_text("Shared with Dr Ana Flores")
    expect(patient.locator(".flag-shared-note")).to_contain_text("They are not alerted now")
    check(patient, "flagged result, shared by the category")

    # The therapist: one open flag on the list.
    nav(therapist, "Patients")
    heading(therapist, "Your patients")
    row = therapist.locator(".patient-list .patient-row").first
    expect(row).to_contain_text(PATIENT)
    expect(row.locator(".col-flags")).to_contain_text("1 to acknowledge")
    expect(row).to_have_class(re.compile("needs-attention"))
    expect(row.locator(".col-check-in")).not_to_contain_text("None shared")
    check(therapist, "patients list with a flag")

    # The brief: the flag first, then the mood trend and the scores.
    row.get_by_role("link", name=re.compile("^Brief")).click()
    heading(therapist, "Pre-appointment brief")
    sections = therapist.locator(".brief-section h2")
    expect(sections.first).to_have_text("Safety flags")
    expect(sections).to_have_text(["Safety flags", "Mood trend", "Questionnaires"])
    flags = therapist.locator("section[aria-labelledby='section-safety_flags']")
    expect(flags).to_contain_text("1 safety flag to acknowledge")
    expect(flags).to_contain_text("showed them crisis resources at once")
    expect(flags).to_contain_text("Fresh Tracks is not watched live")
    expect(therapist.locator(".checkin-table")).to_contain_text(NOTE)  # markup as text
    expect(therapist.locator("svg.sparkline")).to_be_visible()
    check(therapist, "brief with an open flag")
    screenshots(therapist, "care-brief-flag")

    flags.get_by_role("button", name=re.compile("Acknowledge the safety flag")).click()
    expect(therapist.get_by_role("status").first).to_contain_text("Safety flag acknowledged")
    heading(therapist, "Pre-appointment brief")
    expect(flags).to_contain_text("Every safety flag here has been acknowledged")
    expect(flags).to_contain_text(re.compile(r"Acknowledged by Dr Ana Flores on \w{3} \d+"))
    check(therapist, "brief with the flag acknowledged")
    nav(therapist, "Patients")
    expect(row.locator(".col-flags")).to_have_text(re.compile(r"Open safety flags\s+0$"))
    expect(row).not_to_have_class(re.compile("needs-attention"))

    # The patient sees the acknowledgement among the reads of their data.
    patient.goto("/care/access-log")
    expect(patient.locator(".log-list")).to_contain_text(
        "Dr Ana Flores opened a questionnaire result and acknowledged its safety flag"
    )
