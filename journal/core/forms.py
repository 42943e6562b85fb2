"""How every form is read: one way, everywhere.

Each form is a dataclass with a classmethod `read(posted)` that takes the posted
fields (a mapping of strings: `request.form`, or a dict from the CLI, the bench or a
test), keeps exactly what the person typed (trimmed), and puts a message for each
problem in `errors`, keyed by field, so a page with an error shows everything back
unchanged; `valid` is "no errors". Checks that need more than the form (whose
sessions exist, the time zone) are the service's, done on the form it read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from flask_babel import gettext as _


def reader(raw: Mapping[str, str]) -> Callable[[str], str]:
    """`typed(name)`: the field trimmed of surrounding spaces; a missing one is ""."""

    def typed(name: str) -> str:
        return str(raw.get(name, "") or "").strip()

    return typed


@dataclass(frozen=True)
class DayRangeForm:
    """A first and a last day, both included (the printable export, the FHIR export).

    The days are the person's own: `bounds` turns them into the instants where the
    first day starts and the day after the last one starts, in their time zone."""

    start: str
    end: str
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> DayRangeForm:
        typed = reader(posted)
        start, end = typed("start"), typed("end")
        errors: dict[str, str] = {}
        first, last = _day(start), _day(end)
        if first is None or last is None:
            errors["range"] = _("Choose a first and a last day, like 2026-01-31.")
        elif first > last:
            errors["range"] = _("The first day must come before the last day.")
        return cls(start, end, errors)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def days(self) -> tuple[date, date]:
        """The first and the last day; only for a valid form."""
        first, last = _day(self.start), _day(self.end)
        assert first is not None and last is not None, "read() refused these days"
        return first, last

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        first, last = self.days
        return (
            datetime.combine(first, time.min, zone),
            datetime.combine(last + timedelta(days=1), time.min, zone),
        )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
