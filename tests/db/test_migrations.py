"""The migrations are the schema: upgrading an empty database gives exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from journal.core.extensions import db


def test_upgrade_head_matches_the_models_with_no_autogenerate_difference(app: Flask) -> None:
    # The session's app fixture ran `upgrade head` on an empty database.
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_sqlite_runs_with_foreign_keys_and_wal_postgres_with_cascades(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        fks = inspect(conn).get_foreign_keys("entries")
        assert any(fk["options"].get("ondelete") == "CASCADE" for fk in fks)
