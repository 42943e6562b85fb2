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


def test_the_plan_has_the_six_stanley_brown_steps_and_what_matters_most(
    ada: FlaskClient,
) -> None:
    page = html.unescape(ada.get("/help/safety-plan").get_data(as_text=True))
    steps = [
        "Step 1: My warning signs",
        "Step 2: Things I can do on my own",
        "Step 3: People and places that help",
        "Step 4: People I can ask for help",
        "Step 5: Professionals I can call",
        "Step 6: Making the environment safe",
    ]
    positions = [page.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "The one thing most important to me" in page
    _save(
        ada,
        safe_environment="Give the pills to Sam to keep.",
        reasons_for_living="My daughter.",
    )
    card = html.unescape(ada.get("/help/").get_data(as_text=True))
    assert "Making the environment safe" in card
    assert "Give the pills to Sam to keep." in card
    assert "My daughter." in card


def test_phone_numbers_in_the_plan_are_tap_to_call_links(ada: FlaskClient) -> None:
    _save(
        ada,
        people_to_call="My sister Jo, 555 0100 (evenings), since 2019",
        professionals="Dr Lee +1 (555) 010-0199; or 988",
        warning_signs="<b>not markup</b> 555 0123",
    )
    page = ada.get("/help/").get_data(as_text=True)
    assert '<a class="plan-phone" href="tel:5550100">555 0100</a>' in page
    assert '<a class="plan-phone" href="tel:+15550100199">+1 (555) 010-0199</a>' in page
    assert '<a class="plan-phone" href="tel:988">988</a>' in page
    assert "tel:2019" not in page  # a year stays text
    assert "&lt;b&gt;not markup&lt;/b&gt; " in page
    assert "<b>not markup</b>" not in page
