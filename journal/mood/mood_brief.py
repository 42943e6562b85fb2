"""What mood and measures add to the therapist's brief and patients list.

Everything here comes from records the patient shared with this therapist, through
`access.shared_records` (the one rule), opened with `brief.read_for_brief` (each read
logged once per brief). Nothing is derived from an unshared record: an unshared
lower score, a check-in kept private, an unshared first questionnaire change nothing
the therapist sees.

- "Safety flags" (order 10): shared results with PHQ-9 question 9 above 0, to
  acknowledge; acknowledged ones since the last appointment stay, saying by whom and when.
- "Mood since the last appointment" (order 20): averages, a small SVG line drawn with
  `journal.mood.charts`, and a table of each shared check-in.
- "Questionnaires" (order 30): the latest shared PHQ-9, GAD-7 (and PCL-5) with band,
  and the change from the first shared one, with response and remission.
- The caseload's "last check-in": the latest shared check-in whose share verifies as
  the patient's (clear metadata of a shared record: its day and time, nothing
  opened), kept in the therapist's sealed caseload summary.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from journal.care import access, brief, safety_flags
from journal.care.brief import BriefContext, BriefSection
from journal.care.shareable import SharedItem
from journal.care.sharing import SHARE_ROW_COLUMNS, ShareColumns, ShareRow
from journal.core.extensions import db
from journal.core.translatable import N_
from journal.models.kap_sessions import SessionStatus
from journal.models.moods import CheckIn
from journal.models.sharing import CareLink, Share
from journal.models.types import utcnow
from journal.models.users import User
from journal.mood import charts, measures, moods, scoring
from journal.mood.charts import DailyMood, MoodChart
from journal.mood.scoring import Change, Instrument

# Without an appointment in the past, the mood section covers this many days.
DEFAULT_DAYS = 30


def _opened(
    context: BriefContext, table: str, keep: Callable[[Any], bool] | None = None
) -> list[tuple[Share, Any, SharedItem]]:
    """The shared records of one type that `keep` (from what is in clear) wants,
    opened; each read logged once per brief. Filtering first keeps the cost of a
    brief from growing with years of history that it does not show."""
    return [
        (share, record, brief.read_for_brief(context, share, record))
        for share, record in context.shared(table)
        if keep is None or keep(record)
    ]


def _patient_zone(link: CareLink) -> ZoneInfo:
    patient = db.session.get(User, link.patient_id)
    try:
        return ZoneInfo(patient.time_zone if patient else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# -- safety flags ------------------------------------------------------------------------


def _checked_results(context: BriefContext) -> list[tuple[Share, Any, safety_flags.Check]]:
    """Every shared questionnaire result with what the therapist's note says of it
    (flag, instrument, total): once per brief, opening only results without a note."""
    if "checked_results" not in context.memo:
        pairs = context.shared(measures.TABLE)
        found = safety_flags.checks(
            context.therapist,
            context.udk,
            pairs,
            lambda share, record: brief.read_for_brief(context, share, record),
        )
        context.memo["checked_results"] = [
            (share, record, check) for (share, record), check in zip(pairs, found, strict=True)
        ]
    checked: list[tuple[Share, Any, safety_flags.Check]] = context.memo["checked_results"]
    return checked


def flags_section(context: BriefContext) -> dict[str, Any] | None:
    """Open flags, and acknowledged ones from since the last appointment. Only those
    results are opened: years of acknowledged flags are known from the notes."""
    flagged = [
        (share, record) for share, record, check in _checked_results(context) if check.flagged
    ]
    acked = safety_flags.acknowledgements(
        context.therapist, context.udk, [s.record_id for s, _ in flagged]
    )
    since = context.since

    def shown(share: Share, record: Any) -> bool:
        done = acked.get(share.record_id)
        return since is None or done is None or max(record.taken_at, done.at) >= since

    opened = [
        (share, brief.read_for_brief(context, share, record))
        for share, record in flagged
        if shown(share, record)
    ]
    flags = safety_flags.in_order(
        safety_flags.Flag(share, item, acked.get(share.record_id))
        for share, item in opened
        if safety_flags.is_flagged(item)
    )
    if not flags:
        return None
    return {
        "flags": flags,
        "open_count": sum(1 for f in flags if f.open),
        "patient_id": context.link.patient_id,
    }


# -- mood since the last appointment -----------------------------------------------------


@dataclass(frozen=True)
class CheckInRow:
    day: date
    content: dict[str, Any]


def mood_section(context: BriefContext) -> dict[str, Any] | None:
    zone = _patient_zone(context.link)
    today = utcnow().astimezone(zone).date()
    if context.since is not None:
        first = context.since.astimezone(zone).date()
        period = "since"
    else:
        first = today - timedelta(days=DEFAULT_DAYS - 1)
        period = "recent"
    found = [
        CheckInRow(record.day, dict(item.content))
        for _, record, item in _opened(context, moods.TABLE, lambda r: r.day >= first)
    ]
    if not found:
        return None
    found.sort(key=lambda r: r.day)
    last = max(today, found[-1].day)
    daily = [DailyMood(r.day, int(r.content["mood"]), int(r.content["anxiety"])) for r in found]
    chart: MoodChart = charts.mood_chart(daily, first, last, [], zone)
    return {
        "period": period,
        "first": first,
        "days": DEFAULT_DAYS,
        "count": len(found),
        "mood_average": _one_decimal(fmean(d.mood for d in daily)),
        "anxiety_average": _one_decimal(fmean(d.anxiety for d in daily)),
        "latest": found[-1],
        "chart": chart,
        "rows": list(reversed(found)),
    }


def series_section(context: BriefContext) -> dict[str, Any] | None:
    """Mood over the dosing series, for the summary: from a week before the first
    dosing session of the last `SERIES_DAYS` days (the last four weeks when there is
    none) to today, each session marked; only shared check-ins."""
    zone = _patient_zone(context.link)
    now = utcnow()
    today = now.astimezone(zone).date()
    earliest = today - timedelta(days=brief.SERIES_DAYS - 1)
    sessions = [
        s.starts_at
        for s in context.sessions()
        if s.status != SessionStatus.CANCELLED
        and s.starts_at <= now
        and s.starts_at.astimezone(zone).date() >= earliest
    ]
    if sessions:
        first = max(earliest, min(sessions).astimezone(zone).date() - timedelta(days=7))
    else:
        first = today - timedelta(days=27)
    daily = []
    for record_id, day, mood, anxiety in _series_points(context, earliest):
        if day >= first:
            daily.append(DailyMood(day, mood, anxiety))
            context.note_read(moods.TABLE, record_id)
    line = charts.sparkline(daily, first, today, sessions, zone)
    return None if line is None else {"line": line}


SERIES_KEY = "mood_series"


def _series_points(context: BriefContext, earliest: date) -> list[tuple[uuid.UUID, date, int, int]]:
    """The series' shared check-ins (record id, day, mood, anxiety) from `earliest`:
    from the link's sealed digest when it is current, otherwise opened from the
    shares (the brief only loads them then) and kept for the next view's digest."""
    kept = context.digested(SERIES_KEY)
    if kept is not None:
        return [
            (uuid.UUID(record_id), date.fromisoformat(day), int(mood), int(anxiety))
            for record_id, day, mood, anxiety in kept
        ]
    points = []
    for share, record in context.shared(moods.TABLE):
        if record.day >= earliest:
            item = context.open(share, record, shown=False)
            points.append(
                (
                    record.id,
                    record.day,
                    int(item.content["mood"]),
                    int(item.content["anxiety"]),
                )
            )
    points.sort(key=lambda point: point[1])
    context.keep(
        SERIES_KEY,
        [
            [str(record_id), day.isoformat(), mood, anxiety]
            for record_id, day, mood, anxiety in points
        ],
    )
    return points


def _one_decimal(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


# -- questionnaires ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    instrument: Instrument
    latest: SharedItem
    baseline: SharedItem
    count: int
    change: Change | None

    @property
    def baseline_is_patients_first(self) -> bool | None:
        """True when the first shared result is the patient's own baseline, False when
        an earlier one exists but is not shared, None when the result does not say."""
        value = self.baseline.content.get("first_of_instrument")
        return None if value is None else bool(value)


def scores_section(context: BriefContext) -> dict[str, Any] | None:
    """Each instrument's first and latest shared result, and how many there are; the
    notes say which instrument each result is, so only those two are opened."""
    by_instrument: dict[str, list[tuple[Share, Any]]] = {}
    for share, record, check in _checked_results(context):
        by_instrument.setdefault(str(check.instrument), []).append((share, record))
    rows = []
    for instrument_id in scoring.instrument_ids():
        results = sorted(by_instrument.get(instrument_id, []), key=lambda pair: pair[1].taken_at)
        if not results:
            continue
        baseline = brief.read_for_brief(context, *results[0])
        latest = brief.read_for_brief(context, *results[-1])
        change = None
        if latest.record_id != baseline.record_id:
            change = scoring.change_from_baseline(
                int(baseline.content["total"]), int(latest.content["total"]), instrument_id
            )
        rows.append(
            ScoreRow(scoring.get_instrument(instrument_id), latest, baseline, len(results), change)
        )
    if not rows:
        return None
    return {"rows": rows, "response_percent": scoring.RESPONSE_DROP_PERCENT}


# -- the patients list ---------------------------------------------------------------------


def last_check_in(
    therapist: User, patient_id: uuid.UUID, verified: Callable[[ShareColumns], bool]
) -> datetime | None:
    """When the patient's latest check-in shared with this therapist was made; None
    when check-ins are not shared (a private check-in never moves it).

    Newest day first (one check-in a day, a unique key), stopping at the first
    share that `verified` accepts as the patient's: a share planted in the database
    never moves it. Only a caseload summary being rebuilt asks."""
    rows = db.session.execute(
        select(
            *SHARE_ROW_COLUMNS,
            CheckIn.created_at,
        )
        .join(
            CheckIn,
            (CheckIn.id == Share.record_id)
            & (CheckIn.user_id == Share.patient_id)
            & (CheckIn.revision == Share.record_revision),
        )
        .where(
            Share.id.in_(
                access.readable_shares(therapist)
                .where(Share.patient_id == patient_id, Share.record_table == moods.TABLE)
                .with_only_columns(Share.id)
            )
        )
        .order_by(CheckIn.day.desc())
    )
    for row in rows:
        if verified(ShareRow(*row[:9])):
            return row[9]
    return None


BRIEF_SECTIONS = (
    BriefSection(
        key="mood_series",
        title=N_("Mood over the series"),
        order=5,
        build=series_section,
        in_summary=True,
    ),
    BriefSection(
        key="safety_flags",
        title=N_("Safety flags"),
        order=10,
        build=flags_section,
    ),
    BriefSection(
        key="mood_trend",
        title=N_("Mood trend"),
        order=20,
        build=mood_section,
    ),
    BriefSection(
        key="scores",
        title=N_("Questionnaires"),
        order=30,
        build=scores_section,
    ),
)
