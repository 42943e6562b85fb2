"""Another patient's session, checklist, intention and at-home log: every route
answers 404, shows nothing of them, and changes nothing."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from journal.models.kap_sessions import SessionStatus
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.helpers import HTMX
from tests.web.prep_helpers import in_hours, local_fields, plan_session, session_row, text_of

NOTES = "Ada's private session notes"
INTENTION = "Ada's intention: to meet the fear kindly"


@pytest.fixture
def ada_session(app: Flask, client: FlaskClient) -> str:
    """A home session of Ada's with notes, an intention, a tick and a log line."""
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    session_id = plan_session(client, in_hours(30), route="oral", setting="home", notes=NOTES)
    token = csrf_token(client, f"/sessions/{session_id}")
    base = f"/sessions/{session_id}"
    assert (
        client.post(f"{base}/intention", data={"csrf_token": token, "text": INTENTION}).status_code
        == 303
    )
    client.post(f"{base}/checklist/music-ready", data={"csrf_token": token, "done": "1"})
    client.post(
        f"{base}/log",
        data={"csrf_token": token, "kind": "reading", "systolic": "131", "diastolic": "83"},
    )
    return session_id


@pytest.fixture
def bob(app: Flask, other_client: FlaskClient) -> FlaskClient:
    make_user(app, "bob@example.com")
    login(other_client, "bob@example.com")
    return other_client


def _log_line_id(client: FlaskClient, session_id: str) -> str:
    page = client.get(f"/sessions/{session_id}/during").get_data(as_text=True)
    return page.split(f"/sessions/{session_id}/log/")[1].split("/delete")[0]


def _not_found(response: TestResponse) -> None:
    assert response.status_code == 404, response.status_code
    page = text_of(response)
    assert NOTES not in page and INTENTION not in page and "131/83" not in page


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_another_patient_gets_404_on_every_session_route(
    app: Flask, client: FlaskClient, ada_session: str, bob: FlaskClient, headers: dict[str, str]
) -> None:
    line_id = _log_line_id(client, ada_session)
    token = csrf_token(bob, "/sessions/")
    base = f"/sessions/{ada_session}"
    for path in ("", "/edit", "/cancel", "/intention", "/during"):
        _not_found(bob.get(base + path, headers=headers))
    form = {**local_fields(in_hours(40), "UTC"), "route": "iv", "setting": "clinic"}
    posts = {
        "": {**form, "series": "induction", "notes": "Bob was here"},
        "/cancel": {},
        "/done": {},
        "/checklist/music-ready": {"done": "0"},
        "/checklist/confirm-sitter": {"done": "1"},
        "/intention": {"text": "Bob's words"},
        "/log": {"kind": "reading", "systolic": "120", "diastolic": "80"},
        f"/log/{line_id}/delete": {},
    }
    for path, data in posts.items():
        _not_found(bob.post(base + path, data={**data, "csrf_token": token}, headers=headers))

    # Ada's session is as she left it.
    assert session_row(app, ada_session).status == SessionStatus.PLANNED
    page = text_of(client.get(base))
    assert NOTES in page and INTENTION in page and "Bob was here" not in page
    assert 'id="item-music-ready"' in page
    assert "131/83" in text_of(client.get(f"{base}/during"))
    assert "Bob" not in text_of(client.get(f"{base}/intention"))


def test_a_log_line_is_reached_only_through_its_own_session(
    app: Flask, client: FlaskClient, ada_session: str
) -> None:
    line_id = _log_line_id(client, ada_session)
    other = plan_session(client, in_hours(80), route="oral", setting="home")
    token = csrf_token(client, "/sessions/")
    response = client.post(f"/sessions/{other}/log/{line_id}/delete", data={"csrf_token": token})
    assert response.status_code == 404
    assert "131/83" in text_of(client.get(f"/sessions/{ada_session}/during"))


def test_the_at_home_page_exists_only_for_sessions_at_home(
    client: FlaskClient, ada_session: str
) -> None:
    clinic = plan_session(client, in_hours(80), route="iv", setting="clinic")
    assert client.get(f"/sessions/{clinic}/during").status_code == 404
    token = csrf_token(client, "/sessions/")
    response = client.post(
        f"/sessions/{clinic}/log",
        data={"csrf_token": token, "kind": "dose"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("raw", ["not-a-uuid", str(uuid.uuid4())])
def test_a_made_up_session_id_is_404(client: FlaskClient, ada_session: str, raw: str) -> None:
    assert client.get(f"/sessions/{raw}").status_code == 404
    assert client.get(f"/sessions/{raw}/intention").status_code == 404
