"""The at-home page (the sitter's list, blood pressure and dose times, large and dark)
and the one-time "talk to your provider about" self-check."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from journal.content import load_self_check
from journal.models.types import utcnow
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.prep_helpers import field_errors, in_hours, plan_session, set_time_zone, text_of

BERLIN = "Europe/Berlin"


@pytest.fixture
def ada(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    set_time_zone(app, "ada@example.com", BERLIN)
    login(client, "ada@example.com")
    return client


@pytest.fixture
def home_session(ada: FlaskClient) -> str:
    return plan_session(ada, in_hours(1), BERLIN, route="oral", setting="home")


def _log(client: FlaskClient, session_id: str, **data: str) -> TestResponse:
    data["csrf_token"] = csrf_token(client, f"/sessions/{session_id}/during")
    return client.post(f"/sessions/{session_id}/log", data=data)


def _lines(client: FlaskClient, session_id: str) -> list[str]:
    page = text_of(client.get(f"/sessions/{session_id}/during"))
    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'log-what">(.*?)</span>', page)]


# -- the at-home page ----------------------------------------------------------------


def test_the_at_home_page_is_dark_large_and_honest_about_monitoring(
    ada: FlaskClient, home_session: str
) -> None:
    page = text_of(ada.get(f"/sessions/{home_session}/during"))
    assert 'class="night-mode"' in page
    assert "Nobody watches this log live" in page
    assert "call your local emergency number" in page
    # The sitter's own list, not the patient's.
    assert 'id="item-sitter-stay-whole-time"' in page
    assert 'id="item-sitter-log-dose-times"' in page
    assert 'id="item-confirm-sitter"' not in page
    session_page = text_of(ada.get(f"/sessions/{home_session}"))
    assert f"/sessions/{home_session}/during" in session_page
    assert 'id="item-sitter-stay-whole-time"' not in session_page


def test_a_sitter_tick_without_javascript_comes_back_to_the_at_home_page(
    ada: FlaskClient, home_session: str
) -> None:
    token = csrf_token(ada, f"/sessions/{home_session}/during")
    response = ada.post(
        f"/sessions/{home_session}/checklist/sitter-phone-ready",
        data={"csrf_token": token, "done": "1", "place": "during"},
    )
    assert response.headers["Location"] == (
        f"/sessions/{home_session}/during#item-sitter-phone-ready"
    )
    page = ada.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="progress-sitter" role="status">1 of ' in page


def test_readings_and_doses_are_logged_newest_first_in_local_time(
    ada: FlaskClient, home_session: str
) -> None:
    assert (
        _log(ada, home_session, kind="reading", systolic="128", diastolic="84").status_code == 303
    )
    assert _log(ada, home_session, kind="dose", note="first troche").status_code == 303
    assert (
        _log(ada, home_session, kind="reading", systolic="135", diastolic="88", pulse="72")
    ).status_code == 303
    assert _lines(ada, home_session) == ["135/88, pulse 72", "Dose taken · first troche", "128/84"]


def test_a_typed_time_is_the_patients_local_time(ada: FlaskClient, home_session: str) -> None:
    earlier = utcnow().astimezone(ZoneInfo(BERLIN)).replace(second=0, microsecond=0)
    earlier = earlier.replace(minute=0)
    typed = earlier.strftime("%H:%M")
    assert _log(ada, home_session, kind="dose", time=typed).status_code == 303
    page = ada.get(f"/sessions/{home_session}/during").get_data(as_text=True)
    assert (
        f'<span class="log-time"><time datetime="{earlier.astimezone(ZoneInfo("UTC")).isoformat()}'
        in page
    )
    assert f">{typed}</time>" in page


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"systolic": "59", "diastolic": "40"},
            "top number (systolic) should be between 60 and 260",
        ),
        ({"systolic": "261", "diastolic": "90"}, "between 60 and 260; 261 is outside that"),
        (
            {"systolic": "120", "diastolic": "29"},
            "bottom number (diastolic) should be between 30 and 160",
        ),
        ({"systolic": "200", "diastolic": "161"}, "between 30 and 160"),
        ({"systolic": "120/80", "diastolic": ""}, "whole number"),
        ({"systolic": "", "diastolic": "80"}, "Enter the top number"),
        ({"systolic": "80", "diastolic": "120"}, "always the larger one"),
        (
            {"systolic": "120", "diastolic": "80", "pulse": "300"},
            "pulse should be between 30 and 220",
        ),
        ({"systolic": "120", "diastolic": "80", "time": "25:99"}, "hours:minutes"),
    ],
)
def test_a_reading_out_of_range_says_so_and_keeps_what_was_typed(
    ada: FlaskClient, home_session: str, values: dict[str, str], message: str
) -> None:
    response = _log(ada, home_session, kind="reading", **values)
    assert response.status_code == 422
    assert any(message in e for e in field_errors(response)), field_errors(response)
    page = response.get_data(as_text=True)
    for name, typed in values.items():
        if typed:
            assert f'name="{name}" type=' in page
            assert f'value="{typed}"' in page, name
    assert _lines(ada, home_session) == []


def test_a_line_logged_by_mistake_can_be_removed(ada: FlaskClient, home_session: str) -> None:
    _log(ada, home_session, kind="reading", systolic="128", diastolic="84")
    page = ada.get(f"/sessions/{home_session}/during").get_data(as_text=True)
    remove = re.search(rf'action="(/sessions/{home_session}/log/[0-9a-f-]+/delete)"', page)
    assert remove
    token = csrf_token(ada, f"/sessions/{home_session}/during")
    assert ada.post(remove.group(1), data={"csrf_token": token}).status_code == 303
    assert _lines(ada, home_session) == []


# -- the self-check ------------------------------------------------------------------


def _all_answers(**chosen: str) -> dict[str, str]:
    answers = {item.key: "no" for item in load_self_check().items}
    answers.update(chosen)
    return answers


def test_the_self_check_is_offered_until_answered_and_says_it_diagnoses_nothing(
    ada: FlaskClient,
) -> None:
    listing = text_of(ada.get("/sessions/"))
    assert "Before your first session" in listing
    page = text_of(ada.get("/sessions/self-check"))
    assert "doesn't diagnose anything" in page
    assert "Only you can see them" in page

    data = _all_answers(**{"blood-pressure": "yes", "past-reaction-to-ketamine": "not_sure"})
    data["csrf_token"] = csrf_token(ada, "/sessions/self-check")
    assert ada.post("/sessions/self-check", data=data).status_code == 303

    saved = text_of(ada.get("/sessions/self-check"))
    bring_up = saved.split("To bring up with your prescriber")[1].split("</ul>")[0]
    assert "Do you have high blood pressure?" in bring_up
    assert "bad reaction to ketamine" in bring_up
    assert "pregnant" not in bring_up
    assert 'value="yes" checked' in saved
    listing = text_of(ada.get("/sessions/"))
    assert "Before your first session" not in listing
    assert "your answers" in listing


def test_an_unanswered_question_is_named_and_the_other_answers_are_kept(
    ada: FlaskClient,
) -> None:
    data = _all_answers(pregnancy="yes")
    del data["liver"]
    data["csrf_token"] = csrf_token(ada, "/sessions/self-check")
    response = ada.post("/sessions/self-check", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "“Not sure” is an answer too" in page
    assert 'href="#f-liver">Do you have liver problems?' in page
    assert page.count('value="yes" checked') == 1
    assert "Before your first session" in text_of(ada.get("/sessions/"))
