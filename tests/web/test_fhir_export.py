"""Questionnaire results as FHIR R4 for a clinic's EHR (issue 21): the patient's own,
and a linked therapist's download of what was shared. Every file is validated with
the `fhir.resources` R4B models and read back answer by answer."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.audit import AuditEvent
from journal.models.sessions import AuthSession
from journal.models.types import utcnow
from journal.models.users import Role
from journal.mood import measures, scoring
from tests.factories import login, make_user, write_entry
from tests.pages import csrf_token, markup, words
from tests.web.care_helpers import Pair, access_rows, linked_pair
from tests.web.care_mood_helpers import (
    RESULTS,
    keys_of,
    phq9_answers,
    share_record,
    submit_at,
    take,
)

LOINC = "http://loinc.org"
# A worked example against the PHQ-9's published scoring: items 1-9 answered
# 1, 2, 1, 2, 3, 2, 1, 2, 0 add up to 14, which the published bands call "Moderate"
# (10-14); question 9 is 0, so no safety flag.
WORKED_PHQ9 = {1: 1, 2: 2, 3: 1, 4: 2, 5: 3, 6: 2, 7: 1, 8: 2, 9: 0}
GAD7 = {1: 3, 2: 2, 3: 2, 4: 1, 5: 0, 6: 1, 7: 3}
PHQ9_ITEMS = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7"]
PHQ9_ITEMS += ["44258-2", "44252-5", "44253-3", "44260-8"]
FREQUENCY = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
SECRET_WORDS = "The dog barked all night and I thought about my sister"


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _days(back: int = 30) -> dict[str, str]:
    today = utcnow().date()
    return {"start": (today - timedelta(days=back)).isoformat(), "end": today.isoformat()}


def _own(client: FlaskClient, **days: str) -> TestResponse:
    data = {"csrf_token": csrf_token(client, "/settings/export"), **(days or _days())}
    return client.post("/settings/export/fhir", data=data)


def _shared(pair: Pair, **days: str) -> TestResponse:
    data = {"csrf_token": csrf_token(pair.therapist, "/clinic/invite"), **(days or _days())}
    return pair.therapist.post(f"/clinic/patients/{pair.patient_id}/results.fhir", data=data)


def _bundle(response: TestResponse) -> tuple[Bundle, dict[str, Any]]:
    assert response.status_code == 200, markup(response)
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    raw = json.loads(response.get_data())
    return Bundle.model_validate(raw), raw  # raises on anything R4 does not allow


def _of(bundle: Bundle, kind: type[Any]) -> list[Any]:
    return [e.resource for e in bundle.entry or [] if isinstance(e.resource, kind)]


def _answers(response: QuestionnaireResponse) -> dict[str, tuple[str, str]]:
    """linkId -> (answer system, answer code)."""
    found = {}
    for item in response.item or []:
        coding = item.answer[0].valueCoding
        found[item.linkId] = (coding.system, coding.code)
    return found


def test_a_patient_downloads_their_results_and_every_answer_reads_back(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    phq = take(client, "phq9", WORKED_PHQ9)
    gad = take(client, "gad7", GAD7)
    bundle, _ = _bundle(_own(client))

    assert bundle.type == "collection"
    questionnaires = {q.url: q for q in _of(bundle, Questionnaire)}
    responses = {r.id: r for r in _of(bundle, QuestionnaireResponse)}
    observations = {o.derivedFrom[0].reference: o for o in _of(bundle, Observation)}
    assert set(responses) == {phq, gad} and len(observations) == 2

    phq_response = responses[phq]
    assert phq_response.status == "completed"
    assert phq_response.questionnaire in {f"{url}|{q.version}" for url, q in questionnaires.items()}
    answers = _answers(phq_response)
    for number, value in WORKED_PHQ9.items():
        assert answers[str(number)] == (LOINC, FREQUENCY[value])
    phq_questionnaire = next(q for q in questionnaires.values() if q.code[0].code == "44249-1")
    assert [i.code[0].code for i in phq_questionnaire.item[:9]] == PHQ9_ITEMS
    assert [i.linkId for i in phq_questionnaire.item[:9]] == [str(n) for n in range(1, 10)]

    total = observations[f"urn:uuid:{phq}"]
    assert total.code.coding[0].system == LOINC and total.code.coding[0].code == "44261-6"
    assert total.valueInteger == 14 == sum(WORKED_PHQ9.values())
    assert total.interpretation[0].text == "Moderate"
    assert total.category[0].coding[0].code == "survey" and total.status == "final"

    gad_total = observations[f"urn:uuid:{gad}"]
    assert gad_total.code.coding[0].code == "70274-6" and gad_total.valueInteger == 12
    gad_answers = _answers(responses[gad])
    assert all(gad_answers[str(n)] == (LOINC, FREQUENCY[v]) for n, v in GAD7.items())
    gad_questionnaire = next(q for q in questionnaires.values() if q.code[0].code == "69737-5")
    assert gad_questionnaire.item[5].code[0].code == "69689-8"


def test_the_difficulty_answer_goes_with_its_own_code(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    with app.app_context():
        user, udk = keys_of("ada@example.com")
        result = measures.submit(user, udk, "phq9", WORKED_PHQ9, {"difficulty": 2}, uuid.uuid4())
        rid = str(result.id)
    bundle, _ = _bundle(_own(client))
    response = next(r for r in _of(bundle, QuestionnaireResponse) if r.id == rid)
    assert _answers(response)["difficulty"] == (LOINC, "LA6575-0")  # "Very difficult"
    questionnaire = next(q for q in _of(bundle, Questionnaire) if q.code[0].code == "44249-1")
    difficulty = next(i for i in questionnaire.item if i.linkId == "difficulty")
    assert difficulty.code[0].code == "69722-7" and difficulty.required is False


def test_the_pcl5_goes_out_with_its_panel_and_total_and_answers_by_value(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    answers = {n: (n % 5) for n in range(1, 21)}
    rid = take(client, "pcl5", answers)
    bundle, _ = _bundle(_own(client))
    response = next(r for r in _of(bundle, QuestionnaireResponse) if r.id == rid)
    read = _answers(response)
    assert all(read[str(n)][1] == str(v) for n, v in answers.items())
    assert all(system.endswith(":CodeSystem:pcl5-answers") for system, _ in read.values())
    total = next(o for o in _of(bundle, Observation) if o.derivedFrom[0].reference.endswith(rid))
    assert total.code.coding[0].code == "101698-9"
    assert total.valueInteger == sum(answers.values())
    questionnaire = next(q for q in _of(bundle, Questionnaire) if q.code[0].code == "101697-1")
    # Each answer option carries its ordinal value, so an EHR can score it itself.
    ordinals = [o.extension[0].valueDecimal for o in questionnaire.item[0].answerOption]
    assert ordinals == [0, 1, 2, 3, 4]


def test_only_results_in_the_chosen_days_leave_and_no_words_of_the_patient(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    write_entry(client, SECRET_WORDS)
    old = submit_at(app, "ada@example.com", "gad7", GAD7, utcnow() - timedelta(days=90))
    recent = take(client, "phq9", WORKED_PHQ9)
    response = _own(client, **_days(back=30))
    bundle, raw = _bundle(response)
    ids = {r.id for r in _of(bundle, QuestionnaireResponse)}
    assert ids == {recent} and old not in response.get_data(as_text=True)
    text = json.dumps(raw)
    assert "ada@example.com" not in text and "dog barked" not in text
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).all()]
    assert "export.fhir" in actions


def test_a_bad_range_says_so_in_the_page_and_keeps_what_was_typed(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    response = _own(client, start="2026-05-10", end="2026-05-01")
    assert response.status_code == 422
    page = words(response)
    assert "The first day must come before the last day." in page
    assert 'value="2026-05-10"' in markup(response) and 'value="2026-05-01"' in markup(response)
    nonsense = _own(client, start="yesterday", end="")
    assert nonsense.status_code == 422
    assert "Choose a first and a last day" in words(nonsense)


def test_a_stolen_cookie_alone_gets_the_password_page_not_the_file(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    take(client, "phq9", WORKED_PHQ9)
    token = csrf_token(client, "/settings/export")
    with app.app_context():
        # Signed in half an hour ago: the sign-in no longer counts as a step-up.
        db.session.execute(
            update(AuthSession).values(stepped_up_at=utcnow() - timedelta(minutes=30))
        )
        db.session.commit()
    response = client.post("/settings/export/fhir", data={"csrf_token": token, **_days()})
    assert response.status_code == 403
    assert response.mimetype == "text/html" and b"44249-1" not in response.get_data()
    assert "password" in words(response).lower()


# -- the therapist's download of shared results ------------------------------------------


def test_a_therapist_gets_only_shared_results_and_the_patient_sees_the_download(
    app: Flask, pair: Pair
) -> None:
    shared = take(pair.patient, "phq9", phq9_answers(12))
    unshared = take(pair.patient, "gad7", GAD7)
    assert share_record(pair, RESULTS, shared).status_code in {302, 303}
    before = len(access_rows(app))

    bundle, raw = _bundle(_shared(pair))
    responses = _of(bundle, QuestionnaireResponse)
    assert [r.id for r in responses] == [shared]
    assert unshared not in json.dumps(raw)
    total = _of(bundle, Observation)[0]
    assert total.valueInteger == 12 and total.code.coding[0].code == "44261-6"
    read = _answers(responses[0])
    assert read == {str(n): (LOINC, FREQUENCY[v]) for n, v in phq9_answers(12).items()}
    assert "ada@example.com" not in json.dumps(raw)

    rows = access_rows(app)
    assert len(rows) == before + 1  # one row for the download, not one per result
    assert rows[-1].via == "fhir-export" and rows[-1].item_count == 1
    log = words(pair.patient.get("/care/access-log"))
    assert "downloaded your shared questionnaire results for their clinic's records" in log
    assert "1 result" in log


def test_another_therapist_gets_a_404_and_it_is_logged(app: Flask, pair: Pair) -> None:
    take(pair.patient, "phq9", phq9_answers(12))
    stranger = app.test_client()
    make_user(app, "dr.else@example.com", Role.THERAPIST)
    login(stranger, "dr.else@example.com")
    data = {"csrf_token": csrf_token(stranger, "/clinic/invite"), **_days()}
    response = stranger.post(f"/clinic/patients/{pair.patient_id}/results.fhir", data=data)
    assert response.status_code == 404
    assert b"44249-1" not in response.get_data()
    assert any(r.outcome == "refused" and r.via == "fhir-export" for r in access_rows(app))
    # A patient cookie is no way in either.
    own = pair.patient.post(
        f"/clinic/patients/{pair.patient_id}/results.fhir",
        data={"csrf_token": csrf_token(pair.patient, "/settings/export"), **_days()},
    )
    assert own.status_code in {403, 404} and b"44249-1" not in own.get_data()


def test_a_bad_range_on_the_brief_says_so(app: Flask, pair: Pair) -> None:
    response = _shared(pair, start="2026-05-10", end="2026-05-01")
    assert response.status_code in {302, 303}
    page = pair.therapist.get(response.headers["Location"])
    assert "The first day must come before the last day." in words(page)


def test_the_brief_and_the_export_page_offer_the_download(app: Flask, pair: Pair) -> None:
    brief = pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief")
    assert "Download shared results (FHIR)" in words(brief)
    assert "Download results (FHIR)" in words(pair.patient.get("/settings/export"))


def test_codes_for_an_item_the_instrument_lacks_are_refused() -> None:
    path = scoring.INSTRUMENTS_DIR / "gad7.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    scoring._check_instrument(scoring._instrument_from_data(data))  # as shipped: fine
    data["codes"]["items"]["8"] = "00000-0"  # the GAD-7 has 7 items
    with pytest.raises(scoring.InstrumentDataError):
        scoring._check_instrument(scoring._instrument_from_data(data))
