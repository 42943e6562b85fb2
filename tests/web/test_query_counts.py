"""No N+1 queries: each page runs the same number of SQL statements whether it shows
a few records or many, and stays within a small budget.

Statements are counted with SQLAlchemy's `before_cursor_execute` event during one
real request (session lookup included). Deterministic: nothing here is timed.

To cover a new page, add a `PageCase`: who views it, how to make `n` records for
them, and how to count the records the page shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from journal.extensions import db
from journal.models.types import utcnow
from journal.models.users import Role
from journal.services import accounts, entries
from journal.services.accounts import Unlocked
from journal.services.entries import EntryForm
from tests.factories import login, make_user
from tests.web.helpers import entry_ids

VIEWER = "viewer@example.com"


def seed_entries(app: Flask, viewer: Unlocked, n: int) -> None:
    """`n` entries, an hour apart, each with a title and a body."""
    with app.app_context():
        user = accounts.user_by_email(VIEWER)
        assert user is not None
        start = utcnow() - timedelta(hours=n)
        for i in range(n):
            form = EntryForm(title=f"Entry {i}", body=f"Body of entry {i}. " * 20)
            entries.add_entry(user, viewer.udk, form, at=start + timedelta(hours=i))
        db.session.commit()


def seed_patients(app: Flask, viewer: Unlocked, n: int) -> None:
    """`n` patient accounts. Linking them to the therapist arrives with issue 6 (care
    team); that issue makes this seed link each one and sets `shows` below."""
    for i in range(n):
        make_user(app, f"patient-{i}@example.com")


def recent_titles(html: str) -> int:
    return len(re.findall(r'<li><a href="/journal/[0-9a-f-]{36}">', html))


@dataclass(frozen=True)
class PageCase:
    name: str
    path: str
    role: Role
    seed: Callable[[Flask, Unlocked, int], None]
    sizes: tuple[int, int]  # a few records, then more
    # Counts the records on the page, proving the two sizes really differ; None
    # when the page cannot show them yet.
    shows: Callable[[str], int] | None
    budget: int  # statements the page may run at most

    def __str__(self) -> str:
        return self.name


PAGES = [
    PageCase("home", "/", Role.PATIENT, seed_entries, (1, 3), recent_titles, budget=8),
    PageCase(
        "journal list",
        "/journal/",
        Role.PATIENT,
        seed_entries,
        (5, 20),
        lambda html: len(entry_ids(html)),
        budget=5,
    ),
    PageCase(
        "therapist patient list",
        "/clinic/patients",
        Role.THERAPIST,
        seed_patients,
        (1, 5),
        None,
        budget=5,
    ),
]


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(app: Flask, client: FlaskClient, case: PageCase, n: int) -> list[str]:
    """Log in a fresh viewer with `n` records and count one request's statements."""
    viewer = make_user(app, VIEWER, case.role)
    case.seed(app, viewer, n)
    assert login(client, VIEWER).status_code == 302
    client.get(case.path)  # the first request may settle the session; count the second
    with counting_statements(app) as statements:
        response = client.get(case.path)
    assert response.status_code == 200, response.status_code
    if case.shows is not None:
        assert case.shows(response.get_data(as_text=True)) == n, f"{case} did not show {n}"
    return statements


def _empty(app: Flask) -> None:
    """Between the two sizes: remove every row, as the per-test cleanup does."""
    from sqlalchemy import text

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(text(f"DELETE FROM {table.name}"))


@pytest.mark.parametrize("case", PAGES, ids=str)
def test_page_runs_the_same_statements_however_many_records_it_shows(
    app: Flask, case: PageCase
) -> None:
    few, many = case.sizes
    small = statements_for(app, app.test_client(), case, few)
    _empty(app)
    large = statements_for(app, app.test_client(), case, many)
    assert len(large) == len(small), (
        f"{case}: {len(small)} statements for {few} records but {len(large)} for {many}:\n"
        + "\n".join(large)
    )
    assert len(large) <= case.budget, f"{case}: {len(large)} statements:\n" + "\n".join(large)
