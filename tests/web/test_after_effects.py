"""The after-effects log of a session: each kind with a severity (or the cuff's
numbers) and a time, checked as typed, and nothing lost to a mistake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.models.types import utcnow
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.integ_helpers import add_after_effect, log_done_session, session_start
from tests.web.prep_helpers import field_errors, in_hours, local_fields, plan_session, text_of


@pytest.fixture
def patient(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    return client


def _when(hours_ago: float) -> dict[str, str]:
    return local_fields(utcnow() - timedelta(hours=hours_ago), "UTC")


def test_the_page_offers_each_kind_and_a_form_fitted_to_it(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=5)
    page = text_of(patient.get(f"/sessions/{sid}/after-effects"))
    for label in (
        "Nausea",
        "Headache",
        "Dizziness",
        "Still feeling detached",
        "Blood pressure",
        "Something else",
    ):
        assert label in page
    assert "Nobody watches this log live" in page
    form = text_of(patient.get(f"/sessions/{sid}/after-effects/new?kind=headache"))
    assert "How strong was it?" in form and "Moderate: got in the way" in form
    cuff = text_of(patient.get(f"/sessions/{sid}/after-effects/new?kind=blood_pressure"))
    assert "Top number" in cuff and "How strong" not in cuff
    other = text_of(patient.get(f"/sessions/{sid}/after-effects/new?kind=other"))
    assert "What did you notice?" in other
    unknown = patient.get(f"/sessions/{sid}/after-effects/new?kind=hiccups")
    assert unknown.status_code == 303


def test_logging_after_effects_keeps_them_in_the_order_they_happened(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=6)
    r1 = add_after_effect(patient, sid, kind="headache", severity="moderate", **_when(1))
    r2 = add_after_effect(
        patient, sid, kind="nausea", severity="mild", note="After lunch", **_when(4)
    )
    r3 = add_after_effect(
        patient, sid, kind="blood_pressure", systolic="150", diastolic="95", pulse="80", **_when(2)
    )
    r4 = add_after_effect(
        patient, sid, kind="other", severity="mild", description="Tingling hands", **_when(3)
    )
    assert {r.status_code for r in (r1, r2, r3, r4)} == {303}
    page = text_of(patient.get(f"/sessions/{sid}/after-effects"))
    order = [
        page.index("Nausea, mild"),
        page.index("Tingling hands, mild"),
        page.index("Blood pressure 150/95, pulse 80"),
        page.index("Headache, moderate"),
    ]
    assert order == sorted(order)
    assert "After lunch" in page
    assert "After-effects log (4)" in text_of(patient.get(f"/sessions/{sid}"))


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"kind": "headache"}, "severity", "Choose how strong it was."),
        ({"kind": "headache", "severity": "unbearable"}, "severity", "Choose how strong it was."),
        (
            {"kind": "blood_pressure", "systolic": "300", "diastolic": "90"},
            "systolic",
            "between 60 and 260",
        ),
        (
            {"kind": "blood_pressure", "systolic": "80", "diastolic": "120"},
            "systolic",
            "always the larger one",
        ),
        ({"kind": "blood_pressure", "systolic": "abc", "diastolic": "80"}, "systolic", "whole"),
        ({"kind": "other", "severity": "mild"}, "description", "Describe what you noticed"),
        ({"kind": "nausea", "severity": "mild", "note": "x" * 1001}, "note", "under 1,000"),
    ],
)
def test_a_mistake_is_named_and_everything_typed_comes_back(
    app: Flask, patient: FlaskClient, values: dict[str, str], field: str, message: str
) -> None:
    sid = log_done_session(patient, hours_ago=6)
    response = add_after_effect(patient, sid, **values, **_when(1))
    assert response.status_code == 422
    assert any(message in e for e in field_errors(response)), field_errors(response)
    page = text_of(response)
    for value in values.values():
        if len(value) < 100 and value not in ("unbearable",):
            assert value in page
    assert "Nothing logged for this session." in page


def test_the_time_must_be_after_the_session_started_and_not_in_the_future(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=6)
    before = add_after_effect(patient, sid, kind="nausea", severity="mild", **_when(7))
    assert before.status_code == 422
    assert "before the session started" in text_of(before)
    future = add_after_effect(patient, sid, kind="nausea", severity="mild", **_when(-2))
    assert future.status_code == 422 and "still to come" in text_of(future)
    bad = add_after_effect(patient, sid, kind="nausea", severity="mild", date="12/3", time="9h")
    assert bad.status_code == 422
    assert {"Enter the date as year-month-day, for example 2026-03-14."} <= set(field_errors(bad))
    assert session_start(app, sid) < utcnow()


def test_a_cancelled_or_future_session_takes_no_after_effects(
    app: Flask, patient: FlaskClient
) -> None:
    planned = plan_session(patient, in_hours(30))
    page = text_of(patient.get(f"/sessions/{planned}/after-effects"))
    assert "has not started yet" in page
    refused = add_after_effect(patient, planned, kind="nausea", severity="mild", **_when(0))
    assert refused.status_code == 409
    patient.post(
        f"/sessions/{planned}/cancel",
        data={"csrf_token": csrf_token(patient, f"/sessions/{planned}")},
    )
    refused = add_after_effect(patient, planned, kind="nausea", severity="mild", **_when(0))
    assert refused.status_code == 409 and "was cancelled" in text_of(refused)
    form = patient.get(f"/sessions/{planned}/after-effects/new?kind=nausea")
    assert form.status_code == 409


def test_a_line_can_be_removed(app: Flask, patient: FlaskClient) -> None:
    sid = log_done_session(patient, hours_ago=6)
    response = add_after_effect(patient, sid, kind="dizziness", severity="severe", **_when(1))
    effect_id = response.headers["Location"].rsplit("#effect-", 1)[1]
    removed = patient.post(
        f"/sessions/{sid}/after-effects/{effect_id}/delete",
        data={"csrf_token": csrf_token(patient, "/")},
    )
    assert removed.status_code == 303
    assert "Dizziness, severe" not in text_of(patient.get(f"/sessions/{sid}/after-effects"))
