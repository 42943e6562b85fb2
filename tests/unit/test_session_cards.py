"""How Home's session cards name a session (issue 18), on the patient's own clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from journal.integration.integration import EndedSession, session_label

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    ("starts", "label"),
    [
        (datetime(2026, 12, 4, 6, 0, tzinfo=UTC), "today's session"),
        (datetime(2026, 12, 3, 23, 0, tzinfo=UTC), "yesterday's session"),
        (datetime(2026, 12, 1, 9, 0, tzinfo=UTC), "Tuesday's session"),
        (datetime(2026, 11, 27, 9, 0, tzinfo=UTC), "the session of Fri 27 Nov"),
    ],
)
def test_a_session_is_named_by_its_day(starts: datetime, label: str) -> None:
    assert session_label(starts, NOW, UTC) == label


def test_the_day_is_the_patients_own() -> None:
    # 23:00 UTC on Thursday is already Friday morning in Auckland.
    starts = datetime(2026, 12, 3, 23, 0, tzinfo=UTC)
    assert session_label(starts, NOW, ZoneInfo("Pacific/Auckland")) == "today's session"
    assert session_label(starts, NOW, ZoneInfo("America/Chicago")) == "yesterday's session"


def test_the_headline_counts_what_is_due() -> None:
    one = EndedSession(uuid.uuid4(), NOW, "today's session", questions=1)
    assert one.headline == "1 question from today's session"
    three = EndedSession(uuid.uuid4(), NOW, "yesterday's session", questions=3)
    assert three.headline == "3 questions from yesterday's session"
