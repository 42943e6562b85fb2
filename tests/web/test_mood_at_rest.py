"""What a copy of the database shows of mood and measures: the day of a check-in
and the time of a result, and nothing else (no mood, score, answer, note, band,
flag or safety plan)."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect

from journal.core.extensions import db
from tests.factories import signup_via_http
from tests.pages import csrf_token
from tests.web.mood_helpers import checkin, finish_at_once, phq9
from tests.web.test_at_rest import _every_row_as_text, _sqlite_file_bytes

ENVELOPE = {
    "id",
    "user_id",
    "created_at",
    "updated_at",
    "revision",
    "dek_wrapped",
    "payload_sealed",
}
IN_CLEAR = {
    "mood_checkins": ENVELOPE | {"day"},
    "measure_results": ENVELOPE | {"taken_at", "idempotency_key"},
    "safety_plans": ENVELOPE,
}
# Payload keys and values that would give the content away if stored as readable JSON.
TELLTALES = (
    '"mood"',
    '"anxiety"',
    '"sleep_hours"',
    '"total"',
    '"answers"',
    '"band"',
    '"safety_flag"',
    '"instrument"',
    "phq9",
    "Moderately severe",
    "warning_signs",
)


def test_only_the_intended_columns_exist(app: Flask) -> None:
    with app.app_context():
        inspector = inspect(db.engine)
        for table, columns in IN_CLEAR.items():
            assert {c["name"] for c in inspector.get_columns(table)} == columns, table


def test_check_ins_results_and_safety_plans_are_nowhere_in_clear(
    app: Flask, client: FlaskClient, outbox: Path, caplog: pytest.LogCaptureFixture
) -> None:
    note = f"okapi{uuid.uuid4().hex}"
    plan = f"ibis{uuid.uuid4().hex}"
    email = "ada@example.com"
    with caplog.at_level(logging.DEBUG):
        signup_via_http(client, outbox, email)
        assert (
            checkin(client, mood="4", anxiety="2", sleep_hours="7.5", note=note).status_code == 302
        )
        result = finish_at_once(client, "phq9", phq9(2, others=2), s_difficulty="3")  # 18
        assert result.status_code == 303
        saved = client.post(
            "/help/safety-plan",
            data={"warning_signs": plan, "csrf_token": csrf_token(client, "/help/safety-plan")},
        )
        assert saved.status_code == 302
        # The app reads all of it back, so it really was stored.
        assert note in client.get("/mood/").get_data(as_text=True)
        assert "Total 18 of 27" in client.get(result.headers["Location"]).get_data(as_text=True)
        assert plan in client.get("/help/").get_data(as_text=True)

    dump = _every_row_as_text(app)
    assert email in dump
    for secret in (note, plan):
        assert secret not in dump
        assert secret.encode().hex() not in dump
    for telltale in TELLTALES:
        # As text, and as the hex PostgreSQL prints for a bytea column.
        assert telltale not in dump, telltale
        assert telltale.encode().hex() not in dump, telltale

    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        raw = _sqlite_file_bytes(app)
        for secret in (note, plan, *TELLTALES):
            for encoding in ("utf-8", "utf-16-le"):
                assert secret.encode(encoding) not in raw, secret

    for secret in (note, plan, "Moderately severe", "Total 18"):
        assert secret not in caplog.text
