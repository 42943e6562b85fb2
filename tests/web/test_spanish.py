"""Spanish (issue 21, first part): the language follows the browser until the person
picks one; the crisis card, help and the PHQ-9 and GAD-7 in their official Spanish
versions; every message the app marks for translation has a Spanish text."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.core import records
from journal.core.extensions import db
from journal.models.measures import MeasureResult
from journal.models.users import User
from journal.mood import measures, scoring
from tests.factories import login, make_user
from tests.pages import csrf_token, markup, words
from tests.web.care_mood_helpers import keys_of
from tests.web.mood_helpers import finish_at_once

ROOT = Path(__file__).resolve().parents[2]
SPANISH = {"Accept-Language": "es-US,es;q=0.9,en;q=0.5"}
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
ITEM_9_ES = "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera"


def _spanish(client: FlaskClient) -> FlaskClient:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH["Accept-Language"]
    return client


def test_every_marked_message_has_a_spanish_text() -> None:
    """Extracts the messages from the code and templates as `make messages` does and
    fails on any without a Spanish msgstr (or one still marked fuzzy)."""
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / "journal"),
            method_map,
            options_map={"**/templates/**.html": {"trimmed": "true"}},
            keywords={**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None},
        )
    }
    po = ROOT / "journal" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
    catalog = read_po(io.BytesIO(po.read_bytes()))
    missing = sorted(
        m for m in found if not catalog.get(m) or not catalog.get(m).string or catalog.get(m).fuzzy
    )
    assert not missing, f"no Spanish for {len(missing)} message(s): {missing[:10]}"
    assert "Get help now" in found  # the extraction itself found the templates


def test_a_spanish_browser_gets_help_in_spanish_with_lines_that_answer_in_spanish(
    client: FlaskClient,
) -> None:
    page = client.get("/help/", headers=SPANISH)
    assert page.status_code == 200
    html = markup(page)
    assert '<html lang="es">' in html
    text = words(page)
    assert "Obtenga ayuda ahora" in text and "No tiene que enfrentar esto solo(a)" in text
    assert "Llame al 988 y marque 2" in text
    raw = page.get_data(as_text=True)
    assert 'href="sms:988?&amp;body=AYUDA"' in raw and 'href="tel:911"' in raw
    assert "Get help now" not in text and "Crisis Text Line" not in text
    english = client.get("/help/", headers=ENGLISH)
    assert "Get help now" in words(english) and '<html lang="en">' in markup(english)


def test_the_spanish_phq9_asks_in_the_official_words_and_item_9_shows_the_card_in_spanish(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ana@example.com")
    login(client, "ana@example.com")
    _spanish(client)
    first = client.get("/mood/measures/phq9")
    text = words(first)
    assert "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias" in text
    assert "Poco interés o placer en hacer cosas" in text
    assert "Ningún día" in text and "Casi todos los días" in text and "Not at all" not in text
    assert "Pregunta 1 de 9" in text
    response = finish_at_once(client, "phq9", {**dict.fromkeys(range(1, 9), 1), 9: 2})
    assert response.status_code == 303
    page = words(client.get(response.headers["Location"]))
    with app.app_context():
        user, udk = keys_of("ana@example.com")
        row = db.session.scalars(
            select(MeasureResult).where(MeasureResult.user_id == user.id)
        ).one()
        data = records.open_payload(udk, measures.TABLE, row)
    assert data["language"] == "es"
    assert data["total"] == 10 and data["safety_flag"] is True  # scored as in English
    assert "No tiene que enfrentar esto solo(a)" in page  # the result opens on the card


def test_item_9_above_zero_shows_the_spanish_crisis_card_at_once(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ana@example.com")
    login(client, "ana@example.com")
    _spanish(client)
    page = client.get("/mood/measures/phq9")
    form = {
        "csrf_token": csrf_token(client, "/mood/measures/phq9"),
        "key": _hidden(markup(page), "key"),
        "step": "9",
        "go": "next",
        **{f"q{n}": "1" for n in range(1, 10)},
    }
    answered = client.post("/mood/measures/phq9", data=form, headers={"HX-Request": "true"})
    text = words(answered)
    assert "No tiene que enfrentar esto solo(a)" in text
    assert "Nadie vigila esta aplicación en tiempo real." in text
    assert "Enviar AYUDA al 988" in text
    assert "You do not have to face this alone" not in text


def _hidden(html: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_the_pcl5_stays_in_english_and_the_page_says_why(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ana@example.com")
    login(client, "ana@example.com")
    page = _spanish(client).get("/mood/measures/pcl5")
    text = words(page)
    assert "no tiene una traducción autorizada" in text
    assert "Repeated, disturbing, and unwanted memories" in text
    assert 'lang="en"' in markup(page)  # screen readers read the English in English


def test_a_chosen_language_wins_over_the_browser_and_can_be_given_back(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ana@example.com")
    login(client, "ana@example.com")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = ENGLISH["Accept-Language"]
    token = csrf_token(client, "/settings/")
    saved = client.post("/settings/language", data={"csrf_token": token, "language": "es"})
    assert saved.status_code == 302
    settings = client.get("/settings/")
    assert "Idioma guardado." in words(settings)
    assert '<html lang="es">' in markup(client.get("/help/"))
    with app.app_context():
        stored = db.session.scalars(select(User.language).where(User.email == "ana@example.com"))
        assert stored.one() == "es"
    client.post("/settings/language", data={"csrf_token": token, "language": ""})
    assert '<html lang="en">' in markup(client.get("/help/"))


def test_an_unknown_language_is_refused_with_a_message(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ana@example.com")
    login(client, "ana@example.com")
    token = csrf_token(client, "/settings/")
    refused = client.post("/settings/language", data={"csrf_token": token, "language": "xx"})
    assert refused.status_code == 422
    assert "Choose a language from the list." in words(refused)
    assert client.post("/settings/language", data={"language": "es"}).status_code == 400  # CSRF


def test_a_spanish_result_goes_out_in_fhir_saying_so(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ana@example.com")
    login(client, "ana@example.com")
    _spanish(client)
    finish_at_once(client, "gad7", dict.fromkeys(range(1, 8), 1))
    data = {"csrf_token": csrf_token(client, "/settings/export"), "start": "2000-01-01"}
    data["end"] = "2100-01-01"
    bundle = json.loads(client.post("/settings/export/fhir", data=data).get_data())
    responses = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert [r["language"] for r in responses] == ["es"]


def test_a_translation_missing_an_item_stops_the_app_at_start() -> None:
    data = json.loads((scoring.INSTRUMENTS_DIR / "gad7.json").read_text(encoding="utf-8"))
    del data["languages"]["es"]["items"]["7"]
    with pytest.raises(scoring.InstrumentDataError):
        scoring._check_instrument(scoring._instrument_from_data(data))
