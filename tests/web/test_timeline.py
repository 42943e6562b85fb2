"""The timeline: the journey grouped by dosing session, newest first, a few groups a
page, and only what is shown is decrypted."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from journal.core.extensions import db
from journal.entries import entries, timeline
from journal.models.entries import Entry
from journal.models.types import utcnow
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.integ_helpers import add_after_effect, answer, log_done_session, write_entry
from tests.web.mood_helpers import checkin
from tests.web.prep_helpers import in_hours, local_fields, plan_session, text_of


@pytest.fixture
def patient(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    return client


def _entry_at(app: Flask, client: FlaskClient, body: str, hours_ago: float) -> str:
    response = write_entry(client, body)
    entry_id = response.headers["Location"].removeprefix("/journal/")
    with app.app_context():
        moment = utcnow() - timedelta(hours=hours_ago)
        db.session.execute(
            update(Entry)
            .where(Entry.id == uuid.UUID(entry_id))
            .values(created_at=moment, updated_at=moment)
        )
        db.session.commit()
    return entry_id


def _groups(html: str) -> list[str]:
    """Each group's text, in page order."""
    return [
        " ".join(re.sub(r"<[^>]+>", " ", g).split())
        for g in re.findall(r'<section class="timeline-group".*?</section>', html, re.S)
    ]


def _journey(app: Flask, client: FlaskClient) -> tuple[str, str, str]:
    first = log_done_session(client, hours_ago=24 * 10)
    second = log_done_session(client, hours_ago=24 * 3)
    coming = plan_session(client, in_hours(24 * 4))
    _entry_at(app, client, "Before anything began.", 24 * 12)
    _entry_at(app, client, "Between the first and second.", 24 * 6)
    _entry_at(app, client, "After the second.", 24 * 1)
    # The first session's "within a day" prompt, answered late (it still belongs to it).
    answer(client, first, "day-one-surprised", "The colours, session one.")
    add_after_effect(
        client,
        second,
        kind="headache",
        severity="mild",
        **local_fields(utcnow() - timedelta(hours=24 * 3 - 2), "UTC"),
    )
    client.post(
        f"/sessions/{second}/intention",
        data={"csrf_token": csrf_token(client, "/"), "text": "To rest in what comes."},
    )
    return first, second, coming


def test_the_timeline_groups_everything_by_session_newest_first(
    app: Flask, patient: FlaskClient
) -> None:
    first, second, coming = _journey(app, patient)
    html = patient.get("/journal/timeline").get_data(as_text=True)
    groups = _groups(html)
    assert len(groups) == 3  # three a page: the coming, the second, the first session
    raw = re.findall(r'<section class="timeline-group".*?</section>', html, re.S)
    for section, sid in zip(raw, (coming, second, first), strict=True):
        assert f'href="/sessions/{sid}"' in section
    upcoming, latest, earliest = groups
    assert "Session 3" in upcoming and "Planned" in upcoming
    assert "Nothing yet: this session is still to come." in upcoming
    assert "Session 2" in latest
    assert "To rest in what comes." in latest
    assert "Checklist: 1 of" in latest  # writing the intention ticked its item
    assert "Headache, mild" in latest and "After the second." in latest
    assert "Between the first and second." not in latest
    assert "Session 1" in earliest
    assert "The colours, session one." in earliest and "What surprised you?" in earliest
    assert "Between the first and second." in earliest
    assert "After the second." not in earliest and "Before anything began." not in earliest

    second_page = _groups(patient.get("/journal/timeline?page=2").get_data(as_text=True))
    assert len(second_page) == 1
    assert "Before your first session" in second_page[0]
    assert "Before anything began." in second_page[0]


def test_mood_check_ins_are_one_of_the_timelines_sources(app: Flask, patient: FlaskClient) -> None:
    log_done_session(patient, hours_ago=30)
    response = checkin(patient, mood="4", anxiety="2", note="Slept well after the session.")
    assert response.status_code in (200, 302, 303)
    html = patient.get("/journal/timeline").get_data(as_text=True)
    group = _groups(html)[0]
    assert "Mood check-ins (1)" in group
    assert "Mood good, anxiety a little" in group
    assert "Slept well after the session." in group
    assert "mood_checkins" in timeline.SOURCES


def test_without_sessions_the_timeline_is_the_journal_newest_last(
    app: Flask, patient: FlaskClient
) -> None:
    _entry_at(app, patient, "An older thought.", 48)
    _entry_at(app, patient, "A newer thought.", 2)
    html = patient.get("/journal/timeline").get_data(as_text=True)
    groups = _groups(html)
    assert len(groups) == 1 and "Your journal" in groups[0]
    assert groups[0].index("An older thought.") < groups[0].index("A newer thought.")


def test_a_long_stretch_shows_the_first_items_and_the_rest_on_the_groups_page(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=24 * 20)
    for i in range(timeline.ITEMS_PER_SOURCE + 2):
        _entry_at(app, patient, f"Day note number {i:02d}.", 24 * 19 - i)
    html = patient.get("/journal/timeline").get_data(as_text=True)
    page = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Journal entries (12)" in page
    assert "Day note number 09." in page and "Day note number 10." not in page
    assert "2 more" in page and f"/journal/timeline/{sid}" in html
    full = text_of(patient.get(f"/journal/timeline/{sid}"))
    assert "Day note number 11." in full


def test_each_group_on_a_page_counts_and_limits_its_own_items(
    app: Flask, patient: FlaskClient
) -> None:
    """A page's groups are read together (one statement per source); each still shows
    its own first items and its own count, never a neighbour's."""
    older = log_done_session(patient, hours_ago=24 * 30)
    newer = log_done_session(patient, hours_ago=24 * 15)
    for i in range(timeline.ITEMS_PER_SOURCE + 2):
        _entry_at(app, patient, f"Older stretch {i:02d}.", 24 * 29 - i)
    for i in range(timeline.ITEMS_PER_SOURCE + 3):
        _entry_at(app, patient, f"Newer stretch {i:02d}.", 24 * 14 - i)
    answer(patient, older, "day-one-surprised", "Surprised, the older one.")
    answer(patient, newer, "day-one-surprised", "Surprised, the newer one.")
    html = patient.get("/journal/timeline").get_data(as_text=True)
    newest, oldest = _groups(html)[:2]
    assert "Journal entries (13)" in newest and "3 more" in newest
    assert "Newer stretch 00." in newest and "Newer stretch 09." in newest
    assert "Newer stretch 10." not in newest and "Older stretch" not in newest
    assert "Surprised, the newer one." in newest and "the older one" not in newest
    assert "Journal entries (12)" in oldest and "2 more" in oldest
    assert "Older stretch 09." in oldest and "Older stretch 10." not in oldest
    assert "Newer stretch" not in oldest
    assert "Surprised, the older one." in oldest and "the newer one" not in oldest


def test_another_patients_records_in_the_same_weeks_never_reach_the_timeline(
    app: Flask, patient: FlaskClient
) -> None:
    """A page's groups are read as spans of time for all three at once: someone else
    writing in those same weeks, and answering their own session's prompts, adds
    nothing to this patient's groups or their counts."""
    older = log_done_session(patient, hours_ago=24 * 20)
    log_done_session(patient, hours_ago=24 * 10)
    _entry_at(app, patient, "A note of Ada alone.", 24 * 15)
    answer(patient, older, "day-one-surprised", "An answer of Ada alone.")
    make_user(app, "bea@example.com")
    bea = app.test_client()
    login(bea, "bea@example.com")
    beas = log_done_session(bea, hours_ago=24 * 20)
    answer(bea, beas, "day-one-surprised", "Bea answered.")
    for days in (19, 15, 12, 5, 1):
        _entry_at(app, bea, f"Bea wrote {days}.", 24 * days)
    html = patient.get("/journal/timeline").get_data(as_text=True)
    assert "Bea" not in html
    newest, oldest = _groups(html)[:2]
    assert "Journal entries" not in newest
    assert "Journal entries (1)" in oldest and "A note of Ada alone." in oldest
    assert "An answer of Ada alone." in oldest
    assert "Bea" not in text_of(patient.get(f"/journal/timeline/{older}"))


def test_only_the_groups_on_the_page_are_decrypted(
    app: Flask, patient: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for days in (40, 30, 20, 10):
        log_done_session(patient, hours_ago=24 * days)
    for days in (45, 35, 25, 15, 5):
        _entry_at(app, patient, f"Note from {days} days ago.", 24 * days)
    opened: list[uuid.UUID] = []
    original = entries.read_entry

    def counting(entry: Entry, udk: bytes) -> entries.EntryView:
        opened.append(entry.id)
        return original(entry, udk)

    monkeypatch.setattr(entries, "read_entry", counting)
    page = text_of(patient.get("/journal/timeline"))
    assert "Note from 5 days ago." in page and "Note from 25 days ago." in page
    assert "Note from 35 days ago." not in page
    assert len(opened) == 3  # the three groups shown, one entry each


def test_the_journal_page_links_the_timeline_search_and_answers(
    app: Flask, patient: FlaskClient
) -> None:
    html = patient.get("/journal/").get_data(as_text=True)
    for href in ("/journal/timeline", "/journal/search", "/journal/answers"):
        assert f'href="{href}"' in html
    nav = re.search(r'<nav class="bottom-nav".*?</nav>', html, re.S)
    assert nav is not None
    assert len(re.findall(r"<li>", nav.group(0))) <= 5
    timeline_html = patient.get("/journal/timeline").get_data(as_text=True)
    assert re.search(r'href="/journal/"\s+aria-current="page">Journal<', timeline_html)
