"""Chart geometry: where points, gaps, sessions, bands and markers land, and the
numbers that go into the tables and summaries."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from journal.mood import charts
from journal.mood.charts import (
    BOTTOM,
    LEFT,
    RIGHT,
    TOP,
    DailyMood,
    TakenScore,
    mood_chart,
    overlay_chart,
    score_chart,
)
from journal.mood.scoring import get_instrument

UTC_ZONE = ZoneInfo("UTC")
D0 = date(2026, 3, 2)  # a Monday


def _days(*pairs: tuple[int, int]) -> list[DailyMood]:
    return [DailyMood(D0 + timedelta(days=offset), mood, 6 - mood) for offset, mood in pairs]


def test_first_and_last_day_sit_on_the_edges_and_values_on_the_scale() -> None:
    chart = mood_chart(_days((0, 1), (1, 5), (29, 3)), D0, D0 + timedelta(days=29), [], UTC_ZONE)
    mood = chart.series[0]
    assert [p.x for p in mood.points] == [
        LEFT,
        pytest.approx(LEFT + (RIGHT - LEFT) / 29, abs=0.1),
        RIGHT,
    ]
    assert mood.points[0].y == BOTTOM  # 1 at the bottom
    assert mood.points[1].y == TOP  # 5 at the top
    assert mood.points[2].y == pytest.approx((TOP + BOTTOM) / 2, abs=0.1)
    assert chart.bucket == "day"
    assert [t.label for t in chart.y_ticks] == ["1", "2", "3", "4", "5"]


def test_a_missing_day_breaks_the_line() -> None:
    chart = mood_chart(
        _days((0, 2), (1, 3), (2, 4), (5, 2), (6, 2), (9, 1)),
        D0,
        D0 + timedelta(days=9),
        [],
        UTC_ZONE,
    )
    mood = chart.series[0]
    assert len(mood.points) == 6
    assert len(mood.segments) == 2  # days 0-2 and 5-6; day 9 stands alone as a dot
    assert mood.segments[0].count(",") == 3 and mood.segments[1].count(",") == 2


def test_check_ins_outside_the_range_are_left_out() -> None:
    chart = mood_chart(_days((-3, 1), (0, 2), (10, 5)), D0, D0 + timedelta(days=5), [], UTC_ZONE)
    assert [r.mood for r in chart.rows] == [2]
    assert chart.summary.startswith("1 check-in from 2 Mar 2026 to 7 Mar 2026.")


def test_long_ranges_show_weekly_means() -> None:
    data = [DailyMood(D0 + timedelta(days=d), 1 + d % 2, 3) for d in range(200)]
    chart = mood_chart(data, D0, D0 + timedelta(days=199), [], UTC_ZONE)
    assert chart.bucket == "week"
    assert len(chart.rows) == 29  # 28 full weeks and 4 days
    assert chart.rows[0].label == "Week of 2 Mar 2026"
    assert chart.rows[0].count == 7 and chart.rows[-1].count == 4
    assert chart.rows[0].mood == pytest.approx(1.4, abs=0.05)  # 1,2,1,2,1,2,1
    assert "Each point is a week's average." in chart.summary


def test_sessions_are_marked_on_their_local_day_and_only_in_range() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    late = datetime(2026, 3, 3, 23, 30, tzinfo=UTC)  # already 4 March in Berlin
    outside = datetime(2026, 2, 1, 12, tzinfo=UTC)
    chart = mood_chart(_days((0, 3)), D0, D0 + timedelta(days=10), [late, outside], berlin)
    assert [s.label for s in chart.sessions] == ["4 Mar 2026"]
    assert chart.sessions[0].x == pytest.approx(LEFT + (RIGHT - LEFT) * 2 / 10, abs=0.1)
    assert "Dosing sessions: 4 Mar 2026." in chart.summary


def test_no_sessions_is_an_empty_list_and_nothing_drawn() -> None:
    chart = mood_chart(_days((0, 3)), D0, D0 + timedelta(days=10), [], UTC_ZONE)
    assert chart.sessions == ()
    assert "Dosing sessions" not in chart.summary


@pytest.mark.parametrize("span", [0, 1, 6, 12, 29, 89, 364, 5 * 365, 12 * 365, 40 * 365])
def test_date_ticks_stay_few_and_inside_the_plot(span: int) -> None:
    ticks = charts.date_ticks(D0, D0 + timedelta(days=span))
    assert 1 <= len(ticks) <= 6
    assert all(LEFT <= t.pos <= RIGHT for t in ticks)
    assert [t.pos for t in ticks] == sorted(t.pos for t in ticks)


def test_the_range_selector_values() -> None:
    assert charts.parse_range("30d").days == 30
    assert charts.parse_range("all").days is None
    assert charts.parse_range(None) is charts.DEFAULT_RANGE
    assert charts.parse_range("'; drop table") is charts.DEFAULT_RANGE
    today = date(2026, 6, 30)
    assert charts.range_start(charts.parse_range("30d"), today, None) == date(2026, 6, 1)
    assert charts.range_start(charts.parse_range("all"), today, date(2021, 1, 1)) == date(
        2021, 1, 1
    )
    assert charts.range_start(charts.parse_range("all"), today, None) == today


# -- scores -----------------------------------------------------------------------------


def _taken(*pairs: tuple[int, int]) -> list[TakenScore]:
    return [TakenScore(D0 + timedelta(days=offset), total) for offset, total in pairs]


def test_score_markers_baseline_response_and_remission() -> None:
    phq = get_instrument("phq9")
    chart = score_chart(
        phq, _taken((0, 20), (14, 12), (28, 10), (42, 4)), D0, D0 + timedelta(days=42), [], UTC_ZONE
    )
    kinds = [(p.total, p.marker, p.response, p.remission) for p in chart.points]
    assert kinds == [
        (20, "baseline", False, None),
        (12, "score", False, False),
        (10, "response", True, False),  # exactly half: a response
        (4, "response", True, True),
    ]
    assert chart.points[-1].change_percent == pytest.approx(-80)
    assert chart.points[0].y == pytest.approx(BOTTOM - (BOTTOM - TOP) * 20 / 27, abs=0.1)
    assert chart.has_remission
    assert "what clinicians call a response" in chart.summary
    assert "below 5, the range called remission" in chart.summary


def test_the_baseline_counts_even_before_the_range() -> None:
    gad = get_instrument("gad7")
    chart = score_chart(
        gad,
        _taken((0, 16), (60, 8)),
        D0 + timedelta(days=30),
        D0 + timedelta(days=60),
        [],
        UTC_ZONE,
    )
    [point] = chart.points
    # The GAD-7 defines no response and no remission: the chart claims neither.
    assert not point.response and point.remission is None
    assert not chart.has_remission
    assert "Baseline 16 (Severe) on 2 Mar 2026" in chart.summary


def test_bands_cover_the_plot_without_gaps() -> None:
    for instrument_id, count in (("phq9", 5), ("gad7", 4), ("pcl5", None)):
        instrument = get_instrument(instrument_id)
        chart = score_chart(instrument, [], D0, D0 + timedelta(days=10), [], UTC_ZONE)
        if count:
            assert len(chart.bands) == count
        assert [b.label for b in chart.bands] == [b.label for b in instrument.bands]
        # The first band is the lowest, the last one reaches the top.
        assert chart.bands[-1].y == TOP
        assert chart.bands[0].y + chart.bands[0].height == pytest.approx(BOTTOM, abs=0.15)
        for lower, upper in itertools.pairwise(chart.bands):
            assert upper.y + upper.height == pytest.approx(lower.y, abs=0.15)
        assert chart.empty
        assert chart.summary.startswith(f"No {instrument.short_name} results")


# -- days since each session -------------------------------------------------------------


def test_overlay_lines_up_the_days_around_each_session() -> None:
    sessions = [datetime(2026, 3, 4, 10, tzinfo=UTC), datetime(2026, 3, 18, 10, tzinfo=UTC)]
    data = [
        DailyMood(D0 + timedelta(days=d), 2 if d in (0, 1, 14, 15) else 4, 2) for d in range(40)
    ]
    chart = overlay_chart(data, sessions, UTC_ZONE, D0, D0 + timedelta(days=39))
    assert [line.label for line in chart.lines] == ["4 Mar 2026", "18 Mar 2026"]
    first = chart.lines[0]
    assert len(first.points) == 17  # day -2 to day +14
    assert first.points[0].x == LEFT and first.points[-1].x == RIGHT
    row = {r.offset: r for r in chart.rows}
    assert row[-2].values == (2, 2) and row[-2].average == 2
    assert row[3].values == (4, 4)
    assert chart.average is not None and len(chart.average.points) == 17
    # Days 14 and 15 are low: the two days before session 2, and days 12-13 after session 1.
    assert "Average mood before: 2; days 1 to 7 after: 4; days 8 to 14 after: 3.7" in chart.summary
    assert chart.zero_x == pytest.approx(LEFT + (RIGHT - LEFT) * 2 / 16, abs=0.1)


def test_overlay_gaps_and_missing_days_show_as_dashes() -> None:
    sessions = [datetime(2026, 3, 10, 10, tzinfo=UTC)]
    data = [DailyMood(date(2026, 3, 11), 4, 1), DailyMood(date(2026, 3, 14), 5, 1)]
    chart = overlay_chart(data, sessions, UTC_ZONE, D0, D0 + timedelta(days=30))
    [line] = chart.lines
    assert len(line.points) == 2 and line.segments == ()
    assert chart.average is None  # one session: nothing to average
    assert {r.offset: r.values[0] for r in chart.rows if r.values[0] is not None} == {1: 4, 4: 5}


def test_overlay_keeps_the_latest_sessions_and_says_how_many_were_left_out() -> None:
    sessions = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=3 * n) for n in range(9)]
    data = [DailyMood(date(2026, 1, 1) + timedelta(days=d), 3, 3) for d in range(60)]
    chart = overlay_chart(data, sessions, UTC_ZONE, date(2026, 1, 1), date(2026, 3, 1))
    assert len(chart.lines) == charts.OVERLAY_MAX_SESSIONS
    assert chart.left_out == 3
    assert chart.lines[0].label == "10 Jan 2026"
    assert "3 earlier not shown" in chart.summary
    # Line numbers never overlap, even when every line ends at the same value.
    label_ys = sorted(line.label_y for line in chart.lines)
    assert all(b - a >= charts.LABEL_GAP - 0.01 for a, b in itertools.pairwise(label_ys))
    assert all(TOP - 10 <= y <= BOTTOM for y in label_ys)


def test_overlay_without_sessions_explains_itself() -> None:
    chart = overlay_chart(_days((0, 3)), [], UTC_ZONE, D0, D0 + timedelta(days=30))
    assert chart.empty and chart.lines == ()
    assert chart.summary.startswith("No dosing sessions in this period.")
