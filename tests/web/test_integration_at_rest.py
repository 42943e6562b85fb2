"""What a copy of the database shows of integration: which prompts exist, when they
are due, whether each is open, answered or skipped; never a question, an answer, a
draft, an after-effect, a tag or which session an entry is about."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from journal.core.extensions import db
from journal.models.types import utcnow
from tests.factories import login, make_user
from tests.web.integ_helpers import (
    add_after_effect,
    answer,
    autosave,
    log_done_session,
    prompt_url,
    search,
    write_entry,
)
from tests.web.prep_helpers import local_fields, text_of
from tests.web.test_at_rest import _every_row_as_text, _sqlite_file_bytes

# Words that exist only inside sealed payloads: the questions as asked, the slot
# labels, the after-effect kinds and payload field names.
PAYLOAD_WORDS = [
    "What surprised you?",
    "Within a day",
    "lingering_dissociation",
    "blood_pressure",
    "slot_label",
    "offset_minutes",
    "session_id",
    "tags",
    "systolic",
    "severity",
    "severe",
]


def test_answers_drafts_after_effects_tags_and_session_links_are_not_in_clear(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    marker = f"okapi{uuid.uuid4().hex[:12]}"
    make_user(app, "ada@example.com")
    with caplog.at_level(logging.DEBUG):
        login(client, "ada@example.com")
        sid = log_done_session(client, hours_ago=6)
        answer(client, sid, "day-one-surprised", f"Answer {marker}")
        autosave(client, sid, "day-one-feels-different", f"Draft {marker}")
        when = local_fields(utcnow() - timedelta(hours=2), "UTC")
        add_after_effect(
            client,
            sid,
            kind="lingering_dissociation",
            severity="severe",
            note=f"Note {marker}",
            **when,
        )
        add_after_effect(
            client, sid, kind="blood_pressure", systolic="187", diastolic="113", **when
        )
        add_after_effect(
            client, sid, kind="other", severity="mild", description=f"Odd {marker}", **when
        )
        saved = write_entry(client, "Entry body", tags=f"tag{marker}, grief", session=sid)
        assert saved.status_code == 302
        search(client, f"query{marker}")

        # The app reads it all back, so it really was stored.
        assert f"Answer {marker}" in text_of(client.get(prompt_url(sid, "day-one-surprised")))
        assert f"Draft {marker}" in text_of(client.get(prompt_url(sid, "day-one-feels-different")))
        effects = text_of(client.get(f"/sessions/{sid}/after-effects"))
        assert f"Note {marker}" in effects and "187/113" in effects
        assert f"tag{marker}" in text_of(client.get(saved.headers["Location"]))

    dump = _every_row_as_text(app)
    # In clear on purpose: which prompt (a key of the public prompt set) and its state.
    assert "day-one-surprised" in dump and "answered" in dump
    for secret in [marker, "grief", *PAYLOAD_WORDS]:
        assert secret not in dump, secret
        assert secret.encode().hex() not in dump, secret
    # The session id is in clear as the prompts' and after-effects' foreign key, but
    # not in the entry that is about it: that link is sealed with the entry.
    session_hex = uuid.UUID(sid).hex
    assert session_hex in dump.replace("-", "")
    entry_row = _table_as_text(app, "entries")
    assert session_hex not in entry_row.replace("-", "")

    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        raw = _sqlite_file_bytes(app)
        # (The file also holds the schema, whose column names share words like "tags".)
        for secret in [marker, "grief", "What surprised you?", "lingering_dissociation"]:
            for encoding in ("utf-8", "utf-16-le"):
                assert secret.encode(encoding) not in raw, secret

    assert marker not in caplog.text


def _table_as_text(app: Flask, table: str) -> str:
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM {table}")).all()
    return "\n".join(
        value.hex() if isinstance(value, bytes) else str(value) for row in rows for value in row
    )
