"""How a request's transaction ends: a request that wrote nothing ends with COMMIT
(so PostgreSQL keeps the statements psycopg prepared on the connection), and one that
wrote without committing still loses what it wrote, as the rollback always did.

A second app, built the same way as the test app, with routes that write and do not
commit; real database (SQLite or PostgreSQL), nothing stubbed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, insert, select, text

from journal.core.extensions import db
from journal.models.sharing import CaseloadOrder
from journal.models.users import User
from tests.factories import login, make_user, sibling_app


@pytest.fixture
def probe(app: Flask) -> Iterator[Flask]:
    # The probe's routes are posted to without a form; CSRF has its own tests.
    probe = sibling_app(app, WTF_CSRF_ENABLED=False)

    def user_id(email: str) -> uuid.UUID:
        found = db.session.scalar(select(User.id).where(User.email == email))
        assert found is not None
        return found

    @probe.post("/probe/flush/<email>")
    def flush(email: str) -> str:
        db.session.add(CaseloadOrder(therapist_id=user_id(email), sealed=b"forged"))
        db.session.flush()
        return "flushed, not committed"

    @probe.post("/probe/statement/<email>")
    def statement(email: str) -> str:
        db.session.execute(insert(CaseloadOrder).values(therapist_id=user_id(email), sealed=b"x"))
        return "inserted, not committed"

    @probe.post("/probe/change/<email>")
    def change(email: str) -> str:
        found = db.session.get(User, user_id(email))
        assert found is not None
        found.language = "es"
        return "changed, not flushed"

    @probe.post("/probe/fail/<email>")
    def fail(email: str) -> str:
        db.session.add(CaseloadOrder(therapist_id=user_id(email), sealed=b"half"))
        db.session.flush()
        raise RuntimeError("a view that fails after writing")

    yield probe
    with probe.app_context():
        db.engine.dispose()


def _orders(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CaseloadOrder)) or 0


@pytest.mark.parametrize("route", ["flush", "statement", "fail"])
def test_a_write_a_request_did_not_commit_is_not_kept(app: Flask, probe: Flask, route: str) -> None:
    """Ending clean reads with COMMIT must not turn a view's uncommitted write (a
    flush, a Core statement, or one before an error) into a kept one."""
    make_user(app, "ada@example.com")
    probe.testing = route != "fail"  # a failing view answers 500 rather than raising here
    response = probe.test_client().post(f"/probe/{route}/ada@example.com")
    assert response.status_code == (500 if route == "fail" else 200)
    assert _orders(app) == 0


def test_a_change_that_was_never_flushed_is_not_kept(app: Flask, probe: Flask) -> None:
    make_user(app, "ada@example.com")
    language = select(User.language).where(User.email == "ada@example.com")
    with app.app_context():
        before = db.session.scalar(language)
    assert before != "es"
    assert probe.test_client().post("/probe/change/ada@example.com").status_code == 200
    with app.app_context():
        assert db.session.scalar(language) == before


def test_signed_in_pages_reuse_the_statements_postgresql_prepared(app: Flask, probe: Flask) -> None:
    """The point of the COMMIT: the session lookup every signed-in page runs is
    prepared after a few requests and stays prepared (a ROLLBACK discarded it)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("prepared statements are psycopg's, on PostgreSQL")
    make_user(app, "ada@example.com")
    client = probe.test_client()
    assert login(client, "ada@example.com").status_code == 302
    for _ in range(8):
        assert client.get("/").status_code == 200
    with probe.app_context():
        # The probe app's own pool, used by one thread: the connection the pages used.
        prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert any("FROM auth_sessions" in statement for statement in prepared), prepared
