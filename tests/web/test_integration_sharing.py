"""Prompt answers and after-effects reach a linked therapist only when the patient
shares them: one answer at a time, or after-effects as a standing category."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.care import shareable
from journal.core.extensions import db
from journal.models.integration import PromptAnswer
from tests.pages import csrf_token
from tests.web.care_helpers import Pair, linked_pair, plain, shares, text
from tests.web.integ_helpers import add_after_effect, answer, log_done_session, prompt
from tests.web.prep_helpers import in_hours as hours_from_now
from tests.web.prep_helpers import local_fields


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _share(pair: Pair, record: str) -> int:
    response = pair.patient.post(
        "/care/share",
        data={
            "csrf_token": csrf_token(pair.patient, "/care/"),
            "link": str(pair.link),
            "record": record,
        },
    )
    return response.status_code


def test_a_shared_answer_shows_in_the_therapists_brief_with_its_question(
    app: Flask, pair: Pair
) -> None:
    sid = log_done_session(pair.patient, hours_ago=5)
    answer(pair.patient, sid, "day-one-surprised", "How kind the nurse was.")
    answer(pair.patient, sid, "day-one-feels-different", "Private: not shared.")
    row = prompt(app, sid, "day-one-surprised")

    page = text(pair.patient.get(f"/sessions/{sid}/prompts/day-one-surprised"))
    assert "Share this answer…" in page
    preview = text(pair.patient.get(f"/care/share?record=prompt_answers:{row.id}"))
    assert "What surprised you?" in preview and "How kind the nurse was." in preview

    assert _share(pair, f"prompt_answers:{row.id}") == 302
    brief = text(pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief"))
    assert "What surprised you?" in brief and "How kind the nurse was." in brief
    assert "Within a day" in brief
    assert "Private: not shared." not in brief
    item = pair.therapist.get(f"/clinic/patients/{pair.patient_id}/records/prompt_answers/{row.id}")
    assert item.status_code == 200 and "How kind the nurse was." in text(item)
    other = prompt(app, sid, "day-one-feels-different")
    refused = pair.therapist.get(
        f"/clinic/patients/{pair.patient_id}/records/prompt_answers/{other.id}"
    )
    assert refused.status_code == 404

    marks = plain(pair.patient.get(f"/sessions/{sid}/prompts/day-one-surprised"))
    assert "Shared with" in marks and "read by" in marks


def test_revoking_a_shared_answer_re_encrypts_it_and_it_still_reads_for_the_patient(
    app: Flask, pair: Pair
) -> None:
    sid = log_done_session(pair.patient, hours_ago=5)
    answer(pair.patient, sid, "day-one-surprised", "Shared, then taken back.")
    row = prompt(app, sid, "day-one-surprised")
    _share(pair, f"prompt_answers:{row.id}")
    share = shares(app)[0]
    revoked = pair.patient.post(
        f"/care/shares/{share.id}/revoke", data={"csrf_token": csrf_token(pair.patient, "/care/")}
    )
    assert revoked.status_code == 302
    assert prompt(app, sid, "day-one-surprised").revision == row.revision + 1
    gone = pair.therapist.get(f"/clinic/patients/{pair.patient_id}/records/prompt_answers/{row.id}")
    assert gone.status_code == 404
    page = text(pair.patient.get(f"/sessions/{sid}/prompts/day-one-surprised"))
    assert "Shared, then taken back." in page
    # Still answerable and editable under its new key.
    answer(pair.patient, sid, "day-one-surprised", "Edited after the revoke.")
    assert "Edited after the revoke." in text(
        pair.patient.get(f"/sessions/{sid}/prompts/day-one-surprised")
    )


def test_after_effects_are_a_standing_category_that_shares_new_lines_as_written(
    app: Flask, pair: Pair
) -> None:
    assert "after_effects" in shareable.CATEGORIES
    sid = log_done_session(pair.patient, hours_ago=6)
    when = local_fields(hours_from_now(-2), "Europe/Berlin")
    add_after_effect(pair.patient, sid, kind="headache", severity="moderate", **when)
    page = text(pair.patient.get(f"/care/therapists/{pair.link}"))
    assert "After-effects" in page
    preview = text(pair.patient.get(f"/care/therapists/{pair.link}/categories/after_effects"))
    assert "Headache, moderate" in preview
    enabled = pair.patient.post(
        f"/care/therapists/{pair.link}/categories/after_effects",
        data={"csrf_token": csrf_token(pair.patient, "/care/")},
    )
    assert enabled.status_code == 302
    add_after_effect(
        pair.patient,
        sid,
        kind="blood_pressure",
        systolic="142",
        diastolic="91",
        **local_fields(hours_from_now(-1), "Europe/Berlin"),
    )
    assert {s.category for s in shares(app)} == {"after_effects"}
    assert len(shares(app)) == 2
    brief = text(pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief"))
    assert "Headache, moderate" in brief and "Blood pressure 142/91" in brief


def test_answers_are_not_shared_by_any_category(app: Flask, pair: Pair) -> None:
    sid = log_done_session(pair.patient, hours_ago=5)
    pair.patient.post(
        f"/care/therapists/{pair.link}/categories/after_effects",
        data={"csrf_token": csrf_token(pair.patient, "/care/")},
    )
    answer(pair.patient, sid, "day-one-surprised", "Mine alone.")
    assert shares(app) == []
    with app.app_context():
        rows = db.session.scalars(
            select(PromptAnswer).where(PromptAnswer.kap_session_id == uuid.UUID(sid))
        ).all()
    assert rows
