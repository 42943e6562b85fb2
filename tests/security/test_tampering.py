"""Someone who can write the database (but has no keys) moves ciphertext around: each
blob is bound to its row, owner, field and revision, so the app answers with a logged
integrity error and never with the other person's words."""

from __future__ import annotations

import logging
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from journal.core.extensions import db
from journal.models.entries import Draft, Entry
from journal.models.two_factor import TwoFactor
from journal.models.users import User
from tests.factories import PASSWORD, fresh_totp, login, make_user, write_entry
from tests.pages import csrf_token, markup
from tests.web.helpers import HTMX, auth_cookie, user_id

ADA_TEXT = "Ada's words, for Ada alone."
BOB_TEXT = "Bob's words, for Bob alone."
GENERIC = "It is not something you did."


@pytest.fixture
def two(app: Flask) -> tuple[FlaskClient, FlaskClient, str, str]:
    make_user(app, "ada@example.com")
    make_user(app, "bob@example.com")
    ada, bob = app.test_client(), app.test_client()
    login(ada, "ada@example.com")
    login(bob, "bob@example.com")
    a = write_entry(ada, ADA_TEXT, title="Ada").headers["Location"].rsplit("/", 1)[1]
    b = write_entry(bob, BOB_TEXT, title="Bob").headers["Location"].rsplit("/", 1)[1]
    return ada, bob, a, b


def _swap(app: Flask, model: type, key: str, a: object, b: object, *columns: str) -> None:
    with app.app_context():
        rows = {
            r_id: r for r_id, r in ((getattr(r, key), r) for r in db.session.scalars(select(model)))
        }
        first, second = rows[a], rows[b]
        for column in columns:
            x, y = getattr(first, column), getattr(second, column)
            setattr(first, column, y)
            setattr(second, column, x)
        db.session.commit()


def _assert_integrity_error(
    response: object, caplog: pytest.LogCaptureFixture, *hidden: str
) -> None:
    assert response.status_code == 500  # type: ignore[attr-defined]
    text = markup(response)
    assert GENERIC in text
    for words in hidden:
        assert words not in text
    assert "integrity failure" in caplog.text


@pytest.mark.parametrize(
    "columns",
    [
        ("body_sealed",),
        ("title_sealed", "body_sealed"),
        ("dek_wrapped",),
        ("dek_wrapped", "body_sealed", "title_sealed"),
    ],
    ids=["body", "title+body", "dek", "whole payload"],
)
def test_swapping_ciphertext_between_two_users_entries_gives_an_integrity_error(
    app: Flask,
    two: tuple[FlaskClient, FlaskClient, str, str],
    caplog: pytest.LogCaptureFixture,
    columns: tuple[str, ...],
) -> None:
    ada, bob, a, b = two
    _swap(app, Entry, "id", uuid.UUID(a), uuid.UUID(b), *columns)
    with caplog.at_level(logging.ERROR):
        _assert_integrity_error(ada.get(f"/journal/{a}"), caplog, BOB_TEXT, ADA_TEXT)
        _assert_integrity_error(bob.get(f"/journal/{b}"), caplog, ADA_TEXT, BOB_TEXT)
        # The list shows the rest and says one item could not be opened (item 8).
        listing = ada.get("/journal/", headers=HTMX)
        assert listing.status_code == 200
        assert "One item could not be opened." in markup(listing)
        assert BOB_TEXT not in markup(listing) and ADA_TEXT not in markup(listing)
    assert BOB_TEXT not in caplog.text and ADA_TEXT not in caplog.text


def test_moving_someone_elses_row_into_an_account_shows_an_error_not_their_words(
    app: Flask, two: tuple[FlaskClient, FlaskClient, str, str], caplog: pytest.LogCaptureFixture
) -> None:
    ada, _, _, b = two
    with app.app_context():
        db.session.execute(
            update(Entry)
            .where(Entry.id == uuid.UUID(b))
            .values(user_id=user_id(app, "ada@example.com"))
        )
        db.session.commit()
    with caplog.at_level(logging.ERROR):
        _assert_integrity_error(ada.get(f"/journal/{b}"), caplog, BOB_TEXT)


def test_swapping_drafts_between_users_opens_neither(
    app: Flask, two: tuple[FlaskClient, FlaskClient, str, str], caplog: pytest.LogCaptureFixture
) -> None:
    ada, bob, _, _ = two
    ids = {}
    for client, name in ((ada, "ada"), (bob, "bob")):
        ids[name] = str(uuid.uuid4())
        client.post(
            f"/journal/drafts/{ids[name]}",
            data={"body": f"{name}'s secret draft", "csrf_token": csrf_token(client, "/journal/")},
            headers=HTMX,
        )
    _swap(app, Draft, "id", uuid.UUID(ids["ada"]), uuid.UUID(ids["bob"]), "sealed")
    with caplog.at_level(logging.ERROR):
        response = ada.get("/journal/new")
    # The page still works; the draft that does not open is left out and logged.
    assert response.status_code == 200
    assert "secret draft" not in markup(response)
    assert "integrity failure" in caplog.text


def test_flipping_one_bit_of_a_wrapped_key_stops_the_login_with_a_plain_error(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(app, "ada@example.com")
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user is not None
        blob = bytearray(user.udk_by_password)
        blob[-1] ^= 1
        user.udk_by_password = bytes(blob)
        db.session.commit()
    with caplog.at_level(logging.ERROR):
        response = login(client, "ada@example.com")
    _assert_integrity_error(response, caplog)
    assert auth_cookie(app, client) is None


def test_swapping_public_keys_is_caught_before_anything_is_sealed_to_the_wrong_one(
    app: Flask, two: tuple[FlaskClient, FlaskClient, str, str], caplog: pytest.LogCaptureFixture
) -> None:
    ada, _, _, _ = two
    ada_id, bob_id = user_id(app, "ada@example.com"), user_id(app, "bob@example.com")
    _swap(app, User, "id", ada_id, bob_id, "public_key")
    with caplog.at_level(logging.ERROR):
        response = ada.post(
            f"/journal/drafts/{uuid.uuid4()}",
            data={"body": "would be sealed to Bob", "csrf_token": csrf_token(ada, "/journal/")},
            headers=HTMX,
        )
    assert response.status_code == 500
    with app.app_context():
        assert db.session.scalars(select(Draft)).all() == []


def test_swapping_two_step_secrets_lets_no_one_in(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(app, "ada@example.com", two_step=True)
    make_user(app, "bob@example.com", two_step=True)
    _swap(
        app,
        TwoFactor,
        "user_id",
        user_id(app, "ada@example.com"),
        user_id(app, "bob@example.com"),
        "secret_sealed",
    )
    client.post(
        "/login",
        data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    with caplog.at_level(logging.ERROR):
        for code in (fresh_totp(app, "ada@example.com"), fresh_totp(app, "bob@example.com")):
            response = client.post(
                "/login/two-factor", data={"code": code, "csrf_token": csrf_token(client)}
            )
            assert response.status_code == 500
    assert client.get("/journal/").status_code == 302
