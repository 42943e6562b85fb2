"""Insecure direct object references: every route that takes an id, found in the
app's url_map, tried with Ada's ids by a patient and by a therapist, as a page and as
htmx. Every answer is 404, none shows Ada's words, and nothing of hers changes."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.core.extensions import db
from tests.pages import csrf_token, markup
from tests.security.world import (
    ADA_BODY,
    ADA_DRAFT,
    ADA_TITLE,
    ARGUMENT_VALUES,
    NOT_RECORD_IDS,
    RECORD_ID_VARIABLES,
    World,
    build_world,
    methods,
    names_a_record,
    rules,
    url_with_ids,
    value_for,
)
from tests.web.helpers import HTMX

# Logs that rightly grow when someone is refused (the access log records refusals).
LOGS = {"access_log", "audit_events", "login_throttle"}


def _snapshot(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the logs."""
    with app.app_context():
        return {
            table.name: sorted((tuple(r) for r in db.session.execute(select(table))), key=repr)
            for table in db.metadata.sorted_tables
            if table.name not in LOGS
        }


def test_every_url_variable_names_a_known_kind_of_record(app: Flask) -> None:
    unknown = sorted(
        {
            f"{rule.endpoint}: <{name}>"
            for rule in rules(app)
            if rule.endpoint not in NOT_RECORD_IDS
            for name in rule.arguments
            if name not in RECORD_ID_VARIABLES
            and name not in ARGUMENT_VALUES
            and (rule.endpoint, name) not in ARGUMENT_VALUES
        }
    )
    assert unknown == [], (
        f"{unknown}: say how to find the victim's record for these in tests/security/world.py "
        "(RECORD_ID_VARIABLES or ARGUMENT_VALUES), or list the endpoint in NOT_RECORD_IDS"
    )


@pytest.mark.parametrize("attacker", ["mallory", "eve"], ids=["patient", "therapist"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_no_route_that_takes_an_id_reaches_another_users_record(
    app: Flask, attacker: str, headers: dict[str, str]
) -> None:
    world = build_world(app)
    before = _snapshot(app)
    client: FlaskClient = getattr(world, attacker)
    token = csrf_token(client, "/settings/")
    tried = []
    for rule in rules(app):
        if not names_a_record(rule):
            continue
        path = url_with_ids(world, rule)
        for method in methods(rule):
            response = client.open(
                path,
                method=method,
                data={"title": "Overwritten", "body": "Overwritten", "csrf_token": token},
                headers={**headers, "X-CSRFToken": token},
            )
            text = markup(response)
            label = f"{attacker} {method} {path}"
            assert response.status_code == 404, label
            for secret in (ADA_BODY, ADA_TITLE, ADA_DRAFT):
                assert secret not in text, label
            tried.append(label)
    assert len(tried) >= 8, tried
    assert _snapshot(app) == before
    _ada_still_has_everything(world)


def _ada_still_has_everything(world: World) -> None:
    entry = markup(world.ada.get(f"/journal/{world.ids['entry']}"))
    assert ADA_BODY in entry and ADA_TITLE in entry
    draft = world.ada.get(f"/journal/new?draft={world.ids['draft']}").get_data(as_text=True)
    assert ADA_DRAFT in html.unescape(draft)
    assert world.ada.get("/settings/sessions").status_code == 200


def test_ids_that_do_not_parse_are_404_on_every_id_route(app: Flask) -> None:
    world = build_world(app)
    token = csrf_token(world.ada, "/settings/")
    for rule in rules(app):
        if not names_a_record(rule):
            continue
        for junk in ("not-an-id", "1 OR 1=1", "12345", "%2e%2e"):
            path = rule.rule
            for name in rule.arguments:
                value = (
                    junk if name in RECORD_ID_VARIABLES else value_for(world, rule.endpoint, name)
                )
                path = path.replace(f"<{name}>", value)
            for method in methods(rule):
                response = world.ada.open(
                    path,
                    method=method,
                    data={"csrf_token": token, "body": "x"},
                    headers={"X-CSRFToken": token},
                )
                assert response.status_code == 404, f"{method} {path}"


def test_a_misnamed_route_in_the_world_fails_the_enumeration(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value given for a route that does not exist would never be used: the route's
    test would fall back to another id and its 404 would prove nothing."""
    from tests.security import world as world_module

    rules(app)  # every name in the world matches a route today
    monkeypatch.setitem(
        world_module.ARGUMENT_VALUES,
        ("clinic_mood.acknowledge_flag", "record_id"),
        lambda w: w.ids["measure_result"],
    )
    with pytest.raises(AssertionError, match=r"clinic_mood\.acknowledge_flag"):
        rules(app)
