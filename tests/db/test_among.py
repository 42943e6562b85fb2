"""`database.among` selects what `IN` selects, on SQLite (IN) and PostgreSQL (one
array parameter): some values, values with no row, and none at all; and a statement
`built_once` binds each execution's own values."""

from __future__ import annotations

import uuid

from flask import Flask
from sqlalchemy import Select, bindparam, select

from journal.core.database import among, built_once
from journal.core.extensions import db
from journal.models.users import User
from tests.factories import make_user


def test_among_finds_the_rows_in_and_only_them(app: Flask) -> None:
    for name in ("ada", "bea", "cy"):
        make_user(app, f"{name}@example.com")
    with app.app_context():
        ids = {email: user_id for email, user_id in db.session.execute(select(User.email, User.id))}
        wanted = [ids["ada@example.com"], ids["cy@example.com"], uuid.uuid4()]

        statement = select(User.email).where(among(User.id, "ids"))

        def emails(values: list[uuid.UUID]) -> set[str]:
            return set(db.session.scalars(statement, {"ids": values}))

        assert emails(wanted) == {"ada@example.com", "cy@example.com"}
        assert emails([uuid.uuid4()]) == set()
        assert emails([]) == set()


def test_a_statement_built_once_answers_each_execution_with_its_own_values(app: Flask) -> None:
    """`built_once` builds on first use and keeps the statement; every execution
    binds its own values, so one person's query never answers with another's rows."""
    for name in ("ada", "bea"):
        make_user(app, f"{name}@example.com")
    builds: list[int] = []

    @built_once
    def by_email() -> Select[uuid.UUID]:
        builds.append(1)
        return select(User.id).where(User.email == bindparam("email"))

    with app.app_context():
        assert by_email() is by_email()
        found = {
            email: db.session.scalar(by_email(), {"email": email})
            for email in ("ada@example.com", "bea@example.com", "nobody@example.com")
        }
        assert found["ada@example.com"] != found["bea@example.com"]
        assert None not in (found["ada@example.com"], found["bea@example.com"])
        assert found["nobody@example.com"] is None
        assert builds == [1]


def test_a_statement_built_once_per_shape_keeps_each_shape_apart(app: Flask) -> None:
    """A builder's arguments fix a statement's shape: each shape is built once, and a
    statement of one shape never stands in for another's."""
    for name in ("ada", "bea"):
        make_user(app, f"{name}@example.com")
    builds: list[str] = []

    @built_once
    def by(column: str) -> Select[uuid.UUID]:
        builds.append(column)
        return select(User.id).where(getattr(User, column) == bindparam("value"))

    with app.app_context():
        ada = db.session.scalar(by("email"), {"value": "ada@example.com"})
        assert ada is not None
        assert db.session.scalar(by("id"), {"value": ada}) == ada
        assert db.session.scalar(by("email"), {"value": "bea@example.com"}) not in (None, ada)
        assert by("email") is not by("id")
        assert builds == ["email", "id"]
