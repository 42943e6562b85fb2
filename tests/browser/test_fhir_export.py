"""The FHIR downloads in a real Chromium: the demo patient on a phone and the demo
therapist on a laptop each make a wrong range (the page says so and keeps what was
typed), then download a file that the R4B models accept. axe in light and dark."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

from fhir.resources.R4B.bundle import Bundle
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from journal.accounts import accounts, keys
from journal.care import sharing
from journal.care.sharing import RecordRef
from journal.cli import DEMO_PATIENT, DEMO_THERAPIST
from journal.core.extensions import db
from journal.models.sharing import CareLink
from journal.mood import measures
from tests.browser.conftest import finish_two_step, load_demo, screenshots
from tests.browser.test_clinic_workspace import LAPTOP
from tests.browser.test_first_journey import check_page, heading


def _demo(app: Flask) -> tuple[str, str]:
    """`flask demo load`; the therapist's and the patient's passwords."""
    demo = load_demo(app)
    assert demo.patient_email == DEMO_PATIENT
    return demo.therapist_password, demo.patient_password


def _results(app: Flask, password: str) -> None:
    """Two results for the demo patient, the PHQ-9 shared with the demo therapist."""
    with app.app_context():
        patient = accounts.user_by_email(DEMO_PATIENT)
        assert patient is not None
        udk = keys.check_password(patient, password)
        assert udk is not None
        link = db.session.scalars(select(CareLink).where(CareLink.patient_id == patient.id)).one()
        phq = measures.submit(patient, udk, "phq9", dict.fromkeys(range(1, 10), 1), {}, uuid4())
        measures.submit(patient, udk, "gad7", dict.fromkeys(range(1, 8), 2), {}, uuid4())
        sharing.share_records(patient, udk, link, [RecordRef(measures.TABLE, phq.id)])


def _log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def _download(page: Page, button: str, tmp_path: Path) -> Bundle:
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return Bundle.model_validate(json.loads(path.read_text(encoding="utf-8")))


def _responses(bundle: Bundle) -> list[object]:
    return [
        e.resource
        for e in bundle.entry or []
        if e.resource.get_resource_type() == "QuestionnaireResponse"
    ]


def _wrong_range(page: Page, form: str) -> None:
    section = page.get_by_role("region", name=form)
    section.get_by_label("First day").fill("2026-05-10")
    section.get_by_label("Last day").fill("2026-05-01")


def test_both_sides_download_results_as_fhir(
    new_context: Callable[..., BrowserContext],
    browser: Browser,
    live_server: str,
    app: Flask,
    tmp_path: Path,
) -> None:
    therapist_password, patient_password = _demo(app)
    _results(app, patient_password)

    # The patient, on a phone: a wrong range first.
    phone = new_context(accept_downloads=True).new_page()
    _log_in(phone, DEMO_PATIENT, patient_password)
    heading(phone, "Home")
    phone.goto("/settings/export")
    heading(phone, "Export your data")
    form = "Questionnaire results for a health record (FHIR)"
    _wrong_range(phone, form)
    phone.get_by_role("button", name="Download results (FHIR)").click()
    region = phone.get_by_role("region", name=form)
    expect(region.get_by_text("The first day must come before the last day.")).to_be_visible()
    expect(region.get_by_label("First day")).to_have_value("2026-05-10")
    expect(region.get_by_label("First day")).to_have_attribute("aria-invalid", "true")
    check_page(phone, "export with a FHIR range error", dark=True)
    region.scroll_into_view_if_needed()
    screenshots(phone, "fhir-export-error-phone", full_page=True)
    region.get_by_label("First day").fill("2020-01-01")
    region.get_by_label("Last day").fill("2099-12-31")
    own = _download(phone, "Download results (FHIR)", tmp_path)
    assert own.type == "collection" and len(_responses(own)) == 2

    # The therapist, on a laptop: the brief offers the shared results.
    laptop_context = browser.new_context(base_url=live_server, accept_downloads=True, **LAPTOP)
    try:
        laptop = laptop_context.new_page()
        _log_in(laptop, DEMO_THERAPIST, therapist_password)
        finish_two_step(laptop, DEMO_THERAPIST)
        expect(laptop.get_by_role("heading", name="Your patients")).to_be_visible()
        laptop.get_by_role("link", name=re.compile("Brief", re.I)).first.click()
        heading(laptop, "Pre-appointment brief")
        brief_form = "Results for your health record (FHIR)"
        _wrong_range(laptop, brief_form)
        laptop.get_by_role("button", name="Download shared results (FHIR)").click()
        expect(laptop.get_by_text("The first day must come before the last day.")).to_be_visible()
        check_page(laptop, "brief with a FHIR range error", dark=True)
        screenshots(laptop, "fhir-export-brief-laptop", full_page=True)
        section = laptop.get_by_role("region", name=brief_form)
        section.get_by_label("First day").fill("2020-01-01")
        section.get_by_label("Last day").fill("2099-12-31")
        shared = _download(laptop, "Download shared results (FHIR)", tmp_path)
        responses = [
            e
            for e in shared.entry or []
            if e.resource.get_resource_type() == "QuestionnaireResponse"
        ]
        assert responses, "the demo patient shares questionnaire results"
        assert len(responses) <= len(
            [
                e
                for e in own.entry or []
                if e.resource.get_resource_type() == "QuestionnaireResponse"
            ]
        )
    finally:
        laptop_context.close()
