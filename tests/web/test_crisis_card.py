"""PHQ-9 item 9 above 0 shows the crisis card at once and before the score, however
the page is reached; the card can be reopened from every page; the lines are
configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.mood import crisis
from journal.mood.crisis import CrisisConfigError
from tests.factories import login, make_user
from tests.pages import csrf_token, markup
from tests.web.helpers import BOOSTED, HTMX
from tests.web.mood_helpers import CRISIS_MARKERS, finish_at_once, form_fields, phq9, step, walk

WAYS = {"plain form post": {}, "htmx": HTMX, "boosted htmx": BOOSTED}


def _shows_crisis_card(page: str) -> bool:
    return all(marker in page for marker in CRISIS_MARKERS)


@pytest.mark.parametrize("item9", [1, 2, 3])
@pytest.mark.parametrize("way", list(WAYS))
def test_item_9_above_zero_puts_the_crisis_card_before_the_score(
    ada: FlaskClient, item9: int, way: str
) -> None:
    response = walk(ada, "phq9", list(phq9(item9).values()), headers=WAYS[way])
    assert response.status_code == 200
    page = markup(response)
    assert _shows_crisis_card(page), page
    assert page.index("crisis-card") < page.index("Total ")
    # The card is in the piece htmx swaps in, and in the full page otherwise.
    assert ("<html" in page) == (way != "htmx")
    assert 'href="sms:741741?&body=HOME"' in page
    assert 'href="tel:911"' in page


@pytest.mark.parametrize("way", list(WAYS))
def test_item_9_at_zero_shows_the_score_and_no_crisis_card(ada: FlaskClient, way: str) -> None:
    response = walk(ada, "phq9", list(phq9(0).values()), headers=WAYS[way])
    page = markup(response)
    assert response.status_code == 200
    assert "Total 8 of 27" in page
    assert "crisis-card" not in page
    assert "Nobody watches this app live" not in page


@pytest.mark.parametrize("item9", [0, 1, 2, 3])
@pytest.mark.parametrize("way", list(WAYS))
def test_the_screen_right_after_item_9_shows_the_card_at_once(
    ada: FlaskClient, item9: int, way: str
) -> None:
    """Not only at the end: the very next screen (the optional difficulty question)."""
    carried = {
        **form_fields(ada.get("/mood/measures/phq9").get_data(as_text=True)),
        **{f"q{n}": "0" for n in range(1, 9)},
        "step": "9",
    }
    response = step(ada, "phq9", carried, {"q9": str(item9)}, headers=WAYS[way])
    page = markup(response)
    assert response.status_code == 200
    assert "how difficult have these problems made it" in page
    assert _shows_crisis_card(page) == (item9 > 0)
    if item9:
        assert page.index("crisis-card") < page.index("how difficult")


def test_a_direct_final_post_with_item_9_positive_shows_the_card(ada: FlaskClient) -> None:
    response = finish_at_once(ada, "phq9", phq9(2), follow=True)
    assert _shows_crisis_card(markup(response))


def test_the_crisis_card_shows_the_patients_own_safety_plan(ada: FlaskClient) -> None:
    response = ada.post(
        "/help/safety-plan",
        data={
            "warning_signs": "I stop answering messages.",
            "people_to_call": "My sister Jo, 555 0100",
            "csrf_token": csrf_token(ada, "/help/safety-plan"),
        },
    )
    assert response.status_code == 302
    page = markup(walk(ada, "phq9", list(phq9(1).values())))
    assert "Your safety plan" in page
    assert "I stop answering messages." in page
    assert 'My sister Jo, <a class="plan-phone" href="tel:5550100">555 0100</a>' in page
    assert page.index("crisis-card") < page.index("Total ")


def test_without_a_safety_plan_the_card_invites_one(ada: FlaskClient) -> None:
    page = markup(walk(ada, "phq9", list(phq9(3).values())))
    assert "You have not written a safety plan yet" in page
    assert "/help/safety-plan" in page


def test_a_get_help_link_is_on_every_patient_page(ada: FlaskClient) -> None:
    for path in ("/", "/journal/", "/mood/", "/mood/charts", "/settings/", "/mood/measures/gad7"):
        page = ada.get(path).get_data(as_text=True)
        assert 'class="help-link" href="/help/"' in page, path


def test_the_help_page_opens_for_anyone_even_logged_out(client: FlaskClient) -> None:
    landing = client.get("/").get_data(as_text=True)
    assert 'href="/help/"' in landing
    page = markup(client.get("/help/"))
    assert _shows_crisis_card(page)
    assert "Call or text 988" in page
    assert "Text HOME to 741741" in page
    assert "Log in" in page
    assert "Write your safety plan" not in page


def test_therapists_have_no_get_help_link_but_can_open_the_page(
    app: Flask, client: FlaskClient
) -> None:
    from journal.models.users import Role

    make_user(app, "dr@example.com", Role.THERAPIST)
    login(client, "dr@example.com")
    assert "help-link" not in client.get("/settings/").get_data(as_text=True)
    assert client.get("/help/").status_code == 200


def test_the_result_page_reopened_later_still_shows_the_card_first(ada: FlaskClient) -> None:
    done = finish_at_once(ada, "phq9", phq9(1))
    assert done.status_code == 303
    for headers in WAYS.values():
        page = markup(ada.get(done.headers["Location"], headers=headers))
        assert _shows_crisis_card(page)
        assert page.index("crisis-card") < page.index("Total ")


def test_crisis_lines_come_from_the_configured_region(
    app: Flask, ada: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ZZ.json").write_text(
        json.dumps(
            {
                "region": "ZZ",
                "name": "Testland",
                "lines": [
                    {
                        "name": "Testland Helpline",
                        "description": "Call 116 123, free.",
                        "actions": [{"kind": "tel", "number": "116123", "label": "Call 116 123"}],
                    }
                ],
            }
        )
    )
    monkeypatch.setattr(crisis, "CRISIS_DIR", tmp_path)
    monkeypatch.setitem(app.config, "CRISIS_REGION", "ZZ")
    crisis._load.cache_clear()
    try:
        page = markup(ada.get("/help/"))
        assert "Testland Helpline" in page
        assert 'href="tel:116123"' in page
        assert "tel:988" not in page and "sms:988" not in page
    finally:
        crisis._load.cache_clear()


def test_the_app_refuses_to_start_with_an_unknown_crisis_region() -> None:
    """The check runs when the help blueprint is registered, inside create_app. A bare
    app shows it without a second create_app (which would rebind shared extensions)."""
    from journal.mood.views import safety

    for region, message in (
        ("QQ", "No crisis lines for CRISIS_REGION=QQ"),
        ("../etc", "country code"),
    ):
        bare = Flask("crisis-check")
        bare.config["CRISIS_REGION"] = region
        with pytest.raises(CrisisConfigError, match=message):
            bare.register_blueprint(safety.bp)
    fine = Flask("crisis-check")
    fine.config["CRISIS_REGION"] = "US"
    fine.register_blueprint(safety.bp)
