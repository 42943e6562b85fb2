"""Someone else's records: every way of reaching them answers 404 and changes nothing."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.entries import Draft, Entry
from tests.factories import login, make_user, write_entry
from tests.pages import csrf_token, markup
from tests.web.helpers import HTMX

SECRET = "Only Ada should ever read this."


@pytest.fixture
def ada_entry(app: Flask, client: FlaskClient) -> str:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    response = write_entry(client, SECRET, title="Ada's title")
    assert response.status_code == 302
    return response.headers["Location"].removeprefix("/journal/")


@pytest.fixture
def bob(app: Flask, other_client: FlaskClient) -> FlaskClient:
    make_user(app, "bob@example.com")
    login(other_client, "bob@example.com")
    return other_client


def _assert_not_found(response: TestResponse) -> None:
    assert response.status_code == 404
    text = markup(response)
    assert "Not found" in text
    assert SECRET not in text
    assert "Ada's title" not in text


def _ada_still_has_her_entry(client: FlaskClient, entry_id: str) -> None:
    page = markup(client.get(f"/journal/{entry_id}"))
    assert SECRET in page
    assert "Ada's title" in page


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_another_user_gets_404_for_every_way_of_reaching_an_entry(
    client: FlaskClient, ada_entry: str, bob: FlaskClient, headers: dict[str, str]
) -> None:
    token = csrf_token(bob, "/journal/")
    _assert_not_found(bob.get(f"/journal/{ada_entry}", headers=headers))
    _assert_not_found(bob.get(f"/journal/{ada_entry}/edit", headers=headers))
    _assert_not_found(bob.get(f"/journal/{ada_entry}/delete", headers=headers))
    _assert_not_found(
        bob.post(
            f"/journal/{ada_entry}",
            data={"title": "Bob was here", "body": "Overwritten.", "csrf_token": token},
            headers=headers,
        )
    )
    _assert_not_found(
        bob.post(f"/journal/{ada_entry}/delete", data={"csrf_token": token}, headers=headers)
    )
    _assert_not_found(
        bob.delete(f"/journal/{ada_entry}", headers={**headers, "X-CSRFToken": token})
    )
    _ada_still_has_her_entry(client, ada_entry)


def test_another_user_cannot_attach_a_draft_to_an_entry_not_theirs(
    app: Flask, client: FlaskClient, ada_entry: str, bob: FlaskClient
) -> None:
    response = bob.post(
        f"/journal/drafts/{uuid.uuid4()}",
        data={"body": "Sneaky.", "entry_id": ada_entry, "csrf_token": csrf_token(bob, "/journal/")},
        headers=HTMX,
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Draft)).all() == []


def test_another_user_cannot_overwrite_a_draft_by_its_id(
    app: Flask, client: FlaskClient, ada_entry: str, bob: FlaskClient
) -> None:
    draft_id = str(uuid.uuid4())
    saved = client.post(
        f"/journal/drafts/{draft_id}",
        data={"body": "Ada's half-written thought.", "csrf_token": csrf_token(client, "/journal/")},
        headers=HTMX,
    )
    assert saved.status_code == 200

    overwrite = bob.post(
        f"/journal/drafts/{draft_id}",
        data={"body": "Bob's words.", "csrf_token": csrf_token(bob, "/journal/")},
        headers=HTMX,
    )
    assert overwrite.status_code == 404
    assert "Ada's half-written thought." not in markup(overwrite)

    # Bob cannot open or discard it either, and Ada still has her own words.
    assert "Ada's half-written thought." not in markup(bob.get(f"/journal/new?draft={draft_id}"))
    discard = bob.post(
        f"/journal/drafts/{draft_id}/discard", data={"csrf_token": csrf_token(bob, "/journal/")}
    )
    assert discard.status_code == 404
    restored = markup(client.get(f"/journal/new?draft={draft_id}"))
    assert ">Ada's half-written thought.</textarea>" in restored


@pytest.mark.parametrize(
    "path", ["/journal/not-a-uuid", "/journal/12345/edit", "/journal/%27%20OR%201=1--/delete"]
)
def test_a_malformed_entry_id_is_not_found(client: FlaskClient, ada_entry: str, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "Not found" in markup(response)


def test_a_malformed_draft_id_is_not_found(client: FlaskClient, ada_entry: str) -> None:
    response = client.post(
        "/journal/drafts/not-a-uuid",
        data={"body": "Words.", "csrf_token": csrf_token(client, "/journal/")},
        headers=HTMX,
    )
    assert response.status_code == 404


def test_an_entry_id_that_does_not_exist_is_not_found(client: FlaskClient, ada_entry: str) -> None:
    _assert_not_found(client.get(f"/journal/{uuid.uuid4()}"))


def test_a_therapist_cannot_see_a_patients_entry_by_its_id(
    app: Flask, client: FlaskClient, ada_entry: str, other_client: FlaskClient
) -> None:
    from journal.models.users import Role

    make_user(app, "dr.lee@example.com", role=Role.THERAPIST)
    login(other_client, "dr.lee@example.com")
    _assert_not_found(other_client.get(f"/journal/{ada_entry}"))
    with app.app_context():
        assert len(db.session.scalars(select(Entry)).all()) == 1


def test_a_patient_does_not_see_the_clinic_pages(ada_entry: str, client: FlaskClient) -> None:
    assert client.get("/clinic/patients").status_code == 404
