"""Settings → devices (active sessions, signing them out) and the security log."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from journal.accounts import accounts, audit
from journal.accounts.auth_sessions import describe_device
from journal.core.extensions import db
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token, markup
from tests.web.helpers import session_count

PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
LAPTOP_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0"
END_RE = re.compile(r'action="(/settings/sessions/[0-9a-f-]{36}/end)"')


def _login_with(client: FlaskClient, email: str, user_agent: str) -> None:
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    assert login(client, email).status_code == 302


def test_devices_are_named_in_plain_words() -> None:
    assert describe_device(PHONE_UA) == "Chrome on Android"
    assert describe_device(LAPTOP_UA) == "Firefox on Mac"
    assert describe_device("") == "Unknown device"
    assert describe_device("curl/8.5") == "curl/8.5"


def test_the_devices_page_lists_every_session_and_marks_this_one(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    _login_with(client, "ada@example.com", PHONE_UA)
    _login_with(other_client, "ada@example.com", LAPTOP_UA)
    page = markup(client.get("/settings/sessions"))
    assert "Chrome on Android" in page and "Firefox on Mac" in page
    assert page.count("This device") == 1
    assert re.search(r"Chrome on Android</strong> <span class=\"badge\">This device", page)
    assert len(END_RE.findall(page)) == 2


def test_signing_out_another_device_ends_only_that_one(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    _login_with(client, "ada@example.com", PHONE_UA)
    _login_with(other_client, "ada@example.com", LAPTOP_UA)
    page = client.get("/settings/sessions").get_data(as_text=True)
    laptop = next(
        m.group(1) for m in re.finditer(r"Firefox on Mac.*?" + END_RE.pattern, page, re.S)
    )
    response = client.post(laptop, data={"csrf_token": csrf_token(client, "/settings/")})
    assert response.status_code == 302
    assert "That device is signed out." in markup(client.get("/settings/sessions"))
    assert other_client.get("/journal/").status_code == 302
    assert client.get("/journal/").status_code == 200
    assert "Signed out another device" in markup(client.get("/settings/activity"))


def test_signing_out_this_device_from_the_list_logs_out(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com")
    _login_with(client, "ada@example.com", PHONE_UA)
    [mine] = END_RE.findall(client.get("/settings/sessions").get_data(as_text=True))
    response = client.post(mine, data={"csrf_token": csrf_token(client, "/settings/")})
    assert response.headers["Location"].startswith("/login")
    assert "Clear-Site-Data" in response.headers
    assert client.get("/journal/").status_code == 302


def test_signing_out_everywhere_ends_every_session(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    login(other_client, "ada@example.com")
    response = client.post(
        "/settings/sessions/end-all", data={"csrf_token": csrf_token(client, "/settings/")}
    )
    assert response.status_code == 302
    assert '"cookies"' in response.headers["Clear-Site-Data"]
    assert session_count(app, "ada@example.com") == 0
    assert client.get("/journal/").status_code == 302
    assert other_client.get("/journal/").status_code == 302
    login(client, "ada@example.com")
    assert "Signed out everywhere" in markup(client.get("/settings/activity"))


def test_the_security_log_shows_sign_ins_failures_and_changes_newest_first(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com", "wrong-password-here")
    client.environ_base["HTTP_USER_AGENT"] = PHONE_UA
    login(client, "ada@example.com")
    client.post(
        "/settings/password",
        data={
            "current": PASSWORD,
            "password": "orchard-violin-glacier-ember-42",
            "confirm": "orchard-violin-glacier-ember-42",
            "csrf_token": csrf_token(client, "/settings/password"),
        },
    )
    page = markup(client.get("/settings/activity"))
    labels = re.findall(r'<span class="event-label">([^<]+)</span>', page)
    assert labels[:4] == [
        "Password changed",
        "Signed in",
        "Failed sign-in (wrong password)",
        "Account created",
    ]
    assert "Chrome on Android" in page
    assert "wrong-password-here" not in page


def test_every_action_the_code_records_has_a_label() -> None:
    """Reads the package for `audit.record(..., "action")` calls, so a feature that
    records a new action (shares, therapist reads, …) must give it words too."""
    from pathlib import Path

    import journal

    root = Path(journal.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        found |= set(
            re.findall(r"audit\.record\(\s*[^,]+,\s*\"([a-z_.]+)\"", path.read_text(), re.S)
        )
    assert {"login", "login.failed", "export.json", "two_factor.enabled"} <= found
    missing = sorted(found - set(audit.LABELS))
    assert missing == [], f"add labels to journal/accounts/audit.py LABELS for {missing}"


def test_an_action_without_a_label_still_shows_in_words() -> None:
    assert audit.label("share.revoked") == "Share revoked"
    assert audit.label("login") == "Signed in"


def test_the_security_log_does_not_show_record_ids(app: Flask, client: FlaskClient) -> None:
    """A questionnaire's record id means nothing to the reader: the row says what
    happened and when, and the id stays in the database for an investigation."""
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    result_id = "1b166510-3ac6-4f50-a6c5-6403a285b912"
    with app.app_context():
        user = accounts.user_by_email("ada@example.com")
        assert user is not None
        audit.record(user.id, "measure.submitted", result_id)
        audit.record(user.id, "account.created", "patient")
        db.session.commit()
    page = markup(client.get("/settings/activity"))
    assert re.search(r"Questionnaire submitted</span>\s*<br>", page)  # nothing after it
    assert result_id not in page
    assert '<span class="meta">· patient</span>' in page  # words still shown
