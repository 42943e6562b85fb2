"""Spanish for the patient's everyday pages (issue 21): Home, the mood page, the daily
check-in (with an error shown), a questionnaire's result, the charts, the safety plan,
the reminders and the export page. The English and Spanish are read from the catalog,
so a test fails when a page shows the English of a translated message, or misses its
Spanish."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.accounts.accounts import Unlocked
from journal.models.types import utcnow
from tests.pages import csrf_token, markup, words
from tests.spanish import assert_spanish, english_leaks, page_text, spanish
from tests.web.mood_helpers import checkin, phq9, seed_checkins, seed_result

SPANISH = "es-US,es;q=0.9,en;q=0.5"


@pytest.fixture
def es(ada: FlaskClient) -> FlaskClient:
    ada.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH
    return ada


def test_without_a_spanish_browser_the_mood_page_stays_english(ada: FlaskClient) -> None:
    text = words(ada.get("/mood/"))
    assert "Charts of mood and scores" in text
    assert "Charts of mood and scores" in english_leaks(text)


def test_home_and_the_check_in_are_spanish(es: FlaskClient) -> None:
    assert_spanish(
        es.get("/"),
        "Today's check-in",
        "How is your mood today?",
        "Very low",
        "Not at all",
        "Sleep, energy and a note",
        "Hours of sleep last night",
        "Save check-in",
        "Recent entries",
        "Write an entry",
    )
    refused = checkin(es, anxiety="2", sleep_hours="30")
    assert refused.status_code == 422
    assert_spanish(
        refused,
        "Choose one answer for “%(question)s”",
        "Hours of sleep is a number from 0 to %(most)s, like 7 or 6.5.",
    )
    assert "Elija una respuesta para «¿Cómo está su ánimo hoy?»" in words(refused)
    saved = checkin(es, mood="4", anxiety="2", sleep_hours="6.5")
    assert saved.status_code == 302
    home = es.get("/")
    assert "Registro guardado." in words(home)
    assert "6,5 horas" in words(home)
    assert_spanish(home, "Edit today's check-in", "%(n)s of 5")


def test_the_mood_page_result_and_charts_are_spanish(
    app: Flask, ada_keys: Unlocked, es: FlaskClient
) -> None:
    today = utcnow().date()
    seed_checkins(app, ada_keys, [(today - timedelta(days=n), 3, 2) for n in range(1, 6)])
    now = utcnow()
    seed_result(app, ada_keys, "phq9", phq9(others=2), now - timedelta(days=20))
    seed_result(app, ada_keys, "phq9", phq9(others=1), now - timedelta(days=1))
    mood = es.get("/mood/")
    assert_spanish(
        mood,
        "Questionnaires",
        "Charts of mood and scores",
        "Your safety plan",
        'Latest: <a href="%(url)s">%(total)s of %(max)s, %(band)s</a>',
    )
    found = re.search(r'href="(/mood/results/[^"]+)"', markup(mood))
    assert found is not None
    assert_spanish(
        es.get(found.group(1)),
        "Your %(name)s result",
        "Your answers",
        "See your charts",
        "Back to Mood",
    )
    charts = es.get("/mood/charts?range=all")
    assert_spanish(
        charts,
        "Charts",
        "Mood and anxiety",
        "Mood (5 is very good)",
        "Show the numbers",
        "Baseline (the first result)",
        "90 days",
        "Mood averaged %(mood)s of 5 (5 is very good) and anxiety %(anxiety)s of 5 "
        "(5 is extremely anxious).",
        "Baseline %(total)s (%(band)s) on %(day)s.",
    )


def test_the_safety_plan_is_spanish(es: FlaskClient) -> None:
    assert_spanish(
        es.get("/help/safety-plan"),
        "Your safety plan",
        "My warning signs",
        "Things I can do on my own",
        "Making the environment safe",
        "Save safety plan",
    )
    assert "Paso 1: Mis señales de alerta" in words(es.get("/help/safety-plan"))


def test_reminders_and_export_are_spanish(es: FlaskClient) -> None:
    # Only the reminders section of Settings is checked here (the rest is its own page).
    found = re.search(
        r'<section[^>]*id="reminders">.*?</section>', markup(es.get("/settings/")), re.S
    )
    assert found is not None
    text = page_text(re.sub(r"<[^>]+>", " ", found.group(0)))
    assert spanish("Reminders") in text
    assert (
        spanish("Remind me") in text or spanish("Reminders are not set up on this server.") in text
    )
    assert not english_leaks(text), english_leaks(text)
    assert_spanish(
        es.get("/settings/export"),
        "Export your data",
        "Download all my data",
        "Download check-ins and scores (CSV)",
        "Show printable document",
    )


def test_deleting_the_account_is_asked_in_spanish(es: FlaskClient) -> None:
    assert_spanish(
        es.get("/settings/delete"),
        "Delete your account",
        "I understand that my account and everything in it will be deleted and cannot be "
        "recovered.",
        "Delete my account",
    )
    refused = es.post(
        "/settings/delete",
        data={"password": "x", "csrf_token": csrf_token(es, "/settings/delete")},
    )
    assert refused.status_code == 422
    assert_spanish(refused, "Tick the box to confirm that you understand what will be deleted.")


def test_the_printable_document_is_spanish(es: FlaskClient) -> None:
    page = es.get("/settings/export/print?start=2026-01-01&end=2026-01-31")
    assert page.status_code == 200
    assert "Del 1 ene 2026 al 31 ene 2026 · privado" in words(page)
    assert_spanish(page, "Printable export", "Print")
