"""Key rotation through the CLI: the pepper for everyone, the data key for one user."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.core.extensions import db
from journal.models.entries import Entry
from journal.models.users import User
from tests.conftest import TEST_PEPPER
from tests.factories import PASSWORD, TOTP_SECRETS, fresh_totp, login, make_user, write_entry
from tests.pages import csrf_token, markup
from tests.web.helpers import HTMX, session_count

OLD = ("p1", bytes.fromhex(TEST_PEPPER.split(":")[1]))
NEW = ("p2", bytes.fromhex("22" * 32))
KEY_RE = re.compile(r"(?:[A-Z2-7]{4}-){13}[A-Z2-7]{4}")
NEW_PASSWORD = "orchard-violin-glacier-ember-42"


def _peppers(app: Flask, monkeypatch: pytest.MonkeyPatch, *pairs: tuple[str, bytes]) -> None:
    monkeypatch.setitem(app.config, "JOURNAL_PEPPERS", dict(pairs))


def _kids(app: Flask, email: str) -> tuple[str, str]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        return user.pepper_kid, user.verifier_kid


def _reset_with(client: FlaskClient, email: str, recovery: str) -> int:
    response = client.post(
        "/reset",
        data={
            "email": email,
            "recovery_key": recovery,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, "/reset"),
        },
    )
    return response.status_code


@pytest.fixture
def diary(app: Flask) -> Iterator[dict[str, str]]:
    """Ada (who will log in after the rotation) and Bob (who never comes back),
    each with an entry and a draft; their recovery keys."""
    keys = {}
    for email in ("ada@example.com", "bob@example.com"):
        unlocked = make_user(app, email)
        keys[email] = unlocked.recovery_key or ""
        client = app.test_client()
        login(client, email)
        write_entry(client, f"Entry of {email}")
        client.post(
            f"/journal/drafts/{uuid.uuid4()}",
            data={"body": f"Draft of {email}", "csrf_token": csrf_token(client, "/journal/")},
            headers=HTMX,
        )
    yield keys


def test_rotating_the_pepper_moves_every_wrap_and_says_who_still_needs_the_old_one(
    app: Flask, monkeypatch: pytest.MonkeyPatch, diary: dict[str, str]
) -> None:
    _peppers(app, monkeypatch, NEW, OLD)
    result = app.test_cli_runner().invoke(args=["keys", "rotate-pepper"])
    assert result.exit_code == 0, result.output
    assert "Current pepper: 'p2'; wrapped keys moved for 2 user(s)." in result.output
    assert "2 user(s) still have a password verifier under pepper 'p1'" in result.output
    assert _kids(app, "ada@example.com") == ("p2", "p1")

    # Ada logs in while both peppers are configured: her verifier moves too.
    ada = app.test_client()
    assert login(ada, "ada@example.com").status_code == 302
    assert _kids(app, "ada@example.com") == ("p2", "p2")
    status = app.test_cli_runner().invoke(args=["keys", "status"]).output
    assert "1 user(s) still have a password verifier under pepper 'p1'" in status

    # The old pepper removed: Ada's wraps, draft sealing and public key still work.
    _peppers(app, monkeypatch, NEW)
    ada = app.test_client()
    assert login(ada, "ada@example.com").status_code == 302
    page = markup(ada.get("/journal/new"))
    assert "Entry of ada@example.com" in markup(ada.get("/journal/"))
    assert "Draft of ada@example.com" in page
    saved = ada.post(
        f"/journal/drafts/{uuid.uuid4()}",
        data={"body": "After rotation", "csrf_token": csrf_token(ada, "/journal/")},
        headers=HTMX,
    )
    assert saved.status_code == 200

    # Bob never logged in: his password cannot be checked without p1 (the command
    # said so), but his recovery key, whose wrap moved, gets him back in with all.
    bob = app.test_client()
    assert login(bob, "bob@example.com").status_code == 422
    assert _reset_with(bob, "bob@example.com", diary["bob@example.com"]) == 200
    assert "Entry of bob@example.com" in markup(bob.get("/journal/"))
    assert "No password verifier needs an old pepper" in (
        app.test_cli_runner().invoke(args=["keys", "status"]).output
    )


def test_logging_in_on_a_new_pepper_keeps_the_recovery_key_working(
    app: Flask, monkeypatch: pytest.MonkeyPatch, diary: dict[str, str]
) -> None:
    """No bulk rotation at all: the login alone moves every outer layer together."""
    _peppers(app, monkeypatch, NEW, OLD)
    assert login(app.test_client(), "ada@example.com").status_code == 302
    assert _kids(app, "ada@example.com") == ("p2", "p2")
    _peppers(app, monkeypatch, NEW)
    client = app.test_client()
    assert _reset_with(client, "ada@example.com", diary["ada@example.com"]) == 200
    assert "Entry of ada@example.com" in markup(client.get("/journal/"))


def test_rotating_a_users_data_key_keeps_everything_readable(
    app: Flask, diary: dict[str, str]
) -> None:
    with app.app_context():
        before = {e.id: e.dek_wrapped for e in db.session.scalars(select(Entry))}
    still_in = app.test_client()
    login(still_in, "ada@example.com")

    result = app.test_cli_runner().invoke(
        args=["keys", "rotate-udk", "ada@example.com"], input=f"{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    new_key = KEY_RE.search(result.output)
    assert new_key, result.output
    assert PASSWORD not in result.output

    with app.app_context():
        after = {e.id: e.dek_wrapped for e in db.session.scalars(select(Entry))}
    changed = [i for i in before if before[i] != after[i]]
    assert len(changed) == 1  # Ada's entry re-wrapped; Bob's untouched
    # Sessions held the old key: they are over.
    assert session_count(app, "ada@example.com") == 0
    assert still_in.get("/journal/").status_code == 302

    ada = app.test_client()
    assert login(ada, "ada@example.com").status_code == 302
    assert "Entry of ada@example.com" in markup(ada.get("/journal/"))
    assert "Draft of ada@example.com" in markup(ada.get("/journal/new"))
    assert "Data key replaced by the operator" in markup(ada.get("/settings/activity"))
    # The old recovery key no longer opens anything; the new one does.
    assert _reset_with(app.test_client(), "ada@example.com", diary["ada@example.com"]) == 422
    assert _reset_with(app.test_client(), "ada@example.com", new_key.group(0)) == 200


def test_rotating_the_data_key_keeps_two_step_sign_in_working(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com", two_step=True)
    login(client, "ada@example.com")
    write_entry(client, "Two steps and a new key.")
    result = app.test_cli_runner().invoke(
        args=["keys", "rotate-udk", "ada@example.com", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert "ada@example.com" in TOTP_SECRETS
    fresh = app.test_client()
    assert login(fresh, "ada@example.com").status_code == 302
    assert "Two steps and a new key." in markup(fresh.get("/journal/"))
    assert fresh_totp(app, "ada@example.com")


def test_rotating_the_data_key_refuses_a_wrong_password_and_changes_nothing(
    app: Flask, diary: dict[str, str]
) -> None:
    result = app.test_cli_runner().invoke(
        args=["keys", "rotate-udk", "ada@example.com", "--password", "not-the-password"]
    )
    assert result.exit_code != 0
    assert "That password is not right." in result.output
    ada = app.test_client()
    assert login(ada, "ada@example.com").status_code == 302
    assert "Entry of ada@example.com" in markup(ada.get("/journal/"))
    unknown = app.test_cli_runner().invoke(
        args=["keys", "rotate-udk", "zed@example.com", "--password", PASSWORD]
    )
    assert "No account for zed@example.com." in unknown.output


def test_rotation_keeps_what_the_care_team_features_seal_or_mac(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A therapist's adapted checklist carries a MAC under the pepper, and a therapist's
    safety-flag notes are sealed under their data key: both survive both rotations."""
    from tests.security.world import ADA, TOM, build_world

    world = build_world(app)
    _peppers(app, monkeypatch, NEW, OLD)
    result = app.test_cli_runner().invoke(args=["keys", "rotate-pepper"])
    assert result.exit_code == 0, result.output
    ada = app.test_client()
    assert login(ada, ADA).status_code == 302
    _peppers(app, monkeypatch, NEW)
    adapted = ada.get(f"/sessions/adapted-checklists/{world.ids['adaptation']}")
    assert adapted.status_code == 200

    _peppers(app, monkeypatch, NEW, OLD)  # Tom's verifier is still under p1
    rotated = app.test_cli_runner().invoke(args=["keys", "rotate-udk", TOM, "--password", PASSWORD])
    assert rotated.exit_code == 0, rotated.output
    tom = app.test_client()
    assert login(tom, TOM).status_code == 302
    assert tom.get("/clinic/patients").status_code == 200
    assert tom.get(f"/clinic/patients/{world.ids['ada']}/brief").status_code == 200
