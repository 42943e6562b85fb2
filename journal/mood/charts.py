"""Coordinates for the mood and score charts; the templates only draw them.

Charts are server-rendered SVG: no chart JavaScript, readable without scripts, and
the same numbers go into an accessible table and a sentence. Everything here is
pure (dates and numbers in, frozen dataclasses out), so the geometry is tested
without a browser.

Dosing sessions are an input list of datetimes. They do not exist yet (the
"Dosing sessions and preparation" issue adds them), so the views pass an empty
list for now; the charts already draw them as markers and line up the days after
each one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from statistics import fmean
from typing import Final, Literal

import flask_babel
from babel import Locale
from babel.dates import format_date
from flask import has_app_context

from journal.core.translatable import N_, page_locale
from journal.mood import scoring
from journal.mood.scoring import Instrument

WIDTH: Final = 320
HEIGHT: Final = 190
LEFT: Final = 30.0
RIGHT: Final = WIDTH - 12.0
TOP: Final = 10.0
BOTTOM: Final = HEIGHT - 26.0
OVERLAY_BEFORE: Final = 2
OVERLAY_AFTER: Final = 14
# An induction series is about six sessions; six line styles tell them apart.
OVERLAY_MAX_SESSIONS: Final = 6
LABEL_GAP: Final = 9.0
# Up to this many days a chart shows one point a day; longer ranges show weekly
# means, so five years are 260 points and a 260-row table, not 1,826.
DAILY_MAX_SPAN: Final = 92

Bucket = Literal["day", "week"]


@dataclass(frozen=True)
class ChartRange:
    key: str
    label: str
    days: int | None


RANGES: Final = (
    ChartRange("30d", N_("30 days"), 30),
    ChartRange("90d", N_("90 days"), 90),
    ChartRange("1y", N_("1 year"), 365),
    ChartRange("all", N_("All"), None),
)
DEFAULT_RANGE: Final = RANGES[1]


def parse_range(raw: str | None) -> ChartRange:
    return next((r for r in RANGES if r.key == raw), DEFAULT_RANGE)


def range_start(chart_range: ChartRange, today: date, earliest: date | None) -> date:
    """First day shown: `days` back from today, or the first record for "All"."""
    if chart_range.days is None:
        return min(earliest or today, today)
    return today - timedelta(days=chart_range.days - 1)


# -- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyMood:
    day: date
    mood: int
    anxiety: int


@dataclass(frozen=True)
class TakenScore:
    taken_on: date
    total: int


# -- outputs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    label: str


@dataclass(frozen=True)
class Series:
    key: str
    name: str
    points: tuple[Point, ...]
    # One "x,y x,y ..." string per unbroken run: a missing day breaks the line,
    # so the chart never draws a mood that nobody recorded.
    segments: tuple[str, ...]


@dataclass(frozen=True)
class SessionMarker:
    x: float
    label: str


@dataclass(frozen=True)
class MoodRow:
    label: str
    mood: float | None
    anxiety: float | None
    count: int


@dataclass(frozen=True)
class MoodChart:
    id: str
    series: tuple[Series, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    sessions: tuple[SessionMarker, ...]
    rows: tuple[MoodRow, ...]
    bucket: Bucket
    summary: str
    empty: bool
    width: int = WIDTH
    height: int = HEIGHT
    left: float = LEFT
    right: float = RIGHT
    top: float = TOP
    bottom: float = BOTTOM


@dataclass(frozen=True)
class BandArea:
    y: float
    height: float
    label: str
    label_y: float
    shade: int  # 0 (lightest) to 4, a CSS class; the label says the band in words


@dataclass(frozen=True)
class ScorePoint:
    x: float
    y: float
    taken_on: date
    label: str
    total: int
    band: str
    baseline: bool
    change_percent: float | None
    response: bool
    remission: bool | None

    @property
    def marker(self) -> str:
        if self.baseline:
            return "baseline"
        if self.response:
            return "response"
        return "score"


@dataclass(frozen=True)
class ScoreChart:
    id: str
    instrument: Instrument
    points: tuple[ScorePoint, ...]
    segments: tuple[str, ...]
    bands: tuple[BandArea, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    sessions: tuple[SessionMarker, ...]
    summary: str
    empty: bool
    has_remission: bool
    width: int = WIDTH
    height: int = HEIGHT
    left: float = LEFT
    right: float = RIGHT
    top: float = TOP
    bottom: float = BOTTOM


@dataclass(frozen=True)
class OverlayLine:
    index: int  # 1-based session number in this view
    label: str
    points: tuple[Point, ...]
    segments: tuple[str, ...]
    end: Point | None  # the line's last point; its number is drawn beside it
    label_y: float = 0.0  # nudged so two numbers never sit on top of each other


@dataclass(frozen=True)
class OverlayRow:
    offset: int
    values: tuple[int | None, ...]
    average: float | None


@dataclass(frozen=True)
class OverlayChart:
    id: str
    lines: tuple[OverlayLine, ...]
    average: OverlayLine | None
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    zero_x: float
    rows: tuple[OverlayRow, ...]
    summary: str
    empty: bool
    left_out: int  # sessions in the range beyond the most recent OVERLAY_MAX_SESSIONS
    width: int = WIDTH
    height: int = HEIGHT
    left: float = LEFT
    right: float = RIGHT
    top: float = TOP
    bottom: float = BOTTOM


# -- helpers -----------------------------------------------------------------------------


def _(message: str, **values: object) -> str:
    """The message in the page's language; English where there is no app (the charts
    are plain functions, also drawn outside a request)."""
    if has_app_context():
        return str(flask_babel.gettext(message, **values))
    return message % values if values else message


def ngettext(singular: str, plural: str, num: int, **values: object) -> str:
    if has_app_context():
        return str(flask_babel.ngettext(singular, plural, num, **values))
    return (singular if num == 1 else plural) % {"num": num, **values}


def _day_label(day: date) -> str:
    """ "3 Mar 2025", "3 mar 2025": in the page's language."""
    return _formatted_day(day, page_locale())


@lru_cache(maxsize=4096)
def _formatted_day(day: date, locale: Locale | None) -> str:
    """A chart labels each of up to a year of days, and Babel formats each anew; the
    same day reads the same in one language (a calendar label, nobody's data)."""
    return str(format_date(day, "d MMM y", locale=locale or "en"))


def _r(value: float) -> float:
    return round(value, 1)


def _x_scale(first: date, last: date) -> Callable[[float], float]:
    span = max((last - first).days, 1)
    return lambda offset: _r(LEFT + (RIGHT - LEFT) * offset / span)


def _y_scale(low: float, high: float) -> Callable[[float], float]:
    return lambda value: _r(BOTTOM - (BOTTOM - TOP) * (value - low) / (high - low))


def _segments(points: Sequence[Point], offsets: Sequence[float], max_gap: float) -> tuple[str, ...]:
    runs: list[list[Point]] = []
    previous: float | None = None
    for point, offset in zip(points, offsets, strict=True):
        if previous is None or offset - previous > max_gap:
            runs.append([])
        runs[-1].append(point)
        previous = offset
    return tuple(" ".join(f"{p.x},{p.y}" for p in run) for run in runs if len(run) > 1)


def local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def _session_markers(
    sessions: Iterable[datetime], zone: tzinfo, first: date, last: date
) -> tuple[SessionMarker, ...]:
    x = _x_scale(first, last)
    markers = []
    for moment in sorted(sessions):
        day = local_day(moment, zone)
        if first <= day <= last:
            markers.append(SessionMarker(x((day - first).days), _day_label(day)))
    return tuple(markers)


def date_ticks(first: date, last: date, most: int = 6) -> tuple[Tick, ...]:
    """Ticks on whole days, weeks, months, quarters or years: the finest with at most
    `most`; for a range too short for any of those, its first and last day."""
    x = _x_scale(first, last)
    span = (last - first).days
    every_day = [first + timedelta(days=d) for d in range(span + 1)]
    candidates: list[tuple[list[date], Callable[[date], str]]] = [
        (every_day, lambda d: f"{d.day} {d:%b}"),
        (_mondays(first, last), lambda d: f"{d.day} {d:%b}"),
        (_month_starts(first, last, 1), lambda d: f"{d:%b}" if d.month != 1 else f"{d:%b %Y}"),
        (_month_starts(first, last, 3), lambda d: f"{d:%b %y}"),
        (_month_starts(first, last, 12), lambda d: f"{d:%Y}"),
    ]
    for days, label in candidates:
        if 2 <= len(days) <= most:
            return tuple(Tick(x((d - first).days), label(d)) for d in days)
    years = _month_starts(first, last, 12)
    if len(years) > most:
        step = -(-len(years) // most)
        return tuple(Tick(x((d - first).days), f"{d:%Y}") for d in years[::step])
    ends = [first] if span == 0 else [first, last]
    return tuple(Tick(x((d - first).days), f"{d.day} {d:%b}") for d in ends)


def _mondays(first: date, last: date) -> list[date]:
    day = first + timedelta(days=(7 - first.weekday()) % 7)
    found: list[date] = []
    while day <= last:
        found.append(day)
        day += timedelta(days=7)
    return found


def _month_starts(first: date, last: date, every: int) -> list[date]:
    year, month = first.year, first.month
    found: list[date] = []
    while True:
        day = date(year, month, 1)
        if day > last:
            return found
        if day >= first and (month - 1) % every == 0:
            found.append(day)
        month += 1
        if month == 13:
            year, month = year + 1, 1


def _value_ticks(low: int, high: int, step: int) -> tuple[Tick, ...]:
    y = _y_scale(low, high)
    return tuple(Tick(y(v), str(v)) for v in range(low, high + 1, step))


def _fmt(value: float | None) -> str:
    return _("no check-ins") if value is None else f"{value:.1f}".removesuffix(".0")


# -- mood and anxiety over time ----------------------------------------------------------


def bucket_for(first: date, last: date) -> Bucket:
    return "day" if (last - first).days < DAILY_MAX_SPAN else "week"


def mood_chart(
    checkins: Sequence[DailyMood],
    first: date,
    last: date,
    sessions: Sequence[datetime],
    zone: tzinfo,
) -> MoodChart:
    """Mood and anxiety (1-5) from `first` to `last`, dosing sessions as markers.

    `checkins` may hold days outside the range (they are ignored), in any order.
    """
    inside = sorted((c for c in checkins if first <= c.day <= last), key=lambda c: c.day)
    bucket = bucket_for(first, last)
    groups = _group(inside, first, bucket)
    x = _x_scale(first, last)
    y = _y_scale(1, 5)
    offsets = [float(offset) for offset, _, _ in groups]
    gap = 1 if bucket == "day" else 7
    # Each group's means, worked out once for its two points and its table row.
    means = [
        (fmean(c.mood for c in members), fmean(c.anxiety for c in members))
        for _offset, _label, members in groups
    ]
    series = []
    for index, (key, name) in enumerate((("mood", "Mood"), ("anxiety", "Anxiety"))):
        points = [
            Point(x(offset), y(mean[index]), round(mean[index], 1), label)
            for (offset, label, _members), mean in zip(groups, means, strict=True)
        ]
        series.append(Series(key, name, tuple(points), _segments(points, offsets, gap)))
    rows = tuple(
        MoodRow(label, round(mood, 1), round(anxiety, 1), len(members))
        for (_offset, label, members), (mood, anxiety) in zip(groups, means, strict=True)
    )
    markers = _session_markers(sessions, zone, first, last)
    return MoodChart(
        id="mood-chart",
        series=tuple(series),
        x_ticks=date_ticks(first, last),
        y_ticks=_value_ticks(1, 5, 1),
        sessions=markers,
        rows=rows,
        bucket=bucket,
        summary=_mood_summary(inside, first, last, markers, bucket),
        empty=not inside,
    )


def _mean(members: Sequence[DailyMood], key: str) -> float:
    return round(fmean(getattr(c, key) for c in members), 1)


def _group(
    inside: Sequence[DailyMood], first: date, bucket: Bucket
) -> list[tuple[float, str, list[DailyMood]]]:
    """(x offset in days, row label, members) per day, or per week (Monday to Sunday,
    drawn at the week's middle)."""
    if bucket == "day":
        return [((c.day - first).days, _day_label(c.day), [c]) for c in inside]
    weeks: dict[date, list[DailyMood]] = {}
    for c in inside:
        weeks.setdefault(c.day - timedelta(days=c.day.weekday()), []).append(c)
    return [
        ((monday - first).days + 3, _("Week of %(day)s", day=_day_label(monday)), members)
        for monday, members in sorted(weeks.items())
    ]


def _mood_summary(
    inside: Sequence[DailyMood],
    first: date,
    last: date,
    markers: Sequence[SessionMarker],
    bucket: Bucket,
) -> str:
    start, end = _day_label(first), _day_label(last)
    if not inside:
        return str(_("No check-ins from %(first)s to %(last)s.", first=start, last=end))
    n = len(inside)
    latest = inside[-1]
    sentences = [
        ngettext(
            "%(num)s check-in from %(first)s to %(last)s.",
            "%(num)s check-ins from %(first)s to %(last)s.",
            n,
            first=start,
            last=end,
        ),
        _(
            "Mood averaged %(mood)s of 5 (5 is very good) and anxiety %(anxiety)s of 5 "
            "(5 is extremely anxious).",
            mood=_fmt(_mean(inside, "mood")),
            anxiety=_fmt(_mean(inside, "anxiety")),
        ),
        _(
            "Latest, on %(day)s: mood %(mood)s, anxiety %(anxiety)s.",
            day=_day_label(latest.day),
            mood=latest.mood,
            anxiety=latest.anxiety,
        ),
    ]
    if bucket == "week":
        sentences.append(_("Each point is a week's average."))
    if markers:
        sentences.append(_("Dosing sessions: %(days)s.", days=", ".join(m.label for m in markers)))
    return " ".join(str(s) for s in sentences)


# -- questionnaire totals ----------------------------------------------------------------


def score_chart(
    instrument: Instrument,
    taken: Sequence[TakenScore],
    first: date,
    last: date,
    sessions: Sequence[datetime],
    zone: tzinfo,
) -> ScoreChart:
    """Totals of one instrument over the range, on its severity bands.

    `taken` is every result of the instrument, oldest first, even those before
    the range: the first one is the baseline each later total is compared with.
    """
    x = _x_scale(first, last)
    top_value = instrument.max_total
    y = _y_scale(0, top_value)
    baseline = taken[0] if taken else None
    points = []
    for result in taken:
        if not first <= result.taken_on <= last:
            continue
        assert baseline is not None
        is_baseline = result is baseline
        change = (
            None
            if is_baseline
            else scoring.change_from_baseline(baseline.total, result.total, instrument.id)
        )
        points.append(
            ScorePoint(
                x=x((result.taken_on - first).days),
                y=y(result.total),
                taken_on=result.taken_on,
                label=_day_label(result.taken_on),
                total=result.total,
                band=instrument.band_for(result.total).label,
                baseline=is_baseline,
                change_percent=None if change is None else change.percent_change,
                response=bool(change and change.response),
                remission=None if change is None else change.remission,
            )
        )
    bands = []
    for shade, band in enumerate(instrument.bands):
        upper = min(band.high + 1, top_value)
        band_top, band_bottom = y(upper), y(band.low)
        bands.append(
            BandArea(
                y=band_top,
                height=_r(band_bottom - band_top),
                label=band.label,
                label_y=_r(band_bottom - 3),
                shade=min(shade, 4),
            )
        )
    step = 5
    markers = _session_markers(sessions, zone, first, last)
    return ScoreChart(
        id=f"{instrument.id}-chart",
        instrument=instrument,
        points=tuple(points),
        segments=(" ".join(f"{p.x},{p.y}" for p in points),) if len(points) > 1 else (),
        bands=tuple(bands),
        x_ticks=date_ticks(first, last),
        y_ticks=_value_ticks(0, top_value, step),
        sessions=markers,
        summary=_score_summary(instrument, points, baseline, first, last),
        empty=not points,
        has_remission=instrument.remission_below is not None,
    )


def _score_summary(
    instrument: Instrument,
    points: Sequence[ScorePoint],
    baseline: TakenScore | None,
    first: date,
    last: date,
) -> str:
    name = instrument.short_name
    if not points:
        return str(
            _(
                "No %(name)s results from %(first)s to %(last)s.",
                name=name,
                first=_day_label(first),
                last=_day_label(last),
            )
        )
    n = len(points)
    assert baseline is not None
    base_band = _(instrument.band_for(baseline.total).label)
    sentences = [
        ngettext(
            "%(num)s %(name)s result in this period.",
            "%(num)s %(name)s results in this period.",
            n,
            name=name,
        ),
        _(
            "Baseline %(total)s (%(band)s) on %(day)s.",
            total=baseline.total,
            band=base_band,
            day=_day_label(baseline.taken_on),
        ),
    ]
    latest = points[-1]
    if latest.baseline:
        return " ".join(str(s) for s in sentences)
    said = {"total": latest.total, "band": _(latest.band), "day": latest.label}
    percent = f"{abs(latest.change_percent or 0):.0f}"
    if latest.change_percent is None:
        sentences.append(_("Latest %(total)s (%(band)s) on %(day)s.", **said))
    elif latest.change_percent < 0:
        sentences.append(
            _(
                "Latest %(total)s (%(band)s) on %(day)s, %(percent)s\u00a0%% lower than the "
                "baseline.",
                percent=percent,
                **said,
            )
        )
    else:
        sentences.append(
            _(
                "Latest %(total)s (%(band)s) on %(day)s, %(percent)s\u00a0%% higher than the "
                "baseline.",
                percent=percent,
                **said,
            )
        )
    if latest.response and instrument.response is not None:
        sentences.append(
            _(
                "That is %(words)s: what clinicians call a response.",
                words=instrument.response.words,
            )
        )
    if latest.remission:
        sentences.append(
            _(
                "It is below %(below)s, the range called remission.",
                below=instrument.remission_below,
            )
        )
    return " ".join(str(s) for s in sentences)


# -- days since each session -------------------------------------------------------------


def overlay_chart(
    checkins: Sequence[DailyMood],
    sessions: Sequence[datetime],
    zone: tzinfo,
    first: date,
    last: date,
) -> OverlayChart:
    """Mood in the days around each dosing session in the range, lined up on the
    session day, so the afterglow and how long it lasts can be compared."""
    by_day = {c.day: c.mood for c in checkins}
    days = sorted({local_day(s, zone) for s in sessions if first <= local_day(s, zone) <= last})
    left_out = max(0, len(days) - OVERLAY_MAX_SESSIONS)
    days = days[-OVERLAY_MAX_SESSIONS:]
    offsets = range(-OVERLAY_BEFORE, OVERLAY_AFTER + 1)
    x = _x_scale(date.min, date.min + timedelta(days=OVERLAY_BEFORE + OVERLAY_AFTER))
    y = _y_scale(1, 5)

    def px(offset: int) -> float:
        return x(offset + OVERLAY_BEFORE)

    # "Day +3": once per offset, not once per session and offset.
    day_names = {o: _("Day %(offset)s", offset=format(o, "+d")) for o in offsets}

    lines = []
    for index, day in enumerate(days, start=1):
        found = [
            (o, by_day[day + timedelta(days=o)])
            for o in offsets
            if day + timedelta(days=o) in by_day
        ]
        points = tuple(Point(px(o), y(v), v, day_names[o]) for o, v in found)
        lines.append(
            OverlayLine(
                index=index,
                label=_day_label(day),
                points=points,
                segments=_segments(points, [float(o) for o, _ in found], 1),
                end=points[-1] if points else None,
            )
        )
    lines = _spread_labels(lines)
    rows = []
    for offset in offsets:
        values = tuple(by_day.get(day + timedelta(days=offset)) for day in days)
        present = [v for v in values if v is not None]
        rows.append(OverlayRow(offset, values, round(fmean(present), 1) if present else None))
    average = None
    if len(days) > 1:
        avg_points = tuple(
            Point(
                px(r.offset),
                y(r.average),
                r.average,
                day_names[r.offset],
            )
            for r in rows
            if r.average is not None
        )
        average = OverlayLine(
            0,
            "Average",
            avg_points,
            _segments(avg_points, [float(r.offset) for r in rows if r.average is not None], 1),
            avg_points[-1] if avg_points else None,
        )
    tick_offsets = (-OVERLAY_BEFORE, 0, 3, 7, 10, 14)
    return OverlayChart(
        id="overlay-chart",
        lines=tuple(lines),
        average=average,
        x_ticks=tuple(Tick(px(o), f"{o:+d}" if o else "0") for o in tick_offsets),
        y_ticks=_value_ticks(1, 5, 1),
        zero_x=px(0),
        rows=tuple(rows),
        summary=_overlay_summary(days, rows, left_out),
        empty=not any(line.points for line in lines),
        left_out=left_out,
    )


def _spread_labels(lines: Sequence[OverlayLine]) -> list[OverlayLine]:
    """Each line's number goes just above its last point; numbers that would overlap
    (lines ending at the same place) are pushed apart, and kept inside the plot."""
    ends = sorted((line.end.y - 3, line.index) for line in lines if line.end is not None)
    wanted = [y for y, _ in ends]
    for i in range(1, len(wanted)):
        wanted[i] = max(wanted[i], wanted[i - 1] + LABEL_GAP)
    lowest = BOTTOM - 2
    for i in reversed(range(len(wanted))):
        lowest = min(wanted[i], lowest)
        wanted[i] = lowest
        lowest -= LABEL_GAP
    placed = {index: _r(y) for (_, index), y in zip(ends, wanted, strict=True)}
    return [replace(line, label_y=placed.get(line.index, 0.0)) for line in lines]


def _overlay_summary(days: Sequence[date], rows: Sequence[OverlayRow], left_out: int) -> str:
    if not days:
        return _(
            "No dosing sessions in this period. Once sessions are recorded, this view lines "
            "up your mood in the days around each one."
        )

    def window_mean(low: int, high: int) -> float | None:
        values = [v for r in rows if low <= r.offset <= high for v in r.values if v is not None]
        return round(fmean(values), 1) if values else None

    n = len(days)
    sentences = [
        ngettext(
            "Mood in the %(before)s days before and %(after)s days after %(num)d dosing session.",
            "Mood in the %(before)s days before and %(after)s days after %(num)d dosing sessions.",
            n,
            before=OVERLAY_BEFORE,
            after=OVERLAY_AFTER,
        ),
        _(
            "Average mood before: %(before)s; days 1 to 7 after: %(week)s; days 8 to 14 "
            "after: %(later)s (of 5).",
            before=_fmt(window_mean(-OVERLAY_BEFORE, -1)),
            week=_fmt(window_mean(1, 7)),
            later=_fmt(window_mean(8, 14)),
        ),
    ]
    if left_out:
        sentences.append(
            ngettext(
                "Showing the latest %(shown)s; %(num)d earlier not shown.",
                "Showing the latest %(shown)s; %(num)d earlier not shown.",
                left_out,
                shown=OVERLAY_MAX_SESSIONS,
            )
        )
    return " ".join(str(s) for s in sentences)


# -- the brief's sparkline -----------------------------------------------------------------

SPARK_WIDTH: Final = 240
SPARK_HEIGHT: Final = 44
SPARK_PAD: Final = 4.0


@dataclass(frozen=True)
class Sparkline:
    """Daily mood (1-5) over a dosing series, dosing sessions as upright lines: small,
    no axes, with a sentence that says what it shows (its accessible description)."""

    segments: tuple[str, ...]
    # Points without a neighbour the day before or after, drawn as dots.
    dots: tuple[Point, ...]
    latest: Point
    sessions: tuple[SessionMarker, ...]
    first: date
    last: date
    summary: str
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT
    top: float = SPARK_PAD
    bottom: float = SPARK_HEIGHT - SPARK_PAD


def sparkline(
    checkins: Sequence[DailyMood],
    first: date,
    last: date,
    sessions: Sequence[datetime],
    zone: tzinfo,
) -> Sparkline | None:
    """None when no check-in falls between `first` and `last`."""
    inside = sorted((c for c in checkins if first <= c.day <= last), key=lambda c: c.day)
    if not inside:
        return None
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return _r(SPARK_PAD + (SPARK_WIDTH - 2 * SPARK_PAD) * (day - first).days / span)

    def y(mood: float) -> float:
        return _r(SPARK_HEIGHT - SPARK_PAD - (SPARK_HEIGHT - 2 * SPARK_PAD) * (mood - 1) / 4)

    points = [Point(x(c.day), y(c.mood), float(c.mood), _day_label(c.day)) for c in inside]
    offsets = [float((c.day - first).days) for c in inside]
    segments = _segments(points, offsets, 1)
    alone = tuple(
        p
        for i, p in enumerate(points)
        if (i == 0 or offsets[i] - offsets[i - 1] > 1)
        and (i == len(points) - 1 or offsets[i + 1] - offsets[i] > 1)
    )
    markers = tuple(
        SessionMarker(x(day), _day_label(day))
        for day in sorted({local_day(moment, zone) for moment in sessions})
        if first <= day <= last
    )
    lowest = min(inside, key=lambda c: (c.mood, c.day))
    highest = max(inside, key=lambda c: (c.mood, c.day))
    n = len(inside)
    said = [
        ngettext(
            "Mood from %(num)d shared check-in, %(first)s to %(last)s, 1 to 5 (5 is very "
            "good): lowest %(lowest)s on %(lowest_day)s, highest %(highest)s on "
            "%(highest_day)s, latest %(latest)s on %(latest_day)s.",
            "Mood from %(num)d shared check-ins, %(first)s to %(last)s, 1 to 5 (5 is very "
            "good): lowest %(lowest)s on %(lowest_day)s, highest %(highest)s on "
            "%(highest_day)s, latest %(latest)s on %(latest_day)s.",
            n,
            first=_day_label(first),
            last=_day_label(last),
            lowest=lowest.mood,
            lowest_day=_day_label(lowest.day),
            highest=highest.mood,
            highest_day=_day_label(highest.day),
            latest=inside[-1].mood,
            latest_day=_day_label(inside[-1].day),
        ),
        _("Dosing sessions: %(days)s.", days=", ".join(m.label for m in markers))
        if markers
        else _("No dosing session in this period."),
    ]
    text = " ".join(str(s) for s in said)
    return Sparkline(segments, alone, points[-1], markers, first, last, text)
