"""Several app servers: /readyz says what this server depends on, the rate limits live
in Redis (shared by every server) and keep working, in memory, while Redis is down;
the job queue runs on Redis too."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from journal import create_app, jobs
from journal.core.extensions import db, limiter
from tests.pages import csrf_token

KEEP = ("TESTING", "SQLALCHEMY_DATABASE_URI", "KDF_PARAMS", "MAIL_BACKEND", "MAIL_OUTBOX_DIR")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def make_server(app: Flask, tmp_path: Path) -> Iterator[Any]:
    """Build another app on the suite's database: another server of the same site."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        server = create_app(
            {
                **{k: app.config[k] for k in KEEP},
                "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
                **config,
            }
        )
        made.append(server)
        # A new process starts with its storage presumed alive; the shared limiter
        # object would remember a previous test's dead Redis.
        limiter._storage_dead = False
        return server

    yield make
    for server in made:
        with server.app_context():
            db.engine.dispose()
    limiter.init_app(app)  # the limiter is one object per process: give it back
    limiter._storage_dead = False


def _wrong_sign_ins(server: Flask, times: int) -> list[int]:
    client = server.test_client()
    token = csrf_token(client, "/login")
    form = {"email": "ada@example.com", "password": "wrong-password-x", "csrf_token": token}
    mine = {"REMOTE_ADDR": "198.51.100.7"}
    return [client.post("/login", data=form, environ_base=mine).status_code for _ in range(times)]


def test_ready_when_the_database_and_the_queue_answer(app: Flask) -> None:
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "queue": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_with_redis_down_sign_in_still_answers_and_is_still_limited(make_server: Any) -> None:
    down = f"redis://127.0.0.1:{_closed_port()}/0"
    server = make_server(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=down, JOBS_URL=down)
    statuses = _wrong_sign_ins(server, 12)
    assert 500 not in statuses
    assert statuses[:10] == [422] * 10
    assert statuses[10:] == [429, 429]  # counted in memory meanwhile

    client = server.test_client()
    assert client.get("/healthz").status_code == 200  # alive ...
    ready = client.get("/readyz")
    assert ready.status_code == 503  # ... but not ready, and it says why
    assert ready.get_json() == {
        "status": "error",
        "database": "ok",
        "queue": "unreachable",
        "rate_limits": "unreachable",
    }


def test_the_limits_are_kept_in_redis_for_every_server(make_server: Any, redis_url: str) -> None:
    first = make_server(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url)
    limiter.reset()
    assert _wrong_sign_ins(first, 10) == [422] * 10
    # Another server (its own limiter storage, as another process would have) counts
    # on from there.
    second = make_server(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url)
    assert _wrong_sign_ins(second, 1) == [429]
    ready = second.test_client().get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["rate_limits"] == "ok"
    limiter.reset()


def test_the_queue_runs_on_redis(make_server: Any, redis_url: str, outbox: Path) -> None:
    server = make_server(JOBS_URL=redis_url, RATELIMIT_ENABLED=False)
    queue = jobs.queue(server)
    queue.huey.flush()
    client = server.test_client()
    response = client.post(
        "/signup",
        data={"email": "redis@example.com", "csrf_token": csrf_token(client, "/signup")},
    )
    assert response.status_code == 200
    assert list(outbox.glob("*.eml")) == []
    assert queue.pending() == 1
    assert queue.run_pending() == 1
    assert len(list(outbox.glob("*.eml"))) == 1
    assert server.test_client().get("/readyz").get_json()["queue"] == "ok"
