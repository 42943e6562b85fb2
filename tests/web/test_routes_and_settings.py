"""Route and setting follow the label: every route and setting through the plan form.
The allowed ones plan; the others are refused with a plain message and nothing
typed is lost; a session stored before the rule still displays and stays editable."""

from __future__ import annotations

import html
import json
import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.accounts.accounts import Unlocked
from journal.content import ROUTES, SETTINGS
from journal.content import route as content_route
from journal.core import records
from journal.core.extensions import db
from journal.dosing import kap_sessions
from journal.models.kap_sessions import KapSession
from tests.factories import login, make_user
from tests.web.prep_helpers import field_errors, in_hours, local_fields, plan_session, post_session

ALLOWED = {
    "iv": {"clinic"},
    "im": {"clinic"},
    "intranasal": {"clinic"},  # Spravato REMS: certified healthcare setting only
    "oral": {"home", "clinic"},
}
PAIRS = [(r, s) for r in ALLOWED for s in ("clinic", "home")]


@pytest.fixture
def ada_keys(app: Flask) -> Unlocked:
    return make_user(app, "ada@example.com")


@pytest.fixture
def ada(app: Flask, client: FlaskClient, ada_keys: Unlocked) -> FlaskClient:
    assert login(client, "ada@example.com").status_code == 302
    return client


def test_the_content_says_what_the_labels_allow() -> None:
    assert set(ROUTES) == set(ALLOWED)
    for key, settings in ALLOWED.items():
        assert set(content_route(key).settings) == settings, key
    # IM sessions run 1-2 h: the prompts count from the longer end.
    assert content_route("im").session_minutes == 120
    assert "REMS" in content_route("intranasal").settings_reason


def _session_count(app: Flask) -> int:
    with app.app_context():
        return len(db.session.scalars(select(KapSession)).all())


@pytest.mark.parametrize(("route", "setting"), PAIRS)
@pytest.mark.parametrize("status", ["planned", "done"])
def test_every_route_and_setting(
    app: Flask, ada: FlaskClient, route: str, setting: str, status: str
) -> None:
    when = in_hours(48 if status == "planned" else -48)
    notes = "Bring the blue blanket; ask about the 3 pm slot."
    response = post_session(
        ada,
        **local_fields(when, "UTC"),
        status=status,
        route=route,
        setting=setting,
        notes=notes,
        dose="56",
    )
    if setting in ALLOWED[route]:
        assert response.status_code == 303, field_errors(response)
        assert _session_count(app) == 1
        return
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    [message] = field_errors(response)
    assert "Choose at the clinic." in message
    if route == "intranasal":
        assert "never at home" in message
    # Nothing typed is lost.
    assert notes in page
    assert re.search(r'name="dose"[^>]*value="56"', page)
    assert re.search(rf'name="route" value="{route}" checked', page)
    assert _session_count(app) == 0


def test_the_form_says_where_each_route_is_given(ada: FlaskClient) -> None:
    raw = ada.get("/sessions/new").get_data(as_text=True)
    page = html.unescape(raw)
    match = re.search(r"data-settings-by-route=\"([^\"]+)\"", raw)
    assert match
    assert json.loads(html.unescape(match.group(1))) == {
        "iv": ["clinic"],
        "im": ["clinic"],
        "intranasal": ["clinic"],
        "oral": ["home", "clinic"],
    }
    assert "never at home (Spravato REMS)" in page
    for setting in SETTINGS:  # every one is there without JavaScript
        assert f'name="setting" value="{setting}"' in page


def test_a_session_stored_before_the_rule_still_displays_and_can_be_edited(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    session_id = plan_session(ada, in_hours(30), route="oral", setting="home")
    # As an older version of the app stored it: esketamine at home.
    with app.app_context():
        row = db.session.get(KapSession, uuid.UUID(session_id))
        assert row is not None
        data = records.open_payload(ada_keys.udk, kap_sessions.TABLE, row)
        data["route"] = "intranasal"
        records.seal_payload(ada_keys.udk, kap_sessions.TABLE, row, data)
        db.session.commit()
    page = html.unescape(ada.get(f"/sessions/{session_id}").get_data(as_text=True))
    assert "Esketamine nasal spray" in page
    assert "At home, with a sitter" in page
    edit = ada.get(f"/sessions/{session_id}/edit")
    assert edit.status_code == 200
    # Edited without changing where: kept (it was planned that way).
    from tests.pages import csrf_token

    fields = {
        **local_fields(in_hours(30), "UTC"),
        "route": "intranasal",
        "setting": "home",
        "series": "induction",
        "series_position": "1",
        "series_total": "6",
        "dose": "",
        "notes": "Moved to the clinic next time.",
        "csrf_token": csrf_token(ada, f"/sessions/{session_id}/edit"),
    }
    saved = ada.post(f"/sessions/{session_id}", data=fields)
    assert saved.status_code in (302, 303), field_errors(saved)
    # A new session of that kind is refused.
    refused = post_session(
        ada, **local_fields(in_hours(80), "UTC"), route="intranasal", setting="home"
    )
    assert refused.status_code == 422
