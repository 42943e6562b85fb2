"""The care team and the account's own life: starting over, and the demo clinic."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.care import shareable
from journal.core.extensions import db
from journal.models.sharing import CareLink, StandingShare
from tests.factories import last_link, login
from tests.pages import csrf_token
from tests.web.care_helpers import linked_pair, plain, share, shares, text, write

NEW_PASSWORD = "orchard-violin-glacier-ember-42"


def test_starting_over_removes_every_share_but_keeps_the_link(
    app: Flask, client: FlaskClient, other_client: FlaskClient, outbox: Path
) -> None:
    pair = linked_pair(app, other_client, client)
    share(pair.patient, pair.link, write(pair.patient, "Before starting over."))
    category = shareable.Category("test-notes", "Test notes", "Test only.", "entries")
    shareable.register_category(category)
    try:
        pair.patient.post(
            f"/care/therapists/{pair.link}/categories/test-notes",
            data={"csrf_token": csrf_token(pair.patient, "/care/")},
        )
        client.post(
            "/start-over",
            data={"email": pair.patient_email, "csrf_token": csrf_token(client, "/start-over")},
        )
        link = last_link(outbox, pair.patient_email)
        done = client.post(
            link,
            data={
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "understood": "yes",
                "csrf_token": csrf_token(client, link),
            },
        )
        assert done.status_code == 200
        assert shares(app) == []
        with app.app_context():
            assert db.session.scalars(select(StandingShare)).all() == []
            assert len(db.session.scalars(select(CareLink)).all()) == 1
        write(client, "A new journal, private again.")
        assert shares(app) == []
    finally:
        shareable.unregister_category("test-notes")
    page = text(pair.therapist.get("/clinic/patients"))
    assert pair.patient_email in page
    assert "Before starting over." not in text(
        pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief")
    )


def test_the_demo_clinic_has_a_brief_grouped_by_dosing_session(
    app: Flask, client: FlaskClient
) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    match = re.search(r"therapist\s+demo-therapist@example.com\s+(\S+)", result.output)
    assert match
    login(client, "demo-therapist@example.com", match.group(1))
    # The demo therapist has two-step sign-in on; a printed backup code finishes it.
    backup = re.search(r"backup code\s+(\S+)", result.output)
    assert backup
    client.post(
        "/login/two-factor",
        data={"code": backup.group(1), "csrf_token": csrf_token(client, "/login")},
    )
    listing = plain(client.get("/clinic/patients"))
    assert "demo-patient@example.com" in listing
    assert "Next dosing session None planned" not in listing
    with app.app_context():
        patient_id = db.session.scalars(select(CareLink.patient_id)).one()
    brief = plain(client.get(f"/clinic/patients/{patient_id}/brief"))
    # The coming session (shared: its details, checklist and intention), then the
    # first one with the entry written after it, then what came before any session.
    order = [
        "Checklist for the next dosing session",
        "IV infusion · Induction 2 of 6",
        "I want to stay with the corridor",
        "Something shifted",
        "Before the first session",
        "Nervous but curious",
    ]
    positions = [brief.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "4 of 15 done" in brief  # three ticked, and the intention ticks its item
    assert "Dr Sam Lee (demo) adapted" in brief
    assert "Walked by the river" not in brief  # not shared
    assert "I want to meet the heaviness" not in brief  # the first intention, not shared
