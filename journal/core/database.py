"""Connection settings for SQLite: WAL for concurrent readers, foreign keys on (SQLite
leaves them off by default, and account deletion relies on ON DELETE CASCADE);
requests that wrote nothing end with COMMIT, so PostgreSQL keeps its prepared
statements; a pooled PostgreSQL connection is checked before use without a round
trip when it can be; and commits that keep what is loaded."""

from __future__ import annotations

import select
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from flask import Flask
from sqlalchemy import ColumnElement, any_, bindparam, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, QueryableAttribute, Session, SessionTransaction

from journal.core.extensions import db

Built = TypeVar("Built")
Shape = ParamSpec("Shape")

# A pooled PostgreSQL connection back in the pool for longer than this is pinged
# before it is used again (`_check_before_use`).
QUIET_SECONDS = 30.0
_IDLE_SINCE = "journal_idle_since"


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _sqlite_full_sync(dbapi_connection: Any, connection_record: Any) -> None:
    """Production on SQLite (if an operator insists): every commit reaches the disk
    before it is confirmed, power loss included. NORMAL in WAL mode can lose the last
    commits on power loss, which development and tests can afford."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def _wrote(session: Session, *_: Any) -> None:
    session.info["wrote"] = True


def _wrote_by_statement(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info["wrote"] = True


def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop("wrote", None)


def _end_reads_with_commit(error: BaseException | None) -> None:
    """End a request's transaction that wrote nothing with COMMIT instead of the
    ROLLBACK the session would send.

    psycopg prepares a statement on a connection once it has run five times there,
    so PostgreSQL skips parsing and (once a generic plan pays) planning it again;
    but every ROLLBACK throws a connection's prepared statements away, and every
    read ended with one, so no statement ever got there. For a transaction with no
    writes the two end it the same way. Anything flushed, executed as a write,
    pending or raised still ends with the rollback, as before.
    """
    if error is not None or not db.session.registry.has():
        return
    session = db.session()
    if session.info.get("wrote") or session.new or session.dirty or session.deleted:
        return
    if session.in_transaction():
        try:
            session.commit()
        except SQLAlchemyError:
            # Nothing was written, so nothing is lost; the session is removed next.
            session.rollback()


def _has_unread(dbapi_connection: Any) -> bool:
    """Whether the server sent this idle connection anything, or closed it. An idle
    connection in good order has nothing to read: PostgreSQL sends one only when it
    ends it (a restart, a terminated backend: an error, then end of file) or, rarely,
    a notice. poll() rather than select(), which cannot watch a descriptor past 1024."""
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except Exception:  # closed already (psycopg has no descriptor to give): check it
        return True


def _check_before_use(engine: Engine) -> None:
    """A pooled connection is checked before each request uses it, as `pool_pre_ping`
    would, but without its round trip when the answer is already known.

    The ping (`;` sent and answered) cost about 0.2 ms on every request, and a write
    that renders after committing takes two connections from the pool, so two pings.
    A connection that went back to the pool moments ago and has nothing to read is
    as alive as a ping would show: when PostgreSQL restarts or ends a backend, it
    writes an error to the connection and closes it, and the socket turns readable.
    Such a connection, or one idle for QUIET_SECONDS, is pinged; one that fails the
    ping is replaced by a new one (the pool retries on DisconnectionError), so the
    request goes on rather than answering 503. A connection cut without a word (a
    network that drops packets) is not caught sooner or later than the ping caught it:
    a ping on a dead route waits just as long."""
    dialect = engine.dialect

    def mark_idle(dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def before_use(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        quiet = since is not None and time.monotonic() - since < QUIET_SECONDS
        if quiet and not _has_unread(dbapi_connection):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: the pool makes a new connection
            raise DisconnectionError("the pooled connection was closed") from exc

    event.listen(engine, "connect", mark_idle)
    event.listen(engine, "checkin", mark_idle)
    event.listen(engine, "checkout", before_use)


def init_app(app: Flask) -> None:
    """Every engine gets the pragmas (the app's, and the ones tests and the bench make)."""
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
    if not event.contains(Session, "after_flush", _wrote):
        event.listen(Session, "after_flush", _wrote)
        event.listen(Session, "do_orm_execute", _wrote_by_statement)
        event.listen(Session, "after_transaction_end", _transaction_ended)
    # Runs before Flask-SQLAlchemy's own teardown, which removes the session.
    app.teardown_request(_end_reads_with_commit)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            _check_before_use(db.engine)
    if app.config["JOURNAL_ENV"] == "production" and app.config[
        "SQLALCHEMY_DATABASE_URI"
    ].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_full_sync)


def built_once(build: Callable[Shape, Built]) -> Callable[Shape, Built]:
    """A hot page's statement, built the first time it runs on each kind of
    database and reused after; its values come at execution, as named parameters.
    A builder may take arguments that fix the statement's shape (which tables a
    page's share marks cover), never a value: each shape is built once.

    Building a select again on every request, and then working out its cache key
    to find the compiled SQL, cost 0.1-0.3 ms per statement; a built statement keeps
    its cache key. The caseload's two statements built once: 5.09 to 4.41 ms per
    view on PostgreSQL, 4.11 to 3.57 on SQLite (one process, interleaved). Kept per
    database kind because `among` writes one thing on PostgreSQL and another on
    SQLite; built on first use, when every model is mapped. A built statement is
    never changed, so threads share it; two building at once build the same thing.
    """
    built: dict[tuple[str, tuple[Any, ...]], Built] = {}

    def statement(*args: Shape.args, **kwargs: Shape.kwargs) -> Built:
        key = (db.session.get_bind().dialect.name, (*args, *sorted(kwargs.items())))
        found = built.get(key)
        if found is None:
            found = built[key] = build(*args, **kwargs)
        return found

    return statement


def among(column: ColumnElement[Any] | QueryableAttribute[Any], key: str) -> ColumnElement[bool]:
    """`column IN :key` for a statement built once, the values given at execution;
    on PostgreSQL `column = ANY(:key)`, one array parameter.

    An IN list is one parameter per value: psycopg prepares one statement per list
    length, and PostgreSQL kept choosing a custom plan for the caseload's, planning
    it on every view. With one array parameter the prepared statement takes a
    generic plan after a few calls (the caseload's page statement: 0.44-0.48 ms to
    0.35-0.39 ms). SQLite has no arrays and plans in microseconds, so it keeps IN.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(key, type_=postgresql.ARRAY(column.expression.type)))
    return column.in_(bindparam(key, expanding=True))


@contextmanager
def rows_kept_on_commit() -> Iterator[None]:
    """Inside, a commit does not expire the rows already loaded.

    By default every commit expires every loaded row, and the next use of each
    reloads it with its own query. Code that commits and then keeps using many rows
    (a page rendering what it just logged reads of; the bench generator writing a
    patient's year) would pay one query per row for nothing.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = True


def put(model: Any, key: str, **values: Any) -> None:
    """Write one row of a cache keyed by `key`: insert it, or, if a row with that key
    exists (made by another request a moment ago), overwrite it.

    The caseload's summaries and order, the brief's digest and the safety-check notes
    are rebuilt on a read. Two reads at once (two tabs, a double click, two workers)
    both find the row missing and both insert it; with a plain INSERT the second one
    failed on the primary key and the therapist got an error page. Each builds the
    same thing from the same rows, so the later write simply wins. One statement:
    PostgreSQL waits for the other transaction and then updates, SQLite holds its
    single writer; SQLite and PostgreSQL both spell it ON CONFLICT DO UPDATE.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[key],
        set_={name: statement.excluded[name] for name in values if name != key},
    )
    db.session.execute(statement)
