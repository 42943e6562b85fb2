"""Template filters every page shares: times in the viewer's own zone."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates
from flask import Flask, g
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from journal.core import integrity


def _viewer_zone() -> ZoneInfo | None:
    """The viewer's zone, looked up once per request (a list shows many times)."""
    if "viewer_zone" not in g:
        zone = "UTC"
        if current_user and current_user.is_authenticated:
            zone = current_user.time_zone
        try:
            g.viewer_zone = ZoneInfo(zone)
        except ZoneInfoNotFoundError:
            g.viewer_zone = None
    found: ZoneInfo | None = g.viewer_zone
    return found


def local_time(value: datetime) -> datetime:
    """Stored times are UTC; people read them in their own time zone."""
    zone = _viewer_zone()
    return value.astimezone(zone) if zone is not None else value


def machine_time(value: datetime) -> str:
    """A `<time datetime>` value: whole seconds, as HTML allows (issue 18: the
    microseconds of `isoformat()` made the attribute invalid)."""
    return value.replace(microsecond=0).isoformat()


def babel_format(value: datetime, pattern: str) -> str:
    """A time already in the viewer's zone, written in the page's language with a
    CLDR pattern ("EEE d MMM y" is "Mon 3 Mar 2025" or "lun 3 mar 2025"). Not moved
    to another zone again (`rebase=False`): `local_time` did that.

    Babel directly, with the page's locale: what Flask-Babel's `format_datetime`
    does with a pattern and `rebase=False`, without its lookups around it (half the
    cost, and a list formats a time on every card)."""
    return str(dates.format_datetime(value, pattern, locale=get_locale()))


def time_tag(value: datetime) -> Markup:
    """`<time datetime="…">Mon 3 Mar 2025, 14:05</time>` in the viewer's zone: the
    `when` macro's markup from one filter, as lists show a time on every card and
    the timeline on every item (instead of a macro call and three filters each)."""
    viewer_zone, locale = _page_keys()
    return _time_tag(value, value.tzinfo, viewer_zone, locale)


def _page_keys() -> tuple[str, str]:
    """The viewer's zone and the page's language as the time caches' keys, worked
    out once per request: a caseload asks for them a hundred times, and Babel's
    locale lookup and its name cost more than the cached time they find. Kept with
    the locale they were found for, as `language.page_translations` keeps its
    translations, so a `force_locale` inside the request gets its own language."""
    locale = getattr(g.get("_flask_babel"), "babel_locale", None)
    found = g.get("time_keys")
    if found is None or locale is None or found[0] is not locale:
        zone = _viewer_zone()
        locale = get_locale()
        found = (locale, zone.key if zone is not None else "", str(locale or "en"))
        g.time_keys = found
    return found[1], found[2]


def _in_zone(value: datetime, zone: str) -> datetime:
    return value.astimezone(ZoneInfo(zone)) if zone else value


@lru_cache(maxsize=8192)
def _time_tag(value: datetime, tzinfo: object, viewer_zone: str, locale: str) -> Markup:
    """`time_tag`, remembered per process for a moment, its zone, the viewer's zone
    and the language: the same appointments and check-ins are shown on every load
    of a list, and Babel's formatting is most of a time's cost. It holds a clock
    time and nothing of whose it is. `tzinfo` is in the key because equal moments
    in two zones compare equal, but `datetime=` writes the value's own offset."""
    # `%` escapes both values like `format`, in about half the time.
    return Markup('<time datetime="%s">%s</time>') % (
        machine_time(value),
        str(
            dates.format_datetime(_in_zone(value, viewer_zone), "EEE d MMM y, HH:mm", locale=locale)
        ),
    )


def time_both(value: datetime, patient_zone: str | None) -> Markup:
    """A time on the therapist's clock with the patient's beside it when theirs
    differs ("Tue 4 Mar 2025, 16:00 (10:00 for the patient, Chicago)"): the
    clinic's appointment and dosing times, one filter for the caseload's rows."""
    return _time_both(value, value.tzinfo, patient_zone or "", *_page_keys())


@lru_cache(maxsize=8192)
def _time_both(
    value: datetime, tzinfo: object, patient_zone: str, viewer_zone: str, locale: str
) -> Markup:
    """`time_both`, remembered per process like `_time_tag`: one lookup for the
    two clocks of a caseload cell."""
    mine = _time_tag(value, tzinfo, viewer_zone, locale)
    theirs = _patient_clock(value, patient_zone, viewer_zone, locale) if patient_zone else ""
    if not theirs:
        return mine
    return mine + Markup('<span class="patient-clock"> (%s)</span>') % theirs


def calendar_day(value: date, pattern: str) -> str:
    """A calendar day in the page's language with a date-only CLDR pattern, as
    `babel_format` writes it, remembered per process: a long list of sessions
    formats the same days on every request (a label of the calendar, nobody's)."""
    return _calendar_day(value, pattern, _page_keys()[1])


@lru_cache(maxsize=4096)
def _calendar_day(value: date, pattern: str, locale: str) -> str:
    return str(dates.format_date(value, pattern, locale=locale))


def babel_date(value: date, pattern: str) -> str:
    """A calendar day written in the page's language ("EEE d MMM": "Mon 3 Mar" or
    "lun 3 mar")."""
    return str(format_date(value, pattern))


def babel_number(value: int) -> str:
    """A number with the page language's grouping ("20,000", "20.000")."""
    return str(format_decimal(value))


def _city(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _patient_clock(value: datetime, zone: str, viewer_zone: str, locale: str) -> str:
    """The same moment on the patient's clock ("09:00 for the patient, Chicago"),
    or "" when their zone shows the same time as the viewer's at that moment (so
    a DST change in one of the two places is taken into account). In the page's
    language (`locale`); remembered with the rest of the cell by `_time_both`."""
    try:
        theirs = value.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    mine = _in_zone(value, viewer_zone)
    if theirs.utcoffset() == mine.utcoffset():
        return ""
    time, city = f"{theirs:%H:%M}", _city(zone)
    if theirs.date() == mine.date():
        return str(_("%(time)s for the patient, %(city)s", time=time, city=city))
    day = str(dates.format_datetime(theirs, "EEE d MMM", locale=locale))
    return str(_("%(day)s, %(time)s for the patient, %(city)s", day=day, time=time, city=city))


def init_app(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(machine_time, "machine_time")
    app.add_template_filter(lambda value, fmt: value.strftime(fmt), "strftime")
    app.add_template_filter(babel_format, "babel_format")
    app.add_template_filter(time_tag, "time_tag")
    app.add_template_filter(time_both, "time_both")
    app.add_template_filter(babel_number, "babel_number")
    app.add_template_filter(babel_date, "babel_date")
    app.add_template_filter(integrity.count_phrase, "integrity_phrase")
    app.add_template_global(integrity.unopened_here, "unopened_here")
