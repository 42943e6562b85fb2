"""Intentions: one sentence per session, guiding questions that follow the series,
and the earlier intentions beside the new one."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.pages import csrf_token
from tests.web.prep_helpers import field_errors, in_hours, plan_session, text_of


def _write(client: FlaskClient, session_id: str, text: str) -> TestResponse:
    path = f"/sessions/{session_id}/intention"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "text": text})


@pytest.mark.parametrize(
    ("series", "position", "question", "label"),
    [
        ("induction", "1", "What brought you to this treatment?", "first sessions"),
        ("induction", "2", "What are you curious about?", "first sessions"),
        (
            "induction",
            "4",
            "What came up last time that you'd like to go back to?",
            "as the series",
        ),
        (
            "maintenance",
            "",
            "Which changes from earlier sessions do you want to strengthen?",
            "maintenance",
        ),
    ],
)
def test_the_guiding_questions_follow_the_place_in_the_series(
    ada: FlaskClient, series: str, position: str, question: str, label: str
) -> None:
    session_id = plan_session(ada, in_hours(30), series=series, series_position=position)
    page = text_of(ada.get(f"/sessions/{session_id}/intention"))
    assert question in page
    assert f"Questions to help: {label}" in page
    assert "optional" in page


def test_a_saved_intention_shows_on_the_session_and_ticks_its_checklist_item(
    ada: FlaskClient,
) -> None:
    session_id = plan_session(ada, in_hours(30))
    response = _write(ada, session_id, "To stay with\nwhatever comes,  gently.")
    assert response.status_code == 303
    page = ada.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "To stay with whatever comes, gently." in page
    item = page.split('id="item-write-intention"')[1].split("</li>")[0]
    assert 'aria-pressed="true"' in item

    assert _write(ada, session_id, "To rest.").status_code == 303
    edited = text_of(ada.get(f"/sessions/{session_id}/intention"))
    assert "To rest." in edited and "whatever comes" not in edited
    assert "Save changes" in edited


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "Write your intention"), ("word " * 120, "keep it under 500")],
)
def test_an_empty_or_overlong_intention_is_refused_and_kept(
    ada: FlaskClient, text: str, message: str
) -> None:
    session_id = plan_session(ada, in_hours(30))
    response = _write(ada, session_id, text)
    assert response.status_code == 422
    assert any(message in e for e in field_errors(response))
    if text.strip():
        assert text.strip() in text_of(response)


def test_earlier_intentions_sit_beside_the_new_one_newest_first(ada: FlaskClient) -> None:
    first = plan_session(ada, in_hours(-300), status="done", series_position="1")
    second = plan_session(ada, in_hours(-150), status="done", series_position="2")
    cancelled = plan_session(ada, in_hours(10), series_position="3")
    current = plan_session(ada, in_hours(30), series_position="4")
    later = plan_session(ada, in_hours(200), series_position="5")
    for session_id, text in [
        (first, "To notice what I feel."),
        (second, "To be curious about the heaviness."),
        (cancelled, "Never happened."),
        (later, "Something for the future."),
    ]:
        assert _write(ada, session_id, text).status_code == 303
    ada.post(f"/sessions/{cancelled}/cancel", data={"csrf_token": csrf_token(ada, "/sessions/")})

    page = text_of(ada.get(f"/sessions/{current}/intention"))
    earlier = page.split("Your earlier intentions")[1]
    assert earlier.index("To be curious about the heaviness.") < earlier.index(
        "To notice what I feel."
    )
    assert "Induction 2 of 6" in earlier
    assert "Something for the future." not in page
    assert "Never happened." not in page


def test_with_no_earlier_intentions_the_page_says_where_they_will_appear(
    ada: FlaskClient,
) -> None:
    session_id = plan_session(ada, in_hours(30))
    page = text_of(ada.get(f"/sessions/{session_id}/intention"))
    assert "will show here" in page
