"""The words "Nobody watches this live" wherever a patient writes or shares: the journal
composer, a prompt's answer, and the share pages; and the after-effects list names
perceptual changes."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.content import load_after_effects
from journal.mood.moods import CATEGORY as CHECKINS
from tests.web.care_helpers import Pair, linked_pair, write
from tests.web.integ_helpers import log_done_session, prompt_url

SAID = "Nobody watches this live."


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


def test_said_on_the_composer_and_the_editor(pair: Pair) -> None:
    for path in ("/journal/", "/journal/new"):
        page = _page(pair.patient, path)
        assert SAID in page, path
        assert "What you write here is not seen by anyone as you write it." in page


def test_said_on_a_prompts_answer_page(pair: Pair) -> None:
    session_id = log_done_session(pair.patient, hours_ago=4.5)
    page = _page(pair.patient, prompt_url(session_id, "right-after-body"))
    assert SAID in page


def test_said_on_the_share_pages(pair: Pair) -> None:
    entry = write(pair.patient, "A line to share.")
    page = _page(pair.patient, f"/care/share?record=entries:{entry}")
    assert SAID in page
    assert "when they next open Fresh Tracks, not as you send it" in page
    page = _page(pair.patient, f"/care/therapists/{pair.link}/categories/{CHECKINS}")
    assert SAID in page


def test_after_effects_include_perceptual_changes() -> None:
    labels = [k.label for k in load_after_effects().kinds]
    assert "Perceptual changes" in labels
