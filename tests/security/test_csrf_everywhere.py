"""CSRF on every state change: each POST/PUT/PATCH/DELETE route in the url_map, sent
the way another site would send it (no token, or a made-up one), answers 400 and
changes nothing at all in the database."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select, text

from journal.core.extensions import db
from tests.pages import csrf_token, markup
from tests.security.world import (
    NOT_RECORD_IDS,
    STATE_CHANGING,
    build_world,
    methods,
    rules,
    url_with_ids,
)
from tests.web.helpers import HTMX


def _everything(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, for a before/after comparison."""
    with app.app_context():
        return {
            table.name: sorted((tuple(row) for row in db.session.execute(select(table))), key=repr)
            for table in db.metadata.sorted_tables
        }


def test_every_state_changing_route_refuses_a_request_without_a_valid_token(app: Flask) -> None:
    world = build_world(app)
    before = _everything(app)
    checked = []
    for rule in rules(app):
        for method in methods(rule):
            if method not in STATE_CHANGING:
                continue
            if rule.endpoint in NOT_RECORD_IDS:  # emailed tokens: any string will do
                path = re.sub(r"<[^>]+>", "forged-token", rule.rule)
            else:
                path = url_with_ids(world, rule)
            form = {
                "title": "Forged",
                "body": "Forged",
                "email": "ada@example.com",
                "password": "x",
                "code": "123456",
                "understood": "yes",
            }
            for attempt in ({}, {"csrf_token": "forged"}):
                for headers in ({}, HTMX):
                    response = world.ada.open(
                        path, method=method, data={**form, **attempt}, headers=headers
                    )
                    label = f"{method} {path} {attempt} {headers}"
                    assert response.status_code == 400, label
                    page = markup(response)
                    assert "This form has expired" in page, label
            checked.append(f"{method} {rule.rule}")
    assert len(checked) >= 20, checked
    assert _everything(app) == before
    # Ada is still signed in and has her entry: nothing was done on her behalf.
    assert world.ada.get(f"/journal/{world.ids['entry']}").status_code == 200


def test_the_token_of_another_browser_is_refused_too(app: Flask) -> None:
    world = build_world(app)
    mallorys = csrf_token(world.mallory, "/settings/")
    with app.app_context():
        before = db.session.execute(text("SELECT count(*) FROM auth_sessions")).scalar()
    response = world.ada.post("/settings/sessions/end-all", data={"csrf_token": mallorys})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM auth_sessions")).scalar() == before
