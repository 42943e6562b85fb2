"""Another patient's results, check-ins and safety plan: never seen, never touched."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.models.users import Role
from tests.factories import login, make_user
from tests.pages import csrf_token, markup
from tests.web.helpers import BOOSTED, HTMX
from tests.web.mood_helpers import checkin, finish_at_once, phq9


@pytest.fixture
def bob(app: Flask, other_client: FlaskClient) -> FlaskClient:
    make_user(app, "bob@example.com")
    assert login(other_client, "bob@example.com").status_code == 302
    return other_client


@pytest.mark.parametrize("headers", [{}, HTMX, BOOSTED], ids=["page", "htmx", "boosted"])
def test_another_users_result_is_404(
    ada: FlaskClient, bob: FlaskClient, headers: dict[str, str]
) -> None:
    location = finish_at_once(ada, "phq9", phq9(3, others=3)).headers["Location"]
    response = bob.get(location, headers=headers)
    assert response.status_code == 404
    text = markup(response)
    assert "Not found" in text
    # The score (27, "Severe") must not show; "27" alone could appear in a random token.
    assert re.search(r">\s*27\b", text) is None and "Severe" not in text
    assert "crisis-card" not in text
    assert ada.get(location).status_code == 200


@pytest.mark.parametrize("result_id", [str(uuid.uuid4()), "not-a-uuid", "1"])
def test_unknown_result_ids_are_404(ada: FlaskClient, result_id: str) -> None:
    assert ada.get(f"/mood/results/{result_id}").status_code == 404


def test_an_idempotency_key_never_reaches_across_users(ada: FlaskClient, bob: FlaskClient) -> None:
    key = str(uuid.uuid4())
    adas = finish_at_once(ada, "phq9", phq9(0), key=key).headers["Location"]
    bobs = finish_at_once(bob, "phq9", phq9(0, others=0), key=key).headers["Location"]
    assert adas != bobs
    assert "Total 0 of 27" in markup(bob.get(bobs))


def test_each_patient_has_their_own_day_and_plan(ada: FlaskClient, bob: FlaskClient) -> None:
    checkin(ada, mood="1", anxiety="5", note="Ada's note")
    assert "Ada's note" not in markup(bob.get("/mood/"))
    assert "Save check-in" in markup(bob.get("/"))  # Bob has not checked in today
    ada.post(
        "/help/safety-plan",
        data={
            "warning_signs": "Ada's warning signs",
            "csrf_token": csrf_token(ada, "/help/safety-plan"),
        },
    )
    assert "Ada's warning signs" not in markup(bob.get("/help/"))
    assert "Ada's warning signs" not in markup(bob.get("/help/safety-plan"))
    assert "Ada's warning signs" in markup(ada.get("/help/"))


def test_mood_pages_need_a_login(client: FlaskClient) -> None:
    for path in ("/mood/", "/mood/charts", "/mood/measures/phq9", "/help/safety-plan"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]
    response = client.post("/mood/check-in", data={"mood": "3"})
    assert response.status_code in (302, 400)


def test_the_mood_nav_item_is_there_for_patients_only(
    app: Flask, ada: FlaskClient, other_client: FlaskClient
) -> None:
    nav = markup(ada.get("/mood/"))
    assert '<a href="/mood/" aria-current="page">Mood</a>' in nav
    order = [nav.index(f">{label}</a>") for label in ("Home", "Journal", "Mood", "Settings")]
    assert order == sorted(order)
    make_user(app, "dr@example.com", Role.THERAPIST)
    login(other_client, "dr@example.com")
    assert ">Mood</a>" not in markup(other_client.get("/settings/"))
