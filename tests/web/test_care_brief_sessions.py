"""The brief grouped by dosing session, the checklist status for the next session
(only when shared), and the next dosing session on the patients list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import update

from journal.care import brief
from journal.care.brief import BriefItem, SessionHeading
from journal.care.shareable import SharedItem
from journal.core.extensions import db
from journal.models.entries import Entry
from journal.models.kap_sessions import SessionStatus
from journal.models.sharing import Share
from journal.models.types import utcnow
from tests.pages import csrf_token
from tests.web.care_helpers import (
    Pair,
    access_rows,
    linked_pair,
    plain,
    share,
    shares,
    write,
)
from tests.web.care_prep_helpers import checklist_id, intention_id, share_refs, write_intention
from tests.web.prep_helpers import in_hours, move_session, plan_session, set_time_zone

SECTION = "Checklist for the next dosing session"
XSS = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "<svg/onload=alert(1)>"]


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


# -- the grouping itself ---------------------------------------------------------------------


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


def _item(
    at: datetime, session_id: uuid.UUID | None = None, record_id: uuid.UUID | None = None
) -> BriefItem:
    shared = SharedItem(
        "entries", record_id or uuid.uuid4(), "Journal entry", "t", at, {}, session_id
    )
    return BriefItem(Share(therapist_read_at=None), shared)


def _session(at: datetime, status: SessionStatus = SessionStatus.DONE) -> SessionHeading:
    return SessionHeading(uuid.uuid4(), at, status)


def test_free_items_go_under_the_latest_session_begun_before_them() -> None:
    first, second = _session(_at(3, 10)), _session(_at(10, 10))
    before = _item(_at(1))
    after_first = _item(_at(3, 11))
    just_before_second = _item(_at(10, 9))
    after_second = _item(_at(12))
    groups = brief.group_by_session(
        [after_second, before, just_before_second, after_first], [first, second], "UTC"
    )
    assert [g.title for g in groups] == [
        "Session on Tue 10 Mar 2026, 10:00",
        "Session on Tue 3 Mar 2026, 10:00",
        "Before the first session",
    ]
    assert groups[0].items == [after_second]
    assert groups[1].items == [after_first, just_before_second]  # oldest first
    assert groups[2].items == [before] and groups[2].session is None


def test_an_item_that_belongs_to_a_session_goes_under_it_whenever_it_was_written() -> None:
    done, coming = _session(_at(3, 10)), _session(_at(20, 10), SessionStatus.PLANNED)
    intention = _item(_at(1), session_id=coming.id)  # written long before, for a later one
    own = _item(_at(20, 10), session_id=coming.id, record_id=coming.id)  # the session itself
    groups = brief.group_by_session([intention, own], [done, coming], "UTC")
    assert [g.session for g in groups] == [coming]
    assert groups[0].items == [own, intention]  # the session's own record first


def test_a_cancelled_session_takes_no_free_items_but_keeps_its_own() -> None:
    done, cancelled = _session(_at(3, 10)), _session(_at(5, 10), SessionStatus.CANCELLED)
    free = _item(_at(6))
    its_own = _item(_at(4), session_id=cancelled.id)
    groups = brief.group_by_session([free, its_own], [done, cancelled], "UTC")
    assert [(g.session, g.items) for g in groups] == [(cancelled, [its_own]), (done, [free])]


def test_without_any_session_everything_is_before_the_first_session() -> None:
    groups = brief.group_by_session([_item(_at(1)), _item(_at(2))], [], "UTC")
    assert [(g.title, len(g.items)) for g in groups] == [("Before the first session", 2)]


def test_headings_read_in_the_therapists_zone_and_give_the_patients_clock_too() -> None:
    # 23:30 UTC on Sunday is Monday 08:30 in Tokyo and Sunday 18:30 in New York.
    session = _session(datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    item = _item(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    (group,) = brief.group_by_session([item], [session], "America/New_York", "Asia/Tokyo")
    assert group.title == "Session on Sun 1 Mar 2026, 18:30"
    assert group.patient_time == "Mon 2 Mar, 08:30 for the patient (Asia/Tokyo)"
    (same,) = brief.group_by_session([item], [session], "Asia/Tokyo", "Asia/Tokyo")
    assert same.title == "Session on Mon 2 Mar 2026, 08:30" and same.patient_time is None


def test_an_item_written_just_before_a_session_on_the_patients_clock_stays_before_it() -> None:
    """Assignment compares instants, so a zone can never move an item across a session."""
    session = _session(datetime(2026, 3, 2, 0, 30, tzinfo=UTC))  # 09:30 in Tokyo
    early = _item(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))  # 09:00 in Tokyo, same day
    for zone in ("UTC", "Asia/Tokyo", "America/Los_Angeles"):
        groups = brief.group_by_session([early], [session], zone, "Asia/Tokyo")
        assert [g.title for g in groups] == ["Before the first session"], zone


# -- the brief over HTTP ---------------------------------------------------------------------


def _brief(pair: Pair) -> str:
    response = pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief")
    assert response.status_code == 200
    return plain(response)


def _backdate(app: Flask, entry: str, when: datetime) -> None:
    with app.app_context():
        rid = uuid.UUID(entry)
        db.session.execute(
            update(Entry).where(Entry.id == rid).values(created_at=when, updated_at=when)
        )
        db.session.commit()


def test_the_brief_groups_shared_items_by_dosing_session(app: Flask, pair: Pair) -> None:
    now = utcnow().replace(second=0, microsecond=0)
    first = plan_session(pair.patient, now - timedelta(days=10), status="done")
    second = plan_session(pair.patient, now - timedelta(days=3), status="done", series_position="2")
    cancelled = plan_session(pair.patient, in_hours(30), series_position="3")
    coming = plan_session(pair.patient, in_hours(48), series_position="3")
    pair.patient.post(
        f"/sessions/{cancelled}/cancel",
        data={"csrf_token": csrf_token(pair.patient, f"/sessions/{cancelled}")},
    )
    move_session(app, cancelled, now - timedelta(days=2))
    entries = {
        "Before any session.": now - timedelta(days=12),
        "After the first.": now - timedelta(days=9),
        "After the second.": now - timedelta(days=1),
    }
    ids = []
    for body, when in entries.items():
        ids.append(write(pair.patient, body, title=body))
        _backdate(app, ids[-1], when)
    write_intention(pair.patient, coming, "Stay with the corridor.")
    share(pair.patient, pair.link, *ids)
    share_refs(pair.patient, pair.link, f"intentions:{intention_id(app, coming)}")
    share_refs(pair.patient, pair.link, f"kap_sessions:{second}")

    page = _brief(pair)
    assert "Grouped by dosing session" in page
    order = [
        "Stay with the corridor.",
        "Induction 2 of 6",  # the shared session's heading
        "After the second.",
        "After the first.",
        "Before the first session",
        "Before any session.",
    ]
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions), list(zip(order, positions, strict=True))
    # Route and place in the series only for the session the patient shared.
    assert "Induction 1 of 6" not in page and "Induction 3 of 6" not in page
    assert page.count("route and place in the series not shared") == 2
    assert "Cancelled" not in page  # nothing of its own was shared, so no group
    assert first  # planned and logged like the others


def test_a_shared_session_is_read_once_per_brief(app: Flask, pair: Pair) -> None:
    session = plan_session(pair.patient, in_hours(48))
    share_refs(pair.patient, pair.link, f"kap_sessions:{session}")
    _brief(pair)
    reads = access_rows(app)
    assert [(r.outcome, r.via, r.record_id, r.item_count) for r in reads] == [
        ("read", "brief", None, 1)
    ]


def test_the_checklist_status_shows_only_when_that_checklist_is_shared(
    app: Flask, pair: Pair
) -> None:
    coming = plan_session(pair.patient, in_hours(48))
    later = plan_session(pair.patient, in_hours(200), series_position="2")
    assert SECTION not in _brief(pair)

    share_refs(pair.patient, pair.link, f"checklists:{checklist_id(app, later)}")
    assert SECTION not in _brief(pair)  # not the next session's list

    share_refs(pair.patient, pair.link, f"checklists:{checklist_id(app, coming)}")
    page = _brief(pair)
    assert SECTION in page and "0 of 14 done for the session on" in page

    pair.patient.post(
        f"/sessions/{coming}/checklist/music-ready",
        data={"done": "1", "csrf_token": csrf_token(pair.patient, f"/sessions/{coming}")},
    )
    page = _brief(pair)
    assert "1 of 14 done" in page
    section = page[page.index(SECTION) : page.index("Shared items")]
    assert "Get your music ready" not in section  # ticked, so not listed as open
    assert "Fill in your questionnaires" in section

    share_row = next(s for s in shares(app) if str(s.record_id) == checklist_id(app, coming))
    pair.patient.post(
        f"/care/shares/{share_row.id}/revoke",
        data={"csrf_token": csrf_token(pair.patient, "/care/")},
    )
    assert SECTION not in _brief(pair)


def test_the_patients_list_shows_the_next_dosing_session(app: Flask, pair: Pair) -> None:
    assert "Next dosing session None planned" in plain(pair.therapist.get("/clinic/patients"))
    set_time_zone(app, pair.therapist_email, "America/New_York")
    now = utcnow()
    plan_session(pair.patient, now - timedelta(days=2), status="done")
    soon = datetime(now.year + 1, 1, 10, 15, 0, tzinfo=UTC)
    plan_session(pair.patient, soon)
    plan_session(pair.patient, soon + timedelta(days=7), series_position="2")
    # Read on the therapist's clock: 15:00 UTC is 10:00 in New York in January.
    local = soon.astimezone(ZoneInfo("America/New_York"))
    assert local.hour == 10
    expected = f"Next dosing session {local:%a %-d %b %Y}, 10:00"
    assert expected in plain(pair.therapist.get("/clinic/patients"))
    assert expected in _brief(pair)
    assert expected in plain(pair.therapist.get(f"/clinic/patients/{pair.patient_id}"))


def test_another_therapists_patient_shows_no_sessions(app: Flask, pair: Pair) -> None:
    other = linked_pair(
        app, app.test_client(), app.test_client(), "dr.kim@example.com", "bob@example.com"
    )
    plan_session(other.patient, in_hours(48))
    page = plain(pair.therapist.get("/clinic/patients"))
    assert "bob@example.com" not in page and "None planned" in page


@pytest.mark.parametrize("payload", XSS)
def test_intention_and_session_notes_are_text_in_the_brief(
    app: Flask, pair: Pair, payload: str
) -> None:
    session = plan_session(pair.patient, in_hours(48), notes=f"Notes {payload}")
    write_intention(pair.patient, session, f"Intention {payload}")
    share_refs(
        pair.patient,
        pair.link,
        f"intentions:{intention_id(app, session)}",
        f"kap_sessions:{session}",
    )
    for url in (
        f"/clinic/patients/{pair.patient_id}/brief",
        f"/clinic/patients/{pair.patient_id}/records/intentions/{intention_id(app, session)}",
        f"/clinic/patients/{pair.patient_id}/records/kap_sessions/{session}",
    ):
        raw = pair.therapist.get(url).get_data(as_text=True)
        assert payload not in raw, url
        assert "<script>alert" not in raw and "<img src=x" not in raw and "<svg/onload" not in raw
        assert str(escape(f"Intention {payload}")) in raw or "records/kap_sessions" in url
    assert str(escape(f"Notes {payload}")) in raw  # the session's own card, as text
