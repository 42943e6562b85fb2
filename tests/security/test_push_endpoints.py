"""Push endpoints are not a way into the hosting network (SSRF).

A subscription's endpoint comes from any account holder's browser and the server
later connects to it. Only the push services browsers use are accepted, by host
suffix at a dot boundary; never an IP literal, never a name that resolves to a
loopback, private or link-local address; checked when subscribing and again when
sending. The name service here is a stand-in (no DNS query leaves the machine).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from journal.core.extensions import db
from journal.models.reminders import PushSubscription
from journal.models.users import User
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.test_reminders import BrowserKeys, _local_now, _midday_zone, _set_daily

NAMES = {
    "fcm.googleapis.com": ["142.250.74.106"],
    "updates.push.services.mozilla.com": ["34.117.65.55"],
    "web.push.apple.com": ["17.188.128.12"],
    "wns2-par02p.notify.windows.com": ["20.199.120.151"],
    # Names under an allowed suffix that someone pointed somewhere they must not.
    "metadata.fcm.googleapis.com": ["169.254.169.254"],
    "loop.fcm.googleapis.com": ["127.0.0.1"],
    "lan.updates.push.services.mozilla.com": ["192.168.1.10"],
    "corp.web.push.apple.com": ["10.0.0.7"],
    "carrier.notify.windows.com": ["100.64.0.1"],
    "six.fcm.googleapis.com": ["::1"],
    "mapped.fcm.googleapis.com": ["::ffff:127.0.0.1"],
    "ula.fcm.googleapis.com": ["fd00::1"],
    "linklocal6.fcm.googleapis.com": ["fe80::1"],
    "mixed.fcm.googleapis.com": ["142.250.74.106", "10.1.2.3"],
    # Lookalikes resolve wherever their owner likes.
    "fcm.googleapis.com.evil.example": ["127.0.0.1"],
    "evilfcm.googleapis.com": ["127.0.0.1"],
}


def resolver(host: str, port: int) -> list[str]:
    return NAMES.get(host, [])


@pytest.fixture(autouse=True)
def name_service(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PUSH_RESOLVER", resolver)


@pytest.fixture
def ada(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    return client


def _subscribe(client: FlaskClient, endpoint: str) -> int:
    return client.post(
        "/reminders/subscriptions",
        json=BrowserKeys.new().subscription(endpoint),
        headers={"X-CSRFToken": csrf_token(client, "/settings/")},
    ).status_code


ACCEPTED = [
    "https://fcm.googleapis.com/fcm/send/abc123",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAA",
    "https://web.push.apple.com/QGx1",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
    "https://FCM.googleapis.com./fcm/send/trailing-dot-and-case",
]
REFUSED = [
    # loopback, link-local, private, IP literals in their many spellings
    "https://127.0.0.1/x",
    "https://127.1/x",
    "https://2130706433/x",
    "https://0x7f000001/x",
    "https://0177.0.0.1/x",
    "https://[::1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/x",
    "https://192.168.0.1/x",
    "https://172.16.0.1/x",
    "https://localhost/x",
    "https://metadata.google.internal/x",
    # names under an allowed suffix that point inside
    "https://metadata.fcm.googleapis.com/x",
    "https://loop.fcm.googleapis.com/x",
    "https://lan.updates.push.services.mozilla.com/x",
    "https://corp.web.push.apple.com/x",
    "https://carrier.notify.windows.com/x",
    "https://six.fcm.googleapis.com/x",
    "https://mapped.fcm.googleapis.com/x",
    "https://ula.fcm.googleapis.com/x",
    "https://linklocal6.fcm.googleapis.com/x",
    "https://mixed.fcm.googleapis.com/x",
    # lookalikes
    "https://fcm.googleapis.com.evil.example/x",
    "https://evilfcm.googleapis.com/x",
    "https://fcm.googleapis.com@evil.example/x",
    "https://evil.example#@fcm.googleapis.com/x",
    "https://evil.example\\@fcm.googleapis.com/x",
    "https://user:pw@fcm.googleapis.com/x",
    "https://fcm.googleapis.com:8443/x",
    "http://fcm.googleapis.com/x",
    "ftp://fcm.googleapis.com/x",
    "https://fcm.googleapis.com\t.evil.example/x",
    "https:///x",
    "https://fcm.googleapis.com/" + "a" * 3000,
]


@pytest.mark.parametrize("endpoint", ACCEPTED)
def test_the_push_services_browsers_use_are_accepted(ada: FlaskClient, endpoint: str) -> None:
    assert _subscribe(ada, endpoint) == 201


@pytest.mark.parametrize("endpoint", REFUSED)
def test_anything_else_is_refused_at_subscribe_time(
    app: Flask, ada: FlaskClient, endpoint: str
) -> None:
    assert _subscribe(ada, endpoint) == 422
    with app.app_context():
        assert db.session.scalars(select(PushSubscription)).all() == []


def test_the_allow_list_is_configurable(
    app: Flask, ada: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    NAMES["push.clinic-own.example"] = ["198.51.100.20"]
    assert _subscribe(ada, "https://push.clinic-own.example/x") == 422
    monkeypatch.setitem(
        app.config, "PUSH_SERVICE_HOSTS", (*app.config["PUSH_SERVICE_HOSTS"], "clinic-own.example")
    )
    # 198.51.100.0/24 is documentation space, not public: still refused.
    assert _subscribe(ada, "https://push.clinic-own.example/x") == 422
    NAMES["push.clinic-own.example"] = ["8.8.8.8"]
    assert _subscribe(ada, "https://push.clinic-own.example/x") == 201
    del NAMES["push.clinic-own.example"]


def test_the_production_defaults_name_the_four_browser_push_services() -> None:
    from journal.core.config import DEFAULT_PUSH_SERVICE_HOSTS

    assert set(DEFAULT_PUSH_SERVICE_HOSTS) == {
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
        "web.push.apple.com",
        "notify.windows.com",
    }


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """Something inside the network that must never hear from the server."""
    heard: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            heard.append(self.path)
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port, heard
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _daily_reminder_due_now(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        db.session.execute(update(User).values(time_zone=_midday_zone()))
        db.session.commit()
    now = _local_now(app, "ada@example.com") - timedelta(minutes=1)
    assert _set_daily(client, now.strftime("%H:%M")) == 302


def _send(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_name_repointed_after_subscribing_is_checked_again_at_send_time(
    app: Flask, ada: FlaskClient
) -> None:
    """The endpoint was a real push service when Ada subscribed; later its name
    points at a loopback address. `flask reminders send` does not connect."""
    NAMES["rebind.fcm.googleapis.com"] = ["142.250.74.107"]
    try:
        assert _subscribe(ada, "https://rebind.fcm.googleapis.com/x") == 201
        NAMES["rebind.fcm.googleapis.com"] = ["127.0.0.1"]
        _daily_reminder_due_now(app, ada)
        assert "0 notification(s) to 1 user(s); 1 failed" in _send(app)
    finally:
        del NAMES["rebind.fcm.googleapis.com"]


def test_a_row_planted_in_the_database_is_refused_at_send_time(
    app: Flask, ada: FlaskClient, listener: tuple[int, list[str]]
) -> None:
    """Someone with database access writes a loopback endpoint directly: the
    server never connects to it, though something listens there."""
    port, heard = listener
    assert _subscribe(ada, "https://fcm.googleapis.com/fcm/send/real") == 201
    with app.app_context():
        db.session.execute(update(PushSubscription).values(endpoint=f"http://127.0.0.1:{port}/x"))
        db.session.commit()
    _daily_reminder_due_now(app, ada)
    assert "0 notification(s) to 1 user(s); 1 failed" in _send(app)
    assert heard == []
