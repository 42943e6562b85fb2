"""Words a patient reads on the day after dosing: route names as the route list spells
them, a visible label for each entry chosen to share, and when a put-off prompt returns."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from journal.entries import entries
from journal.entries.entries import EntryForm
from tests.factories import login, make_user
from tests.web.care_helpers import accept, invite
from tests.web.integ_helpers import log_done_session
from tests.web.prep_helpers import in_hours, plan_session, text_of

PATIENT = "words@example.com"


def test_the_checklist_names_the_route_as_the_route_list_spells_it(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, PATIENT)
    login(client, PATIENT)
    session_id = plan_session(client, in_hours(48), route="im")
    page = text_of(client.get(f"/sessions/{session_id}"))
    assert "Made for IM injection" in page
    assert "im injection" not in page


def test_each_entry_to_share_has_its_title_in_the_visible_label(
    app: Flask, client: FlaskClient
) -> None:
    from sqlalchemy import select

    from journal.accounts import accounts
    from journal.core.extensions import db
    from journal.models.users import Role, User
    from tests.factories import PASSWORD

    make_user(app, PATIENT)
    make_user(app, "words.therapist@example.com", Role.THERAPIST)
    therapist = app.test_client()
    login(therapist, "words.therapist@example.com")
    login(client, PATIENT)
    assert accept(client, invite(therapist)).status_code == 302
    with app.app_context():
        keys = accounts.authenticate(PATIENT, PASSWORD)
        user = db.session.scalar(select(User).where(User.email == PATIENT))
        assert user is not None
        entries.create_entry(user, keys.udk, EntryForm(title="River walk", body="Slow."))
        entries.create_entry(user, keys.udk, EntryForm(title="", body="No title."))
    html = client.get("/journal/").get_data(as_text=True)
    labels = [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(r'<label class="check select-entry">(.*?)</label>', html, re.S)
    ]
    assert sorted(labels) == ["Select “River walk” to share", "Select “Untitled entry” to share"]
    assert "visually-hidden" not in "".join(
        re.findall(r'<label class="check select-entry">(.*?)</label>', html, re.S)
    )


def test_putting_a_prompt_off_says_when_it_comes_back(app: Flask, client: FlaskClient) -> None:
    make_user(app, PATIENT)
    login(client, PATIENT)
    sid = log_done_session(client, hours_ago=5)
    # On a prompt's own page ("Not now"), and in the one-at-a-time flow ("Later").
    page = re.sub(r"<[^>]+>", "", text_of(client.get(f"/sessions/{sid}/prompts/day-one-surprised")))
    assert re.search(r"In 3 hours\s*\((today|tomorrow) at \d\d:\d\d\)", page)
    assert re.search(r"In the morning\s*\((today|tomorrow) at 09:00\)", page)
    flow = re.sub(r"<[^>]+>", "", text_of(client.get(f"/sessions/{sid}/after")))
    assert re.search(r"Later: it comes back (today|tomorrow) at \d\d:\d\d\.", flow)


def test_the_check_in_stays_at_the_top_of_home_until_done(app: Flask, client: FlaskClient) -> None:
    from tests.pages import csrf_token

    make_user(app, PATIENT)
    login(client, PATIENT)
    log_done_session(client, hours_ago=5)  # prompts are due on Home
    home = client.get("/").get_data(as_text=True)
    assert 'id="checkin-card"' in home and 'class="prompt-link"' in home
    assert home.index('id="checkin-card"') < home.index('class="prompt-link"')
    token = csrf_token(client, "/")
    saved = client.post("/mood/check-in", data={"mood": "3", "anxiety": "2", "csrf_token": token})
    assert saved.status_code in (200, 302, 303)
    home = client.get("/").get_data(as_text=True)
    assert home.index('class="prompt-link"') < home.index('id="checkin-card"')
