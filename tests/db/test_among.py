"""`database.among` selects what `IN` selects, on SQLite (IN) and PostgreSQL (one
array parameter): some values, values with no row, and none at all."""

from __future__ import annotations

import uuid

from flask import Flask
from sqlalchemy import select

from journal.core.database import among
from journal.core.extensions import db
from journal.models.users import User
from tests.factories import make_user


def test_among_finds_the_rows_in_and_only_them(app: Flask) -> None:
    for name in ("ada", "bea", "cy"):
        make_user(app, f"{name}@example.com")
    with app.app_context():
        ids = {email: user_id for email, user_id in db.session.execute(select(User.email, User.id))}
        wanted = [ids["ada@example.com"], ids["cy@example.com"], uuid.uuid4()]

        def emails(values: list[uuid.UUID]) -> set[str]:
            return set(db.session.scalars(select(User.email).where(among(User.id, values))))

        assert emails(wanted) == {"ada@example.com", "cy@example.com"}
        assert emails([uuid.uuid4()]) == set()
        assert emails([]) == set()
