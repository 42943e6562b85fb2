"""What a copy of the database shows of a dosing session: its date and status, and
nothing else. Route, dose, notes, the checklist and its ticks, the intention, the
at-home log and the self-check answers are all sealed."""

from __future__ import annotations

import logging
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.content import load_self_check
from journal.core.extensions import db
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.prep_helpers import in_hours, plan_session, session_row, text_of
from tests.web.test_at_rest import _every_row_as_text, _sqlite_file_bytes

# Words that appear only inside the sealed payloads: the payload's own field names,
# the route and checklist words, the self-check keys.
PAYLOAD_WORDS = [
    "intranasal",
    "esketamine",
    "dose_mg",
    "series_position",
    "systolic",
    "diastolic",
    "ticked",
    "no-alcohol-or-drugs",
    "nasal-spray",
    "pregnancy",
    "not_sure",
]


def test_session_details_intentions_vitals_and_answers_are_not_in_the_database_in_clear(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    marker = f"quokka{uuid.uuid4().hex[:12]}"
    make_user(app, "ada@example.com")
    with caplog.at_level(logging.DEBUG):
        login(client, "ada@example.com")
        nasal = plan_session(
            client, in_hours(30), route="intranasal", dose="73.25", notes=f"Notes {marker}"
        )
        home = plan_session(client, in_hours(80), route="oral", setting="home")
        token = csrf_token(client, f"/sessions/{nasal}")
        client.post(
            f"/sessions/{nasal}/intention", data={"csrf_token": token, "text": f"Aim {marker}"}
        )
        client.post(
            f"/sessions/{nasal}/checklist/nasal-spray-1h-before",
            data={"csrf_token": token, "done": "1"},
        )
        client.post(
            f"/sessions/{home}/log",
            data={
                "csrf_token": token,
                "kind": "reading",
                "systolic": "187",
                "diastolic": "113",
                "note": f"Reading {marker}",
            },
        )
        client.post(
            f"/sessions/{home}/log",
            data={"csrf_token": token, "kind": "dose", "note": f"Troche {marker}"},
        )
        answers = {"csrf_token": token, "pregnancy": "not_sure"}
        answers.update({k: "no" for k in _self_check_keys() if k != "pregnancy"})
        assert client.post("/sessions/self-check", data=answers).status_code == 303

        # The app reads it all back, so it really was stored.
        assert "73.25 mg" in text_of(client.get(f"/sessions/{nasal}"))
        assert f"Aim {marker}" in text_of(client.get(f"/sessions/{nasal}/intention"))
        during = text_of(client.get(f"/sessions/{home}/during"))
        assert "187/113" in during and f"Troche {marker}" in during

    dump = _every_row_as_text(app)
    assert "ada@example.com" in dump
    # The start time and status are in clear, on purpose: reminders need them.
    starts = session_row(app, nasal).starts_at
    assert "planned" in dump
    assert starts.strftime("%Y-%m-%d") in dump
    for secret in [marker, "73.25", *PAYLOAD_WORDS]:
        assert secret not in dump, secret
        assert secret.encode().hex() not in dump, secret

    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        raw = _sqlite_file_bytes(app)
        for secret in [marker, "73.25", *PAYLOAD_WORDS]:
            for encoding in ("utf-8", "utf-16-le"):
                assert secret.encode(encoding) not in raw, secret

    assert marker not in caplog.text


def _self_check_keys() -> list[str]:
    return [item.key for item in load_self_check().items]
