"""Stored and reflected XSS: payloads in every field a user types, then every page of
the app (from the url_map, as a full page and as an htmx fragment) is read back.
No payload comes back as markup; the words themselves come back, escaped."""

from __future__ import annotations

import html
import json
import uuid

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import login
from tests.pages import csrf_token, markup
from tests.security.world import ADA, build_world, forms_on, get_pages
from tests.web.helpers import HTMX

PAYLOADS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(2)>",
    "</textarea><script>alert(3)</script>",
    '<a href="javascript:alert(4)">tap</a>',
    "{{ 7*7 }}{% if 1 %}jinja{% endif %}",
]
TITLE = PAYLOADS[0]
BODY = "\n".join(PAYLOADS)


def _raw_payloads_in(text: str) -> list[str]:
    return [p for p in PAYLOADS if "<" in p and p in text]


def _store_payloads(client: FlaskClient, entry_id: str) -> None:
    token = csrf_token(client, "/journal/")
    assert (
        client.post(
            f"/journal/{entry_id}", data={"title": TITLE, "body": BODY, "csrf_token": token}
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/journal/", data={"title": PAYLOADS[1], "body": BODY, "csrf_token": token}
        ).status_code
        == 302
    )
    draft = client.post(
        f"/journal/drafts/{uuid.uuid4()}",
        data={"title": PAYLOADS[3], "body": BODY, "csrf_token": token},
        headers=HTMX,
    )
    assert draft.status_code == 200
    # An autosaved edit of the entry, offered back in its editor.
    client.post(
        f"/journal/drafts/{uuid.uuid4()}",
        data={"title": TITLE, "body": BODY, "entry_id": entry_id, "csrf_token": token},
        headers=HTMX,
    )


def test_stored_payloads_are_escaped_on_every_page_and_fragment(app: Flask) -> None:
    world = build_world(app)
    _store_payloads(world.ada, world.ids["entry"])
    # A second sign-in from a browser whose user agent is a payload (devices page, log).
    sneaky = app.test_client()
    sneaky.environ_base["HTTP_USER_AGENT"] = "Firefox/1 " + PAYLOADS[1]
    login(sneaky, ADA)

    shown_in = []
    for page in get_pages(world):
        for headers in ({}, HTMX):
            response = world.ada.get(page, headers=headers)
            text = response.get_data(as_text=True)
            assert response.status_code < 500, page
            assert _raw_payloads_in(text) == [], f"{page} {headers}"
            if "&lt;script&gt;alert(" in text:
                shown_in.append(page)
            # Jinja never evaluates what a user wrote: "jinja" only ever appears
            # inside the literal template text, and 7*7 is never worked out.
            plain = html.unescape(text).replace(PAYLOADS[5], "")
            assert "jinja" not in plain, page
    expected = {
        "/",
        "/journal/",
        f"/journal/{world.ids['entry']}",
        f"/journal/{world.ids['entry']}/edit",
        f"/journal/{world.ids['entry']}/delete",
        f"/journal/new?draft={world.ids['draft']}",
        "/settings/export/print?start=2000-01-01&end=2100-01-01",
    }
    missing = expected - set(shown_in)
    assert not missing, f"the payload should be shown (escaped) on {missing}"
    entry = markup(world.ada.get(f"/journal/{world.ids['entry']}"))
    assert BODY in entry  # exactly what was typed, as text


def test_the_json_export_carries_payloads_as_data_never_as_a_page(app: Flask) -> None:
    world = build_world(app)
    _store_payloads(world.ada, world.ids["entry"])
    response = world.ada.post(
        "/settings/export/json", data={"csrf_token": csrf_token(world.ada, "/settings/export")}
    )
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    bodies = [e["body"] for e in json.loads(response.get_data())["entries"]]
    assert BODY in bodies


def test_reflected_payloads_in_forms_and_links_are_escaped(app: Flask) -> None:
    client = app.test_client()
    for payload in PAYLOADS:
        token = csrf_token(client, "/login")
        responses = [
            client.post("/login", data={"email": payload, "password": "x", "csrf_token": token}),
            client.post("/signup", data={"email": payload, "csrf_token": token}),
            client.post(
                "/reset",
                data={"email": payload, "recovery_key": payload, "csrf_token": token},
            ),
            client.post("/start-over", data={"email": payload, "csrf_token": token}),
            client.get("/login", query_string={"next": "/" + payload}),
            client.get("/login", query_string={"logged_out": payload}),
        ]
        for response in responses:
            text = response.get_data(as_text=True)
            assert response.status_code < 500
            assert _raw_payloads_in(text) == [], (payload, response.request.path)


TYPED = "<b onmouseover=alert(9)>typed</b>"
# Forms that would end the session (or the account) the crawl runs in.
ENDS_SESSION = ("/logout", "/settings/sessions", "/settings/delete")


def test_payloads_typed_into_every_form_come_back_escaped_on_every_page(app: Flask) -> None:
    """Every form the app shows (found by reading its pages, so new ones count),
    every free-text field filled with markup; then every page read by all four."""
    world = build_world(app)
    typed_into = []
    for client in (world.ada, world.tom):
        done: set[str] = set()
        for page in get_pages(world):
            for form in forms_on(client, page):
                if form.method != "POST" or not form.free_text or form.action in done:
                    continue
                if form.action.startswith(ENDS_SESSION):
                    continue
                done.add(form.action)
                data = {**form.fields, **dict.fromkeys(form.free_text, TYPED)}
                response = client.post(form.action, data=data)
                assert response.status_code < 500, form.action
                typed_into.append(form.action)
    assert len(typed_into) >= 8, typed_into
    adapt_prompts = f"/clinic/patients/{world.ids['ada']}/adaptations/prompts"
    assert adapt_prompts in typed_into
    shown = set()
    for client in (world.ada, world.tom, world.mallory, world.eve):
        for page in get_pages(world):
            for headers in ({}, HTMX):
                text = client.get(page, headers=headers).get_data(as_text=True)
                assert "<b onmouseover" not in text, page
                if "&lt;b onmouseover=alert(9)&gt;typed&lt;/b&gt;" in text:
                    shown.add(page)
    # What was stored really is shown somewhere (escaped): the entry, the dosing
    # session's notes, the therapist's name on the patient's side.
    assert f"/journal/{world.ids['entry']}" in shown
    assert f"/sessions/{world.ids['kap_session']}" in shown
    assert f"/care/therapists/{world.ids['link']}" in shown
