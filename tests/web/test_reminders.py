"""Reminders: the settings, the subscriptions, and `flask reminders send` delivering
to a real HTTP server on this machine standing in for the push service. The stand-in
holds the subscription's private key and auth secret, as a browser would, decrypts
each message (RFC 8291, aes128gcm) and checks its VAPID signature."""

from __future__ import annotations

import base64
import json
import os
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from journal.core import records
from journal.core.config import ConfigError, load_config
from journal.core.extensions import db
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.reminders import PushSubscription, ReminderSent
from journal.models.users import Role, User
from journal.reminders import reminders
from tests.factories import login, make_user, write_entry
from tests.pages import csrf_token
from tests.web import integ_helpers as integ
from tests.web.mood_helpers import checkin, finish_at_once, phq9
from tests.web.prep_helpers import field_errors, in_hours, local_fields, plan_session, session_form

SECRET_WORDS = "The dark corridor and the heaviness in my chest"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


# What the stand-in name service answers (anything else does not resolve).
NAMES = {
    "fcm.googleapis.com": ["142.250.74.106"],
    "updates.push.services.mozilla.com": ["34.117.65.55"],
    "web.push.apple.com": ["17.188.128.12"],
    "wns2-par02p.notify.windows.com": ["20.199.120.151", "2603:1020::1"],
}


def stand_in_resolver(host: str, port: int) -> list[str]:
    return NAMES.get(host, [])


@dataclass
class FakePushService:
    """A push service on 127.0.0.1 that answers `status` and keeps what it got."""

    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 201


@pytest.fixture
def push_service() -> Iterator[FakePushService]:
    service = FakePushService(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            service.received.append(Received(self.path, headers, body))
            self.send_response(service.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    service.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class BrowserKeys:
    """What a browser makes when it subscribes: a P-256 key pair and an auth secret."""

    private: ec.EllipticCurvePrivateKey
    auth: bytes

    @classmethod
    def new(cls) -> BrowserKeys:
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    def subscription(self, endpoint: str) -> dict[str, Any]:
        public = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> bytes:
        plain: bytes = http_ece.decrypt(
            body, private_key=self.private, auth_secret=self.auth, version="aes128gcm"
        )
        return plain


@pytest.fixture(autouse=True)
def name_service(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in name service: the tests send no DNS query off this machine."""
    monkeypatch.setitem(app.config, "PUSH_RESOLVER", stand_in_resolver)


@pytest.fixture
def http_push(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in push service speaks plain http on localhost."""
    monkeypatch.setitem(app.config, "PUSH_ALLOW_HTTP_ENDPOINTS", True)
    # Only here: the stand-in's exact host is allowed although it is a loopback
    # address (the production allow list and its address checks stay as they are).
    monkeypatch.setitem(app.config, "PUSH_TEST_HOSTS", ("127.0.0.1",))


def _midday_zone() -> str:
    """A fixed-offset zone where it is around noon now, so "a minute ago" and "in half
    an hour" are the same local day whenever the suite runs."""
    from zoneinfo import ZoneInfo

    for hours in range(-14, 13):
        zone = f"Etc/GMT{hours:+d}" if hours else "Etc/GMT"
        if 10 <= datetime.now(UTC).astimezone(ZoneInfo(zone)).hour <= 13:
            return zone
    raise AssertionError("no zone at midday")


@pytest.fixture
def ada(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ada@example.com"))
        assert user is not None
        user.time_zone = _midday_zone()
        db.session.commit()
    assert login(client, "ada@example.com").status_code == 302
    return client


def _subscribe(client: FlaskClient, subscription: dict[str, Any]) -> int:
    response = client.post(
        "/reminders/subscriptions",
        json=subscription,
        headers={"X-CSRFToken": csrf_token(client, "/settings/")},
    )
    return response.status_code


def _set_daily(client: FlaskClient, at: str | None) -> int:
    data = {"daily_time": at or "", "csrf_token": csrf_token(client, "/settings/")}
    if at is not None:
        data["daily_on"] = "on"
    return client.post("/reminders/preferences", data=data).status_code


def _local_now(app: Flask, email: str) -> datetime:
    from zoneinfo import ZoneInfo

    with app.app_context():
        zone = db.session.scalar(select(User.time_zone).where(User.email == email))
    return datetime.now(UTC).astimezone(ZoneInfo(zone or "UTC"))


def _send(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def _assert_says_nothing(keys: BrowserKeys, body: bytes, private: Iterable[str]) -> None:
    """The notification, opened with the subscriber's keys, is the one generic
    message: none of the words of what it reminds about."""
    message = json.loads(keys.decrypt(body))
    assert message == {
        "title": "Fresh Tracks",
        "body": "Something is waiting for you in Fresh Tracks",
        "url": "/",
    }
    text = json.dumps(message).lower()
    for word in private:
        assert word not in text


def _verify_vapid(app: Flask, service: FakePushService, got: Received) -> None:
    """The Authorization header is `vapid t=<ES256 JWT>, k=<our public key>`."""
    scheme, _, params = got.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    assert parts["k"] == app.config["VAPID_PUBLIC_KEY"]
    header_b64, claims_b64, signature_b64 = parts["t"].split(".")
    claims = json.loads(unb64url(claims_b64))
    assert claims["aud"] == service.url
    assert claims["sub"] == app.config["VAPID_SUBJECT"]
    assert claims["exp"] > datetime.now(UTC).timestamp()
    raw = unb64url(signature_b64)
    signature = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
    public.verify(
        signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256())
    )  # raises if the signature is not ours


# -- sending ---------------------------------------------------------------------------


def test_a_due_daily_reminder_reaches_the_push_service_encrypted_and_says_nothing_personal(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    write_entry(ada, SECRET_WORDS, title="Heavy morning")
    keys = BrowserKeys.new()
    assert _subscribe(ada, keys.subscription(f"{push_service.url}/push/ada-phone")) == 201
    now = _local_now(app, "ada@example.com") - timedelta(minutes=1)
    assert _set_daily(ada, now.strftime("%H:%M")) == 302

    output = _send(app)

    assert "1 notification(s) to 1 user(s)" in output
    assert len(push_service.received) == 1
    got = push_service.received[0]
    assert got.path == "/push/ada-phone"
    assert got.headers["content-encoding"] == "aes128gcm"
    assert int(got.headers["ttl"]) > 0
    _verify_vapid(app, push_service, got)
    # On the wire it is ciphertext; only the subscriber's keys open it.
    assert b"waiting" not in got.body
    _assert_says_nothing(
        keys, got.body, ("heavy", "corridor", "ada", "check-in", "check in", "mood", "session")
    )


def test_a_reminder_goes_out_once_however_often_the_command_runs(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    _set_daily(ada, (_local_now(app, "ada@example.com") - timedelta(minutes=5)).strftime("%H:%M"))
    _send(app)
    _send(app)
    _send(app)
    assert len(push_service.received) == 1


def test_every_device_of_the_person_gets_the_reminder(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    phone, tablet = BrowserKeys.new(), BrowserKeys.new()
    _subscribe(ada, phone.subscription(f"{push_service.url}/push/phone"))
    _subscribe(ada, tablet.subscription(f"{push_service.url}/push/tablet"))
    _set_daily(ada, (_local_now(app, "ada@example.com") - timedelta(minutes=1)).strftime("%H:%M"))
    _send(app)
    by_path = {r.path: r for r in push_service.received}
    assert set(by_path) == {"/push/phone", "/push/tablet"}
    assert b"Fresh Tracks" in phone.decrypt(by_path["/push/phone"].body)
    assert b"Fresh Tracks" in tablet.decrypt(by_path["/push/tablet"].body)


def test_nothing_is_sent_before_the_chosen_time_or_long_after_it(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    later = _local_now(app, "ada@example.com") + timedelta(minutes=30)
    _set_daily(ada, later.strftime("%H:%M"))
    _send(app)
    window = app.config["REMINDER_WINDOW_MINUTES"]
    long_ago = _local_now(app, "ada@example.com") - timedelta(minutes=window + 5)
    _set_daily(ada, long_ago.strftime("%H:%M"))
    _send(app)
    _set_daily(ada, None)
    _send(app)
    assert push_service.received == []


def test_a_device_the_push_service_says_is_gone_is_removed(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/old"))
    _set_daily(ada, (_local_now(app, "ada@example.com") - timedelta(minutes=1)).strftime("%H:%M"))
    push_service.status = 410
    output = _send(app)
    assert "1 device(s) removed" in output
    with app.app_context():
        assert db.session.scalars(select(PushSubscription)).all() == []
        # Not delivered, so not recorded as sent: a new device still gets today's.
        assert db.session.scalars(select(ReminderSent)).all() == []


def test_an_unreachable_push_service_is_retried_at_the_next_run(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    _set_daily(ada, (_local_now(app, "ada@example.com") - timedelta(minutes=1)).strftime("%H:%M"))
    push_service.status = 503
    assert "1 failed" in _send(app)
    push_service.status = 201
    assert "1 notification(s)" in _send(app)
    assert len(push_service.received) == 2


def test_other_features_register_what_is_due_and_it_is_sent_the_same_way(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    calls: list[str] = []

    def prompt_due(user: User, now: datetime) -> list[reminders.DueReminder]:
        calls.append(user.email)
        return [reminders.DueReminder("test_prompt", "prompt-42")]

    reminders.add_source("test_prompt", prompt_due)
    try:
        assert "test_prompt" in reminders.registered_kinds()
        _send(app)
        _send(app)
    finally:
        reminders._sources.pop("test_prompt")
    assert calls == ["ada@example.com", "ada@example.com"]
    assert len(push_service.received) == 1
    with app.app_context():
        sent = db.session.scalars(select(ReminderSent)).all()
        assert [(s.kind, s.occurrence) for s in sent] == [("test_prompt", "prompt-42")]


# -- what preparation and mood remind of -----------------------------------------------
# The sources decide from clear metadata: `flask reminders send` has nobody's data key,
# so every send below fails the test if anything tries to open a sealed payload.


def _refuse_to_open(*args: object, **kwargs: object) -> None:
    raise AssertionError("a reminder source opened a sealed payload")


def _send_at(app: Flask, now: datetime) -> reminders.SendReport:
    """`flask reminders send` as it would run at `now` (to the stand-in push service)."""
    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(records, "open_payload", _refuse_to_open)
        return reminders.send_due(now)


def _choose(client: FlaskClient, *kinds: str, daily: str | None = None) -> int:
    data: dict[str, Any] = {
        "csrf_token": csrf_token(client, "/settings/"),
        "daily_time": daily or "",
        "kinds": list(kinds),
    }
    if daily is not None:
        data["daily_on"] = "on"
    return client.post("/reminders/preferences", data=data).status_code


def _zone_of(app: Flask, email: str = "ada@example.com") -> str:
    with app.app_context():
        zone = db.session.scalar(select(User.time_zone).where(User.email == email))
    assert zone is not None
    return zone


def _sent(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(ReminderSent).order_by(ReminderSent.sent_at)).all()
        return [(r.kind, r.occurrence) for r in rows]


def test_no_daily_reminder_on_a_day_the_person_has_checked_in_already(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    assert (
        _set_daily(
            ada, (_local_now(app, "ada@example.com") - timedelta(minutes=1)).strftime("%H:%M")
        )
        == 302
    )
    assert checkin(ada, mood="2", anxiety="4", note=SECRET_WORDS).status_code == 302

    _send_at(app, datetime.now(UTC))
    assert push_service.received == []
    # The next day, with no check-in yet, it comes at the same time.
    _send_at(app, datetime.now(UTC) + timedelta(days=1))
    assert len(push_service.received) == 1
    assert _sent(app) == [
        (
            "daily_check_in",
            (_local_now(app, "ada@example.com") + timedelta(days=1)).date().isoformat(),
        )
    ]


def test_questionnaire_and_session_reminders_are_off_until_chosen(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    plan_session(ada, in_hours(1), _zone_of(app))
    _send_at(app, datetime.now(UTC))
    assert push_service.received == []


def test_a_first_questionnaire_is_reminded_once(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    assert _choose(ada, "questionnaires") == 302
    now = datetime.now(UTC)
    _send_at(app, now)
    _send_at(app, now + timedelta(minutes=5))
    _send_at(app, now + timedelta(days=1))
    assert len(push_service.received) == 1
    assert _sent(app) == [("questionnaires", "first")]


def test_questionnaires_are_reminded_again_when_the_interval_has_passed(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    _choose(ada, "questionnaires")
    finish_at_once(ada, "phq9", phq9(others=2))
    finish_at_once(ada, "gad7", {n: 1 for n in range(1, 8)})
    interval = app.config["QUESTIONNAIRE_INTERVAL_DAYS"]
    now = datetime.now(UTC)

    _send_at(app, now)
    _send_at(app, now + timedelta(days=interval - 1))
    assert push_service.received == []
    _send_at(app, now + timedelta(days=interval, minutes=1))
    _send_at(app, now + timedelta(days=interval, hours=1))
    assert len(push_service.received) == 1
    ((kind, occurrence),) = _sent(app)
    assert kind == "questionnaires" and occurrence.startswith("after:")


def test_questionnaires_are_reminded_in_the_days_before_a_planned_session(
    app: Flask,
    ada: FlaskClient,
    push_service: FakePushService,
    http_push: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A clinic that asks before every session (by default, never within two weeks).
    monkeypatch.setitem(app.config, "QUESTIONNAIRE_RESPECT_WINDOW", False)
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    finish_at_once(ada, "phq9", phq9())
    finish_at_once(ada, "gad7", {n: 0 for n in range(1, 8)})
    session_id = plan_session(ada, in_hours(24 * 10), _zone_of(app))
    _choose(ada, "questionnaires")
    now = datetime.now(UTC)

    _send_at(app, now + timedelta(days=5))  # the session is five days off
    assert push_service.received == []
    _send_at(app, now + timedelta(days=8))  # two days before it, taken eight days ago
    assert len(push_service.received) == 1
    assert _sent(app) == [("questionnaires", f"before:{session_id}")]


def test_questionnaire_reminders_wait_for_the_daytime(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    _choose(ada, "questionnaires")
    local = _local_now(app, "ada@example.com")
    night = local.replace(hour=3, minute=0) + timedelta(days=1)
    _send_at(app, night.astimezone(UTC))
    assert push_service.received == []
    _send_at(app, night.replace(hour=9, minute=5).astimezone(UTC))
    assert len(push_service.received) == 1


def test_a_session_is_reminded_a_day_and_two_hours_before_and_the_push_says_nothing_of_it(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    keys = BrowserKeys.new()
    _subscribe(ada, keys.subscription(f"{push_service.url}/push/phone"))
    _choose(ada, "session")
    starts = in_hours(26)
    plan_session(
        ada,
        starts,
        _zone_of(app),
        route="oral",
        setting="home",
        dose="84",
        notes=SECRET_WORDS,
    )
    _send_at(app, starts - timedelta(hours=25))  # more than a day ahead
    assert push_service.received == []
    _send_at(app, starts - timedelta(hours=24))
    _send_at(app, starts - timedelta(hours=23, minutes=50))
    assert len(push_service.received) == 1
    _send_at(app, starts - timedelta(hours=2))
    _send_at(app, starts - timedelta(hours=1))
    _send_at(app, starts + timedelta(minutes=10))
    assert len(push_service.received) == 2
    assert [o.rsplit(":", 1)[1] for _, o in _sent(app)] == ["24h", "2h"]

    for got in push_service.received:
        _assert_says_nothing(
            keys,
            got.body,
            (
                "session",
                "ketamine",
                "nasal",
                "spray",
                "esketamine",
                "troche",
                "84",
                "home",
                "sitter",
                "checklist",
                "heavy",
                "corridor",
                "dose",
                "ada",
            ),
        )


def test_a_session_planned_late_in_the_evening_is_not_reminded_in_the_night(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    _choose(ada, "session")
    evening = _local_now(app, "ada@example.com").replace(hour=23, minute=0, second=0, microsecond=0)
    starts = (evening + timedelta(hours=25)).astimezone(UTC)  # the day after tomorrow, 00:00
    plan_session(ada, starts, _zone_of(app))
    _send_at(app, (evening + timedelta(hours=1, minutes=5)).astimezone(UTC))  # 00:05
    assert push_service.received == []
    _send_at(app, (evening + timedelta(hours=10, minutes=5)).astimezone(UTC))  # 09:05
    assert len(push_service.received) == 1
    _send_at(app, starts - timedelta(hours=2))  # 22:00: the two-hour one comes anyway
    assert len(push_service.received) == 2


def test_a_moved_session_is_reminded_again_and_a_cancelled_one_not_at_all(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    _choose(ada, "session")
    zone = _zone_of(app)
    first = in_hours(3)
    session_id = plan_session(ada, first, zone)
    _send_at(app, first - timedelta(hours=1, minutes=30))
    assert len(push_service.received) == 1

    moved = in_hours(48 + 3)
    response = ada.post(
        f"/sessions/{session_id}",
        data={
            **session_form(**local_fields(moved, zone)),
            "csrf_token": csrf_token(ada, f"/sessions/{session_id}/edit"),
        },
    )
    assert response.status_code == 303, field_errors(response)
    _send_at(app, moved - timedelta(hours=1))
    assert len(push_service.received) == 2

    cancelled = plan_session(ada, in_hours(24 * 5), zone)
    ada.post(
        f"/sessions/{cancelled}/cancel",
        data={"csrf_token": csrf_token(ada, f"/sessions/{cancelled}/cancel")},
    )
    _send_at(app, in_hours(24 * 5) - timedelta(hours=1))
    assert len(push_service.received) == 2


def test_the_chosen_reminders_are_saved_and_shown_and_kept_on_an_error(
    ada: FlaskClient,
) -> None:
    html = ada.get("/settings/").get_data(as_text=True)
    assert 'name="kinds" value="questionnaires"' in html
    assert 'name="kinds" value="session"' in html
    assert 'value="questionnaires" checked' not in " ".join(html.split())

    assert _choose(ada, "session", "no-such-kind") == 302
    flat = " ".join(ada.get("/settings/").get_data(as_text=True).split())
    assert 'value="session" checked' in flat
    assert 'value="questionnaires" checked' not in flat

    response = ada.post(
        "/reminders/preferences",
        data={
            "csrf_token": csrf_token(ada, "/settings/"),
            "daily_on": "on",
            "daily_time": "later",
            "kinds": ["questionnaires"],
        },
    )
    assert response.status_code == 422
    flat = " ".join(response.get_data(as_text=True).split())
    assert 'value="questionnaires" checked' in flat
    assert 'value="session" checked' not in flat


def test_a_therapist_is_not_offered_patient_reminders(
    app: Flask, other_client: FlaskClient
) -> None:
    make_user(app, "dr.kim@example.com", Role.THERAPIST)
    login(other_client, "dr.kim@example.com")
    html = other_client.get("/settings/").get_data(as_text=True)
    assert "Reminders" in html
    assert 'name="kinds"' not in html


# -- settings and subscriptions ---------------------------------------------------------


def test_the_settings_page_offers_reminders_with_the_server_key(
    app: Flask, ada: FlaskClient
) -> None:
    html = ada.get("/settings/").get_data(as_text=True)
    assert "Reminders" in html
    assert f'data-vapid-key="{app.config["VAPID_PUBLIC_KEY"]}"' in html
    assert "Something is waiting for you in Fresh Tracks" in html
    assert 'type="time"' in html


def test_the_daily_time_is_saved_and_shown_and_can_be_turned_off(ada: FlaskClient) -> None:
    assert _set_daily(ada, "07:45") == 302
    html = ada.get("/settings/").get_data(as_text=True)
    assert 'value="07:45"' in html
    assert 'name="daily_on" value="on" checked' in html
    assert _set_daily(ada, None) == 302
    assert 'name="daily_on" value="on" checked' not in ada.get("/settings/").get_data(as_text=True)


def test_a_time_that_is_not_a_time_is_refused_and_kept_in_the_form(ada: FlaskClient) -> None:
    response = ada.post(
        "/reminders/preferences",
        data={"daily_on": "on", "daily_time": "25:99", "csrf_token": csrf_token(ada, "/settings/")},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a time of day" in html
    assert 'value="25:99"' in html


def test_subscriptions_must_be_https_with_real_keys(ada: FlaskClient) -> None:
    keys = BrowserKeys.new()
    assert _subscribe(ada, keys.subscription("http://fcm.googleapis.com/fcm/send/x")) == 422
    assert _subscribe(ada, keys.subscription("https://fcm.googleapis.com/fcm/send/x")) == 201
    bad = keys.subscription("https://fcm.googleapis.com/fcm/send/y")
    bad["keys"]["p256dh"] = b64url(b"\x04" + b"\x01" * 64)
    assert _subscribe(ada, bad) == 422
    bad = keys.subscription("https://fcm.googleapis.com/fcm/send/y")
    bad["keys"]["auth"] = b64url(b"short")
    assert _subscribe(ada, bad) == 422
    assert _subscribe(ada, {"nonsense": True}) == 422


def test_a_subscription_needs_a_login_and_a_csrf_token(
    client: FlaskClient, ada: FlaskClient, app: Flask, other_client: FlaskClient
) -> None:
    subscription = BrowserKeys.new().subscription("https://fcm.googleapis.com/fcm/send/z")
    anonymous = other_client.post(
        "/reminders/subscriptions",
        json=subscription,
        headers={"X-CSRFToken": csrf_token(other_client, "/login"), "HX-Request": "true"},
    )
    assert anonymous.status_code == 401
    assert ada.post("/reminders/subscriptions", json=subscription).status_code == 400


def test_a_device_that_changes_hands_moves_to_the_new_account(
    app: Flask, ada: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "bo@example.com")
    login(other_client, "bo@example.com")
    subscription = BrowserKeys.new().subscription(
        "https://fcm.googleapis.com/fcm/send/shared-tablet"
    )
    assert _subscribe(ada, subscription) == 201
    assert _subscribe(other_client, subscription) == 201
    with app.app_context():
        rows = db.session.scalars(select(PushSubscription)).all()
        owner = db.session.scalar(select(User.email).where(User.id == rows[0].user_id))
    assert len(rows) == 1 and owner == "bo@example.com"


def test_unsubscribing_removes_only_ones_own_device(
    app: Flask, ada: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "bo@example.com")
    login(other_client, "bo@example.com")
    subscription = BrowserKeys.new().subscription("https://fcm.googleapis.com/fcm/send/ada")
    _subscribe(ada, subscription)
    other_client.post(
        "/reminders/subscriptions/delete",
        json={"endpoint": subscription["endpoint"]},
        headers={"X-CSRFToken": csrf_token(other_client, "/settings/")},
    )
    with app.app_context():
        assert len(db.session.scalars(select(PushSubscription)).all()) == 1
    ada.post(
        "/reminders/subscriptions/delete",
        json={"endpoint": subscription["endpoint"]},
        headers={"X-CSRFToken": csrf_token(ada, "/settings/")},
    )
    with app.app_context():
        assert db.session.scalars(select(PushSubscription)).all() == []


# -- configuration ---------------------------------------------------------------------

PEPPER = "p1:" + "22" * 32
PRODUCTION = {
    "JOURNAL_ENV": "production",
    "SECRET_KEY": "s" * 64,
    "JOURNAL_PEPPER": PEPPER,
    "DATABASE_URL": "postgresql://u:p@db.example/j",
    "PUBLIC_URL": "https://journal.example",
}


def test_development_generates_a_vapid_key_into_the_instance_folder(tmp_path: Path) -> None:
    config = load_config(str(tmp_path), env={})
    key_file = tmp_path / "vapid_private_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert config["VAPID_PRIVATE_KEY"] == key_file.read_text()
    assert len(unb64url(config["VAPID_PUBLIC_KEY"])) == 65
    assert load_config(str(tmp_path), env={})["VAPID_PUBLIC_KEY"] == config["VAPID_PUBLIC_KEY"]


def test_production_without_vapid_keys_runs_with_reminders_off(tmp_path: Path) -> None:
    config = load_config(str(tmp_path), env=PRODUCTION)
    assert config["VAPID_PRIVATE_KEY"] == config["VAPID_PUBLIC_KEY"] == ""
    assert not (tmp_path / "vapid_private_key").exists()


def test_production_vapid_keys_must_match_and_name_a_subject(tmp_path: Path) -> None:
    from journal.core import crypto

    private, other = crypto.new_vapid_private_key(), crypto.new_vapid_private_key()
    env = {**PRODUCTION, "VAPID_PRIVATE_KEY": private}
    with pytest.raises(ConfigError, match="VAPID_SUBJECT"):
        load_config(str(tmp_path), env=env)
    env["VAPID_SUBJECT"] = "mailto:care@clinic.example"
    assert load_config(str(tmp_path), env=env)["VAPID_PUBLIC_KEY"] == crypto.vapid_public_key(
        private
    )
    with pytest.raises(ConfigError, match="does not belong"):
        load_config(str(tmp_path), env={**env, "VAPID_PUBLIC_KEY": crypto.vapid_public_key(other)})
    with pytest.raises(ConfigError, match="not a base64url"):
        load_config(str(tmp_path), env={**env, "VAPID_PRIVATE_KEY": "!!"})


def test_production_never_accepts_plain_http_push_endpoints(tmp_path: Path) -> None:
    env = {**PRODUCTION, "PUSH_ALLOW_HTTP_ENDPOINTS": "1"}
    assert load_config(str(tmp_path), env=env)["PUSH_ALLOW_HTTP_ENDPOINTS"] is False


def test_the_command_prints_a_new_key_pair(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["reminders", "vapid-keys"])
    lines = dict(line.split("=", 1) for line in result.output.strip().splitlines())
    from journal.core import crypto

    assert crypto.vapid_public_key(lines["VAPID_PRIVATE_KEY"]) == lines["VAPID_PUBLIC_KEY"]


# -- integration prompts ---------------------------------------------------------------


def _due_prompts(app: Flask, session_id: str, now: datetime) -> list[str]:
    """The keys of the session's prompts that are open and due at `now`."""
    return [
        p.prompt_key
        for p in integ.prompts(app, session_id)
        if p.state == "open" and p.due_at <= now < p.closes_at
    ]


def test_due_integration_prompts_are_reminded_once_and_the_push_says_nothing_of_them(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    keys = BrowserKeys.new()
    _subscribe(ada, keys.subscription(f"{push_service.url}/push/phone"))
    assert _choose(ada, "integration_prompts") == 302
    sid = integ.log_done_session(ada, hours_ago=5, zone=_zone_of(app), notes=SECRET_WORDS)
    now = datetime.now(UTC)
    due = _due_prompts(app, sid, now)
    assert len(due) == 2  # the day-one prompts
    integ.answer(ada, sid, due[0], SECRET_WORDS)

    _send_at(app, now)
    _send_at(app, now + timedelta(minutes=5))
    _send_at(app, now + timedelta(hours=2))
    assert len(push_service.received) == 1
    # One occurrence per prompt still open, named by the prompt's row and due time.
    ids = {str(p.id): p for p in integ.prompts(app, sid)}
    sent = _sent(app)
    assert {kind for kind, _ in sent} == {"integration_prompts"}
    assert sorted(ids[o.split(":")[0]].prompt_key for _, o in sent) == sorted(due[1:])

    _assert_says_nothing(
        keys,
        push_service.received[0].body,
        ("prompt", "session", "surprised", "corridor", "heavy", "integration", "ada"),
    )


def test_integration_prompt_reminders_are_off_until_chosen(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    integ.log_done_session(ada, hours_ago=5, zone=_zone_of(app))
    _send_at(app, datetime.now(UTC))
    assert push_service.received == []
    html = ada.get("/settings/").get_data(as_text=True)
    assert 'name="kinds" value="integration_prompts"' in html
    assert "When integration prompts are due" in html


def test_no_prompt_reminder_once_answered_or_skipped_or_for_a_cancelled_session(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    _choose(ada, "integration_prompts")
    zone = _zone_of(app)
    sid = integ.log_done_session(ada, hours_ago=5, zone=zone)
    now = datetime.now(UTC)
    first, *rest = _due_prompts(app, sid, now)
    assert integ.answer(ada, sid, first, "Answered.").status_code == 303
    for key in rest:
        assert integ.skip(ada, sid, key).status_code == 303
    _send_at(app, now)
    assert push_service.received == []

    cancelled = integ.log_done_session(ada, hours_ago=10, zone=zone)
    assert _due_prompts(app, cancelled, now)
    with app.app_context():
        db.session.execute(
            update(KapSession)
            .where(KapSession.id == uuid.UUID(cancelled))
            .values(status=SessionStatus.CANCELLED)
        )
        db.session.commit()
    _send_at(app, now + timedelta(minutes=5))
    assert push_service.received == []


def test_a_snoozed_prompt_is_reminded_again_when_its_snooze_ends(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    _choose(ada, "integration_prompts")
    sid = integ.log_done_session(ada, hours_ago=5, zone=_zone_of(app))
    now = datetime.now(UTC)
    kept, *rest = _due_prompts(app, sid, now)
    for key in rest:
        integ.skip(ada, sid, key)
    _send_at(app, now)
    assert len(push_service.received) == 1

    assert integ.snooze(ada, sid, kept, "3h").status_code == 303
    _send_at(app, now + timedelta(hours=1))
    assert len(push_service.received) == 1
    _send_at(app, now + timedelta(hours=3, minutes=5))
    _send_at(app, now + timedelta(hours=4))
    assert len(push_service.received) == 2
    assert [o.split(":")[0] for _, o in _sent(app)] == [str(integ.prompt(app, sid, kept).id)] * 2


def test_prompt_reminders_wait_for_the_daytime(
    app: Flask, ada: FlaskClient, push_service: FakePushService, http_push: None
) -> None:
    _subscribe(ada, BrowserKeys.new().subscription(f"{push_service.url}/push/1"))
    _choose(ada, "integration_prompts")
    sid = integ.log_done_session(ada, hours_ago=5, zone=_zone_of(app))
    now = datetime.now(UTC)
    night = (_local_now(app, "ada@example.com") + timedelta(days=1)).replace(
        hour=3, minute=0, second=0, microsecond=0
    )
    # The prompts came due an hour before 3 a.m. (their window runs for 21 hours).
    integ.travel(app, sid, -(night - now).total_seconds() / 3600)
    assert _due_prompts(app, sid, night.astimezone(UTC))
    _send_at(app, night.astimezone(UTC))
    assert push_service.received == []
    _send_at(app, night.replace(hour=9, minute=5).astimezone(UTC))
    assert len(push_service.received) == 1
