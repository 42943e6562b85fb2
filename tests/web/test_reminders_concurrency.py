"""Reminders with several senders at once (two cron runs, the schedule on two workers):
each reminder is claimed before it is sent, so it goes out exactly once; and one
person's error does not keep the others' reminders from going out."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.core.extensions import db
from journal.models.reminders import ReminderSent
from journal.models.users import User
from journal.reminders import reminders
from tests.factories import login, make_user
from tests.web.test_reminders import (
    BrowserKeys,
    _local_now,
    _midday_zone,
    _set_daily,
    _subscribe,
    http_push,  # noqa: F401 (a fixture)
)


class SlowPushService:
    """A push service whose first answer waits until `release` is set (or 10 s), so a
    second sender runs while the first is still sending."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.received: list[str] = []
        self._lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with service._lock:
                    service.received.append(self.path)
                    first = len(service.received) == 1
                if first:
                    service.release.wait(timeout=10)
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def slow_push() -> Iterator[SlowPushService]:
    service = SlowPushService()
    thread = threading.Thread(target=service.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.release.set()
        service.server.shutdown()
        service.server.server_close()
        thread.join(timeout=5)


def _patient(app: Flask, email: str) -> FlaskClient:
    make_user(app, email)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        user.time_zone = _midday_zone()
        db.session.commit()
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _due_now(app: Flask, client: FlaskClient, email: str, endpoint: str) -> None:
    assert _subscribe(client, BrowserKeys.new().subscription(endpoint)) == 201
    at = _local_now(app, email) - timedelta(minutes=5)
    assert _set_daily(client, at.strftime("%H:%M")) == 302


def test_two_senders_at_once_send_each_reminder_once(
    app: Flask,
    slow_push: SlowPushService,
    http_push: None,  # noqa: F811
) -> None:
    for email in ("ada@example.com", "bea@example.com"):
        _due_now(app, _patient(app, email), email, f"{slow_push.url}/push/{email}")

    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with app.app_context():
                reminders.send_due()
        except BaseException as exc:
            errors.append(exc)
        finally:
            slow_push.release.set()  # one sender is done: let the held answer go

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(slow_push.received) == [
        "/push/ada@example.com",
        "/push/bea@example.com",
    ]
    with app.app_context():
        assert len(db.session.scalars(select(ReminderSent)).all()) == 2


def test_an_error_for_one_person_does_not_stop_the_others(
    app: Flask,
    slow_push: SlowPushService,
    http_push: None,  # noqa: F811
) -> None:
    slow_push.release.set()
    for email in ("ada@example.com", "bea@example.com"):
        _due_now(app, _patient(app, email), email, f"{slow_push.url}/push/{email}")
    with app.app_context():
        first = db.session.scalars(select(User.id).order_by(User.id)).first()

    def broken_for_the_first(user: User, now: datetime) -> list[reminders.DueReminder]:
        if user.id == first:
            raise RuntimeError("a source failed for this person")
        return []

    reminders.add_source("test_broken", broken_for_the_first)
    try:
        with app.app_context():
            report = reminders.send_due()
    finally:
        reminders._sources.pop("test_broken")
    assert report.errors == 1
    assert len(slow_push.received) == 1
    with app.app_context():
        (sent,) = db.session.scalars(select(ReminderSent)).all()
        assert sent.user_id != first
