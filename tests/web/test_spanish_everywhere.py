"""Every page in Spanish (issue 21): a crawl of every GET route of the url_map, as a
Spanish-speaking visitor, patient, therapist and administrator, with a record of every
kind behind the routes that name one (tests/security/world.py makes them, through
Spanish browsers). A page fails when it shows the English of a message the catalog
translates, or English words the catalog does not know at all (a sentence never
marked, or built in Python), or is not marked `lang="es"`.

What the people themselves wrote (an entry, a note, the therapist's own wording of a
checklist or prompts) is shown as written, in whatever language they wrote it; the
crawl takes those words out before it reads a page."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from journal.care import shareable
from journal.content import load_checklist, load_prompt_set
from journal.models.types import utcnow
from journal.models.users import Role
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token, markup, words
from tests.security.world import (
    ADA,
    ADA_BODY,
    ADA_DRAFT,
    ADA_TITLE,
    TOM,
    World,
    build_world,
    get_pages,
)
from tests.spanish import english_leaks, english_words
from tests.web.care_helpers import invite
from tests.web.care_mood_helpers import check_in_on, submit_at
from tests.web.mood_helpers import phq9

SPANISH = "es-US,es;q=0.9,en;q=0.5"
ADMIN = "admin@clinic.example"
HTML_ENDPOINTS_NOT_CRAWLED = {
    # A single-use token from an email: tests/web/test_spanish_accounts.py reads them.
    "auth.signup_finish",
    "auth.start_over",
    "welcome.therapist",
}
# Words that are the same in both languages or are names: the app's name.
NAMES = ("Fresh Tracks",)


class SpanishBrowser(FlaskClient):
    """A test client whose browser asks for Spanish, as every client of the crawl."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH


@dataclass
class Crawl:
    world: World
    visitors: dict[str, FlaskClient]
    pages: list[str]
    own_words: list[str]


def _own_words() -> list[str]:
    """What people typed, or a therapist adapted, as their own wording: shown as
    written. The world's therapist adapted the English checklist and prompts (the
    set-up builds them outside a request), so their words are English."""
    checklist, prompts = load_checklist(), load_prompt_set()
    adapted = [
        *(i.text for i in checklist.items),
        *(i.detail for i in checklist.items if i.detail),
        *(p.text for p in prompts.prompts),
        *(p.hint for p in prompts.prompts if p.hint),
        *(s.label for s in prompts.slots),
        *(s.description for s in prompts.slots if s.description),
    ]
    typed = [ADA_BODY, ADA_TITLE, ADA_DRAFT, "Tom's own question for Ada?", "Warm hands", "first"]
    return sorted({*typed, *adapted}, key=len, reverse=True)


@pytest.fixture
def crawl(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Crawl]:
    monkeypatch.setattr(app, "test_client_class", SpanishBrowser)
    world = build_world(app)
    # A few weeks of check-ins and a second result, so charts, trends and the brief's
    # mood sections have something to say; every category shared with Tom.
    today = utcnow().date()
    for days_ago in range(20):
        check_in_on(app, ADA, today - timedelta(days=days_ago), 2 + days_ago % 3, 3, "")
    submit_at(app, ADA, "phq9", phq9(others=2), utcnow() - timedelta(days=15))
    submit_at(app, ADA, "gad7", dict.fromkeys(range(1, 8), 1), utcnow() - timedelta(days=1))
    for key in shareable.CATEGORIES:
        url = f"/care/therapists/{world.ids['link']}/categories/{key}"
        world.ada.post(url, data={"csrf_token": csrf_token(world.ada, url)})
    make_user(app, ADMIN, Role.ADMIN, two_step=True)
    admin = app.test_client()
    assert login(admin, ADMIN).status_code == 302
    visitors = {"visitor": app.test_client(), "patient": world.ada, "therapist": world.tom}
    visitors["admin"] = admin
    for client in visitors.values():
        client.get("/")  # shows and so clears any message left from the set-up
    code = invite(world.tom)
    world.tom.get("/")
    # Tom half signed in on another device: his password taken, the code still to come.
    halfway = app.test_client()
    form = {"email": TOM, "password": PASSWORD, "csrf_token": csrf_token(halfway)}
    assert halfway.post("/login", data=form).status_code == 302
    visitors["half signed in"] = halfway
    done = world.ids["done_session"]
    pages = [
        *get_pages(world),
        f"/care/join/{code}",
        f"/care/share?record=entries:{world.ids['entry']}",
        f"/sessions/{done}/after",
        f"/sessions/{done}/after-effects/new?kind=headache",
        f"/sessions/{done}/after-effects/new?kind=blood_pressure",
        f"/sessions/{done}/after-effects/new?kind=other",
        "/login/two-factor",
    ]
    yield Crawl(world, visitors, pages, _own_words())


def _problems(response: TestResponse, own_words: list[str]) -> list[str]:
    if '<html lang="es">' not in markup(response):
        return ["not marked lang=es"]
    text = words(response)
    for said in (*own_words, *NAMES):
        text = text.replace(said, " ")
    # The list of time zones names cities as the time zone database does.
    text = re.sub(
        r"[\w .,'-]+ \((?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|"
        r"Indian|Pacific|Arctic)\)",
        " ",
        text,
    )
    return [f"message: {m}" for m in english_leaks(text)] + [
        f"words: …{w}…" for w in english_words(text)
    ]


def _is_page(response: TestResponse) -> bool:
    return response.status_code == 200 and response.mimetype == "text/html"


def test_every_page_is_spanish_for_every_role(app: Flask, crawl: Crawl) -> None:
    found: dict[str, list[str]] = {}
    shown: set[str] = set()
    adapter = app.url_map.bind("localhost")
    for path in crawl.pages:
        endpoint = adapter.match(path.split("?")[0])[0]
        for who, client in crawl.visitors.items():
            response = client.get(path)
            if not _is_page(response):
                continue
            shown.add(endpoint)
            problems = _problems(response, crawl.own_words)
            if problems:
                found[f"{who} {path}"] = problems[:6]
    assert not found, "\n".join(f"{page}: {problems}" for page, problems in found.items())
    # The crawl reached every page that is HTML: a new route is read without a change here.
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint not in HTML_ENDPOINTS_NOT_CRAWLED
    }
    not_html = {
        "static",
        "pwa.manifest",
        "pwa.service_worker",
        "pwa.outbox_token",
        "main.healthz",
        "main.readyz",
        "care.appointment_calendar",
        "clinic.appointment_calendar",
    }
    assert endpoints - shown - not_html == set()


def test_the_crawl_finds_english_on_english_pages(app: Flask, crawl: Crawl) -> None:
    """The same check on the same pages read by an English browser finds English on
    every one of them: the crawl can fail."""
    english = app.test_client()
    english.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    assert login(english, ADA).status_code == 302
    for path in ("/", "/journal/", "/mood/", "/sessions/", "/settings/"):
        response = english.get(path)
        assert _problems(response, []) == ["not marked lang=es"]
        text = words(response)
        assert english_leaks(text) and english_words(text), path
    # A sentence the catalog does not know is caught by its words alone.
    assert english_words("Guardar. Your session has not started yet.")
    assert not english_words("Guardar. Su sesión todavía no empieza, a las 10:00 en casa.")


WORDS_RE = re.compile(r"<body[^>]* data-words='([^']*)'>")
# A text the scripts write: t("…") or the English of a counted text in plural(n, "…", "…").
SCRIPT_TEXT_RE = re.compile(
    r"""(?:\bt\(|plural\(\w+(?:\.\w+)?,\s*)"((?:[^"\\]|\\.)*)"(?:,\s*"((?:[^"\\]|\\.)*)")?"""
)


def test_the_scripts_write_spanish_from_the_page(app: Flask, client: FlaskClient) -> None:
    """What the scripts write (the outbox banner, reminders, the offline notice...) comes
    from the page in its language: every text the scripts name has a Spanish entry with
    no English in it; an English page carries no table (the scripts' own words)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH
    match = WORDS_RE.search(client.get("/login").get_data(as_text=True))
    assert match, "no words for the scripts on a Spanish page"
    table = json.loads(html.unescape(match.group(1)))
    named: set[str] = set()
    for script in ("app.js", "help.js", "pwa.js"):
        source = (Path(app.static_folder or "") / "js" / script).read_text(encoding="utf-8")
        for found in SCRIPT_TEXT_RE.finditer(re.sub(r'"\s*\+\s*"', "", source)):
            named.update(text for text in found.groups() if text)
    named -= set(KIND_KEYS)  # looked up by name: checked below
    assert named, "no texts found in the scripts"
    assert sorted(named - set(table)) == []
    for english in (*named, *KIND_KEYS):
        spanish = table[english]
        assert spanish != english and not english_words(re.sub(r"\{\w+\}", "", spanish)), spanish
    # The offline page, kept by the service worker, carries the same table.
    offline = WORDS_RE.search(client.get("/offline").get_data(as_text=True))
    assert offline and json.loads(html.unescape(offline.group(1))) == table
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "data-words" not in client.get("/login").get_data(as_text=True)


# Texts pwa.js chooses before it translates them: the kind of what waits (KINDS) and the
# banner's heading.
KIND_KEYS = (
    "Journal entry",
    "Check-in",
    "Prompt answer",
    "Questionnaire",
    "Something you wrote",
    "Waiting to be sent",
    "Not sent",
    "Sent",
)


def test_refused_forms_explain_in_spanish(app: Flask, client: FlaskClient) -> None:
    """The messages a service writes about a form (a session, a log line, an
    intention, an after-effect, a questionnaire answer), and the notice once one is
    taken, reach a Spanish page in Spanish."""
    from tests.web.integ_helpers import add_after_effect, log_done_session
    from tests.web.prep_helpers import (
        in_hours,
        local_fields,
        plan_session,
        post_session,
        session_form,
    )

    make_user(app, ADA)
    login(client, ADA)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH
    planned = plan_session(client, in_hours(30), route="oral", setting="home")
    done = log_done_session(client, hours_ago=5)
    token = csrf_token(client, "/sessions/new")
    refused = [
        post_session(client, date="", time="25:99", dose="mucho", series_position="x"),
        post_session(client, date="2030-01-01", time="10:00", series_position="7"),
        client.post(
            f"/sessions/{planned}/log",
            data={"kind": "reading", "systolic": "80", "diastolic": "90", "csrf_token": token},
        ),
        client.post(f"/sessions/{planned}/intention", data={"text": "", "csrf_token": token}),
        add_after_effect(client, done, kind="blood_pressure", systolic="999", date="x", time="y"),
        add_after_effect(client, done, kind="other", severity="mild", description=""),
        add_after_effect(client, planned, kind="nausea", severity="mild"),
        client.post("/mood/measures/phq9", data={"csrf_token": token, "q1": "7"}),
        # ...and what it says once a form is taken (the notice on the next page).
        client.post(
            "/sessions/",
            data={**session_form(**local_fields(in_hours(80), "UTC")), "csrf_token": token},
            follow_redirects=True,
        ),
    ]
    assert "Sesión planificada." in words(refused[-1])
    for number, response in enumerate(refused):
        assert response.status_code in (200, 400, 409, 422), (number, response.status_code)
        text = words(response)
        assert not english_leaks(text) and not english_words(text), english_words(text)
