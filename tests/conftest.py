"""Shared fixtures: one app and one migrated database per test run, emptied after
each test. `TEST_DATABASE_URL` picks PostgreSQL; the default is a SQLite file.

The database, the crypto and (in tests/browser) the browser are the real thing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from journal import create_app
from journal.accounts.accounts import Unlocked
from journal.core.crypto import TEST_KDF
from journal.core.extensions import db
from tests.factories import TOTP_SECRETS, login, make_user

TEST_PEPPER = "p1:" + "11" * 32


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'journal.sqlite3'}"


def _compile_catalogs() -> None:
    """The Spanish catalog as `make translations` compiles it, so that `pytest` run
    alone tests the words in the .po file (the .mo is built, never committed)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).parent.parent / "journal" / "translations").glob(
        "*/LC_MESSAGES/*.po"
    ):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source, mo.open("wb") as target:
                write_mo(target, read_po(source))


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    _compile_catalogs()
    instance = tmp_path_factory.mktemp("instance")
    os.environ.setdefault("JOURNAL_PEPPER", TEST_PEPPER)
    # Apps a test builds for itself queue their jobs here too, not in the repo's instance/.
    os.environ.setdefault("JOBS_URL", f"sqlite:///{instance / 'jobs.sqlite3'}")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "KDF_PARAMS": TEST_KDF,
            "RATELIMIT_ENABLED": False,
            "MAIL_BACKEND": "outbox",
            "MAIL_OUTBOX_DIR": str(instance / "outbox"),
            "SERVER_NAME": None,
            # Emailed links start with this (the test client's own host).
            "PUBLIC_URL": "http://localhost",
            # The real queue on its SQLite storage; each job runs as soon as it is
            # queued (tests/web/test_jobs.py runs a worker and turns this off).
            "JOBS_URL": f"sqlite:///{instance / 'jobs.sqlite3'}",
            "JOBS_EAGER": True,
            "JOBS_RETRY_DELAY": 0,
        }
    )
    app.instance_path = str(instance)
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        _drop_everything()
        upgrade()
    yield app
    with app.app_context():
        downgrade(revision="base")
        db.engine.dispose()


def _drop_everything() -> None:
    """A previous aborted run may have left tables behind in PostgreSQL."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    # The authenticator secrets of the users the test made go with them: a later test
    # must not expect a code from a same-named user who never enrolled.
    TOTP_SECRETS.clear()
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            else:
                for name in tables:
                    conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def outbox(app: Flask) -> Iterator[Path]:
    path = Path(app.config["MAIL_OUTBOX_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.eml"):
        old.unlink()
    yield path


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of the tests' own, on a free port. Skipped without one, except in
    CI (`CI` set), where .ci/run installs it and a missing one is a failure."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing (.ci/run installs it)")
        pytest.skip("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis.from_url(url, socket_timeout=1).ping()
            break
        except redis.ConnectionError:
            assert server.poll() is None, "redis-server stopped"
            assert time.monotonic() < deadline, "redis-server did not answer in 20 s"
            time.sleep(0.05)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def other_client(app: Flask) -> FlaskClient:
    return app.test_client()


# -- people ------------------------------------------------------------------------------
# Ada is the patient most tests need: a fixture for her keys (to read what was stored,
# as the service would) and one for a client signed in as her. A module that needs her
# in another time zone or with other settings overrides `ada` with its own.


@pytest.fixture
def ada_keys(app: Flask) -> Unlocked:
    return make_user(app, "ada@example.com")


@pytest.fixture
def ada(ada_keys: Unlocked, client: FlaskClient) -> FlaskClient:
    """A client signed in as Ada, a patient."""
    assert login(client, "ada@example.com").status_code == 302
    return client
