"""Export: everything as JSON (decrypted), and a printable document for a date range."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.entries import Entry
from journal.models.types import utcnow
from journal.your_data import export
from tests.factories import login, make_user, write_entry
from tests.pages import csrf_token, markup
from tests.web.helpers import HTMX


def _ada(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    return client


def _download(client: FlaskClient) -> TestResponse:
    return client.post(
        "/settings/export/json", data={"csrf_token": csrf_token(client, "/settings/export")}
    )


def test_the_json_export_holds_every_entry_and_draft_decrypted(
    app: Flask, client: FlaskClient
) -> None:
    ada = _ada(app, client)
    write_entry(ada, "First body.\nSecond line.", title="First")
    write_entry(ada, "No title here.")
    draft_id = str(uuid.uuid4())
    ada.post(
        f"/journal/drafts/{draft_id}",
        data={
            "title": "Half",
            "body": "Half a thought",
            "csrf_token": csrf_token(ada, "/journal/"),
        },
        headers=HTMX,
    )
    response = _download(ada)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="fresh-tracks-export-')
    assert response.headers["Cache-Control"] == "no-store"

    data = json.loads(response.get_data())
    assert data["format"] == "fresh-tracks-export" and data["version"] == 1
    assert data["account"]["email"] == "ada@example.com"
    assert data["account"]["role"] == "patient"
    assert [(e["title"], e["body"]) for e in data["entries"]] == [
        ("First", "First body.\nSecond line."),
        ("", "No title here."),
    ]
    assert set(data["entries"][0]) == {
        "id",
        "created_at",
        "updated_at",
        "title",
        "body",
        "tags",
        "session_id",
    }
    assert (data["entries"][0]["tags"], data["entries"][0]["session_id"]) == ([], None)
    assert data["drafts"] == [
        {
            "id": draft_id,
            "entry_id": None,
            "updated_at": data["drafts"][0]["updated_at"],
            "title": "Half",
            "body": "Half a thought",
        }
    ]
    actions = [e["action"] for e in data["security_log"]]
    assert actions[0] == "account.created" and "login" in actions
    # The export itself is in the security log.
    assert "Downloaded all data (JSON)" in markup(ada.get("/settings/activity"))


def test_every_registered_section_is_in_the_export_and_documented_in_the_readme(
    app: Flask, client: FlaskClient
) -> None:
    from pathlib import Path

    ada = _ada(app, client)
    data = json.loads(_download(ada).get_data())
    names = [s.name for s in export.sections()]
    assert {"entries", "drafts", "security_log"} <= set(names)
    assert set(data) == {"format", "version", "exported_at", "account", *names}
    documented = (Path(__file__).parents[2] / "docs" / "privacy.md").read_text()
    for name in names:
        assert f"| `{name}` |" in documented, f"document the export section {name!r}"


def test_a_section_name_cannot_be_taken_twice() -> None:
    import pytest

    with pytest.raises(ValueError, match="already taken"):
        export.add_section("entries", "Again", lambda user, udk: [])
    with pytest.raises(ValueError, match="already taken"):
        export.add_section("account", "Clash", lambda user, udk: [])


def test_the_printable_document_shows_only_the_chosen_days(app: Flask, client: FlaskClient) -> None:
    ada = _ada(app, client)
    old = write_entry(ada, "Old words.", title="Long ago").headers["Location"].split("/")[-1]
    write_entry(ada, "Fresh words.", title="Today's entry")
    with app.app_context():
        db.session.execute(
            update(Entry)
            .where(Entry.id == uuid.UUID(old))
            .values(created_at=utcnow() - timedelta(days=60))
        )
        db.session.commit()
    today = utcnow().date()
    response = ada.get(
        f"/settings/export/print?start={today - timedelta(days=7)}&end={today + timedelta(days=1)}"
    )
    assert response.status_code == 200
    page = markup(response)
    assert "Journal entries" in page
    assert "Fresh words." in page
    assert "Old words." not in page
    everything = markup(
        ada.get(f"/settings/export/print?start={today - timedelta(days=90)}&end={today}")
    )
    assert "Fresh words." in everything and "Old words." in everything
    assert "Opened the printable export" in markup(ada.get("/settings/activity"))


def test_the_printable_document_has_a_print_stylesheet(client: FlaskClient) -> None:
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert "@media print" in css
    assert ".no-print" in css


def test_a_wrong_date_range_is_refused_with_a_message(app: Flask, client: FlaskClient) -> None:
    ada = _ada(app, client)
    backwards = ada.get("/settings/export/print?start=2026-02-01&end=2026-01-01")
    assert backwards.status_code == 422
    assert "The first day must come before the last day." in markup(backwards)
    garbled = ada.get("/settings/export/print?start=yesterday&end=")
    assert garbled.status_code == 422
    assert "Choose a first and a last day" in markup(garbled)


def test_the_export_holds_dosing_sessions_and_the_care_team_too(app: Flask) -> None:
    from tests.security.world import TOM, build_world

    world = build_world(app)
    response = world.ada.post(
        "/settings/export/json", data={"csrf_token": csrf_token(world.ada, "/settings/export")}
    )
    data = json.loads(response.get_data())
    sessions = {s["id"]: s for s in data["dosing_sessions"]}
    assert set(sessions) == {world.ids["kap_session"], world.ids["done_session"]}
    session = sessions[world.ids["kap_session"]]
    assert session["details"]["setting"] == "home"
    assert session["checklist"]["items"] and "ticked" in session["checklist"]
    assert [line["note"] for line in session["log"]] == ["first"]
    care = data["care_team"]
    assert [link["therapist"] for link in care["links"]] == [TOM]
    shared = {(s["record_table"], s["record_id"]) for s in care["shares"]}
    assert ("entries", world.ids["entry"]) in shared
    assert data["self_check"] is None

    today = utcnow().date()
    page = markup(
        world.ada.get(f"/settings/export/print?start={today}&end={today + timedelta(days=2)}")
    )
    assert ("Dosing session" in page and "At home" in page) or "home" in page.lower()


def test_the_export_holds_mood_questionnaires_and_the_safety_plan(app: Flask) -> None:
    from tests.security.world import build_world
    from tests.web.mood_helpers import checkin

    world = build_world(app)
    checkin(world.ada, mood="4", anxiety="2", note="Lighter today.")
    response = world.ada.post(
        "/settings/export/json", data={"csrf_token": csrf_token(world.ada, "/settings/export")}
    )
    data = json.loads(response.get_data())
    [day] = data["mood_checkins"]
    assert day["values"]["mood"] == 4 and day["values"]["note"] == "Lighter today."
    [result] = data["measure_results"]
    assert result["id"] == world.ids["measure_result"]
    assert result["instrument_id"] == "phq9" and result["total"] == 9
    assert data["safety_plan"] is None
    today = utcnow().date()
    page = markup(world.ada.get(f"/settings/export/print?start={today}&end={today}"))
    assert "Check-in" in page and "PHQ-9" in page


def test_integration_answers_and_after_effects_are_in_the_export(
    app: Flask, client: FlaskClient
) -> None:
    from tests.web.integ_helpers import answer, log_done_session

    ada = _ada(app, client)
    session_id = log_done_session(ada, hours_ago=1.25)  # the right-after prompts are open
    assert answer(ada, session_id, "right-after-body", "Warmth in my hands").status_code < 400
    data = json.loads(_download(ada).get_data())
    texts = json.dumps(data["prompt_answers"])
    assert "Warmth in my hands" in texts
    assert isinstance(data["after_effects"], list)


def test_check_ins_and_scores_download_as_csv_for_a_spreadsheet(
    app: Flask, client: FlaskClient
) -> None:
    import csv
    import io
    from datetime import date

    from tests.web.mood_helpers import seed_checkins, seed_result

    keys = make_user(app, "csv@example.com")
    seed_checkins(app, keys, [(date(2026, 11, 1), 2, 4)], note="=HYPERLINK(evil)")
    seed_result(app, keys, "phq9", {n: 1 for n in range(1, 10)}, utcnow() - timedelta(days=2))
    login(client, "csv@example.com")
    assert "Download check-ins and scores (CSV)" in client.get("/settings/export").text
    response = client.post(
        "/settings/export/csv", data={"csrf_token": csrf_token(client, "/settings/export")}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"].startswith("no-store")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    checkin = next(r for r in rows if r["kind"] == "check-in")
    assert (checkin["date"], checkin["mood"], checkin["anxiety"]) == ("2026-11-01", "2", "4")
    assert checkin["note"] == "'=HYPERLINK(evil)"  # never run as a formula
    score = next(r for r in rows if r["kind"] == "questionnaire")
    assert (score["questionnaire"], score["score"], score["max_score"]) == ("PHQ9", "9", "27")
    assert score["band"]
