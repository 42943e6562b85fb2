"""The checklist adaptation opens on the route of the patient's next session, known
only from a session the patient shared with the therapist (and logged as read); with
none shared, every route shows, and nothing about the patient's sessions is told."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.pages import csrf_token, markup, words
from tests.web.care_helpers import Pair, access_rows, linked_pair
from tests.web.care_prep_helpers import adaptation_url, share_refs
from tests.web.prep_helpers import in_hours, plan_session

PRESSED = re.compile(r'<button type="button" class="chip" aria-pressed="true" data-route="(\w*)"')


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _chosen(pair: Pair) -> list[str]:
    return PRESSED.findall(markup(pair.therapist.get(adaptation_url(pair))))


def test_the_route_of_the_next_shared_session_is_chosen_and_the_read_logged(
    app: Flask, pair: Pair
) -> None:
    done = plan_session(pair.patient, in_hours(-72), status="done", route="oral", setting="home")
    coming = plan_session(pair.patient, in_hours(48), route="im")
    later = plan_session(pair.patient, in_hours(24 * 9), route="intranasal")
    # Nothing shared: every route, and nothing read.
    assert _chosen(pair) == [""]
    assert not [r for r in access_rows(app) if r.via == "adaptation"]

    share_refs(pair.patient, pair.link, f"kap_sessions:{done}")
    assert _chosen(pair) == ["oral"]  # only a past one shared: the latest
    share_refs(pair.patient, pair.link, f"kap_sessions:{later}", f"kap_sessions:{coming}")
    assert _chosen(pair) == ["im"]  # the next planned one
    reads = [r for r in access_rows(app) if r.via == "adaptation"]
    assert len(reads) == 2 and {str(r.record_id) for r in reads} == {done, coming}
    assert "Chosen for you" in markup(pair.therapist.get(adaptation_url(pair)))
    log = words(pair.patient.get("/care/access-log"))
    assert "to see its route while adapting your checklist" in log


def test_a_page_with_errors_shows_every_route(app: Flask, pair: Pair) -> None:
    coming = plan_session(pair.patient, in_hours(48), route="im")
    share_refs(pair.patient, pair.link, f"kap_sessions:{coming}")
    url = adaptation_url(pair)
    refused = pair.therapist.post(
        url, data={"csrf_token": csrf_token(pair.therapist, url), "rows": "0"}
    )
    assert refused.status_code == 422
    assert PRESSED.findall(markup(refused)) == [""]
