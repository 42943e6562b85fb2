"""Every page on a phone, for both roles and logged out: axe (WCAG 2.2 AA and best
practices) in light and dark, 44 px touch targets, visible field borders, no sideways
scrolling at 320 px; text that grows with the system font size; reduced motion. The
main screens are saved as phone screenshots (light and dark) for the README."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from journal.accounts import accounts
from journal.accounts.accounts import Unlocked
from journal.core.extensions import db
from journal.entries import entries
from journal.entries.entries import EntryForm
from journal.models.entries import Entry
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.measures import MeasureResult
from journal.models.users import Role, User
from journal.mood import moods
from tests.browser.conftest import ARTIFACTS, finish_two_step
from tests.browser.test_first_journey import check_page
from tests.factories import PASSWORD, login, make_user
from tests.web.care_helpers import accept, invite, link_id
from tests.web.helpers import user_id
from tests.web.mood_helpers import seed_checkins, seed_result
from tests.web.prep_helpers import in_hours, plan_session

PATIENT = "phone.patient@example.com"
THERAPIST = "phone.therapist@example.com"
ADMIN = "phone.admin@example.com"
# `make screenshots` sets this to docs/screenshots, the folder the README shows; then
# every page visited here is shot (a test run shoots only the named ones, to stay quick).
GALLERY = bool(os.environ.get("SCREENSHOTS_DIR"))
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or ARTIFACTS)

# Screens whose interesting part is below the fold: shot whole.
FULL_PAGE = {"settings", "offline"}
ENTRIES = [
    (
        "Before the first session",
        "Nervous, curious. I want to understand the heaviness in the mornings.",
    ),
    ("", "Walked by the river. Noticed I was breathing slower than usual."),
    ("Something shifted", "A long corridor of doors. I did not need to open them. That felt new."),
]


LAPTOP = {"width": 1366, "height": 768}


def shot(page: Page, name: str) -> None:
    """Phone screenshots, light and dark, and the same on a laptop (`-laptop-`)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = page.viewport_size
    for suffix, size in (("", phone), ("-laptop", LAPTOP)):
        if size:
            page.set_viewport_size(size)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.screenshot(
                path=str(SHOTS / f"{name}{suffix}-{scheme}.png"),
                full_page=name in FULL_PAGE,
                scale="css",
            )
    if phone:
        page.set_viewport_size(phone)
    page.emulate_media(color_scheme="light")


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    finish_two_step(page, email)
    expect(page.locator("h1")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/login"))


@pytest.fixture
def patient_with_entries(app: Flask) -> str:
    unlocked = make_user(app, PATIENT)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == PATIENT))
        assert user is not None
        for title, body in ENTRIES:
            entries.create_entry(user, unlocked.udk, EntryForm(title=title, body=body))
        newest = db.session.query(Entry).order_by(Entry.created_at.desc()).first()
        assert newest is not None
        return str(newest.id)


@dataclass(frozen=True)
class Patient:
    """A patient a few weeks into treatment: entries, a home session tomorrow with its
    checklist, one done, a month of check-ins, questionnaires and a safety plan."""

    entry_id: str
    session_id: str
    result_id: str


@pytest.fixture
def patient(app: Flask, patient_with_entries: str) -> Patient:
    keys = _keys(app)
    with app.app_context():
        user = db.session.merge(keys.user)
        today = moods.local_today(user)
        user.recovery_check = None  # confirmed long ago: Home opens with the session
        db.session.commit()
    seed_checkins(
        app,
        keys,
        [(today - timedelta(days=d), 2 + (d // 5) % 3, 1 + (d // 4) % 3) for d in range(1, 31)],
    )
    now = datetime.now(UTC)
    seed_result(app, keys, "phq9", {**{n: 2 for n in range(1, 9)}, 9: 0}, now - timedelta(days=28))
    seed_result(app, keys, "gad7", {n: 2 for n in range(1, 8)}, now - timedelta(days=28))
    seed_result(app, keys, "phq9", {**{n: 1 for n in range(1, 9)}, 9: 0}, now - timedelta(days=6))
    client = app.test_client()
    assert login(client, PATIENT).status_code == 302
    plan_session(client, in_hours(-24 * 7), status="done", route="iv", notes="")
    tomorrow_at_ten = (now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    session_id = plan_session(
        client,
        tomorrow_at_ten,
        route="oral",
        setting="home",
        series="induction",
        series_position="3",
        series_total="6",
    )
    with app.app_context():
        result_id = db.session.scalars(
            select(MeasureResult.id).order_by(MeasureResult.taken_at.desc())
        ).first()
    return Patient(patient_with_entries, session_id, str(result_id))


def _keys(app: Flask) -> Unlocked:
    with app.app_context():
        return accounts.authenticate(PATIENT, PASSWORD)


def visit(
    page: Page, path: str, heading: str | None, label: str, screenshot: str | None = None
) -> None:
    page.emulate_media(color_scheme="light")
    page.goto(path)
    if heading is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    check_page(page, label, dark=True)
    if GALLERY and not screenshot:
        screenshot = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    if screenshot:
        shot(page, screenshot)


def test_every_page_works_on_a_phone_when_logged_out(page: Page) -> None:
    visit(page, "/", "Fresh Tracks", "landing", "landing")
    visit(page, "/login", "Log in", "login", "login")
    visit(page, "/signup", "Create an account", "sign-up")
    visit(page, "/forgot", "Forgot your password?", "forgot")
    visit(page, "/reset", "Reset with your recovery key", "reset")
    visit(page, "/start-over", "Start over with an empty journal", "start over")
    visit(page, "/offline", "You are offline", "offline page", "offline")
    visit(page, "/no-such-page", "Not found", "404")


def test_every_page_works_on_a_phone_for_a_patient(page: Page, patient: Patient) -> None:
    entry_id = patient.entry_id
    log_in(page, PATIENT)
    visit(page, "/", "Home", "home", "home")
    page.locator("#checkin-card").scroll_into_view_if_needed()
    shot(page, "home-check-in")
    visit(page, "/journal/", "Journal", "journal", "journal")
    visit(page, "/journal/new", "New entry", "new entry", "new-entry")
    visit(page, "/journal/timeline", None, "timeline")
    visit(page, "/journal/search", None, "search the journal")
    visit(page, "/journal/answers", None, "answers to prompts")
    visit(page, f"/journal/{entry_id}", "Journal entry", "entry", "entry")
    visit(page, f"/journal/{entry_id}/edit", "Edit entry", "edit entry")
    visit(page, f"/journal/{entry_id}/delete", None, "delete entry")
    visit(page, "/settings/", "Settings", "settings", "settings")
    visit(page, "/settings/export", None, "export", "export")
    visit(page, "/settings/password", "Change password", "password")
    visit(page, "/settings/two-factor", None, "two-step sign-in")
    visit(page, "/settings/sessions", None, "signed-in devices")
    visit(page, "/settings/activity", None, "account activity")
    visit(page, "/settings/delete", None, "delete the account")
    visit(page, "/recovery-key", "Recovery key", "recovery key")
    visit(page, "/offline", "You are offline", "offline page, logged in")


def test_every_preparation_and_mood_page_works_on_a_phone(
    page: Page, app: Flask, patient: Patient
) -> None:
    session = f"/sessions/{patient.session_id}"
    log_in(page, PATIENT)
    visit(page, "/sessions/", "Sessions", "sessions", "sessions")
    visit(page, "/sessions/new", "Plan a session", "plan a session")
    # A mistake: said in the page, with what was chosen kept.
    page.get_by_role("radio", name="IV infusion").check()
    page.get_by_label("Dose in mg (optional)").fill("not sure")
    page.get_by_role("button", name="Plan session").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the dose as a number")
    check_page(page, "plan a session, with an error", dark=True)
    shot(page, "plan-session-error")
    page.goto("/sessions/new")
    # A choice made shows as chosen (issue 18).
    page.get_by_role("radio", name="At home, with a sitter").check()
    page.get_by_role("radio", name="IM injection").check()
    page.locator("#f-route").scroll_into_view_if_needed()
    shot(page, "plan-session-chosen")
    visit(page, session, None, "session with its checklist", "session-checklist")
    visit(page, f"{session}/edit", None, "edit a session")
    visit(page, f"{session}/intention", None, "intention", "intention")
    visit(page, f"{session}/during", None, "at home, during the session")
    visit(page, f"{session}/cancel", None, "cancel a session")
    visit(page, "/care/", None, "care team, not linked yet")
    visit(page, "/sessions/self-check", None, "self-check")
    page.locator("fieldset.choices").first.get_by_role("radio").first.check()
    shot(page, "self-check-chosen")
    visit(page, "/mood/", "Mood", "mood", "mood")
    visit(page, "/mood/check-in", "Check in", "check-in", "check-in")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_page(page, "check-in, with an error", dark=True)
    shot(page, "check-in-error")
    visit(page, "/mood/check-in?missed=1", "Check in", "check-in for a missed day")
    # The session done a week ago: its day-7 questions, one at a time, in the dark.
    with app.app_context():
        done = db.session.scalar(
            select(KapSession.id).where(KapSession.status == SessionStatus.DONE)
        )
    visit(page, f"/sessions/{done}/after", None, "after a session, one question", "after-flow")
    visit(page, f"/sessions/{done}/after-effects", None, "after-effects")
    visit(page, f"/sessions/{done}/after-effects/new", None, "note an after-effect")
    visit(page, "/mood/charts", None, "charts", "mood-charts")
    visit(page, "/mood/measures/phq9", None, "PHQ-9, first question", "phq9-question")
    visit(page, "/mood/measures/gad7", None, "GAD-7, first question")
    visit(page, "/mood/measures/pcl5", None, "PCL-5, first question")
    visit(page, f"/mood/results/{patient.result_id}", None, "a questionnaire result", "result")
    visit(page, "/help/", None, "get help", "get-help")
    visit(page, "/help/safety-plan", None, "safety plan", "safety-plan")


def test_every_page_works_on_a_phone_for_a_therapist(
    page: Page, app: Flask, patient: Patient
) -> None:
    make_user(app, THERAPIST, Role.THERAPIST)
    therapist, patient_client = app.test_client(), app.test_client()
    login(therapist, THERAPIST)
    login(patient_client, PATIENT)
    assert accept(patient_client, invite(therapist)).status_code == 302
    patient_id = user_id(app, PATIENT)
    log_in(page, THERAPIST)
    visit(page, "/clinic/patients", "Your patients", "patients", "therapist-patients")
    visit(page, f"/clinic/patients/{patient_id}", None, "a patient", "therapist-patient")
    visit(
        page, f"/clinic/patients/{patient_id}/brief", None, "a patient's brief", "therapist-brief"
    )
    visit(
        page,
        f"/clinic/patients/{patient_id}/adaptations/checklist",
        None,
        "adapt a checklist",
        "therapist-adapt-checklist",
    )
    visit(page, "/clinic/invite", None, "invite a patient", "therapist-invite")
    visit(page, "/settings/", "Settings", "therapist settings")
    visit(page, "/settings/password", "Change password", "therapist password")
    visit(page, "/recovery-key", "Recovery key", "therapist recovery key")
    # The patient's side of the same link.
    page.context.clear_cookies()
    log_in(page, PATIENT)
    visit(page, "/care/", None, "care team")
    visit(page, f"/care/therapists/{link_id(app, THERAPIST, PATIENT)}", None, "a therapist")
    visit(page, "/care/share", None, "share with the therapist")
    visit(page, "/care/access-log", None, "what the therapist opened")


def test_every_page_works_on_a_phone_for_an_administrator(page: Page, app: Flask) -> None:
    make_user(app, ADMIN, Role.ADMIN, two_step=True)
    make_user(app, THERAPIST, Role.THERAPIST)
    log_in(page, ADMIN)
    visit(page, "/admin/", "Therapists", "administrator: therapists", "admin-therapists")
    page.get_by_label("Their work email").fill("rowan at clinic")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("#form-errors")).to_contain_text("Enter an email address")
    check_page(page, "administrator: an invitation with a mistake", dark=True)
    shot(page, "admin-invite-error")
    visit(page, "/admin/system", "System", "administrator: system", "admin-system")
    with app.app_context():
        therapist_id = user_id(app, THERAPIST)
    visit(
        page,
        f"/admin/therapists/{therapist_id}/deactivate",
        None,
        "administrator: close a therapist's account",
    )


def test_the_outbox_banner_is_accessible_while_waiting_and_when_the_server_refuses_an_item(
    page: Page, app: Flask, online: BrowserContext
) -> None:
    make_user(app, PATIENT)
    # No fading "Saving…" indicator (the autosave fails offline) to catch mid-way.
    page.emulate_media(reduced_motion="reduce")
    log_in(page, PATIENT)
    page.goto("/journal/")
    page.evaluate("navigator.serviceWorker.ready")
    online.set_offline(True)
    page.locator("summary", has_text="New entry").click()
    too_long = "x" * (app.config["ENTRY_MAX_CHARS"] + 1)
    page.get_by_label("What is on your mind?").fill(too_long)
    page.get_by_role("button", name="Save entry").click()
    banner = page.locator("#outbox")
    expect(banner).to_contain_text("1 item is kept on this device")
    check_page(page, "outbox waiting", dark=True)
    shot(page, "outbox-offline")

    # Online again, the server refuses it (too long): it stays, marked, to copy out.
    online.set_offline(False)
    expect(banner).to_contain_text("could not take it as it is")
    check_page(page, "outbox refused", dark=True)
    banner.get_by_role("button", name="Show").click()
    expect(banner.locator(".outbox-text")).to_contain_text("xxxxxxxx")
    banner.get_by_role("button", name="Discard").click()
    expect(banner).to_contain_text("Discarded.")
    expect(banner.locator("#outbox-items li")).to_have_count(0)


def test_text_grows_with_the_system_font_size_without_sideways_scrolling(
    page: Page, patient: Patient
) -> None:
    log_in(page, PATIENT)
    session = f"/sessions/{patient.session_id}"
    for path in (
        "/",
        "/journal/",
        "/journal/new",
        "/settings/",
        "/offline",
        "/sessions/",
        "/sessions/new",
        session,
        f"{session}/intention",
        f"{session}/during",
        "/mood/",
        "/mood/check-in",
        "/mood/charts",
        "/mood/measures/phq9",
        f"/mood/results/{patient.result_id}",
        "/help/",
    ):
        page.goto(path)
        normal = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)"
        )
        body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        # What a phone's "large text" setting does to a page that sizes text in rem.
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)"
        ) == pytest.approx(2 * normal)
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == (
            pytest.approx(2 * body)
        )
        width = page.evaluate("document.documentElement.scrollWidth")
        viewport = page.evaluate("window.innerWidth")
        assert width <= viewport, f"{path} scrolls sideways with large text: {width} > {viewport}"


def test_reduced_motion_turns_transitions_off(page: Page) -> None:
    page.emulate_media(reduced_motion="reduce")
    page.goto("/login")
    duration = page.evaluate(
        """() => {
          const probe = document.createElement("span");
          probe.className = "htmx-indicator";
          document.body.appendChild(probe);
          return getComputedStyle(probe).transitionDuration;
        }"""
    )
    assert duration == "0s"
    page.emulate_media(reduced_motion="no-preference")
    page.reload()
    duration = page.evaluate(
        """() => {
          const probe = document.createElement("span");
          probe.className = "htmx-indicator";
          document.body.appendChild(probe);
          return getComputedStyle(probe).transitionDuration;
        }"""
    )
    assert duration != "0s"


def test_dark_mode_follows_the_system_setting(page: Page) -> None:
    page.goto("/login")
    page.emulate_media(color_scheme="light")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (light, dark) == ("rgb(247, 245, 240)", "rgb(16, 23, 21)")
