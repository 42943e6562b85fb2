"""Session content in Spanish (issue 21): with a Spanish browser a new session's
checklist, the self-check, the intention questions, the right-after prompts and the
after-effects read in Spanish, from the words the content files carry. A list already
stored keeps the words it was stored with."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.content import (
    CONTENT_DIR,
    load_after_effects,
    load_checklist,
    load_intention_questions,
    load_prompt_set,
    load_self_check,
    missing_words,
    route_labels,
    setting_labels,
)
from tests.factories import login, make_user
from tests.pages import words
from tests.spanish import english_leaks
from tests.web.integ_helpers import add_after_effect, log_done_session, mark_done_session
from tests.web.prep_helpers import field_errors, in_hours, local_fields, plan_session, post_session

SPANISH = "es-US,es;q=0.9,en;q=0.5"

CHECKLIST_ES = load_checklist(language="es")
CHECKLIST_EN = load_checklist()


@pytest.fixture
def es(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH
    return client


def _item(checklist: Any, key: str) -> Any:
    return next(i for i in checklist.items if i.key == key)


def test_the_session_form_offers_routes_and_settings_in_spanish(es: FlaskClient) -> None:
    page = words(es.get("/sessions/new"))
    for label in (*route_labels("es").values(), *setting_labels("es").values()):
        assert label in page
    assert "IV infusion" not in page and "At home, with a sitter" not in page


def test_a_refused_setting_is_explained_in_spanish(es: FlaskClient) -> None:
    response = post_session(es, date="2030-01-01", time="10:00", route="intranasal", setting="home")
    assert response.status_code == 422
    text = words(response)
    assert "Aerosol nasal de esketamina" in text
    assert field_errors(response), "an error is shown"
    assert not english_leaks(text), english_leaks(text)


def test_a_new_checklist_is_in_spanish_and_keeps_its_words(app: Flask, es: FlaskClient) -> None:
    sid = plan_session(es, in_hours(30))
    page = words(es.get(f"/sessions/{sid}"))
    assert _item(CHECKLIST_ES, "arrange-ride-home").text in page
    assert _item(CHECKLIST_EN, "arrange-ride-home").text not in page
    assert not english_leaks(page), english_leaks(page)
    # The stored list keeps its Spanish words when the browser turns English.
    es.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    again = words(es.get(f"/sessions/{sid}"))
    assert _item(CHECKLIST_ES, "arrange-ride-home").text in again
    # ...and a list made in English stays English on a Spanish page.
    english = plan_session(es, in_hours(50))
    es.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH
    assert _item(CHECKLIST_EN, "arrange-ride-home").text in words(es.get(f"/sessions/{english}"))


def test_the_self_check_is_in_spanish(es: FlaskClient) -> None:
    check = load_self_check(language="es")
    page = words(es.get("/sessions/self-check"))
    assert check.title in page and check.items[0].text in page
    assert load_self_check().items[0].text not in page
    assert not english_leaks(page), english_leaks(page)


def test_the_intention_questions_are_in_spanish(es: FlaskClient) -> None:
    sid = plan_session(es, in_hours(30))
    page = words(es.get(f"/sessions/{sid}/intention"))
    early = load_intention_questions(language="es").stage("early")
    assert early.questions[0].text in page
    assert load_intention_questions().stage("early").questions[0].text not in page
    assert not english_leaks(page), english_leaks(page)


def test_the_right_after_prompts_are_in_spanish(app: Flask, es: FlaskClient) -> None:
    sid = mark_done_session(app, es, hours_ago=1)
    spanish = load_prompt_set(language="es")
    english = load_prompt_set()
    after = words(es.get(f"/sessions/{sid}/after"))
    prompt = words(es.get(f"/sessions/{sid}/prompts/right-after-body"))
    for text in (after, prompt):
        assert spanish.prompts[0].text in text, text
        assert english.prompts[0].text not in text
        assert not english_leaks(text), english_leaks(text)


def test_the_after_effects_are_in_spanish(es: FlaskClient) -> None:
    sid = log_done_session(es, hours_ago=5)
    when = local_fields(in_hours(-1), "UTC")
    assert add_after_effect(es, sid, kind="nausea", severity="mild", **when).status_code == 303
    page = words(es.get(f"/sessions/{sid}/after-effects"))
    content = load_after_effects(language="es")
    assert content.intro in page and "Náuseas" in page and "Dolor de cabeza" in page
    assert "Headache" not in page and load_after_effects().intro not in page
    assert not english_leaks(page), english_leaks(page)


def _spanish_of(path: Path) -> tuple[dict[str, Any], Mapping[str, Any]]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return raw, raw["languages"]["es"]


@pytest.mark.parametrize(
    ("name", "load"),
    [
        ("checklists/default.json", lambda: load_checklist()),
        ("prompts/default.json", lambda: load_prompt_set()),
        ("intentions.json", lambda: load_intention_questions()),
        ("after_effects.json", lambda: load_after_effects()),
        ("self_check.json", lambda: load_self_check()),
    ],
)
def test_every_spanish_entry_covers_its_english_one(name: str, load: Any) -> None:
    _raw, spanish = _spanish_of(CONTENT_DIR / name)
    english = load()
    assert missing_words(english, spanish) == []
    worded = english.in_language("es")
    # Keys and values never change with the language; the words do.
    for field_name in ("items", "prompts", "kinds", "severities", "stages", "answers"):
        ours, theirs = getattr(english, field_name, ()), getattr(worded, field_name, ())
        assert [p.key for p in ours] == [p.key for p in theirs]
        for before, after in zip(ours, theirs, strict=True):
            assert getattr(before, "value", None) == getattr(after, "value", None)
            for word in ("text", "label"):
                if hasattr(before, word):
                    assert getattr(after, word).strip()


def test_every_route_and_setting_has_spanish_words() -> None:
    assert set(route_labels("es")) == set(route_labels())
    assert all(route_labels("es")[k] != route_labels()[k] for k in route_labels())
    assert all(setting_labels("es")[k] != setting_labels()[k] for k in setting_labels())
