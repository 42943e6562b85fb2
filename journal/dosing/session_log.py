"""The at-home log kept during a session: blood-pressure readings and dose times.

Each line is its own sealed record. The app records what the sitter writes down and
judges nothing: a reading outside what a cuff can plausibly show is refused as a
typing mistake, and no reading is called high or low.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any, Final

from flask_babel import gettext as _
from sqlalchemy import select

from journal.core import forms, records
from journal.core.extensions import db
from journal.dosing.kap_sessions import local_to_utc
from journal.models.kap_sessions import KapSession, SessionLogEntry

TABLE: Final = "session_log_entries"
READING: Final = "reading"
DOSE: Final = "dose"
SYSTOLIC: Final = (60, 260)
DIASTOLIC: Final = (30, 160)
PULSE: Final = (30, 220)
NOTE_MAX: Final = 200
# A time typed without a date is today's, unless that is more than this far ahead:
# then it was last night's (a session that ran past midnight).
_AHEAD: Final = timedelta(minutes=15)


@dataclass(frozen=True)
class LogLine:
    id: uuid.UUID
    kind: str
    at: datetime
    systolic: int | None
    diastolic: int | None
    pulse: int | None
    note: str

    @property
    def is_reading(self) -> bool:
        return self.kind == READING


@dataclass
class LogForm:
    """A reading or a dose as typed; ``at`` and the numbers are set when valid."""

    kind: str = READING
    systolic: str = ""
    diastolic: str = ""
    pulse: str = ""
    time: str = ""
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    at: datetime | None = None
    values: dict[str, int | None] = field(default_factory=dict)

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> LogForm:
        typed = forms.reader(posted)

        return cls(
            kind=typed("kind") or READING,
            systolic=typed("systolic"),
            diastolic=typed("diastolic"),
            pulse=typed("pulse"),
            time=typed("time"),
            note=typed("note"),
        )

    @property
    def valid(self) -> bool:
        return not self.errors


def missing_number(name: str) -> str:
    """The message for an empty blood-pressure field ("systolic", "diastolic", "pulse")."""
    if name == "systolic":
        return str(_("Enter the top number (systolic)."))
    if name == "diastolic":
        return str(_("Enter the bottom number (diastolic)."))
    return str(_("Enter the pulse."))


def not_a_number(name: str, example: int) -> str:
    if name == "systolic":
        return str(_("Enter the top number (systolic) as a whole number, like %(n)s.", n=example))
    if name == "diastolic":
        return str(
            _("Enter the bottom number (diastolic) as a whole number, like %(n)s.", n=example)
        )
    return str(_("Enter the pulse as a whole number, like %(n)s.", n=example))


def out_of_range(name: str, low: int, high: int, value: int) -> str:
    said = {"low": low, "high": high, "value": value}
    if name == "systolic":
        return str(
            _(
                "The top number (systolic) should be between %(low)s and %(high)s; %(value)s is "
                "outside that. Check the reading and type it again.",
                **said,
            )
        )
    if name == "diastolic":
        return str(
            _(
                "The bottom number (diastolic) should be between %(low)s and %(high)s; %(value)s "
                "is outside that. Check the reading and type it again.",
                **said,
            )
        )
    return str(
        _(
            "The pulse should be between %(low)s and %(high)s; %(value)s is outside that. "
            "Check the reading and type it again.",
            **said,
        )
    )


def larger_first() -> str:
    return str(
        _(
            "The top number (systolic) is always the larger one. Check the order and type "
            "them again."
        )
    )


def _number(form: LogForm, name: str, bounds: tuple[int, int], required: bool) -> None:
    raw: str = getattr(form, name)
    low, high = bounds
    if not raw:
        if required:
            form.errors[name] = missing_number(name)
        form.values[name] = None
        return
    if not raw.isdigit():
        form.errors[name] = not_a_number(name, low + 60)
        return
    value = int(raw)
    if not low <= value <= high:
        form.errors[name] = out_of_range(name, low, high, value)
        return
    form.values[name] = value


def _when(form: LogForm, tz: tzinfo, now: datetime) -> None:
    if not form.time:
        form.at = now
        return
    try:
        clock = time.fromisoformat(form.time).replace(second=0, microsecond=0)
    except ValueError:
        form.errors["time"] = _("Enter the time as hours:minutes, like 14:05, or leave it empty.")
        return
    try:
        at = local_to_utc(now.astimezone(tz).date(), clock, tz)
        if at > now + _AHEAD:
            at = local_to_utc(now.astimezone(tz).date() - timedelta(days=1), clock, tz)
    except ValueError as exc:
        form.errors["time"] = str(exc)
        return
    form.at = at


def check_form(form: LogForm, tz: tzinfo, now: datetime) -> LogForm:
    if form.kind not in (READING, DOSE):
        form.errors["kind"] = _("Choose a blood-pressure reading or a dose.")
        return form
    if form.kind == READING:
        _number(form, "systolic", SYSTOLIC, required=True)
        _number(form, "diastolic", DIASTOLIC, required=True)
        _number(form, "pulse", PULSE, required=False)
        top, bottom = form.values.get("systolic"), form.values.get("diastolic")
        if top is not None and bottom is not None and top <= bottom:
            form.errors["systolic"] = larger_first()
    if len(form.note) > NOTE_MAX:
        form.errors["note"] = _("Keep the note under %(most)s characters.", most=NOTE_MAX)
    _when(form, tz, now)
    return form


def add_line(session: KapSession, udk: bytes, form: LogForm) -> SessionLogEntry:
    assert form.valid and form.at is not None, "check_form first"
    line = SessionLogEntry(
        id=uuid.uuid4(), user_id=session.user_id, kap_session_id=session.id, revision=0
    )
    payload: dict[str, Any] = {
        "kind": form.kind,
        "at": form.at.astimezone(UTC).isoformat(),
        "note": form.note,
    }
    if form.kind == READING:
        payload.update(
            systolic=form.values["systolic"],
            diastolic=form.values["diastolic"],
            pulse=form.values.get("pulse"),
        )
    records.seal_payload(udk, TABLE, line, payload)
    db.session.add(line)
    db.session.commit()
    return line


def read_line(line: SessionLogEntry, udk: bytes) -> LogLine:
    data = records.open_payload(udk, TABLE, line)
    return LogLine(
        id=line.id,
        kind=str(data["kind"]),
        at=datetime.fromisoformat(data["at"]),
        systolic=data.get("systolic"),
        diastolic=data.get("diastolic"),
        pulse=data.get("pulse"),
        note=str(data.get("note", "")),
    )


def log_of(session: KapSession, udk: bytes) -> list[LogLine]:
    """Newest first."""
    rows = db.session.scalars(
        select(SessionLogEntry).where(SessionLogEntry.kap_session_id == session.id)
    ).all()
    return sorted((read_line(r, udk) for r in rows), key=lambda line: line.at, reverse=True)


def remove_line(line: SessionLogEntry) -> None:
    db.session.delete(line)
    db.session.commit()
