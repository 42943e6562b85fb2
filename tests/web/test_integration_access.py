"""Another patient's prompts, answers, drafts, after-effects and timeline groups are
404 at every route, and nothing of theirs changes."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.models.users import Role
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.integ_helpers import (
    add_after_effect,
    answer,
    autosave,
    log_done_session,
    prompt,
    prompt_url,
    skip,
    snooze,
)
from tests.web.prep_helpers import in_hours as hours_from_now
from tests.web.prep_helpers import local_fields, text_of


@pytest.fixture
def two(app: Flask, client: FlaskClient, other_client: FlaskClient) -> tuple[str, str]:
    """Bea's done session with an answer and an after-effect; Ada logged in on `client`."""
    make_user(app, "ada@example.com")
    make_user(app, "bea@example.com")
    login(other_client, "bea@example.com")
    sid = log_done_session(other_client, hours_ago=5)
    answer(other_client, sid, "day-one-surprised", "Bea's own words.")
    response = add_after_effect(
        other_client,
        sid,
        kind="nausea",
        severity="mild",
        **local_fields(hours_from_now(-1), "Europe/Berlin"),
    )
    effect_id = response.headers["Location"].rsplit("#effect-", 1)[1]
    login(client, "ada@example.com")
    return sid, effect_id


def test_another_patients_prompts_are_not_found_anywhere(
    app: Flask, client: FlaskClient, two: tuple[str, str]
) -> None:
    sid, _ = two
    key = "day-one-surprised"
    before = prompt(app, sid, key)
    responses = [
        client.get(prompt_url(sid, key)),
        answer(client, sid, key, "Ada overwriting."),
        skip(client, sid, key),
        snooze(client, sid, key, "3h"),
        autosave(client, sid, key, "Ada's draft."),
        client.get(f"/sessions/{sid}"),
        client.get(f"/journal/timeline/{sid}"),
    ]
    assert [r.status_code for r in responses] == [404] * len(responses)
    for r in responses:
        assert "Bea's own words." not in text_of(r)
    after = prompt(app, sid, key)
    assert (after.state, after.revision, after.payload_sealed) == (
        before.state,
        before.revision,
        before.payload_sealed,
    )


def test_another_patients_after_effects_are_not_found(
    app: Flask, client: FlaskClient, other_client: FlaskClient, two: tuple[str, str]
) -> None:
    sid, effect_id = two
    token = csrf_token(client, "/")
    responses = [
        client.get(f"/sessions/{sid}/after-effects"),
        client.get(f"/sessions/{sid}/after-effects/new?kind=nausea"),
        add_after_effect(client, sid, kind="nausea", severity="mild", date="2026-01-01"),
        client.post(
            f"/sessions/{sid}/after-effects/{effect_id}/delete", data={"csrf_token": token}
        ),
    ]
    assert [r.status_code for r in responses] == [404] * len(responses)
    # Ada's own session does not reach Bea's line either.
    mine = log_done_session(client, hours_ago=5)
    crossed = client.post(
        f"/sessions/{mine}/after-effects/{effect_id}/delete", data={"csrf_token": token}
    )
    assert crossed.status_code == 404
    assert "Nausea, mild" in text_of(other_client.get(f"/sessions/{sid}/after-effects"))


def test_answers_by_prompt_and_the_timeline_show_only_ones_own(
    app: Flask, client: FlaskClient, two: tuple[str, str]
) -> None:
    assert client.get("/journal/answers/day-one-surprised").status_code == 404
    assert "Bea's own words." not in text_of(client.get("/journal/answers"))
    assert "Bea's own words." not in text_of(client.get("/journal/timeline"))
    assert "Bea's own words." not in text_of(client.get("/"))


def test_a_therapist_cannot_reach_a_patients_prompts_or_after_effects(
    app: Flask, two: tuple[str, str]
) -> None:
    sid, _ = two
    make_user(app, "dr@example.com", Role.THERAPIST)
    therapist = app.test_client()
    login(therapist, "dr@example.com")
    assert therapist.get(prompt_url(sid, "day-one-surprised")).status_code == 404
    assert therapist.get(f"/sessions/{sid}/after-effects").status_code == 404
