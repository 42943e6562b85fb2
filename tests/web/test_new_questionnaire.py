"""A new sum-score questionnaire is one content file and nothing else.

The ASRS-v1.1 Screener (six items, 0 to 4 each, the sum-score strata of Kessler et al.
2007) sits in tests/fixtures/instruments/ beside copies of the shipped files; an app
built with INSTRUMENTS_DIR pointing there offers it, asks it one question a screen,
scores it, charts it and exports it, with no code written for it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal import create_app
from journal.mood import scoring
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.mood_helpers import walk

FIXTURE = Path(__file__).parents[1] / "fixtures" / "instruments" / "asrs6.json"


@pytest.fixture
def clinic_app(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The suite's app, rebuilt on the same database with one more content file."""
    folder = tmp_path / "instruments"
    shutil.copytree(scoring.INSTRUMENTS_DIR, folder)
    shutil.copy(FIXTURE, folder / FIXTURE.name)
    built = create_app({**app.config, "INSTRUMENTS_DIR": str(folder)})
    try:
        yield built
    finally:
        # Questionnaires are read once per process; the rest of the suite reads the
        # shipped ones again.
        scoring.load_from(scoring.INSTRUMENTS_DIR)


@pytest.fixture
def patient(clinic_app: Flask) -> FlaskClient:
    make_user(clinic_app, "ada@example.com")
    client = clinic_app.test_client()
    assert login(client, "ada@example.com").status_code == 302
    return client


def test_the_shipped_instruments_do_not_include_the_fixture() -> None:
    assert "asrs6" not in scoring.instrument_ids()
    assert scoring.instrument_ids() == ("phq9", "gad7", "pcl5", "pcl5_week")


def test_a_new_questionnaire_is_offered_asked_scored_charted_and_exported(
    patient: FlaskClient,
) -> None:
    listed = patient.get("/mood/").get_data(as_text=True)
    assert "ASRS-v1.1" in listed
    assert "attention, organisation and restlessness" in listed

    first = patient.get("/mood/measures/asrs6").get_data(as_text=True)
    assert "Question 1 of 6" in first
    assert "wrapping up the final details of a project" in first
    assert "Very Often" in first

    # 3 + 3 + 3 + 2 + 2 + 2 = 15: "Low positive" in the published strata.
    result = walk(patient, "asrs6", [3, 3, 3, 2, 2, 2]).get_data(as_text=True)
    assert "15" in result
    assert "Low positive" in result

    charts = patient.get("/mood/charts").get_data(as_text=True)
    assert "ASRS-v1.1" in charts

    exported = patient.post(
        "/settings/export/json", data={"csrf_token": csrf_token(patient, "/settings/export")}
    )
    results = json.loads(exported.get_data())["measure_results"]
    assert [(r["instrument_id"], r["total"], r["band"]) for r in results] == [
        ("asrs6", 15, "Low positive")
    ]


def test_an_optional_questionnaire_is_not_reminded_or_due(patient: FlaskClient) -> None:
    home = patient.get("/").get_data(as_text=True)
    assert "ASRS" not in home
    settings = patient.get("/settings/").get_data(as_text=True)
    assert "PHQ-9 and GAD-7" in settings
    assert "ASRS" not in settings
