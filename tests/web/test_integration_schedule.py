"""When a session is done, its integration prompts are scheduled relative to its
start: the prompt set is kept as it was, the times are real hours in UTC, and they
are shown on the patient's own clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from journal.accounts import accounts
from journal.content import PromptSet, load_prompt_set, route
from journal.core import records
from journal.core.extensions import db
from journal.integration import integration
from journal.models.integration import PromptAnswer, PromptSchedule
from journal.models.types import utcnow
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token
from tests.web.integ_helpers import (
    log_done_session,
    mark_done_session,
    prompts,
    session_start,
)
from tests.web.prep_helpers import (
    in_hours,
    next_dst_change,
    plan_session,
    session_form,
    set_time_zone,
    text_of,
)


@pytest.fixture
def patient(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    return client


def _expected(start: datetime, shift_minutes: int = 0) -> dict[str, tuple[datetime, datetime]]:
    found = {}
    for p in load_prompt_set().prompts:
        due = start + timedelta(minutes=p.offset_minutes + shift_minutes)
        found[p.key] = (due, due + timedelta(minutes=p.window_minutes))
    return found


def test_marking_a_session_done_schedules_every_prompt_from_its_start(
    app: Flask, patient: FlaskClient
) -> None:
    marked = utcnow()
    sid = mark_done_session(app, patient, hours_ago=2)
    start = session_start(app, sid)
    rows = prompts(app, sid)
    expected = _expected(start)
    assert {r.prompt_key for r in rows} == set(expected)
    for row in rows:
        due, closes = expected[row.prompt_key]
        if row.slot == "right_after":
            # Marked done after the session's end: due from the end, and open for
            # its 30 minutes from when it was marked done (issue 18).
            assert row.due_at == due, row.prompt_key
            assert (
                marked + timedelta(minutes=30) <= row.closes_at <= utcnow() + timedelta(minutes=30)
            )
        else:
            assert (row.due_at, row.closes_at) == (due, closes), row.prompt_key
        assert row.state == "open" and row.snoozed_until is None
    slots = {r.prompt_key: r.slot for r in rows}
    assert slots["right-after-body"] == "right_after"
    assert slots["weekly-themes"] == "weekly"


def test_an_esketamine_visit_moves_every_prompt_later_by_its_monitoring_time(
    app: Flask, patient: FlaskClient
) -> None:
    sid = mark_done_session(app, patient, hours_ago=3, route="intranasal")
    start = session_start(app, sid)
    expected = _expected(start, shift_minutes=route("intranasal").session_minutes - 60)
    for row in prompts(app, sid):
        assert row.due_at == expected[row.prompt_key][0]
    right_after = next(r for r in prompts(app, sid) if r.slot == "right_after")
    assert right_after.due_at == start + timedelta(hours=2)


def test_a_session_logged_as_done_afterwards_gets_its_prompts_too(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=30)
    assert len(prompts(app, sid)) == len(load_prompt_set().prompts)


def test_planned_and_cancelled_sessions_have_no_prompts(app: Flask, patient: FlaskClient) -> None:
    planned = plan_session(patient, in_hours(30))
    cancelled = plan_session(patient, in_hours(60))
    patient.post(
        f"/sessions/{cancelled}/cancel",
        data={"csrf_token": csrf_token(patient, f"/sessions/{cancelled}")},
    )
    assert prompts(app, planned) == [] and prompts(app, cancelled) == []
    page = text_of(patient.get(f"/sessions/{planned}"))
    assert "prompts answered" not in page


def test_marking_done_twice_schedules_once(app: Flask, patient: FlaskClient) -> None:
    sid = mark_done_session(app, patient, hours_ago=2)
    patient.post(f"/sessions/{sid}/done", data={"csrf_token": csrf_token(patient, "/")})
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).where(PromptAnswer.kap_session_id == uuid.UUID(sid))
        )
        schedules = db.session.scalar(select(func.count()).select_from(PromptSchedule))
    assert count == len(load_prompt_set().prompts) and schedules == 1


def test_moving_a_done_session_moves_its_prompts(app: Flask, patient: FlaskClient) -> None:
    sid = log_done_session(patient, hours_ago=50)
    new_start = in_hours(-26)
    data = session_form(
        status="done", date=new_start.date().isoformat(), time=new_start.strftime("%H:%M")
    )
    data["csrf_token"] = csrf_token(patient, f"/sessions/{sid}/edit")
    response = patient.post(f"/sessions/{sid}", data=data)
    assert response.status_code == 303
    expected = _expected(new_start)
    for row in prompts(app, sid):
        assert row.due_at == expected[row.prompt_key][0]


def test_the_schedule_keeps_the_prompt_set_it_was_made_with(
    app: Flask, patient: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = log_done_session(patient, hours_ago=50)
    original = load_prompt_set()
    # The clinic edits the content: one prompt reworded, a new version.
    edited = PromptSet(
        id=original.id,
        version=original.version + 1,
        anchor=original.anchor,
        session_minutes=original.session_minutes,
        slots=original.slots,
        prompts=tuple(
            p if p.key != "day-three-support" else type(p)(**{**p.__dict__, "text": "Reworded?"})
            for p in original.prompts
        ),
    )
    monkeypatch.setattr(integration, "load_prompt_set", lambda **_: edited)
    later = in_hours(-40)
    data = session_form(status="done", date=later.date().isoformat(), time=later.strftime("%H:%M"))
    data["csrf_token"] = csrf_token(patient, f"/sessions/{sid}/edit")
    assert patient.post(f"/sessions/{sid}", data=data).status_code == 303

    with app.app_context():
        row = db.session.scalar(
            select(PromptSchedule).where(PromptSchedule.kap_session_id == uuid.UUID(sid))
        )
        assert row is not None
        assert row.payload_sealed and b"day-three-support" not in row.payload_sealed
    page = text_of(patient.get(f"/sessions/{sid}"))
    assert "Who or what is supporting you right now?" in page
    assert "Reworded?" not in page

    # A session done after the edit gets the new wording.
    fresh = log_done_session(patient, hours_ago=100)
    assert "Reworded?" in text_of(patient.get(f"/sessions/{fresh}"))


def test_prompt_times_are_real_hours_across_a_daylight_saving_change(
    app: Flask, patient: FlaskClient
) -> None:
    zone = "America/New_York"
    tz = ZoneInfo(zone)
    set_time_zone(app, "ada@example.com", zone)
    # A session at 09:00 two days before the clocks went forward (in the past).
    change = next_dst_change(tz, utcnow().astimezone(tz).date() - timedelta(days=400), True)
    start_local = datetime.combine(change - timedelta(days=2), time(9, 0)).replace(tzinfo=tz)
    start = start_local.astimezone(UTC)
    data = session_form(status="done", date=start_local.date().isoformat(), time="09:00")
    data["csrf_token"] = csrf_token(patient, "/sessions/new")
    response = patient.post("/sessions/", data=data)
    assert response.status_code == 303
    sid = response.headers["Location"].rsplit("/", 1)[1]

    day_three = next(r for r in prompts(app, sid) if r.slot == "day_3")
    assert day_three.due_at == start + timedelta(hours=72)
    # 72 real hours after 09:00, with an hour skipped: 10:00 on the patient's clock.
    assert day_three.due_at.astimezone(tz).hour == 10
    page = text_of(patient.get(f"/sessions/{sid}"))
    assert start_local.strftime("%a %-d %b %Y") in page


@pytest.mark.parametrize(
    ("zone", "local_now", "expected_local"),
    [
        ("Europe/Berlin", datetime(2026, 3, 4, 22, 30), datetime(2026, 3, 5, 9, 0)),
        ("Europe/Berlin", datetime(2026, 3, 5, 1, 15), datetime(2026, 3, 5, 9, 0)),
        ("America/Los_Angeles", datetime(2026, 3, 7, 20, 0), datetime(2026, 3, 8, 9, 0)),
        ("Asia/Kolkata", datetime(2026, 3, 7, 9, 30), datetime(2026, 3, 8, 9, 0)),
    ],
)
def test_tomorrow_morning_is_nine_on_the_patients_own_clock(
    zone: str, local_now: datetime, expected_local: datetime
) -> None:
    tz = ZoneInfo(zone)
    now = local_now.replace(tzinfo=tz).astimezone(UTC)
    until = integration.snooze_target("morning", now, tz)
    assert until.astimezone(tz).replace(tzinfo=None) == expected_local
    assert integration.snooze_target("3h", now, tz) == now + timedelta(hours=3)


def test_the_schedule_payload_is_sealed_with_the_set_id_and_version(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=5)
    with app.app_context():
        udk = accounts.authenticate("ada@example.com", PASSWORD).udk
        schedule = db.session.scalar(
            select(PromptSchedule).where(PromptSchedule.kap_session_id == uuid.UUID(sid))
        )
        assert schedule is not None
        data = records.open_payload(udk, integration.SCHEDULE_TABLE, schedule)
    content = load_prompt_set()
    assert (data["prompt_set"], data["version"]) == (content.id, content.version)
    assert [p["key"] for p in data["prompts"]] == [p.key for p in content.prompts]
    assert data["prompts"][0]["offset_minutes"] == content.prompts[0].offset_minutes
