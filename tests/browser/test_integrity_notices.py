"""A forged or damaged row in a real browser: the patient's journal and the
therapist's brief still show everything else, say plainly what could not be opened
or verified, and pass axe in light and dark, touch targets and reflow."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from types import SimpleNamespace

from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from journal.core.extensions import db
from journal.models.entries import Entry
from journal.models.users import Role
from tests.browser.test_care_loop import check, log_in
from tests.factories import make_user, write_entry
from tests.security.test_forgery import FORGED, _forge_entry
from tests.web.care_helpers import accept, invite, link_id, share
from tests.web.helpers import user_id

THERAPIST = "dr.notice@example.com"
PATIENT = "notice.patient@example.com"


def _shots(page: Page, name: str) -> None:
    """Scratch screenshots for a human look, only when INTEGRITY_SHOTS names a folder."""
    folder = os.environ.get("INTEGRITY_SHOTS")
    if not folder:
        return
    for width, height in ((412, 915), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.screenshot(path=f"{folder}/{name}-{width}-{scheme}.png", full_page=True)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 412, "height": 915})


def test_a_forged_share_and_a_damaged_entry_are_named_not_shown(
    new_context: Callable[..., BrowserContext], live_server: str, app: Flask
) -> None:
    make_user(app, THERAPIST, Role.THERAPIST)
    make_user(app, PATIENT)
    client_t, client_p = app.test_client(), app.test_client()
    from tests.factories import login

    login(client_t, THERAPIST)
    login(client_p, PATIENT)
    assert accept(client_p, invite(client_t)).status_code == 302
    link = link_id(app, THERAPIST, PATIENT)
    kept = write_entry(client_p, "A walk by the river", title="River").headers["Location"]
    damaged = write_entry(client_p, "Soon damaged", title="Damaged").headers["Location"]
    share(client_p, link, kept.rsplit("/", 1)[1])
    pair = SimpleNamespace(patient_id=user_id(app, PATIENT), therapist_id=user_id(app, THERAPIST))
    _forge_entry(app, pair)  # type: ignore[arg-type]
    with app.app_context():
        entry = db.session.get(Entry, uuid.UUID(damaged.rsplit("/", 1)[1]))
        assert entry is not None and entry.title_sealed is not None
        entry.title_sealed = entry.title_sealed[:-1] + bytes([entry.title_sealed[-1] ^ 1])
        db.session.commit()

    patient: Page = new_context().new_page()
    log_in(patient, PATIENT)
    patient.goto("/journal/")
    # The damaged entry, and the entry the attacker planted under the patient's id
    # (which no key of the patient's opens).
    expect(patient.locator(".integrity-notice")).to_have_text(
        "2 items could not be opened. Everything else on this page is shown. "
        "If this keeps happening, contact support."
    )
    expect(patient.locator("main")).to_contain_text("River")
    expect(patient.locator("main")).not_to_contain_text("Damaged")
    check(patient, "journal with a damaged entry")
    _shots(patient, "journal-unopened")

    therapist: Page = new_context().new_page()
    log_in(therapist, THERAPIST)
    therapist.goto(f"/clinic/patients/{pair.patient_id}/brief")
    expect(therapist.locator(".integrity-notice")).to_contain_text(
        "One item could not be verified."
    )
    expect(therapist.locator("main")).to_contain_text("A walk by the river")
    expect(therapist.locator("main")).not_to_contain_text(FORGED)
    check(therapist, "brief with a forged share")
    _shots(therapist, "brief-unverified")
