"""A form posted without its CSRF token (as another site would post it) does nothing."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import PASSWORD, login, make_user, write_entry
from tests.pages import csrf_token, markup
from tests.web.helpers import HTMX, session_count

NEW_PASSWORD = "orchard-violin-glacier-ember-42"


def _assert_expired_form(response: TestResponse) -> None:
    assert response.status_code == 400
    assert "This form has expired" in markup(response)


def _logged_in(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    return client


def test_a_new_entry_without_the_token_is_not_saved(app: Flask, client: FlaskClient) -> None:
    ada = _logged_in(app, client)
    _assert_expired_form(ada.post("/journal/", data={"body": "Forged entry."}))
    _assert_expired_form(
        ada.post("/journal/", data={"body": "Forged entry.", "csrf_token": "forged"})
    )
    page = markup(ada.get("/journal/"))
    assert "Nothing here yet." in page
    assert "Forged entry." not in page


def test_an_htmx_post_without_the_token_gets_the_message_in_the_alert_region(
    app: Flask, client: FlaskClient
) -> None:
    ada = _logged_in(app, client)
    response = ada.post("/journal/", data={"body": "Forged entry."}, headers=HTMX)
    _assert_expired_form(response)
    assert "<html" not in response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#alerts"


def test_logout_without_the_token_keeps_the_session(app: Flask, client: FlaskClient) -> None:
    ada = _logged_in(app, client)
    _assert_expired_form(ada.post("/logout"))
    assert ada.get("/journal/").status_code == 200
    assert session_count(app, "ada@example.com") == 1


def test_a_password_change_without_the_token_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    ada = _logged_in(app, client)
    _assert_expired_form(
        ada.post(
            "/settings/password",
            data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        )
    )
    ada.post("/logout", data={"csrf_token": csrf_token(ada, "/")})
    assert login(ada, "ada@example.com", NEW_PASSWORD).status_code == 422
    assert login(ada, "ada@example.com", PASSWORD).status_code == 302


def test_deleting_an_entry_without_the_token_keeps_it(app: Flask, client: FlaskClient) -> None:
    ada = _logged_in(app, client)
    entry_id = write_entry(ada, "Stay.").headers["Location"].removeprefix("/journal/")
    _assert_expired_form(ada.post(f"/journal/{entry_id}/delete"))
    _assert_expired_form(ada.delete(f"/journal/{entry_id}", headers=HTMX))
    assert ada.get(f"/journal/{entry_id}").status_code == 200


def test_a_token_from_another_browser_does_not_work(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    ada = _logged_in(app, client)
    foreign = csrf_token(other_client, "/login")
    _assert_expired_form(ada.post("/journal/", data={"body": "Forged.", "csrf_token": foreign}))
