"""What someone holding a copy of the database sees: no journal text anywhere.

The same test runs on SQLite (the file and its write-ahead log, byte by byte, plus
every row) and on PostgreSQL (every row of every table, as text).
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from journal.core.extensions import db
from tests.factories import signup_via_http, write_entry
from tests.pages import csrf_token
from tests.web.helpers import HTMX


def _every_row_as_text(app: Flask) -> str:
    """Each row of each table in the database (not only the ones the models know)."""
    with app.app_context():
        engine = db.engine
        tables = inspect(engine).get_table_names()
        assert "entries" in tables and "drafts" in tables
        dumped: list[str] = []
        with engine.connect() as conn:
            for table in tables:
                quoted = engine.dialect.identifier_preparer.quote(table)
                if engine.dialect.name == "postgresql":
                    query = text(f"SELECT t::text FROM {quoted} AS t")
                    dumped.extend(str(row[0]) for row in conn.execute(query))
                else:
                    for row in conn.execute(text(f"SELECT * FROM {quoted}")):
                        for value in row:
                            if isinstance(value, bytes):
                                dumped.append(value.decode("latin-1"))
                                dumped.append(value.hex())
                            else:
                                dumped.append(str(value))
        return "\n".join(dumped)


def _sqlite_file_bytes(app: Flask) -> bytes:
    path = Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database or "")
    assert path.exists(), path
    found = path.read_bytes()
    for suffix in ("-wal", "-journal"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            found += extra.read_bytes()
    return found


def test_a_written_entry_and_its_draft_are_nowhere_in_the_database_in_clear(
    app: Flask, client: FlaskClient, outbox: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = f"zebra{uuid.uuid4().hex}"
    email = "ada@example.com"
    with caplog.at_level(logging.DEBUG):
        signup_via_http(client, outbox, email)
        saved = write_entry(client, f"Body {marker} body", title=f"Title {marker}")
        assert saved.status_code == 302
        draft = client.post(
            f"/journal/drafts/{uuid.uuid4()}",
            data={
                "title": f"Draft {marker}",
                "body": f"Draft body {marker}",
                "csrf_token": csrf_token(client, "/journal/"),
            },
            headers=HTMX,
        )
        assert draft.status_code == 200
        # The app itself can read everything back, so the marker really was stored.
        assert marker in client.get(saved.headers["Location"]).get_data(as_text=True)
        assert marker in client.get("/journal/new").get_data(as_text=True)

    dump = _every_row_as_text(app)
    assert email in dump  # the dump really shows what is in clear
    assert marker not in dump
    assert marker.encode().hex() not in dump

    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        raw = _sqlite_file_bytes(app)
        assert email.encode() in raw
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert marker.encode(encoding) not in raw

    # Nor did any of it go to the logs.
    assert marker not in caplog.text
