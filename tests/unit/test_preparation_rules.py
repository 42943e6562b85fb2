"""The pure rules behind preparation: local times to UTC across daylight saving,
"in 2 days", checklist snapshots, and what the intention and at-home log accept."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal.content import ROUTES, SETTINGS
from journal.dosing import checklists, session_log
from journal.dosing.intentions import IntentionForm
from journal.dosing.kap_sessions import describe_when, local_to_utc
from journal.dosing.planning import plan_checklist
from journal.dosing.session_log import LogForm

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2025, 6, 11, 8, 0, tzinfo=UTC)  # 10:00 in Berlin, a Wednesday


def test_a_local_time_becomes_utc_in_summer_and_in_winter() -> None:
    assert local_to_utc(date(2025, 6, 11), time(9, 0), BERLIN) == datetime(
        2025, 6, 11, 7, 0, tzinfo=UTC
    )
    assert local_to_utc(date(2025, 1, 15), time(9, 0), BERLIN) == datetime(
        2025, 1, 15, 8, 0, tzinfo=UTC
    )


def test_a_time_the_clocks_skip_is_refused() -> None:
    with pytest.raises(ValueError, match="does not exist on 30 Mar 2025"):
        local_to_utc(date(2025, 3, 30), time(2, 30), BERLIN)


def test_a_time_that_happens_twice_is_the_first_one() -> None:
    # 01:30 on 2 Nov 2025 in New York happens in daylight time, then again an hour later.
    assert local_to_utc(date(2025, 11, 2), time(1, 30), NEW_YORK) == datetime(
        2025, 11, 2, 5, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("starts", "phrase"),
    [
        (NOW + timedelta(minutes=1), "in 1 minute"),
        (NOW + timedelta(minutes=40), "in 40 minutes"),
        (NOW + timedelta(hours=4), "today at 14:00"),
        (NOW + timedelta(hours=20), "tomorrow at 06:00"),
        (NOW + timedelta(days=2), "in 2 days"),
        (NOW + timedelta(days=9, hours=3), "in 9 days"),
        (NOW - timedelta(hours=1), "started at 09:00"),
        (NOW - timedelta(days=1), "started Tue 10 Jun"),
    ],
)
def test_how_far_off_a_session_is_follows_the_patients_calendar(
    starts: datetime, phrase: str
) -> None:
    assert describe_when(starts, NOW, BERLIN) == phrase


def test_tomorrow_means_the_patients_tomorrow_not_utcs() -> None:
    late = datetime(2025, 6, 11, 21, 30, tzinfo=UTC)  # 23:30 in Berlin
    assert describe_when(late + timedelta(hours=2), late, BERLIN) == "tomorrow at 01:30"
    assert describe_when(late + timedelta(hours=2), late, UTC) == "today at 23:30"


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("setting", SETTINGS)
def test_a_snapshot_plans_exactly_what_the_content_plans(route: str, setting: str) -> None:
    starts = datetime(2025, 11, 2, 14, 0, tzinfo=UTC)
    snap = checklists.snapshot(route, setting)
    assert snap.planned(starts) == plan_checklist(route, setting, starts)
    again = checklists.ChecklistSnapshot.from_payload(snap.to_payload())
    assert again == snap


def test_a_snapshot_keeps_only_ticks_for_its_own_items() -> None:
    snap = checklists.snapshot("iv", "clinic", ticked=frozenset({"music-ready", "no-food-2h"}))
    assert snap.ticked == {"music-ready"}


def test_status_counts_the_patients_items_and_the_sitters_apart() -> None:
    snap = checklists.snapshot("oral", "home", ticked=frozenset({"sitter-phone-ready"}))
    starts = NOW + timedelta(days=3)
    patient = snap.status(starts, NOW, BERLIN, checklists.PATIENT)
    sitter = snap.status(starts, NOW, BERLIN, checklists.SITTER)
    assert patient.done == 0 and sitter.done == 1
    assert patient.total + sitter.total == len(snap.items)


def test_an_intention_is_one_line_of_at_most_500_characters() -> None:
    assert IntentionForm.read({"text": "  To rest.\n\nAnd listen. "}).text == "To rest. And listen."
    assert IntentionForm.read({"text": "x" * 500}).valid
    assert not IntentionForm.read({"text": "x" * 501}).valid
    assert not IntentionForm.read({"text": " \n "}).valid


@given(
    top=st.integers(min_value=0, max_value=400),
    bottom=st.integers(min_value=0, max_value=300),
)
def test_a_reading_is_accepted_exactly_when_both_numbers_are_plausible(
    top: int, bottom: int
) -> None:
    form = session_log.check_form(
        LogForm(kind="reading", systolic=str(top), diastolic=str(bottom)), BERLIN, NOW
    )
    plausible = 60 <= top <= 260 and 30 <= bottom <= 160 and top > bottom
    assert form.valid == plausible
    if plausible:
        assert form.values == {"systolic": top, "diastolic": bottom, "pulse": None}
        assert form.at == NOW


def test_a_time_later_than_now_in_the_log_was_last_night() -> None:
    just_after_midnight = datetime(2025, 6, 10, 22, 10, tzinfo=UTC)  # 00:10 in Berlin
    form = session_log.check_form(LogForm(kind="dose", time="23:50"), BERLIN, just_after_midnight)
    assert form.at == datetime(2025, 6, 10, 21, 50, tzinfo=UTC)
    soon = session_log.check_form(LogForm(kind="dose", time="00:20"), BERLIN, just_after_midnight)
    assert soon.at == datetime(2025, 6, 10, 22, 20, tzinfo=UTC)
