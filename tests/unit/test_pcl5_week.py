"""The PCL-5's past-week form, for weekly use: the official variant of the same
checklist, with only its time frame changed (journal/content/instruments/pcl5_week.json)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from journal.mood import measures, scoring
from journal.mood.scoring import get_instrument, score

CONTENT = Path(__file__).resolve().parents[2] / "journal" / "content" / "instruments"


def test_the_past_week_form_has_the_same_items_answers_and_scoring() -> None:
    month, week = get_instrument("pcl5"), get_instrument("pcl5_week")
    assert week.items == month.items and len(week.items) == 20
    assert week.answer_scale == month.answer_scale
    assert week.bands == month.bands and week.max_total == 80
    assert week.safety_item is None and week.response == month.response
    answers = {n: (n % 5) for n in range(1, 21)}
    assert score("pcl5_week", answers).total == score("pcl5", answers).total == 40


def test_only_the_time_frame_changes_to_the_past_week() -> None:
    month, week = get_instrument("pcl5"), get_instrument("pcl5_week")
    assert week.stem == "In the past week, how much were you bothered by:"
    assert week.instructions.endswith("bothered by that problem in the past week.")
    assert week.instructions.replace("past week", "past month") == month.instructions
    assert "month" not in week.instructions + (week.stem or "")


def test_the_content_file_cites_the_national_center_for_ptsd_for_the_variant() -> None:
    data = json.loads((CONTENT / "pcl5_week.json").read_text())
    assert "National Center for PTSD" in data["source"]["variant_reference"]
    assert "past-week time frame" in data["source"]["variant_reference"]
    assert "National Center for PTSD" in get_instrument("pcl5_week").copyright


def test_it_is_never_due_sooner_than_a_week_and_is_taken_by_choice() -> None:
    week = get_instrument("pcl5_week")
    assert week.window_days == 7 and week.optional and not week.reminded
    assert "pcl5_week" not in measures.reminded_ids()
    taken = datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert measures.why_due(taken, taken + timedelta(days=6), 7, None, week.window_days) == set()
    assert measures.why_due(taken, taken + timedelta(days=7), 7, None, week.window_days) == {
        measures.PERIODIC
    }
    assert "pcl5_week" in scoring.instrument_ids()
