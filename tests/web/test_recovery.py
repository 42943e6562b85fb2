"""Changing the password, resetting it with the recovery key, and starting over."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import KEY_RE, PASSWORD, last_link, login, make_user, write_entry
from tests.pages import csrf_token, markup
from tests.web.helpers import without_csrf

NEW_PASSWORD = "orchard-violin-glacier-ember-42"
RECOVERY_FAILED = "That email and recovery key do not match an account."


def _logout(client: FlaskClient) -> None:
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 302


def _change_password(client: FlaskClient, current: str, new: str) -> TestResponse:
    return client.post(
        "/settings/password",
        data={
            "current": current,
            "password": new,
            "confirm": new,
            "csrf_token": csrf_token(client, "/settings/password"),
        },
    )


def _reset(client: FlaskClient, email: str, key: str, new: str) -> TestResponse:
    return client.post(
        "/reset",
        data={
            "email": email,
            "recovery_key": key,
            "password": new,
            "confirm": new,
            "csrf_token": csrf_token(client, "/reset"),
        },
    )


# -- password change -------------------------------------------------------------------


def test_changing_the_password_keeps_entries_and_logs_out_only_other_devices(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    write_entry(client, "Notes from the morning walk.")
    login(other_client, "ada@example.com")
    assert other_client.get("/journal/").status_code == 200

    response = _change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert "Password changed." in markup(client.get(response.headers["Location"]))

    assert "Notes from the morning walk." in markup(client.get("/journal/"))
    assert other_client.get("/journal/").status_code == 302

    _logout(client)
    assert login(client, "ada@example.com", PASSWORD).status_code == 422
    assert login(client, "ada@example.com", NEW_PASSWORD).status_code == 302
    assert "Notes from the morning walk." in markup(client.get("/journal/"))


def test_the_password_is_not_changed_without_the_current_one(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    response = _change_password(client, "not-my-password-at-all", NEW_PASSWORD)
    assert response.status_code == 422
    assert "Your current password is not right." in markup(response)
    _logout(client)
    assert login(client, "ada@example.com", PASSWORD).status_code == 302


def test_a_weak_new_password_is_refused_with_a_message(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    response = _change_password(client, PASSWORD, "password123456")
    assert response.status_code == 422
    assert "This password is too easy to guess." in markup(response)
    _logout(client)
    assert login(client, "ada@example.com", PASSWORD).status_code == 302


# -- reset with the recovery key -------------------------------------------------------


def test_resetting_with_the_recovery_key_keeps_the_journal_and_issues_a_new_key(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    old_key = make_user(app, "ada@example.com").recovery_key
    assert old_key
    login(client, "ada@example.com")
    write_entry(client, "The heaviness lifted a little.", title="Week two")
    login(other_client, "ada@example.com")
    _logout(client)

    response = _reset(client, "ada@example.com", old_key.lower().replace("-", " "), NEW_PASSWORD)
    assert response.status_code == 200
    match = KEY_RE.search(response.get_data(as_text=True))
    assert match
    new_key = match.group(1)
    assert new_key != old_key
    assert "Save your recovery key" in markup(response)

    # Logged in by the reset, with every word still readable.
    journal = markup(client.get("/journal/"))
    assert "The heaviness lifted a little." in journal
    assert "Week two" in journal
    # The reset logged out every other device.
    assert other_client.get("/journal/").status_code == 302

    # The old key is spent; the new password and the new key work.
    _logout(client)
    refused = _reset(client, "ada@example.com", old_key, "another-fine-long-passphrase-9")
    assert refused.status_code == 422
    assert RECOVERY_FAILED in markup(refused)
    assert login(client, "ada@example.com", PASSWORD).status_code == 422
    assert login(client, "ada@example.com", NEW_PASSWORD).status_code == 302
    _logout(client)
    assert _reset(client, "ada@example.com", new_key, PASSWORD).status_code == 200
    assert "The heaviness lifted a little." in markup(client.get("/journal/"))


def test_a_recovery_key_with_a_typo_is_refused_with_a_message(
    app: Flask, client: FlaskClient
) -> None:
    key = make_user(app, "ada@example.com").recovery_key
    assert key
    typo = ("B" if key[0] != "B" else "C") + key[1:]
    response = _reset(client, "ada@example.com", typo, NEW_PASSWORD)
    assert response.status_code == 422
    assert "That recovery key has a typo somewhere" in markup(response)
    assert login(client, "ada@example.com", PASSWORD).status_code == 302


def test_a_reset_for_an_unknown_email_gets_the_same_answer_as_a_wrong_key(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    key = make_user(app, "ada@example.com").recovery_key
    other_key = make_user(app, "cyd@example.com").recovery_key
    assert key and other_key
    wrong_key = _reset(client, "ada@example.com", other_key, NEW_PASSWORD)
    unknown = _reset(other_client, "bob@example.com", key, NEW_PASSWORD)
    assert wrong_key.status_code == unknown.status_code == 422
    assert RECOVERY_FAILED in markup(wrong_key)
    assert RECOVERY_FAILED in markup(unknown)


def test_a_new_recovery_key_replaces_the_old_one(app: Flask, client: FlaskClient) -> None:
    old_key = make_user(app, "ada@example.com").recovery_key
    assert old_key
    login(client, "ada@example.com")
    response = client.post(
        "/recovery-key/new", data={"csrf_token": csrf_token(client, "/recovery-key")}
    )
    assert response.status_code == 200
    assert "Your previous recovery key no longer works." in markup(response)
    match = KEY_RE.search(response.get_data(as_text=True))
    assert match and match.group(1) != old_key
    _logout(client)
    assert _reset(client, "ada@example.com", old_key, NEW_PASSWORD).status_code == 422
    assert _reset(client, "ada@example.com", match.group(1), NEW_PASSWORD).status_code == 200


# -- start over ------------------------------------------------------------------------


def test_starting_over_leaves_an_empty_journal_and_retires_the_old_password(
    app: Flask, client: FlaskClient, other_client: FlaskClient, outbox: Path
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    write_entry(client, "A corridor of doors.", title="Session one")
    _logout(client)
    login(other_client, "ada@example.com")  # still logged in on another device

    asked = client.post(
        "/start-over",
        data={"email": "ada@example.com", "csrf_token": csrf_token(client, "/start-over")},
    )
    assert asked.status_code == 200
    assert "Check your email" in markup(asked)
    link = last_link(outbox, "ada@example.com")
    page = client.get(link)
    assert page.status_code == 200
    assert "Everything in this account will be deleted permanently" in markup(page)

    unticked = client.post(
        link,
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, link),
        },
    )
    assert unticked.status_code == 422
    assert "Tick the box" in markup(unticked)

    done = client.post(
        link,
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "understood": "yes",
            "csrf_token": csrf_token(client, link),
        },
    )
    assert done.status_code == 200
    assert KEY_RE.search(done.get_data(as_text=True))
    journal = markup(client.get("/journal/"))
    assert "Nothing here yet." in journal
    assert "A corridor of doors." not in journal
    assert "Session one" not in journal
    assert other_client.get("/journal/").status_code == 302

    _logout(client)
    assert login(client, "ada@example.com", PASSWORD).status_code == 422
    assert login(client, "ada@example.com", NEW_PASSWORD).status_code == 302
    _logout(client)
    assert client.get(link).status_code == 404  # the link worked once


def test_asking_to_start_over_for_an_unknown_email_looks_the_same_and_sends_nothing(
    app: Flask, client: FlaskClient, outbox: Path
) -> None:
    make_user(app, "ada@example.com")
    known = client.post(
        "/start-over",
        data={"email": "ada@example.com", "csrf_token": csrf_token(client, "/start-over")},
    )
    unknown = client.post(
        "/start-over",
        data={"email": "bob@example.com", "csrf_token": csrf_token(client, "/start-over")},
    )
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(markup(known)).replace("ada@", "X@") == without_csrf(
        markup(unknown)
    ).replace("bob@", "X@")
    assert len(list(outbox.glob("*.eml"))) == 1


def test_guessing_the_current_password_on_the_change_form_is_slowed_down(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "guess@example.com")
    login(client, "guess@example.com")
    for _ in range(5):
        client.post(
            "/settings/password",
            data={
                "current": "wrong-guess-000",
                "password": "new-lantern-meadow-99",
                "confirm": "new-lantern-meadow-99",
                "csrf_token": csrf_token(client, "/settings/password"),
            },
        )
    blocked = client.post(
        "/settings/password",
        data={
            "current": PASSWORD,
            "password": "new-lantern-meadow-99",
            "confirm": "new-lantern-meadow-99",
            "csrf_token": csrf_token(client, "/settings/password"),
        },
    )
    assert blocked.status_code == 422
    assert "Too many attempts" in blocked.get_data(as_text=True)


def test_starting_over_deletes_every_sealed_record_of_every_kind(
    app: Flask, client: FlaskClient, outbox: Path
) -> None:
    """Found from the schema: whatever a feature seals under the old keys is gone, so no
    page can try to open it with the new ones."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from journal.core.extensions import Base, db
    from journal.models.records import EncryptedPayloadMixin
    from journal.models.types import utcnow
    from tests.web.mood_helpers import checkin, finish_at_once, phq9
    from tests.web.prep_helpers import plan_session

    make_user(app, "many@example.com")
    login(client, "many@example.com")
    write_entry(client, "An entry.")
    assert checkin(client, mood="3", anxiety="2").status_code in (200, 302, 303)
    finish_at_once(client, "phq9", phq9(0))
    plan_session(client, utcnow() + timedelta(days=3))
    sealed = [
        m.class_ for m in Base.registry.mappers if issubclass(m.class_, EncryptedPayloadMixin)
    ]

    def count() -> int:
        with app.app_context():
            return sum(db.session.scalar(select(func.count()).select_from(c)) or 0 for c in sealed)

    assert count() >= 4
    client.post(
        "/start-over",
        data={"email": "many@example.com", "csrf_token": csrf_token(client, "/start-over")},
    )
    link = last_link(outbox, "many@example.com")
    new = "new-lantern-meadow-99"
    client.post(
        link,
        data={
            "password": new,
            "confirm": new,
            "understood": "yes",
            "csrf_token": csrf_token(client, link),
        },
    )
    assert count() == 0
    for page in ("/", "/mood/", "/sessions/", "/journal/"):
        assert client.get(page).status_code == 200, page
