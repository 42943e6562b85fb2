"""The safety plan: a simple page to write it, kept as typed, shown on the card."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.mood.safety_plans import SECTION_MAX, SECTIONS
from tests.conftest import csrf_token
from tests.factories import login, make_user


@pytest.fixture
def ada(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    assert login(client, "ada@example.com").status_code == 302
    return client


def _save(client: FlaskClient, **sections: str) -> object:
    return client.post(
        "/help/safety-plan",
        data={**sections, "csrf_token": csrf_token(client, "/help/safety-plan")},
    )


def test_the_page_asks_for_each_part_of_a_plan(ada: FlaskClient) -> None:
    page = html.unescape(ada.get("/help/safety-plan").get_data(as_text=True))
    for section in SECTIONS:
        assert section.title in page
        assert f'name="{section.key}"' in page


def test_a_plan_is_saved_edited_and_shown_on_the_card(ada: FlaskClient) -> None:
    response = _save(
        ada, warning_signs="Not sleeping.\nSkipping meals.", coping_steps="Walk the dog"
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    card = html.unescape(ada.get("/help/").get_data(as_text=True))
    assert "Safety plan saved." in card
    assert "Not sleeping.\nSkipping meals." in card
    assert "Walk the dog" in card
    assert "Professionals I can call" not in card  # empty parts are left out
    form = html.unescape(ada.get("/help/safety-plan").get_data(as_text=True))
    assert ">Walk the dog</textarea>" in form
    _save(ada, coping_steps="Call Sam")
    card = html.unescape(ada.get("/help/").get_data(as_text=True))
    assert "Call Sam" in card and "Not sleeping." not in card


def test_too_long_a_part_is_refused_and_everything_typed_kept(ada: FlaskClient) -> None:
    response = ada.post(
        "/help/safety-plan",
        data={
            "warning_signs": "x" * (SECTION_MAX + 1),
            "professionals": "Dr Lee 555 0199",
            "csrf_token": csrf_token(ada, "/help/safety-plan"),
        },
    )
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Keep “My warning signs” under 2,000 characters." in page
    assert ">Dr Lee 555 0199</textarea>" in page
    assert "Dr Lee" not in html.unescape(ada.get("/help/").get_data(as_text=True))


def test_an_empty_plan_still_invites_writing_one(ada: FlaskClient) -> None:
    _save(ada)
    assert "You have not written a safety plan yet" in html.unescape(
        ada.get("/help/").get_data(as_text=True)
    )
