"""Free journal entries with tags, optionally about a session: both sealed with the
entry, checked as typed, kept through edits and through a revoked share."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.care_helpers import linked_pair, shares
from tests.web.integ_helpers import log_done_session, write_entry
from tests.web.prep_helpers import field_errors, in_hours, plan_session, text_of


@pytest.fixture
def patient(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    return client


def _entry_id(response: object) -> str:
    location: str = response.headers["Location"]  # type: ignore[attr-defined]
    return location.removeprefix("/journal/")


def test_an_entry_keeps_its_tags_and_the_session_it_is_about(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=30)
    response = write_entry(
        patient, "Talked to Mum.", tags=" family, #sleep ,Family,  big   day", session=sid
    )
    assert response.status_code == 302
    page = text_of(patient.get(response.headers["Location"]))
    assert "family" in page and "sleep" in page and "big day" in page
    assert page.count(">family<") == 1  # "Family" was the same tag
    assert "About the session of" in page and f"/sessions/{sid}" in page

    edit = text_of(patient.get(response.headers["Location"] + "/edit"))
    assert 'value="family, sleep, big day"' in edit
    assert f'<option value="{sid}" selected>' in edit


def test_the_writer_can_start_from_a_session(app: Flask, patient: FlaskClient) -> None:
    sid = log_done_session(patient, hours_ago=30)
    page = patient.get(f"/journal/new?session={sid}").get_data(as_text=True)
    assert f'<option value="{sid}" selected>' in page


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (",".join(f"t{i}" for i in range(13)), "at most 12 tags"),
        ("x" * 41, "under 40 characters"),
    ],
)
def test_too_many_or_too_long_tags_are_refused_with_the_text_kept(
    app: Flask, patient: FlaskClient, tags: str, message: str
) -> None:
    response = write_entry(patient, "Body that must survive.", tags=tags)
    assert response.status_code == 422
    assert any(message in e for e in field_errors(response))
    assert "Body that must survive." in text_of(response)


def test_an_entry_cannot_be_tied_to_someone_elses_or_a_cancelled_session(
    app: Flask, patient: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "bea@example.com")
    login(other_client, "bea@example.com")
    hers = plan_session(other_client, in_hours(30))
    mine = plan_session(patient, in_hours(50))
    patient.post(
        f"/sessions/{mine}/cancel", data={"csrf_token": csrf_token(patient, f"/sessions/{mine}")}
    )
    for session in (hers, mine, "not-a-session"):
        response = write_entry(patient, "Kept when refused.", session=session)
        assert response.status_code == 422
        assert "Choose one of your sessions, or none." in field_errors(response)
        assert "Kept when refused." in text_of(response)


def test_tags_and_session_survive_a_revoked_share(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = linked_pair(app, other_client, client)
    sid = log_done_session(pair.patient, hours_ago=30)
    entry = _entry_id(write_entry(pair.patient, "Shared entry.", tags="courage", session=sid))
    pair.patient.post(
        "/care/share",
        data={
            "csrf_token": csrf_token(pair.patient, "/care/"),
            "link": str(pair.link),
            "record": f"entries:{entry}",
        },
    )
    share = shares(app)[0]
    pair.patient.post(
        f"/care/shares/{share.id}/revoke", data={"csrf_token": csrf_token(pair.patient, "/care/")}
    )
    page = text_of(pair.patient.get(f"/journal/{entry}"))
    assert "courage" in page and "About the session of" in page


def test_a_tag_opens_the_entries_with_that_tag_without_putting_it_in_a_url(
    patient: FlaskClient,
) -> None:
    write_entry(patient, "Slept badly again.", tags="sleep")
    write_entry(patient, "A walk by the river.", tags="outside")
    journal = patient.get("/journal/").get_data(as_text=True)
    # Each tag is a small form posting to the search: never a link with the tag in it.
    assert 'aria-label="Entries tagged sleep"' in journal
    assert "?tag=" not in journal and "tag=sleep" not in journal
    form = journal.split('<input type="hidden" name="tag" value="sleep">')[0].rsplit("<form", 1)[1]
    assert 'action="/journal/search"' in form and 'method="post"' in form
    results = text_of(
        patient.post(
            "/journal/search", data={"tag": "sleep", "csrf_token": csrf_token(patient, "/journal/")}
        )
    )
    assert "Slept badly again." in results
    assert "A walk by the river." not in results
