"""Checklists fitted to the route and timed to the appointment, kept as they were
made, and ticked with one tap: through htmx, through a plain form post, from two
devices at once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, update
from werkzeug.test import TestResponse

from journal.content import CONTENT_DIR, ROUTES, read_checklist
from journal.content import route as content_route
from journal.core import records
from journal.core.extensions import db
from journal.dosing import checklists, kap_sessions, preparation
from journal.dosing.kap_sessions import SessionForm
from journal.models.checklists import Checklist
from journal.models.kap_sessions import KapSession
from journal.models.types import utcnow
from journal.models.users import User
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.helpers import HTMX, user_id
from tests.web.prep_helpers import (
    in_hours,
    local_fields,
    move_session,
    next_dst_change,
    plan_session,
    planned_earlier,
    set_time_zone,
    text_of,
)

NEW_YORK = ZoneInfo("America/New_York")
SHARED = {
    "no-alcohol-or-drugs",
    "tell-prescriber-medicines",
    "fill-in-questionnaires",
    "write-intention",
    "keep-the-day-free",
    "music-ready",
    "phone-do-not-disturb",
    "use-the-bathroom",
    "slow-breathing",
    "rest-no-driving",
}
CLINIC_ONLY = {"arrange-ride-home", "pack-your-bag"}
HOME_ONLY = {"space-ready", "confirm-sitter", "agree-touch"}
OWN = {
    "iv": {"no-solid-food-6h", "no-drinks-2h"},
    "im": {"no-solid-food-6h", "no-drinks-2h"},
    "intranasal": {
        "plan-two-hours-in-clinic",
        "no-food-2h",
        "nasal-spray-1h-before",
        "no-drinks-30min",
        "blood-pressure-before",
        "blood-pressure-after",
    },
    "oral": {"ask-about-eating"},
}
ORAL_AT_HOME = {"not-right-before-bed", "blood-pressure-cuff-ready", "troche-timer-ready"}
SITTER_ALL = {
    "sitter-stay-whole-time",
    "sitter-phone-ready",
    "sitter-touch-as-agreed",
    "sitter-no-driving",
}
SITTER_ORAL = {
    "sitter-blood-pressure-before",
    "sitter-log-dose-times",
    "sitter-blood-pressure-after",
}


@dataclass
class Patient:
    user_id: uuid.UUID
    udk: bytes


@pytest.fixture
def patient(app: Flask) -> Iterator[Patient]:
    unlocked = make_user(app, "ada@example.com")
    ada_id = user_id(app, "ada@example.com")
    with app.app_context():
        yield Patient(ada_id, unlocked.udk)


def _plan(
    patient: Patient, starts: datetime, route: str, setting: str, zone: str = "UTC"
) -> KapSession:
    """Plan a session through the services, as the form would."""
    user = db.session.get(User, patient.user_id)
    assert user is not None
    user.time_zone = zone
    form = SessionForm(**local_fields(starts, zone), route=route, setting=setting)
    kap_sessions.check_form(user, patient.udk, form, utcnow())
    assert form.valid, form.errors
    return preparation.plan_session(user, patient.udk, form)


def _snapshot(session: KapSession, udk: bytes) -> checklists.ChecklistSnapshot:
    checklist = checklists.checklist_of(session)
    assert checklist is not None
    return checklists.read_checklist(checklist, udk)


# -- generation per route ------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "setting"),
    # Every pair the route's label allows (tests/web/test_routes_and_settings.py: the rest
    # are refused).
    [(r, s) for r in ROUTES for s in content_route(r).settings],
)
def test_each_route_and_setting_gets_the_shared_items_and_its_own(
    patient: Patient, route: str, setting: str
) -> None:
    starts = in_hours(72)
    session = _plan(patient, starts, route, setting)
    snap = _snapshot(session, patient.udk)
    patient_keys = {i.key for i in snap.items if i.audience == "patient"}
    sitter_keys = {i.key for i in snap.items if i.audience == "sitter"}

    expected = SHARED | OWN[route] | (CLINIC_ONLY if setting == "clinic" else HOME_ONLY)
    if route == "oral" and setting == "home":
        expected |= ORAL_AT_HOME
    assert patient_keys == expected
    if setting == "home":
        assert sitter_keys == SITTER_ALL | (SITTER_ORAL if route == "oral" else set())
    else:
        assert sitter_keys == set()
    assert (snap.content_id, snap.content_version) == ("default", 1)


@pytest.mark.parametrize(
    ("route", "key", "before"),
    [
        ("iv", "no-solid-food-6h", timedelta(hours=6)),
        ("im", "no-drinks-2h", timedelta(hours=2)),
        ("intranasal", "no-food-2h", timedelta(hours=2)),
        ("intranasal", "nasal-spray-1h-before", timedelta(hours=1)),
        ("intranasal", "no-drinks-30min", timedelta(minutes=30)),
        ("intranasal", "blood-pressure-after", timedelta(minutes=-40)),
        ("oral", "no-alcohol-or-drugs", timedelta(hours=24)),
    ],
)
def test_items_are_due_at_their_offset_from_the_appointment(
    patient: Patient, route: str, key: str, before: timedelta
) -> None:
    starts = in_hours(72)
    session = _plan(patient, starts, route, "clinic")
    planned = {p.key: p for p in _snapshot(session, patient.udk).planned(starts)}
    assert planned[key].due_at_utc == starts - before


def test_moving_the_appointment_moves_every_item_with_it(patient: Patient) -> None:
    session = _plan(patient, in_hours(72), "iv", "clinic")
    user = db.session.get(User, patient.user_id)
    assert user is not None
    later = in_hours(96)
    form = SessionForm(**local_fields(later, "UTC"), route="iv", setting="clinic")
    kap_sessions.check_form(user, patient.udk, form, utcnow(), existing=session)
    preparation.edit_session(session, patient.udk, form)
    planned = {p.key: p for p in _snapshot(session, patient.udk).planned(session.starts_at)}
    assert planned["no-solid-food-6h"].due_at_utc == later - timedelta(hours=6)


def test_across_the_spring_change_the_service_counts_real_hours(patient: Patient) -> None:
    spring = next_dst_change(NEW_YORK, utcnow().date(), forward=True)
    starts = datetime.combine(spring, datetime.min.time()).replace(hour=8, tzinfo=NEW_YORK)
    session = _plan(patient, starts, "iv", "clinic", zone="America/New_York")
    tz = ZoneInfo("America/New_York")
    status = _snapshot(session, patient.udk).status(session.starts_at, utcnow(), tz)
    shown = {s.item.key: s.due_at_local for s in status.items}
    # 08:00 EDT on the Sunday the clocks go forward: 24 real hours before is 07:00
    # EST on Saturday, and 6 h before is 01:00 EST (before the change at 02:00).
    assert (shown["no-alcohol-or-drugs"].day, shown["no-alcohol-or-drugs"].hour) == (
        (spring - timedelta(days=1)).day,
        7,
    )
    assert (shown["no-solid-food-6h"].date(), shown["no-solid-food-6h"].hour) == (spring, 1)


def test_a_checklist_keeps_the_items_it_was_made_with(patient: Patient, tmp_path: Path) -> None:
    data = json.loads((CONTENT_DIR / "checklists" / "default.json").read_text(encoding="utf-8"))
    data["version"] = 7
    data["items"][0]["text"] = "From now: nothing stronger than tea (clinic A, version 7)"
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    clinic_a = read_checklist(path)

    user = db.session.get(User, patient.user_id)
    assert user is not None
    session = _plan(patient, in_hours(72), "iv", "clinic")
    checklist = checklists.checklist_of(session)
    assert checklist is not None
    db.session.delete(checklist)
    db.session.flush()
    checklists.create_checklist(session, patient.udk, "iv", "clinic", clinic_a)
    db.session.commit()

    # The default content (version 1) is what the app loads now; the checklist
    # still holds version 7's words.
    snap = _snapshot(session, patient.udk)
    assert snap.content_version == 7
    texts = {i.key: i.text for i in snap.items}
    assert texts["no-alcohol-or-drugs"].endswith("(clinic A, version 7)")


def test_changing_the_route_makes_the_list_again_and_keeps_ticks_that_still_apply(
    patient: Patient,
) -> None:
    session = _plan(patient, in_hours(72), "iv", "clinic")
    checklists.set_ticked(session, patient.udk, "music-ready", True)
    checklists.set_ticked(session, patient.udk, "no-solid-food-6h", True)
    user = db.session.get(User, patient.user_id)
    assert user is not None
    form = SessionForm(
        **local_fields(session.starts_at, "UTC"), route="intranasal", setting="clinic"
    )
    kap_sessions.check_form(user, patient.udk, form, utcnow(), existing=session)
    preparation.edit_session(session, patient.udk, form)
    snap = _snapshot(session, patient.udk)
    assert "no-food-2h" in snap.keys and "no-solid-food-6h" not in snap.keys
    assert snap.ticked == {"music-ready"}


def test_a_tick_from_another_device_at_the_same_moment_is_not_lost(patient: Patient) -> None:
    session = _plan(patient, in_hours(72), "iv", "clinic")
    checklist = checklists.checklist_of(session)
    assert checklist is not None
    row_id, owner, revision, wrapped = (
        checklist.id,
        checklist.user_id,
        checklist.revision,
        checklist.dek_wrapped,
    )
    fresh = checklists.read_checklist(checklist, patient.udk)

    @dataclass
    class Copy:
        id: uuid.UUID
        user_id: uuid.UUID
        revision: int
        dek_wrapped: bytes
        payload_sealed: bytes = b""

    def other_device_ticks(*_: object) -> None:
        # Between this device's read and its write, the phone ticks "music-ready".
        other = Copy(row_id, owner, revision, wrapped)
        payload = {**fresh.to_payload(), "ticked": ["music-ready"]}
        records.seal_payload(patient.udk, checklists.TABLE, other, payload)
        with db.engine.begin() as conn:
            conn.execute(
                update(Checklist)
                .where(Checklist.id == row_id)
                .values(
                    payload_sealed=other.payload_sealed,
                    lock_version=Checklist.lock_version + 1,
                )
            )

    event.listen(db.session(), "before_flush", other_device_ticks, once=True)
    checklists.set_ticked(session, patient.udk, "keep-the-day-free", True)
    db.session.expire_all()
    assert _snapshot(session, patient.udk).ticked == {"music-ready", "keep-the-day-free"}


# -- ticking through the pages -------------------------------------------------------


def _tick(
    client: FlaskClient,
    session_id: str,
    key: str,
    done: bool,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    token = csrf_token(client, f"/sessions/{session_id}")
    return client.post(
        f"/sessions/{session_id}/checklist/{key}",
        data={"csrf_token": token, "done": "1" if done else "0", "place": "show"},
        headers=headers or {},
    )


def _pressed(html: str, key: str) -> str:
    item = html.split(f'id="item-{key}"')[1].split("</li>")[0]
    return item.split('aria-pressed="')[1].split('"')[0]


def test_a_tick_through_htmx_returns_the_item_and_the_new_count(ada: FlaskClient) -> None:
    session_id = plan_session(ada, in_hours(30))
    page = ada.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert _pressed(page, "music-ready") == "false"
    total = int(page.split('id="progress-patient" role="status">0 of ')[1].split(" ")[0])

    response = _tick(ada, session_id, "music-ready", True, headers=HTMX)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment
    assert fragment.strip().startswith('<li class="tick-item is-done" id="item-music-ready">')
    assert 'aria-pressed="true"' in fragment and 'value="0"' in fragment
    assert f'<span id="progress-patient" data-hx-swap-oob="innerHTML">1 of {total} done' in fragment

    untick = _tick(ada, session_id, "music-ready", False, headers=HTMX).get_data(as_text=True)
    assert 'aria-pressed="false"' in untick and f"0 of {total} done" in untick


def test_a_tick_without_javascript_posts_and_comes_back_to_the_item(ada: FlaskClient) -> None:
    session_id = plan_session(ada, in_hours(30))
    response = _tick(ada, session_id, "music-ready", True)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/sessions/{session_id}#item-music-ready"
    page = ada.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert _pressed(page, "music-ready") == "true"
    assert "1 of " in page.split('id="progress-patient"')[1][:40]


def test_the_same_tick_twice_changes_nothing(ada: FlaskClient) -> None:
    session_id = plan_session(ada, in_hours(30))
    _tick(ada, session_id, "music-ready", True)
    again = _tick(ada, session_id, "music-ready", True, headers=HTMX).get_data(as_text=True)
    assert 'aria-pressed="true"' in again and ">1 of " in again


def test_ticks_survive_a_reload_and_show_on_another_device(
    app: Flask, ada: FlaskClient, other_client: FlaskClient
) -> None:
    session_id = plan_session(ada, in_hours(30))
    _tick(ada, session_id, "music-ready", True, headers=HTMX)
    login(other_client, "ada@example.com")
    phone = other_client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert _pressed(phone, "music-ready") == "true"
    done_group = phone.split('id="group-done"')[1]
    assert 'id="item-music-ready"' in done_group


def test_the_page_groups_items_by_status_with_due_now_first(app: Flask, ada: FlaskClient) -> None:
    session_id = plan_session(ada, in_hours(3))
    planned_earlier(app, session_id)
    _tick(ada, session_id, "music-ready", True)
    page = ada.get(f"/sessions/{session_id}").get_data(as_text=True)
    headings = [h.split(">")[1].split("<")[0] for h in page.split("<h3 ")[1:]]
    assert headings[0] == "Due now"
    assert headings[-1] == "Done"
    due_now = page.split('id="group-due-now"')[1].split("</ul>")[0]
    assert 'id="item-no-solid-food-6h"' in due_now
    assert "<strong>due now</strong>" in due_now


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize("key", ["not-a-real-item", "no-food-2h"], ids=["unknown", "other-route"])
def test_an_item_that_is_not_on_this_sessions_checklist_is_404(
    ada: FlaskClient, headers: dict[str, str], key: str
) -> None:
    session_id = plan_session(ada, in_hours(30))  # IV: "no-food-2h" is the nasal spray's
    response = _tick(ada, session_id, key, True, headers=headers)
    assert response.status_code == 404
    assert "not on this session's checklist" in text_of(response)
    if headers:
        assert response.headers["HX-Retarget"] == "#alerts"


def test_a_tick_on_home_comes_back_to_home(ada: FlaskClient) -> None:
    session_id = plan_session(ada, in_hours(3))
    token = csrf_token(ada, "/")
    response = ada.post(
        f"/sessions/{session_id}/checklist/no-solid-food-6h",
        data={"csrf_token": token, "done": "1", "place": "home"},
    )
    assert response.headers["Location"] == "/#item-no-solid-food-6h"
    home = ada.get("/").get_data(as_text=True)
    # Done, it leaves the "due now" list on Home and counts as done.
    assert 'id="item-no-solid-food-6h"' not in home
    assert ">1 of " in home
    # Through htmx, Home's count (a phrase, without the bar) is swapped in place.
    fragment = ada.post(
        f"/sessions/{session_id}/checklist/no-alcohol-or-drugs",
        data={"csrf_token": token, "done": "1", "place": "home"},
        headers=HTMX,
    ).get_data(as_text=True)
    oob = fragment.split('<span id="progress-patient" data-hx-swap-oob="innerHTML">')[1]
    assert oob.startswith("2 of ") and "<progress" not in oob


def test_a_moved_session_at_the_autumn_change_shows_its_items_on_the_local_clock(
    app: Flask, ada: FlaskClient
) -> None:
    set_time_zone(app, "ada@example.com", "America/New_York")
    session_id = plan_session(ada, in_hours(30), "America/New_York")
    autumn = next_dst_change(NEW_YORK, utcnow().date(), forward=False)
    starts = datetime.combine(autumn, datetime.min.time()).replace(hour=9, tzinfo=NEW_YORK)
    move_session(app, session_id, starts)
    page = ada.get(f"/sessions/{session_id}").get_data(as_text=True)
    saturday = autumn - timedelta(days=1)
    assert f"{saturday:%a %-d %b}, 10:00</time>" in page  # 24 real hours before
    with app.app_context():
        row = db.session.scalar(select(KapSession).where(KapSession.id == uuid.UUID(session_id)))
        assert row is not None and row.starts_at == starts
