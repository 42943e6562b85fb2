"""Questionnaires through the web: one question a screen, back and forward without
losing answers, scoring, baseline and change, missing and wrong answers, a double
submit, and the reminder on Home."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from journal.accounts.accounts import Unlocked
from journal.core.extensions import db
from journal.models.measures import MeasureResult
from journal.models.types import utcnow
from journal.mood import measures
from journal.mood.scoring import get_instrument
from tests.pages import words
from tests.web.helpers import HTMX
from tests.web.mood_helpers import (
    checked_radios,
    finish_at_once,
    form_fields,
    hidden_fields,
    phq9,
    step,
    walk,
)
from tests.web.prep_helpers import plan_session

RESULT_RE = re.compile(r"/mood/results/([0-9a-f-]{36})")


def _results(app: Flask, keys: Unlocked) -> list[measures.ResultView]:
    with app.app_context():
        user = db.session.merge(keys.user)
        return measures.results_of(user, keys.udk)


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(MeasureResult)) or 0


def test_each_screen_asks_one_question_in_the_standard_wording(ada: FlaskClient) -> None:
    phq = get_instrument("phq9")
    response = ada.get("/mood/measures/phq9")
    first, markup = words(response), response.get_data(as_text=True)
    assert "Question 1 of 9" in first
    assert phq.instructions in first
    assert phq.items[0].text in first
    assert phq.items[1].text not in first
    for option in phq.answer_scale:
        assert f'name="q1" value="{option.value}"' in markup
        assert option.label in first
    assert markup.count('type="radio"') == 4
    # No answers in the address: the flow posts.
    assert 'method="post"' in markup


def test_back_and_forward_keep_every_answer(ada: FlaskClient) -> None:
    carried = form_fields(ada.get("/mood/measures/gad7").get_data(as_text=True))
    for number, value in ((1, "2"), (2, "3"), (3, "1")):
        response = step(ada, "gad7", carried, {f"q{number}": value})
        carried = form_fields(response.get_data(as_text=True))
    assert carried["q1"] == "2" and carried["q2"] == "3" and carried["q3"] == "1"
    # Back twice, to question 2: its own answer is checked on screen, the others
    # ride along in hidden fields.
    back = step(ada, "gad7", carried, go="back")
    assert back.status_code == 200
    assert "Question 3 of 7" in words(back)
    assert checked_radios(back.get_data(as_text=True)) == {"q3": "1"}
    back = step(ada, "gad7", form_fields(back.get_data(as_text=True)), go="back")
    page = back.get_data(as_text=True)
    assert "Question 2 of 7" in words(back)
    assert checked_radios(page) == {"q2": "3"}
    kept = hidden_fields(page)
    assert kept["q1"] == "2" and kept["q3"] == "1" and "q2" not in kept
    # Change question 2 and go forward again: question 3 still has its answer.
    forward = step(ada, "gad7", kept, {"q2": "0"})
    page = forward.get_data(as_text=True)
    assert "Question 3 of 7" in words(forward)
    assert checked_radios(page) == {"q3": "1"}
    assert hidden_fields(page)["q2"] == "0"
    # Back without choosing anything on a screen loses nothing either. (The CSRF
    # token is signed with the time, so it differs once a second has passed.)
    before = form_fields(page)
    after = form_fields(step(ada, "gad7", before, go="back").get_data(as_text=True))
    assert {**after, "csrf_token": ""} == {**before, "step": "2", "csrf_token": ""}


def test_next_without_an_answer_asks_for_one(ada: FlaskClient) -> None:
    carried = hidden_fields(ada.get("/mood/measures/phq9").get_data(as_text=True))
    response = step(ada, "phq9", carried)
    assert response.status_code == 422
    assert "Choose an answer to go on." in words(response)
    assert "Question 1 of 9" in words(response)


def test_the_total_band_and_baseline_come_through_the_web_flow(ada: FlaskClient) -> None:
    response = walk(ada, "phq9", [3, 3, 2, 2, 2, 2, 2, 2, 0])
    page = words(response)
    assert response.status_code == 200
    assert "Total 18 of 27" in page
    assert "Severity band: Moderately severe (15 to 19)" in page
    assert "it is your baseline" in page


def test_a_later_result_shows_change_response_and_remission(ada: FlaskClient) -> None:
    walk(ada, "phq9", [3, 3, 2, 2, 2, 2, 2, 2, 0])  # 18, the baseline
    page = words(walk(ada, "phq9", [1, 1, 1, 1, 0, 0, 0, 0, 0]))  # 4
    assert "Total 4 of 27" in page
    assert "Compared with your baseline of 18" in page
    assert "14 points lower (78 %)" in page
    assert "Response: yes" in page
    assert "Remission: yes, the total is below 5." in page


def test_a_rise_is_neither_response_nor_remission(ada: FlaskClient) -> None:
    walk(ada, "gad7", [1, 1, 1, 1, 1, 1, 0])  # 6
    page = words(walk(ada, "gad7", [2, 2, 2, 2, 1, 1, 0]))  # 10
    assert "4 points higher (67 %)" in page
    # The GAD-7 defines neither a response nor a remission: the page claims neither.
    assert "Response" not in page
    assert "Remission" not in page


def test_the_pcl5_works_the_same_way(ada: FlaskClient) -> None:
    page = words(walk(ada, "pcl5", [2] * 20))
    assert "Total 40 of 80" in page
    assert "crisis-card" not in page


def test_the_optional_difficulty_question_is_kept_but_not_scored(
    app: Flask, ada_keys: Unlocked, ada: FlaskClient
) -> None:
    page = words(walk(ada, "phq9", [1] * 9, supplementary={"s_difficulty": "2"}))
    assert "Total 9 of 27" in page
    assert "Very difficult" in page
    [result] = _results(app, ada_keys)
    assert result.supplementary == {"difficulty": 2}
    assert result.answers == {n: 1 for n in range(1, 10)}


def test_missing_answers_name_the_questions_and_go_to_the_first(ada: FlaskClient) -> None:
    answers = phq9(0)
    del answers[3], answers[7]
    response = finish_at_once(ada, "phq9", answers)
    assert response.status_code == 422
    page = words(response)
    assert "Questions 3 and 7 have no answer yet." in page
    assert "Question 3 of 9" in page
    # What was answered is still carried.
    assert hidden_fields(response.get_data(as_text=True))["q8"] == "1"


def test_an_answer_out_of_range_is_refused_and_named(app: Flask, ada: FlaskClient) -> None:
    answers = {**phq9(0), 4: 7}
    response = finish_at_once(ada, "phq9", answers)
    assert response.status_code == 422
    page = words(response)
    assert "Question 4 needs one of the answers shown." in page
    assert "Question 4 of 9" in page
    assert hidden_fields(response.get_data(as_text=True))["q5"] == "1"
    bad_extra = finish_at_once(ada, "phq9", phq9(0), s_difficulty="9")
    assert bad_extra.status_code == 422
    assert _count(app) == 0


def test_an_unknown_questionnaire_is_404(ada: FlaskClient) -> None:
    assert ada.get("/mood/measures/bdi").status_code == 404
    assert finish_at_once(ada, "bdi", {1: 0}).status_code == 404


def test_a_questionnaire_submitted_twice_is_stored_once(app: Flask, ada: FlaskClient) -> None:
    key = str(uuid.uuid4())
    first = finish_at_once(ada, "gad7", {n: 1 for n in range(1, 8)}, key=key)
    again = finish_at_once(ada, "gad7", {n: 1 for n in range(1, 8)}, key=key, headers=HTMX)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert _count(app) == 1
    # A new questionnaire (a new key) is a new result.
    finish_at_once(ada, "gad7", {n: 1 for n in range(1, 8)})
    assert _count(app) == 2


def test_the_result_keeps_a_safety_flag_for_sharing(
    app: Flask, ada_keys: Unlocked, ada: FlaskClient
) -> None:
    finish_at_once(ada, "phq9", phq9(0))
    finish_at_once(ada, "phq9", phq9(2))
    finish_at_once(ada, "gad7", {n: 3 for n in range(1, 8)})
    flags = [(r.instrument_id, r.safety_flag) for r in _results(app, ada_keys)]
    assert flags == [("phq9", False), ("phq9", True), ("gad7", False)]


def test_a_htmx_result_updates_the_address_bar(ada: FlaskClient) -> None:
    response = walk(ada, "gad7", [0] * 7, headers=HTMX)
    assert RESULT_RE.search(response.headers.get("HX-Push-Url", ""))


def _age_results(app: Flask, days: int) -> None:
    with app.app_context():
        db.session.execute(update(MeasureResult).values(taken_at=utcnow() - timedelta(days=days)))
        db.session.commit()


def test_home_reminds_at_baseline_then_every_interval(app: Flask, ada: FlaskClient) -> None:
    home = words(ada.get("/"))
    assert "Questionnaires to fill in" in home
    assert "Start the PHQ-9" in home and "Start the GAD-7" in home
    assert "your first one, the baseline" in home
    assert "Start the PCL-5" not in home  # optional, never nagged about

    finish_at_once(ada, "phq9", phq9(0))
    finish_at_once(ada, "gad7", {n: 0 for n in range(1, 8)})
    assert "Questionnaires to fill in" not in words(ada.get("/"))

    _age_results(app, 13)
    assert "Questionnaires to fill in" not in words(ada.get("/"))
    _age_results(app, 14)
    home = words(ada.get("/"))
    assert "it has been 14 days or more since the last one" in home
    assert "Start the PHQ-9" in home


def test_the_interval_is_configuration(
    app: Flask, ada: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    finish_at_once(ada, "phq9", phq9(0))
    finish_at_once(ada, "gad7", {n: 0 for n in range(1, 8)})
    _age_results(app, 8)
    assert "Questionnaires to fill in" not in words(ada.get("/"))
    monkeypatch.setitem(app.config, "QUESTIONNAIRE_INTERVAL_DAYS", 7)
    # Never sooner than the two weeks the questions ask about...
    assert "Questionnaires to fill in" not in words(ada.get("/"))
    # ...unless the clinic turns that off.
    monkeypatch.setitem(app.config, "QUESTIONNAIRE_RESPECT_WINDOW", False)
    assert "it has been 7 days or more" in words(ada.get("/"))


def test_the_mood_page_lists_latest_results(ada: FlaskClient) -> None:
    finish_at_once(ada, "phq9", phq9(0, others=2))
    page = words(ada.get("/mood/"))
    assert "Latest:" in page
    assert "16 of 27, Moderately severe" in page


def test_questionnaires_are_due_again_before_a_dosing_session(
    app: Flask, ada: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A clinic that asks before every session, whatever the questionnaire's window.
    monkeypatch.setitem(app.config, "QUESTIONNAIRE_RESPECT_WINDOW", False)
    finish_at_once(ada, "phq9", phq9(0))
    finish_at_once(ada, "gad7", {n: 0 for n in range(1, 8)})
    _age_results(app, 5)  # well inside the 14-day interval
    assert "Questionnaires to fill in" not in words(ada.get("/"))
    plan_session(ada, utcnow() + timedelta(days=2))
    home = words(ada.get("/"))
    assert "Questionnaires to fill in" in home and "Start the PHQ-9" in home
    # It says why: the session, not an interval that has not passed.
    assert "a dosing session is coming up" in home and "days or more" not in home
    # Taken in the three days before the session: no longer due for it.
    finish_at_once(ada, "phq9", phq9(0))
    finish_at_once(ada, "gad7", {n: 0 for n in range(1, 8)})
    assert "Questionnaires to fill in" not in words(ada.get("/"))


def test_latest_results_finds_an_instrument_taken_long_before_the_newest_few(
    app: Flask, ada_keys: Unlocked
) -> None:
    """Home reads the newest few results first; one instrument last taken before
    all of them is still found (its latest result, not an older one)."""
    start = utcnow() - timedelta(days=60)
    with app.app_context():
        user = db.session.merge(ada_keys.user)
        for i, instrument_id in enumerate(["gad7", "gad7", *["phq9"] * 10]):
            instrument = get_instrument(instrument_id)
            answers = {item.number: min(i, 3) for item in instrument.items}
            measures.submit(
                user,
                ada_keys.udk,
                instrument_id,
                answers,
                {},
                uuid.uuid4(),
                start + timedelta(days=i),
            )
        latest = measures.latest_results(user, ada_keys.udk, ["phq9", "gad7"])
    assert len(latest) == 2
    by_instrument = {view.instrument_id: view for view in latest}
    assert by_instrument["gad7"].taken_at == start + timedelta(days=1)
    assert by_instrument["phq9"].taken_at == start + timedelta(days=11)
