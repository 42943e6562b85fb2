"""Reminders: the settings, the subscriptions, and `flask reminders send` delivering
to a real HTTP server on this machine standing in for the push service. The stand-in
holds the subscription's private key and auth secret, as a browser would, decrypts
each message (RFC 8291, aes128gcm) and checks its VAPID signature."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
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
from sqlalchemy import select

from journal.config import ConfigError, load_config
from journal.extensions import db
from journal.models.reminders import PushSubscription, ReminderSent
from journal.models.users import User
from journal.services import reminders
from tests.conftest import csrf_token
from tests.factories import login, make_user, write_entry

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


@pytest.fixture
def http_push(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in push service speaks plain http on localhost."""
    monkeypatch.setitem(app.config, "PUSH_ALLOW_HTTP_ENDPOINTS", True)


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
    return client.post("/reminders/daily", data=data).status_code


def _local_now(app: Flask, email: str) -> datetime:
    from zoneinfo import ZoneInfo

    with app.app_context():
        zone = db.session.scalar(select(User.time_zone).where(User.email == email))
    return datetime.now(UTC).astimezone(ZoneInfo(zone or "UTC"))


def _send(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    return result.output


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
    message = json.loads(keys.decrypt(got.body))
    assert message == {
        "title": "Fresh Tracks",
        "body": "Something is waiting for you in Fresh Tracks",
        "url": "/",
    }
    text = json.dumps(message).lower()
    for private in ("heavy", "corridor", "ada", "check-in", "check in", "mood", "session"):
        assert private not in text


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

    @reminders.due_source("test_prompt")
    def prompt_due(user: User, now: datetime) -> list[reminders.DueReminder]:
        calls.append(user.email)
        return [reminders.DueReminder("test_prompt", "prompt-42")]

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
        "/reminders/daily",
        data={"daily_on": "on", "daily_time": "25:99", "csrf_token": csrf_token(ada, "/settings/")},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a time of day" in html
    assert 'value="25:99"' in html


def test_subscriptions_must_be_https_with_real_keys(ada: FlaskClient) -> None:
    keys = BrowserKeys.new()
    assert _subscribe(ada, keys.subscription("http://push.example/x")) == 422
    assert _subscribe(ada, keys.subscription("https://push.example/x")) == 201
    bad = keys.subscription("https://push.example/y")
    bad["keys"]["p256dh"] = b64url(b"\x04" + b"\x01" * 64)
    assert _subscribe(ada, bad) == 422
    bad = keys.subscription("https://push.example/y")
    bad["keys"]["auth"] = b64url(b"short")
    assert _subscribe(ada, bad) == 422
    assert _subscribe(ada, {"nonsense": True}) == 422


def test_a_subscription_needs_a_login_and_a_csrf_token(
    client: FlaskClient, ada: FlaskClient, app: Flask, other_client: FlaskClient
) -> None:
    subscription = BrowserKeys.new().subscription("https://push.example/z")
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
    subscription = BrowserKeys.new().subscription("https://push.example/shared-tablet")
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
    subscription = BrowserKeys.new().subscription("https://push.example/ada")
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
    from journal import crypto

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
    from journal import crypto

    assert crypto.vapid_public_key(lines["VAPID_PRIVATE_KEY"]) == lines["VAPID_PUBLIC_KEY"]
