"""SQL injection: every field of every form the app shows (found by reading its pages,
so new forms are covered) and every query parameter, filled with classic payloads.
Nothing errors, nothing is bypassed, and the text is stored exactly as typed."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect

from journal.core.extensions import db
from tests.factories import login
from tests.pages import csrf_token, markup
from tests.security.world import ADA, World, build_world, forms_on, get_pages

PAYLOADS = [
    "' OR '1'='1",
    "ada@example.com' --",
    "'; DROP TABLE users; --",
    '" OR ""="',
    "1) OR (1=1",
    "' UNION SELECT email, verifier FROM users --",
    "%' OR 1=1 --",
    "1; SELECT pg_sleep(3); --",
    "\\'; SELECT 1; --",
    "\x00' OR 1=1 --",
]
# Forms that would end the attacker's own session before the rest is tried.
LAST = ("/logout", "/settings/sessions/end-all", "/settings/delete")


def _submit_every_payload(client: FlaskClient, pages: list[str]) -> int:
    sent = 0
    seen: set[tuple[str, str]] = set()
    for page in pages:
        for form in forms_on(client, page):
            if not form.text_fields or form.action.startswith(LAST):
                continue
            if (form.action, form.method) in seen:
                continue
            seen.add((form.action, form.method))
            for name in form.text_fields:
                for payload in PAYLOADS:
                    # The page's own token stays valid for the whole browser session.
                    data = {**form.fields, name: payload}
                    if form.method == "GET":
                        response = client.get(f"{form.action}?{urlencode(data)}")
                    else:
                        response = client.post(form.action, data=data)
                    assert response.status_code < 500, f"{form.action} {name}={payload!r}"
                    assert response.status_code != 302 or not form.action.startswith("/login"), (
                        f"logged in with {name}={payload!r}"
                    )
                    sent += 1
    return sent


def _schema_and_ada_intact(app: Flask, world: World) -> None:
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in db.metadata.sorted_tables} <= tables
    again = app.test_client()
    assert login(again, ADA).status_code == 302
    # The fuzzing edited her entry through its own form (allowed); it still opens,
    # so nothing was corrupted on the way.
    assert again.get(f"/journal/{world.ids['entry']}").status_code == 200


def test_every_form_field_survives_injection_payloads(app: Flask) -> None:
    world = build_world(app)
    anonymous = app.test_client()
    sent = _submit_every_payload(anonymous, ["/login", "/signup", "/reset", "/start-over"])
    sent += _submit_every_payload(world.ada, get_pages(world))
    assert sent >= 100, sent
    _schema_and_ada_intact(app, world)


def test_every_query_parameter_survives_injection_payloads(app: Flask) -> None:
    world = build_world(app)
    for page in get_pages(world):
        for payload in PAYLOADS:
            base = page.split("?", 1)[0]
            query = urlencode(
                {
                    "page": payload,
                    "next": payload,
                    "start": payload,
                    "end": payload,
                    "draft": payload,
                }
            )
            response = world.ada.get(f"{base}?{query}")
            assert response.status_code < 500, f"{base} {payload!r}"
    _schema_and_ada_intact(app, world)


def test_injection_text_in_an_entry_is_stored_exactly_as_typed(app: Flask) -> None:
    world = build_world(app)
    body = "\n".join(p for p in PAYLOADS if "\x00" not in p)
    token = csrf_token(world.ada, "/journal/")
    saved = world.ada.post(
        "/journal/", data={"title": PAYLOADS[2], "body": body, "csrf_token": token}
    )
    assert saved.status_code == 302
    page = markup(world.ada.get(saved.headers["Location"]))
    assert body in page and PAYLOADS[2] in page
