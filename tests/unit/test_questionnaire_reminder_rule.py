"""When questionnaires are due, and why the reminder may decide it from the latest
result of any kind (the only thing it can read without a data key)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from journal.mood.measures import BEFORE, PERIODIC, why_due

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
INTERVAL = 14


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_never_taken_is_due() -> None:
    assert why_due(None, NOW, INTERVAL) == {PERIODIC}


def test_due_again_once_the_interval_has_passed_and_not_before() -> None:
    assert why_due(days_ago(INTERVAL - 0.01), NOW, INTERVAL) == frozenset()
    assert why_due(days_ago(INTERVAL), NOW, INTERVAL) == {PERIODIC}


def test_due_in_the_three_days_before_a_session_unless_taken_in_them() -> None:
    session = NOW + timedelta(days=2)
    assert why_due(days_ago(4), NOW, INTERVAL, session) == {BEFORE}
    assert why_due(days_ago(0.5), NOW, INTERVAL, session) == frozenset()
    assert why_due(days_ago(4), NOW, INTERVAL, NOW + timedelta(days=4)) == frozenset()
    assert why_due(days_ago(20), NOW, INTERVAL, session) == {PERIODIC, BEFORE}


moments = st.one_of(
    st.none(),
    st.floats(min_value=0, max_value=60, allow_nan=False).map(days_ago),
)


@given(
    phq9=moments,
    gad7=moments,
    other=moments,
    session_in=st.one_of(st.none(), st.floats(min_value=0, max_value=10, allow_nan=False)),
)
def test_what_is_due_by_the_latest_result_of_any_kind_is_due_for_each_questionnaire(
    phq9: datetime | None,
    gad7: datetime | None,
    other: datetime | None,
    session_in: float | None,
) -> None:
    """The reminder cannot see which questionnaire a result was, only when it was taken.
    Whatever is due by the latest of them is due for the PHQ-9 and the GAD-7 alike, so
    the reminder never fires when nothing is due."""
    session = None if session_in is None else NOW + timedelta(days=session_in)
    taken = [t for t in (phq9, gad7, other) if t is not None]
    latest_any = max(taken) if taken else None
    seen = why_due(latest_any, NOW, INTERVAL, session)
    for own in (phq9, gad7):
        assert seen <= why_due(own, NOW, INTERVAL, session)


def test_a_twice_weekly_series_never_makes_a_two_week_questionnaire_due_sooner() -> None:
    """Sessions every 3.5 days for six weeks: taking the PHQ-9 whenever it is due,
    it is never due again within the 14 days its questions ask about."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    sessions = [start + timedelta(hours=84 * n) for n in range(12)]
    taken: list[datetime] = []
    moment = start - timedelta(days=1)
    while moment < sessions[-1]:
        upcoming = next((s for s in sessions if s >= moment), None)
        last = taken[-1] if taken else None
        if why_due(last, moment, INTERVAL, upcoming, window_days=14):
            taken.append(moment)
        moment += timedelta(hours=6)
    gaps = [b - a for a, b in itertools.pairwise(taken)]
    assert gaps, taken
    assert min(gaps) >= timedelta(days=14)
    # Without the window (a clinic's choice) the series makes it due every few days.
    taken = []
    moment = start - timedelta(days=1)
    while moment < sessions[-1]:
        upcoming = next((s for s in sessions if s >= moment), None)
        last = taken[-1] if taken else None
        if why_due(last, moment, INTERVAL, upcoming, window_days=0):
            taken.append(moment)
        moment += timedelta(hours=6)
    assert min(b - a for a, b in itertools.pairwise(taken)) < timedelta(days=4)


def test_within_the_window_nothing_is_due_even_before_a_session() -> None:
    session = NOW + timedelta(days=2)
    assert why_due(days_ago(4), NOW, INTERVAL, session, window_days=14) == frozenset()
    assert why_due(days_ago(14), NOW, INTERVAL, session, window_days=14) == {PERIODIC, BEFORE}
    assert why_due(None, NOW, INTERVAL, session, window_days=14) == {PERIODIC, BEFORE}
