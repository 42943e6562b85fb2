"""Backups: made while the app runs, restored into a fresh database, entries read back.

SQLite always (a database of its own, next to the suite's); PostgreSQL when the suite
runs on it and pg_dump is installed: dump, restore into a scratch database, read back.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from journal import create_app
from journal.core.extensions import db
from tests.factories import login, make_user, write_entry
from tests.pages import markup

SAME = ("TESTING", "KDF_PARAMS", "RATELIMIT_ENABLED", "MAIL_BACKEND", "MAIL_OUTBOX_DIR")


def _app_on(app: Flask, url: str) -> Flask:
    other = create_app({**{k: app.config[k] for k in SAME}, "SQLALCHEMY_DATABASE_URI": url})
    return other


def _migrated(app: Flask, url: str) -> Flask:
    from flask_migrate import upgrade

    other = _app_on(app, url)
    with other.app_context():
        upgrade()
    return other


def _write_diary(app: Flask) -> list[str]:
    make_user(app, "ada@example.com")
    client = app.test_client()
    login(client, "ada@example.com")
    texts = [f"Backed-up entry {i} {uuid.uuid4().hex[:6]}" for i in range(3)]
    for body in texts:
        assert write_entry(client, body).status_code == 302
    return texts


def _read_back(app: Flask, texts: list[str]) -> None:
    client = app.test_client()
    assert login(client, "ada@example.com").status_code == 302
    page = markup(client.get("/journal/"))
    for body in texts:
        assert body in page


def _dispose(*apps: Flask) -> None:
    for each in apps:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_sqlite_backup_restores_into_a_fresh_app_that_reads_the_entries(
    app: Flask, tmp_path: Path
) -> None:
    live = _migrated(app, f"sqlite:///{tmp_path / 'live.sqlite3'}")
    texts = _write_diary(live)
    backup = tmp_path / "backup.sqlite3"
    made = live.test_cli_runner().invoke(args=["backup", "create", str(backup)])
    assert made.exit_code == 0, made.output
    assert "Keep JOURNAL_PEPPER apart from this file" in made.output
    # The backup holds ciphertext only.
    for body in texts:
        assert body.encode() not in backup.read_bytes()

    fresh = _app_on(app, f"sqlite:///{tmp_path / 'restored' / 'fresh.sqlite3'}")
    restored = fresh.test_cli_runner().invoke(args=["backup", "restore", str(backup), "--yes"])
    assert restored.exit_code == 0, restored.output
    _read_back(fresh, texts)
    _dispose(live, fresh)


def test_a_backup_never_overwrites_a_file_and_restore_asks_first(
    app: Flask, tmp_path: Path
) -> None:
    live = _migrated(app, f"sqlite:///{tmp_path / 'live.sqlite3'}")
    existing = tmp_path / "taken.sqlite3"
    existing.write_bytes(b"keep me")
    refused = live.test_cli_runner().invoke(args=["backup", "create", str(existing)])
    assert refused.exit_code != 0
    assert "exists already" in refused.output
    assert existing.read_bytes() == b"keep me"
    unconfirmed = live.test_cli_runner().invoke(
        args=["backup", "restore", str(existing)], input="n\n"
    )
    assert unconfirmed.exit_code != 0
    missing = live.test_cli_runner().invoke(
        args=["backup", "restore", str(tmp_path / "nope"), "--yes"]
    )
    assert "There is no backup at" in missing.output
    _dispose(live)


@pytest.fixture
def scratch_database(database_url: str) -> Iterator[str]:
    """An empty PostgreSQL database next to the suite's (the journal role may CREATEDB)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("the suite runs on SQLite; the PostgreSQL backup runs with TEST_DATABASE_URL")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump/pg_restore are not installed (Debian: postgresql-client)")
    name = f"{url.database}_restore"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_postgresql_dump_restores_into_a_scratch_database_that_reads_the_entries(
    app: Flask, tmp_path: Path, scratch_database: str
) -> None:
    texts = _write_diary(app)
    dump = tmp_path / "journal.dump"
    made = app.test_cli_runner().invoke(args=["backup", "create", str(dump)])
    assert made.exit_code == 0, made.output
    assert dump.stat().st_size > 0

    fresh = _app_on(app, scratch_database)
    restored = fresh.test_cli_runner().invoke(args=["backup", "restore", str(dump), "--yes"])
    assert restored.exit_code == 0, restored.output
    _read_back(fresh, texts)
    _dispose(fresh)
