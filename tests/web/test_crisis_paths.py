"""Leaving the crisis card never loses the answers: a PHQ-9 whose item 9 is answered
above 0 is stored the moment that answer is sent, the optional difficulty question
amends the same result, and the card's own link to the safety plan loses nothing.
Also what the questionnaire screen carries for offline use."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.accounts.accounts import Unlocked
from journal.core.extensions import db
from journal.mood import measures
from journal.mood.measures import ResultView
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.helpers import HTMX
from tests.web.mood_helpers import form_fields, hidden_fields, step


@pytest.fixture
def ada_keys(app: Flask) -> Unlocked:
    return make_user(app, "ada@example.com")


@pytest.fixture
def ada(app: Flask, client: FlaskClient, ada_keys: Unlocked) -> FlaskClient:
    assert login(client, "ada@example.com").status_code == 302
    return client


def _results(app: Flask, keys: Unlocked) -> list[ResultView]:
    with app.app_context():
        return measures.results_of(db.session.merge(keys.user), keys.udk)


def _to_item_9(client: FlaskClient) -> dict[str, str]:
    """Answer items 1-8 (each 1) screen by screen; the fields of the item 9 screen."""
    carried = form_fields(client.get("/mood/measures/phq9").get_data(as_text=True))
    for number in range(1, 9):
        response = step(client, "phq9", carried, {f"q{number}": "1"}, headers=HTMX)
        assert response.status_code == 200
        carried = form_fields(response.get_data(as_text=True))
    assert carried["step"] == "9"
    return carried


def test_a_positive_item_9_is_stored_the_moment_it_is_answered(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    carried = _to_item_9(ada)
    assert _results(app, ada_keys) == []
    response = step(ada, "phq9", carried, {"q9": "2"}, headers=HTMX)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Your answers are saved" in page
    [result] = _results(app, ada_keys)
    assert result.safety_flag
    assert result.total == 10
    assert result.supplementary == {}


def test_item_9_at_zero_is_stored_only_at_the_finish(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    carried = _to_item_9(ada)
    response = step(ada, "phq9", carried, {"q9": "0"}, headers=HTMX)
    assert "Your answers are saved" not in response.get_data(as_text=True)
    assert _results(app, ada_keys) == []


def test_the_difficulty_question_amends_the_same_result(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    carried = _to_item_9(ada)
    response = step(ada, "phq9", carried, {"q9": "1"}, headers=HTMX)
    carried = form_fields(response.get_data(as_text=True))
    [early] = _results(app, ada_keys)
    finish = step(ada, "phq9", carried, {"s_difficulty": "2"}, "finish", headers=HTMX, follow=True)
    assert finish.status_code == 200
    [result] = _results(app, ada_keys)
    assert result.id == early.id
    assert result.supplementary == {"difficulty": 2}
    assert result.safety_flag
    # Sent again (a retried send, a second tap): still one result, unchanged.
    step(ada, "phq9", carried, {"s_difficulty": "0"}, "finish", headers=HTMX)
    [again] = _results(app, ada_keys)
    assert again.supplementary == {"difficulty": 2}


def test_an_answer_changed_on_the_way_back_amends_it_and_the_flag_stays(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    carried = _to_item_9(ada)
    response = step(ada, "phq9", carried, {"q9": "3"}, headers=HTMX)
    carried = form_fields(response.get_data(as_text=True))
    back = step(ada, "phq9", carried, None, "back", headers=HTMX)
    carried = form_fields(back.get_data(as_text=True))
    step(ada, "phq9", carried, {"q9": "0"}, "next", headers=HTMX)
    carried = {**carried, "q9": "0", "step": "10"}
    step(ada, "phq9", carried, None, "finish", headers=HTMX)
    [result] = _results(app, ada_keys)
    assert result.answers[9] == 0
    assert result.total == 8
    assert result.safety_flag  # raised once, it may have been seen already


def test_the_safety_plan_link_of_the_card_loses_nothing(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    carried = _to_item_9(ada)
    response = step(ada, "phq9", carried, {"q9": "2"}, headers=HTMX)
    page = response.get_data(as_text=True)
    link = re.search(r'href="(/help/safety-plan)"', page)
    assert link, "the card links to the safety plan"
    # The patient follows it, writes the plan and never comes back to the questionnaire.
    assert ada.get(link.group(1)).status_code == 200
    saved = ada.post(
        "/help/safety-plan",
        data={"warning_signs": "I stop eating.", "csrf_token": csrf_token(ada, link.group(1))},
    )
    assert saved.status_code == 302
    [result] = _results(app, ada_keys)
    assert result.safety_flag
    mood_page = ada.get("/mood/").get_data(as_text=True)
    assert f"/mood/results/{result.id}" in mood_page


def test_the_item_9_screen_holds_the_card_and_can_wait_in_the_outbox(
    ada: FlaskClient,
) -> None:
    carried = _to_item_9(ada)
    page = step(ada, "phq9", {**carried, "step": "8"}, {"q8": "1"}, headers=HTMX).get_data(
        as_text=True
    )
    # The card is already on the screen, hidden, for the page to show at once.
    assert re.search(r'<div class="crisis-pending" data-crisis-for="q9" hidden>', page)
    assert 'href="tel:988"' in page
    assert 'data-outbox="mood.measure"' in page
    assert 'data-outbox-field="go=finish"' in page
    fields = hidden_fields(page)
    assert fields["idempotency_key"] == fields["key"]
    # Earlier screens cannot be kept: their answers are not complete.
    first = ada.get("/mood/measures/phq9").get_data(as_text=True)
    assert "data-outbox=" not in first
    assert "data-crisis-for" not in first


def test_what_the_outbox_sends_is_scored_once(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    carried = _to_item_9(ada)
    # What pwa.js keeps: the form's fields (no button), plus go=finish; sent twice.
    kept = {**carried, "q9": "0", "idempotency_key": carried["key"], "go": "finish"}
    for _ in range(2):
        sent = ada.post("/mood/measures/phq9", data=kept, headers=HTMX)
        assert sent.status_code == 303
    [result] = _results(app, ada_keys)
    assert result.total == 8
