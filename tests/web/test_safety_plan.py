"""The safety plan: a simple page to write it, kept as typed, shown on the card."""

from __future__ import annotations

import html

from flask.testing import FlaskClient

from journal.mood.safety_plans import SECTION_MAX, SECTIONS
from tests.pages import csrf_token, markup


def _save(client: FlaskClient, **sections: str) -> object:
    return client.post(
        "/help/safety-plan",
        data={**sections, "csrf_token": csrf_token(client, "/help/safety-plan")},
    )


def test_the_page_asks_for_each_part_of_a_plan(ada: FlaskClient) -> None:
    page = markup(ada.get("/help/safety-plan"))
    for section in SECTIONS:
        assert section.title in page
        assert f'name="{section.key}"' in page


def test_a_plan_is_saved_edited_and_shown_on_the_card(ada: FlaskClient) -> None:
    response = _save(
        ada, warning_signs="Not sleeping.\nSkipping meals.", coping_steps="Walk the dog"
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    card = markup(ada.get("/help/"))
    assert "Safety plan saved." in card
    assert "Not sleeping.\nSkipping meals." in card
    assert "Walk the dog" in card
    assert "Professionals I can call" not in card  # empty parts are left out
    form = markup(ada.get("/help/safety-plan"))
    assert ">Walk the dog</textarea>" in form
    _save(ada, coping_steps="Call Sam")
    card = markup(ada.get("/help/"))
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
    page = markup(response)
    assert "Keep “My warning signs” under 2,000 characters." in page
    assert ">Dr Lee 555 0199</textarea>" in page
    assert "Dr Lee" not in markup(ada.get("/help/"))


def test_an_empty_plan_still_invites_writing_one(ada: FlaskClient) -> None:
    _save(ada)
    assert "You have not written a safety plan yet" in html.unescape(
        ada.get("/help/").get_data(as_text=True)
    )
