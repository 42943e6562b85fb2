"""At-home blood pressure reflects the clinic's own rule: a linked therapist sets
limits in the checklist they adapt, and the at-home log shows that rule next to a
reading beyond it. Without a rule the app judges nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.core.extensions import db
from journal.models.adaptations import Adaptation
from tests.pages import csrf_token
from tests.web.care_helpers import Pair, linked_pair, plain
from tests.web.care_prep_helpers import adaptation_url, default_rows, post_adaptation
from tests.web.prep_helpers import in_hours, plan_session

RULE = "Your clinic asked you to call before dosing if"


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _adapt(pair: Pair, systolic: str, diastolic: str) -> None:
    posted = default_rows()
    posted["bp_systolic"] = systolic
    posted["bp_diastolic"] = diastolic
    response = post_adaptation(pair.therapist, adaptation_url(pair), posted)
    assert response.status_code == 302, plain(response)[:2000]


def _home_session(app: Flask, pair: Pair, adapted: bool) -> str:
    source = {}
    if adapted:
        with app.app_context():
            source = {"checklist_source": str(db.session.scalars(select(Adaptation.id)).one())}
    return plan_session(pair.patient, in_hours(1), route="oral", setting="home", **source)


def _log(pair: Pair, session_id: str, systolic: str, diastolic: str) -> None:
    during = f"/sessions/{session_id}/during"
    response = pair.patient.post(
        f"/sessions/{session_id}/log",
        data={
            "kind": "reading",
            "systolic": systolic,
            "diastolic": diastolic,
            "csrf_token": csrf_token(pair.patient, during),
        },
    )
    assert response.status_code == 303, plain(response)[:1500]


def test_a_reading_beyond_the_clinics_rule_shows_it_and_one_within_does_not(
    app: Flask, pair: Pair
) -> None:
    _adapt(pair, "160", "100")
    session_id = _home_session(app, pair, adapted=True)
    _log(pair, session_id, "150", "95")
    page = plain(pair.patient.get(f"/sessions/{session_id}/during"))
    assert RULE not in page
    _log(pair, session_id, "172", "96")
    page = plain(pair.patient.get(f"/sessions/{session_id}/during"))
    assert page.count(RULE) == 1
    assert (
        "the top number is above 160 or the bottom number is above 100 "
        "(dr.lee@example.com's rule). This reading is beyond it." in page
    )
    _log(pair, session_id, "130", "104")  # the bottom number alone
    assert plain(pair.patient.get(f"/sessions/{session_id}/during")).count(RULE) == 2


def test_without_a_clinic_rule_no_reading_is_judged(app: Flask, pair: Pair) -> None:
    _adapt(pair, "", "")
    session_id = _home_session(app, pair, adapted=True)
    _log(pair, session_id, "190", "120")
    assert RULE not in plain(pair.patient.get(f"/sessions/{session_id}/during"))
    standard = plan_session(pair.patient, in_hours(30), route="oral", setting="home")
    _log(pair, standard, "190", "120")
    assert RULE not in plain(pair.patient.get(f"/sessions/{standard}/during"))


def test_the_therapist_sees_the_rule_again_and_a_bad_limit_is_refused_as_typed(
    app: Flask, pair: Pair
) -> None:
    _adapt(pair, "160", "")
    form = pair.therapist.get(adaptation_url(pair)).get_data(as_text=True)
    assert 'name="bp_systolic" type="text" value="160"' in form
    posted = default_rows()
    posted["bp_systolic"] = "16O"
    response = post_adaptation(pair.therapist, adaptation_url(pair), posted)
    assert response.status_code == 422
    assert "must be a whole number from 100 to 220" in plain(response)
    assert 'value="16O"' in response.get_data(as_text=True)
