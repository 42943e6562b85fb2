"""Spanish before sign-in and in the journal (issue 21): with a Spanish browser every
page from the landing page to the first journal entry reads in Spanish. The English
and Spanish texts are read from the catalog, so a test fails when a page shows the
English of a translated message, or misses its Spanish."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.users import User
from tests.factories import KEY_RE, PASSWORD, last_link, make_user, signup_via_http
from tests.pages import csrf_token, markup, words
from tests.spanish import assert_spanish, english_leaks

SPANISH = "es-US,es;q=0.9,en;q=0.5"


@pytest.fixture
def es(client: FlaskClient) -> FlaskClient:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH
    return client


def test_the_check_itself_finds_english_on_an_english_page(client: FlaskClient) -> None:
    """Without Accept-Language the pages stay English, and the leak check sees it."""
    page = client.get("/signup")
    assert "Create an account" in words(page)
    assert "Create an account" in english_leaks(words(page))


def test_the_pages_before_sign_in_are_spanish(es: FlaskClient, outbox: Path) -> None:
    assert_spanish(
        es.get("/"),
        "Welcome",
        "Everything you write is encrypted. Only you, and a therapist you choose for a "
        "given entry, can read it.",
        "Create an account",
        "Log in",
    )
    assert_spanish(
        es.get("/signup"),
        "Create an account",
        "Email",
        "Email me a link",
        'Already have an account? <a href="%(login)s">Log in</a>',
    )
    assert_spanish(
        es.get("/login"),
        "Log in",
        "Email",
        "Password",
        "Forgot your password?",
        'New here? <a href="%(signup)s">Create an account</a>',
    )
    assert_spanish(
        es.get("/forgot"),
        "Forgot your password?",
        "I have my recovery key",
        "I do not have my recovery key",
    )
    assert_spanish(
        es.get("/reset"),
        "Reset with your recovery key",
        "Recovery key",
        "14 groups of four letters and digits; dashes and spaces do not matter.",
        "New password again",
        "Set new password",
    )
    assert_spanish(
        es.get("/start-over"),
        "Start over with an empty journal",
        "We will email you a link to confirm. If you find your recovery key, use it instead.",
    )
    asked = es.post(
        "/signup", data={"email": "ana@example.com", "csrf_token": csrf_token(es, "/signup")}
    )
    assert_spanish(
        asked,
        "Check your email",
        "It works for 24 hours.",
        "If <strong>%(email)s</strong> can be used, a message is on its way with a link.",
    )
    link = last_link(outbox, "ana@example.com")
    assert_spanish(
        es.get(link),
        "Choose a password",
        "At least 10 characters. A few unrelated words are easy to remember and hard to guess.",
        "Password again",
        "Create my account",
    )


def test_starting_over_is_spanish(app: Flask, es: FlaskClient, outbox: Path) -> None:
    make_user(app, "ana@example.com")
    es.post(
        "/start-over",
        data={"email": "ana@example.com", "csrf_token": csrf_token(es, "/start-over")},
    )
    link = last_link(outbox, "ana@example.com")
    page = es.get(link)
    assert_spanish(
        page,
        "Start over",
        "I understand that everything in my account will be deleted and cannot be recovered.",
        "Delete everything and start over",
    )
    refused = es.post(
        link,
        data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf_token(es, link)},
    )
    assert refused.status_code == 422
    assert_spanish(
        refused, "Tick the box to confirm that everything in the account will be deleted."
    )


def test_two_step_sign_in_is_spanish(app: Flask, es: FlaskClient) -> None:
    make_user(app, "ana@example.com", two_step=True)
    first = es.post(
        "/login",
        data={"email": "ana@example.com", "password": PASSWORD, "csrf_token": csrf_token(es)},
    )
    assert first.status_code == 302
    page = es.get(first.headers["Location"])
    assert_spanish(
        page, "Two-step sign-in", "Enter your code", "Code", "Start again with your password"
    )
    wrong = es.post(
        first.headers["Location"],
        data={"code": "000000", "csrf_token": csrf_token(es, first.headers["Location"])},
    )
    assert_spanish(
        wrong, "That code did not work. Enter the code your app shows now, or a backup code."
    )


def test_a_wrong_password_is_refused_in_spanish(app: Flask, es: FlaskClient) -> None:
    make_user(app, "ana@example.com")
    refused = es.post(
        "/login",
        data={"email": "ana@example.com", "password": "wrong", "csrf_token": csrf_token(es)},
    )
    assert refused.status_code == 422
    assert_spanish(refused, "That email and password do not match an account.")


def test_a_spanish_browser_signs_up_and_writes_a_first_entry_in_spanish(
    es: FlaskClient, outbox: Path
) -> None:
    es.post("/signup", data={"email": "ana@example.com", "csrf_token": csrf_token(es, "/signup")})
    link = last_link(outbox, "ana@example.com")
    weak = es.post(
        link,
        data={"password": "short", "confirm": "short", "csrf_token": csrf_token(es, link)},
    )
    assert weak.status_code == 422
    assert_spanish(weak, "Use at least %(num)d characters.")
    assert "Use al menos 10 caracteres." in words(weak)
    guessable = es.post(
        link,
        data={
            "password": "password12",
            "confirm": "password12",
            "csrf_token": csrf_token(es, link),
        },
    )
    assert_spanish(
        guessable, "This password is too easy to guess. A few unrelated words work well."
    )
    different = es.post(
        link,
        data={"password": PASSWORD, "confirm": PASSWORD + "x", "csrf_token": csrf_token(es, link)},
    )
    assert_spanish(different, "The two passwords are different.")

    key, shown = signup_via_http_again(es, link)
    assert_spanish(
        shown,
        "Save your recovery key",
        "Write it down on paper or save it in a password manager. Keep it private.",
        "To confirm you saved it, type its last group of four characters",
        "I saved it",
    )
    wrong_group = es.post(
        "/recovery-key/confirm",
        data={"last_group": "AAAA", "csrf_token": csrf_token(es, "/recovery-key")},
    )
    assert_spanish(
        wrong_group,
        "That is not the last group of your key. Check what you saved and try again.",
    )
    confirmed = es.post(
        "/recovery-key/confirm",
        data={"last_group": key.split("-")[-1], "csrf_token": csrf_token(es, "/recovery-key")},
        follow_redirects=True,
    )
    assert "Clave de recuperación confirmada." in words(confirmed)

    journal = es.get("/journal/")
    assert_spanish(
        journal,
        "New entry",
        "What is on your mind?",
        "Save entry",
        "Nothing here yet. Your entries are private: only you can read them.",
        "Nobody watches this live.",
        "Entries",
        "Timeline",
        "By prompt",
    )
    empty = es.post(
        "/journal/", data={"title": "", "body": " ", "csrf_token": csrf_token(es, "/journal/")}
    )
    assert_spanish(empty, "Write something before saving.")
    saved = es.post(
        "/journal/",
        data={
            "title": "Primer día",
            "body": "Hoy me sentí en calma.",
            "tags": "calma",
            "csrf_token": csrf_token(es, "/journal/"),
        },
        follow_redirects=True,
    )
    assert_spanish(saved, "Entry saved.", "Edit", "Delete")
    assert "Hoy me sentí en calma." in words(saved)
    listed = es.get("/journal/")
    assert_spanish(listed, "New entry")
    assert "1 entrada, de la más reciente a la más antigua." in words(listed)
    # The date of the entry in Spanish words ("vie 4 dic 2026, 06:10"), never English.
    assert re.search(r"<time datetime=\"[^\"]+\">(lun|mar|mié|jue|vie|sáb|dom) \d", markup(saved))


def signup_via_http_again(client: FlaskClient, link: str) -> tuple[str, TestResponse]:
    """Finish the sign-up at `link` (the mail was already read)."""
    response = client.post(
        link,
        data={
            "password": PASSWORD,
            "confirm": PASSWORD,
            "time_zone": "America/Chicago",
            "csrf_token": csrf_token(client, link),
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    match = KEY_RE.search(response.get_data(as_text=True))
    assert match, "no recovery key shown"
    return match.group(1), response


def test_the_journal_pages_are_spanish(app: Flask, es: FlaskClient, outbox: Path) -> None:
    signup_via_http(es, outbox, "ana@example.com")
    es.post(
        "/journal/",
        data={"title": "", "body": "Una nota.", "csrf_token": csrf_token(es, "/journal/")},
    )
    page = es.get("/journal/")
    entry_id = re.search(r'id="entry-([0-9a-f-]+)"', markup(page))
    assert entry_id
    eid = entry_id.group(1)
    assert_spanish(es.get(f"/journal/{eid}"), "Untitled entry", "All entries", "Edit", "Delete")
    assert_spanish(es.get(f"/journal/{eid}/edit"), "Edit entry", "Save changes", "Cancel")
    assert_spanish(
        es.get(f"/journal/{eid}/delete"), "Delete entry", "This cannot be undone.", "Keep it"
    )
    assert_spanish(es.get("/journal/new"), "New entry", "Title", "(optional)", "Tags")
    assert_spanish(
        es.get("/journal/timeline"),
        "Timeline",
        "Your journal",
        "Journal entries",
        "Journal entry",
    )
    assert_spanish(
        es.get("/journal/search"), "Search your journal", "Words to find", "Filters", "Everything"
    )
    found = es.post(
        "/journal/search",
        data={"q": "nota", "csrf_token": csrf_token(es, "/journal/search")},
    )
    assert_spanish(found, "Results", "Journal entries")
    nothing = es.post(
        "/journal/search",
        data={"q": "", "csrf_token": csrf_token(es, "/journal/search")},
    )
    assert_spanish(nothing, "Type a word to look for, or choose a tag, session or kind.")
    assert_spanish(
        es.get("/journal/answers"),
        "Answers by prompt",
        "No answers yet. After a session, its prompts come to your Home screen; what you "
        "answer gathers here.",
    )


def test_the_account_security_pages_are_spanish(app: Flask, es: FlaskClient, outbox: Path) -> None:
    es.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    )
    signup_via_http(es, outbox, "ana@example.com")
    assert "Firefox en Linux" in words(es.get("/settings/sessions"))
    assert_spanish(es.get("/settings/password"), "Change password", "Current password")
    assert_spanish(es.get("/settings/two-factor"), "Two-step sign-in", "Set up two-step sign-in")
    assert_spanish(
        es.get("/settings/sessions"),
        "Devices",
        "This device",
        "Sign out here",
        "Sign out everywhere",
    )
    assert_spanish(es.get("/settings/activity"), "Security log", "Account created")
    assert_spanish(es.get("/settings/secure"), "Secure my account", "Your password")


def test_errors_are_spanish(es: FlaskClient) -> None:
    missing = es.get("/no-such-page")
    assert missing.status_code == 404
    assert_spanish(missing, "Not found", "Go to the start page")


def test_english_stays_english(client: FlaskClient) -> None:
    for path in ("/", "/signup", "/login", "/forgot", "/reset", "/start-over"):
        page = client.get(path)
        assert '<html lang="en">' in markup(page)
        assert "Iniciar sesión" not in words(page)


def _mail_to(outbox: Path, to: str) -> tuple[str, str]:
    [path] = [p for p in outbox.glob("*.eml") if message_from_bytes(p.read_bytes())["To"] == to]
    message = message_from_bytes(path.read_bytes())
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    return str(make_header(decode_header(message["Subject"]))), body


def test_the_sign_up_mail_is_in_the_language_of_the_page_it_was_asked_from(
    app: Flask, es: FlaskClient, client: FlaskClient, outbox: Path
) -> None:
    es.post("/signup", data={"email": "ana@example.com", "csrf_token": csrf_token(es, "/signup")})
    subject, body = _mail_to(outbox, "ana@example.com")
    assert subject == "Termine de crear su cuenta de Fresh Tracks"
    assert "Abra este enlace en las próximas 24 horas" in body
    assert "Open this link" not in body
    # The link in it still works: it finishes the sign-up, in Spanish.
    assert_spanish(es.get(last_link(outbox, "ana@example.com")), "Choose a password")

    english = app.test_client()
    english.post(
        "/signup", data={"email": "bob@example.com", "csrf_token": csrf_token(english, "/signup")}
    )
    subject, body = _mail_to(outbox, "bob@example.com")
    assert subject == "Finish creating your Fresh Tracks account"
    assert "Open this link within 24 hours" in body


def test_an_account_that_chose_spanish_gets_its_start_over_mail_in_spanish(
    app: Flask, outbox: Path
) -> None:
    make_user(app, "ana@example.com")
    with app.app_context():
        db.session.execute(
            update(User).where(User.email == "ana@example.com").values(language="es")
        )
        db.session.commit()
    english = app.test_client()  # asked from an English page: the account's choice wins
    english.post(
        "/start-over",
        data={"email": "ana@example.com", "csrf_token": csrf_token(english, "/start-over")},
    )
    subject, body = _mail_to(outbox, "ana@example.com")
    assert subject == "Empezar de nuevo en Fresh Tracks"
    assert "Empezar de nuevo borra para siempre todo lo que hay en la cuenta." in body


def test_the_app_manifest_is_in_the_browsers_language(es: FlaskClient) -> None:
    """What a phone shows when the app is installed: its shortcuts."""
    manifest = es.get("/manifest.webmanifest").get_json()
    assert manifest["lang"] == "es"
    names = {s["name"] for s in manifest["shortcuts"]}
    assert names == {"Nueva entrada", "Registrar ánimo"}
