"""Production logs: one JSON object per line, each with the request id the response
carries, and not a word of what people wrote, searched for or are called."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask

from journal import create_app
from journal.core import logs
from journal.core.extensions import db, limiter
from tests.factories import login, make_user, write_entry
from tests.pages import csrf_token

KEEP = ("TESTING", "SQLALCHEMY_DATABASE_URI", "KDF_PARAMS", "MAIL_BACKEND", "MAIL_OUTBOX_DIR")
SECRET = "tangerine-lighthouse-whisper"


@pytest.fixture
def json_logged(app: Flask) -> Iterator[Flask]:
    server = create_app(
        {
            **{k: app.config[k] for k in KEEP},
            "JOBS_URL": app.config["JOBS_URL"],
            "JOBS_EAGER": True,
            "RATELIMIT_ENABLED": False,
            "LOG_JSON": True,
            "ACCESS_LOG": True,
        }
    )
    yield server
    with server.app_context():
        db.engine.dispose()
    logs.configure(json_lines=False)
    limiter.init_app(app)


def test_json_lines_with_the_request_id_and_no_content(
    app: Flask, json_logged: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure(json_lines=True)  # onto this test's captured stderr
    make_user(app, "ada.lovelace@example.com")
    client = json_logged.test_client()
    assert login(client, "ada.lovelace@example.com").status_code == 302
    write_entry(client, f"Today I thought about {SECRET}", title=SECRET)
    searched = client.get(f"/journal/search?q={SECRET}")
    client.post(
        "/signup",
        data={"email": "new.person@example.com", "csrf_token": csrf_token(client, "/signup")},
    )
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert lines
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "request_id", "message"} <= e.keys() for e in entries)
    access = [e for e in entries if e["logger"] == "journal.access"]
    assert {"method", "path", "status", "duration_ms"} <= access[0].keys()
    request_id = searched.headers["X-Request-Id"]
    assert [e["path"] for e in access if e["request_id"] == request_id] == ["/journal/search"]
    text = "\n".join(lines)
    for private in (SECRET, "ada.lovelace", "new.person", "Today I thought"):
        assert private not in text


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(app: Flask) -> None:
    client = app.test_client()
    given = client.get("/healthz", headers={"X-Request-Id": "caddy-0123456789abcdef"})
    assert given.headers["X-Request-Id"] == "caddy-0123456789abcdef"
    odd = client.get("/healthz", headers={"X-Request-Id": "<script>"})
    assert odd.headers["X-Request-Id"] != "<script>"
    assert len(odd.headers["X-Request-Id"]) == 32
