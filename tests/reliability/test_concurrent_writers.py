"""Reliability on a real server (gunicorn, two worker processes, 127.0.0.1) and the
suite's real database (SQLite in WAL mode, or PostgreSQL):

- 20 writers at once create 500 entries: every one is confirmed, stored and readable,
  and the server logs no error;
- the server killed with SIGKILL in the middle of writing restarts on a consistent
  database in which every entry it had confirmed is present and opens.
"""

from __future__ import annotations

import http.client
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from journal.accounts.accounts import Unlocked
from journal.core.extensions import db
from journal.entries import entries
from journal.models.entries import Entry
from tests.factories import PASSWORD, make_user
from tests.reliability.server import Client, Server

WRITERS = 20
ENTRIES = 500


@pytest.fixture
def server(database_url: str, tmp_path: Path, app: Flask) -> Iterator[Server]:
    running = Server(database_url, tmp_path)
    yield running
    running.stop()


@dataclass(frozen=True)
class Writer:
    email: str
    user_id: uuid.UUID
    udk: bytes  # kept by the test only, to open what the server stored


def _writers(app: Flask, count: int) -> list[Writer]:
    emails = [f"writer{i}@example.com" for i in range(count)]
    return [_plain(email, make_user(app, email)) for email in emails]


def _plain(email: str, unlocked: Unlocked) -> Writer:
    """The user object is detached (and expired) once make_user returns; its identity
    is still readable without a session."""
    return Writer(email, inspect(unlocked.user).identity[0], unlocked.udk)


def _stored(app: Flask, people: list[Writer]) -> dict[str, str]:
    """Every stored entry of these people, opened with their own keys: id → body."""
    found = {}
    with app.app_context():
        for person in people:
            rows = db.session.scalars(select(Entry).where(Entry.user_id == person.user_id))
            for row in rows:
                found[str(row.id)] = entries.read_entry(row, person.udk).body
    return found


def test_twenty_concurrent_writers_lose_nothing_and_raise_nothing(
    app: Flask, server: Server
) -> None:
    people = _writers(app, WRITERS)
    server.start()
    confirmed: dict[str, str] = {}
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(WRITERS)

    def write(person: Writer, count: int) -> None:
        try:
            client = Client(server.port)
            client.login(person.email, PASSWORD)
            start.wait(timeout=60)
            for n in range(count):
                body = f"{person.email} entry {n} {uuid.uuid4().hex}"
                entry_id = client.write(body)
                with lock:
                    if entry_id is None:
                        failures.append(body)
                    else:
                        confirmed[entry_id] = body
        except Exception as exc:
            with lock:
                failures.append(f"{person.email}: {exc!r}")

    threads = [threading.Thread(target=write, args=(p, ENTRIES // WRITERS)) for p in people]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    elapsed = time.monotonic() - began
    assert failures == []
    assert len(confirmed) == ENTRIES
    assert _stored(app, people) == confirmed
    log = server.log_text()
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
    assert "Using worker: gthread" in log  # production's worker model was the one tried
    print(f"{ENTRIES} entries by {WRITERS} writers in {elapsed:.1f} s")


def _database_is_consistent(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database or "") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_server_killed_mid_write_restarts_with_every_confirmed_entry(
    app: Flask, server: Server, database_url: str
) -> None:
    people = _writers(app, 8)
    server.start()
    confirmed: dict[str, str] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def write(person: Writer) -> None:
        client = Client(server.port)
        try:
            client.login(person.email, PASSWORD)  # may wait out a "busy" (503) first
        except (OSError, http.client.HTTPException):
            return  # killed before this writer was in: it confirmed nothing
        for n in range(400):  # bounded, whatever happens
            if stop.is_set():
                return
            body = f"{person.email} entry {n} {uuid.uuid4().hex}"
            try:
                entry_id = client.write(body)
            except (OSError, http.client.HTTPException):
                return  # the server is gone: this write was never confirmed
            if entry_id is not None:
                with lock:
                    confirmed[entry_id] = body

    threads = [threading.Thread(target=write, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(confirmed) < 150 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # mid-write: the writers are still sending
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert len(confirmed) >= 150

    _database_is_consistent(database_url)
    stored = _stored(app, people)  # every stored entry still opens
    missing = {i: b for i, b in confirmed.items() if stored.get(i) != b}
    assert missing == {}

    server.start()
    client = Client(server.port)
    client.login(people[0].email, PASSWORD)
    mine = [i for i, b in confirmed.items() if b.startswith(people[0].email)]
    for entry_id in mine[:10]:
        status, _, page = client.request("GET", f"/journal/{entry_id}")
        assert status == 200 and confirmed[entry_id].split(" entry ")[1] in page
    assert client.write("After the restart.") is not None
