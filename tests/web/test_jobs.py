"""The job queue, for real: Huey on its SQLite storage, a `flask jobs worker` process,
mail that leaves once, failures that retry and end in the operator's list."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from journal import create_app, jobs
from journal.accounts import account_mail
from journal.core.extensions import db
from journal.models.jobs import FailedJob, MailRequest
from journal.models.types import utcnow
from journal.models.users import AccountToken
from tests.conftest import TEST_PEPPER
from tests.factories import make_user
from tests.pages import csrf_token


@pytest.fixture
def queued(app: Flask) -> Iterator[jobs.Queue]:
    """Jobs wait in the queue's storage, as with a worker, instead of running at once."""
    queue = jobs.queue(app)
    queue.huey.flush()
    app.config["JOBS_EAGER"] = False
    try:
        yield queue
    finally:
        app.config["JOBS_EAGER"] = True
        queue.huey.flush()


def _ask_signup(client: FlaskClient, email: str) -> None:
    response = client.post(
        "/signup", data={"email": email, "csrf_token": csrf_token(client, "/signup")}
    )
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)


def _messages_to(outbox: Path, email: str) -> list[str]:
    found = []
    for path in outbox.glob("*.eml"):
        msg = message_from_bytes(path.read_bytes(), policy=default)
        if msg["To"] == email:
            body = msg.get_body()
            assert body is not None
            found.append(f"{msg['Subject']}\n{body.get_content()}")
    return found


def test_signup_mail_leaves_through_the_queue_once(
    app: Flask, client: FlaskClient, outbox: Path, queued: jobs.Queue
) -> None:
    _ask_signup(client, "new@example.com")
    assert _messages_to(outbox, "new@example.com") == []  # not sent inside the request
    assert queued.pending() == 1

    with app.app_context():
        mail_id = db.session.scalar(select(MailRequest.id))
        assert mail_id is not None
        # A duplicate of the same job (a retry after a lost acknowledgement).
        assert jobs.enqueue(account_mail.JOB, mail_id)
    assert queued.run_pending() == 2
    messages = _messages_to(outbox, "new@example.com")
    assert len(messages) == 1
    assert "Finish creating your Fresh Tracks account" in messages[0]


def test_a_job_carries_an_id_never_the_address(
    app: Flask, client: FlaskClient, outbox: Path, queued: jobs.Queue
) -> None:
    _ask_signup(client, "private.person@example.com")
    storage = Path(app.config["JOBS_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(storage) as conn:
        blobs = [bytes(row[0]) for row in conn.execute("SELECT data FROM task")]
    assert len(blobs) == 1
    assert b"private.person" not in blobs[0]
    with app.app_context():
        mail_id = db.session.scalar(select(MailRequest.id))
    assert str(mail_id).encode() in blobs[0]
    with app.app_context(), pytest.raises(TypeError):
        jobs.enqueue(account_mail.JOB, "someone@example.com")  # type: ignore[arg-type]


def test_known_address_gets_a_notice_and_no_token(
    app: Flask, client: FlaskClient, outbox: Path
) -> None:
    make_user(app, "known@example.com")
    _ask_signup(client, "known@example.com")
    (message,) = _messages_to(outbox, "known@example.com")
    assert "already has one" in message
    with app.app_context():
        assert db.session.scalars(select(AccountToken)).all() == []


def test_start_over_for_an_unknown_address_sends_nothing(
    app: Flask, client: FlaskClient, outbox: Path
) -> None:
    response = client.post(
        "/start-over",
        data={"email": "nobody@example.com", "csrf_token": csrf_token(client, "/start-over")},
    )
    assert response.status_code == 200
    assert _messages_to(outbox, "nobody@example.com") == []
    with app.app_context():
        row = db.session.scalar(select(MailRequest))
        assert row is not None and row.sent_at is not None  # done, with nothing to send


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_failing_mail_retries_then_is_listed_and_can_be_retried(
    app: Flask, client: FlaskClient, outbox: Path
) -> None:
    app.config.update(MAIL_BACKEND="smtp", MAIL_SMTP_HOST="127.0.0.1")
    app.config["MAIL_SMTP_PORT"] = _closed_port()
    try:
        _ask_signup(client, "later@example.com")  # the page still answers
    finally:
        app.config["MAIL_BACKEND"] = "outbox"
    runner = app.test_cli_runner()
    with app.app_context():
        (failed,) = db.session.scalars(select(FailedJob)).all()
        assert failed.name == account_mail.JOB
        assert failed.attempts == jobs.RETRIES + 1
        row = db.session.scalar(select(MailRequest))
        assert row is not None and row.sent_at is None and row.claimed_at is None
        assert row.attempts == jobs.RETRIES + 1
    listing = runner.invoke(args=["jobs", "failed"]).output
    assert account_mail.JOB in listing
    assert "ConnectionRefusedError" in listing
    assert "later@example.com" not in listing
    assert _messages_to(outbox, "later@example.com") == []

    # The mail server is back: the operator retries it, and it leaves once.
    result = runner.invoke(args=["jobs", "retry", str(failed.id)])
    assert result.exit_code == 0, result.output
    assert len(_messages_to(outbox, "later@example.com")) == 1
    assert "No failed jobs." in runner.invoke(args=["jobs", "failed"]).output


def test_with_the_queue_down_the_request_answers_and_the_sweep_sends_it(
    app: Flask, database_url: str, outbox: Path, tmp_path: Path
) -> None:
    down = create_app(
        {
            **{k: app.config[k] for k in ("TESTING", "KDF_PARAMS", "MAIL_BACKEND")},
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "MAIL_OUTBOX_DIR": app.config["MAIL_OUTBOX_DIR"],
            "JOBS_URL": f"redis://127.0.0.1:{_closed_port()}/0",
            "JOBS_EAGER": False,
        }
    )
    client = down.test_client()
    _ask_signup(client, "patient@example.com")
    assert _messages_to(outbox, "patient@example.com") == []
    with app.app_context():
        db.session.execute(update(MailRequest).values(created_at=utcnow() - timedelta(minutes=3)))
        db.session.commit()
        account_mail.sweep()
    assert len(_messages_to(outbox, "patient@example.com")) == 1


def test_a_worker_process_sends_what_was_queued(
    app: Flask, client: FlaskClient, outbox: Path, queued: jobs.Queue, database_url: str
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JOBS_URL": app.config["JOBS_URL"],
        "MAIL_BACKEND": "outbox",
        "MAIL_OUTBOX_DIR": app.config["MAIL_OUTBOX_DIR"],
        "JOURNAL_PEPPER": os.environ.get("JOURNAL_PEPPER", TEST_PEPPER),
        "FLASK_APP": "journal",
    }
    flask = str(Path(sys.executable).with_name("flask"))
    worker = subprocess.Popen(
        [flask, "jobs", "worker", "--workers", "1", "--no-periodic"],
        env=env,
        cwd=Path(app.instance_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _ask_signup(client, "worker@example.com")
        deadline = time.monotonic() + 30
        while not _messages_to(outbox, "worker@example.com"):
            assert worker.poll() is None, "the worker stopped"
            assert time.monotonic() < deadline, "the worker sent nothing in 30 s"
            time.sleep(0.05)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert len(_messages_to(outbox, "worker@example.com")) == 1
    with app.app_context():
        row = db.session.scalar(select(MailRequest))
        assert row is not None and row.sent_at is not None


def test_the_sweep_forgets_old_requests_and_spent_tokens(app: Flask) -> None:
    with app.app_context():
        now = utcnow()
        db.session.add_all(
            [
                MailRequest(
                    kind="signup",
                    email="old@example.com",
                    created_at=now - timedelta(days=3),
                    sent_at=now - timedelta(days=3),
                ),
                AccountToken(
                    email="a@example.com",
                    purpose="signup",
                    token_hash=uuid.uuid4().bytes * 2,
                    expires_at=now - timedelta(minutes=1),
                ),
                AccountToken(
                    email="b@example.com",
                    purpose="signup",
                    token_hash=uuid.uuid4().bytes * 2,
                    expires_at=now + timedelta(hours=1),
                ),
            ]
        )
        db.session.commit()
        account_mail.sweep()
        assert db.session.scalars(select(MailRequest)).all() == []
        assert [t.email for t in db.session.scalars(select(AccountToken))] == ["b@example.com"]
