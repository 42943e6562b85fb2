"""The charts page: three server-drawn charts with tables and summaries, a range
selector, and each record opened at most once however long the history."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.accounts.accounts import Unlocked
from journal.core import records
from journal.core.extensions import db
from journal.mood import moods
from tests.pages import words
from tests.web.helpers import BOOSTED
from tests.web.mood_helpers import phq9, seed_checkins, seed_result
from tests.web.prep_helpers import plan_session


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[uuid.UUID]]:
    """A pass-through counter on the one function that opens a record's payload."""
    counts: Counter[uuid.UUID] = Counter()
    real = records.open_payload

    def counting(udk: bytes, table: str, record: Any) -> dict[str, Any]:
        counts[record.id] += 1
        return real(udk, table, record)

    monkeypatch.setattr(records, "open_payload", counting)
    yield counts


def _today(app: Flask, keys: Unlocked) -> date:
    with app.app_context():
        return moods.local_today(db.session.merge(keys.user))


def test_with_no_data_the_charts_say_so(ada: FlaskClient) -> None:
    response = ada.get("/mood/charts")
    assert response.status_code == 200
    page = words(response)
    assert "No check-ins from" in page
    assert "No PHQ-9 results" in page and "No GAD-7 results" in page
    assert "PCL-5" not in page
    assert "No dosing sessions in this period" in page
    assert "<svg" not in response.get_data(as_text=True)


def test_the_charts_draw_svg_with_a_table_and_summary_for_each(
    app: Flask, ada_keys: Unlocked, ada: FlaskClient
) -> None:
    today = _today(app, ada_keys)
    seed_checkins(app, ada_keys, [(today - timedelta(days=d), 1 + d % 5, 2) for d in range(20)])
    now = datetime.now(UTC)
    seed_result(app, ada_keys, "phq9", phq9(0, others=2), now - timedelta(days=40))  # 16
    seed_result(app, ada_keys, "phq9", phq9(0, others=1), now - timedelta(days=10))  # 8
    seed_result(app, ada_keys, "gad7", {n: 1 for n in range(1, 8)}, now - timedelta(days=5))
    response = ada.get("/mood/charts")
    markup = response.get_data(as_text=True)
    page = words(response)
    assert markup.count('<svg class="chart"') == 3  # mood, PHQ-9, GAD-7 (no sessions: no overlay)
    assert markup.count('role="img"') == 3
    assert markup.count("<table>") == 3
    assert "20 check-ins from" in page
    assert '<polyline class="line-mood"' in markup
    # Band shading for the PHQ-9's five bands and the GAD-7's four.
    assert markup.count('<rect class="band-') == 9
    # The baseline (40 days ago) is outside the 30-day view, but still the baseline.
    thirty = words(ada.get("/mood/charts?range=30d"))
    assert "Baseline 16 (Moderately severe)" in thirty
    assert "Latest 8 (Mild)" in thirty and "50 % lower than the baseline" in thirty
    assert "what clinicians call a response" in thirty
    assert "marker-response" in ada.get("/mood/charts?range=30d").get_data(as_text=True)


def test_the_range_selector_marks_the_current_range(ada: FlaskClient) -> None:
    for key, label in (("30d", "30 days"), ("90d", "90 days"), ("1y", "1 year"), ("all", "All")):
        markup = ada.get(f"/mood/charts?range={key}").get_data(as_text=True)
        assert f'href="/mood/charts?range={key}" aria-current="page">{label}</a>' in markup
    default = ada.get("/mood/charts?range=bogus").get_data(as_text=True)
    assert 'href="/mood/charts?range=90d" aria-current="page"' in default


def test_five_years_of_check_ins_open_each_record_once(
    app: Flask, ada_keys: Unlocked, ada: FlaskClient, opened: Counter[uuid.UUID]
) -> None:
    today = _today(app, ada_keys)
    days = 5 * 365 + 1
    seed_checkins(
        app,
        ada_keys,
        [(today - timedelta(days=d), 1 + (d // 3) % 5, 1 + (d // 7) % 5) for d in range(days)],
    )
    now = datetime.now(UTC)
    for weeks in range(0, 260, 2):
        seed_result(app, ada_keys, "phq9", phq9(0), now - timedelta(weeks=weeks))
    opened.clear()

    response = ada.get("/mood/charts?range=all")
    assert response.status_code == 200
    assert max(opened.values()) == 1
    assert len(opened) == days + 130
    page = words(response)
    assert f"{days} check-ins from" in page
    assert "Each point is a week's average." in page
    # Weekly rows, not one per day, in the table that goes with the chart.
    assert 260 <= page.count("Week of") <= 265

    opened.clear()
    thirty = words(ada.get("/mood/charts?range=30d"))
    assert max(opened.values()) == 1
    # 30 days and the 2 before them (for the days-since-session view); of the five
    # years of results, the three of the range (a day's margin) and the baseline.
    assert len(opened) == 30 + 2 + 3 + 1
    first = (now - timedelta(weeks=258)).date()
    assert f"Baseline 8 (Mild) on {first.day} {first:%b %Y}." in thirty


def test_a_range_finds_each_baseline_however_far_back_it_is(
    app: Flask, ada_keys: Unlocked, ada: FlaskClient
) -> None:
    """The first result of an instrument is its baseline even when many results of
    another instrument come before it, and one first taken within the range is its
    own baseline."""
    now = datetime.now(UTC)
    for n in range(12):  # more than the rows read at first to look for baselines
        seed_result(
            app, ada_keys, "gad7", {i: 3 for i in range(1, 8)}, now - timedelta(days=900 - n)
        )
    seed_result(app, ada_keys, "phq9", phq9(0, others=2), now - timedelta(days=400))  # 16
    seed_result(app, ada_keys, "phq9", phq9(0, others=1), now - timedelta(days=200))  # 8
    seed_result(app, ada_keys, "phq9", phq9(0, others=1), now - timedelta(days=3))  # 8
    seed_result(app, ada_keys, "gad7", {i: 1 for i in range(1, 8)}, now - timedelta(days=2))
    seed_result(app, ada_keys, "pcl5", {i: 1 for i in range(1, 21)}, now - timedelta(days=1))
    page = words(ada.get("/mood/charts?range=30d"))
    assert "Baseline 16 (Moderately severe)" in page
    assert "Latest 8 (Mild)" in page and "50 % lower than the baseline" in page
    assert "Baseline 21 (Severe)" in page  # the GAD-7's first, 900 days ago
    assert "Latest 7 (Mild)" in page
    assert "Baseline 20" in page  # the PCL-5's first result is in the range


def test_home_opens_only_todays_check_in_and_the_results(
    app: Flask, ada_keys: Unlocked, ada: FlaskClient, opened: Counter[uuid.UUID]
) -> None:
    today = _today(app, ada_keys)
    seed_checkins(app, ada_keys, [(today - timedelta(days=d), 3, 3) for d in range(400)])
    seed_result(app, ada_keys, "gad7", {n: 0 for n in range(1, 8)}, datetime.now(UTC))
    opened.clear()
    assert ada.get("/", headers=BOOSTED).status_code == 200
    assert sum(opened.values()) == 2


def test_done_dosing_sessions_are_drawn_on_the_mood_chart(
    app: Flask, ada_keys: Unlocked, ada: FlaskClient
) -> None:
    today = _today(app, ada_keys)
    seed_checkins(app, ada_keys, [(today - timedelta(days=back), 3, 2) for back in range(10)])
    plan_session(ada, datetime.now(UTC) - timedelta(days=4), status="done")
    page = ada.get("/mood/charts").get_data(as_text=True)
    assert "with dosing sessions marked" in page
    assert re.search(r'<line class="session-marker" x1="[\d.]+"', page)
    assert "No dosing sessions in this period" not in page
