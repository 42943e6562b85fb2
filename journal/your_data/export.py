"""Export of everything a person has in the app: JSON (decrypted) and a printable document.

Each feature keeps its own section's code; `journal.wiring` adds them all, in the
order the export shows them:

    export.add_section("entries", "Journal entries", entries.export_entries,
                       printable=entries.printed_entries)

`collect(user, udk)` returns JSON-ready data (strings, numbers, booleans, lists,
dicts; times as ISO 8601 strings in UTC). `printable(user, udk, start, end)`, when
given, returns the items of that section dated within [start, end) for the printable
document. The JSON schema is documented in docs/privacy.md ("Export format"); a section
added here must be added there too.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import io
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from journal.accounts import audit
from journal.models.types import utcnow
from journal.models.users import User

FORMAT = "fresh-tracks-export"
VERSION = 1

Collect = Callable[[User, bytes], Any]


@dataclass(frozen=True)
class PrintItem:
    """One dated thing in the printable document: a heading and its lines of text."""

    at: datetime
    heading: str
    lines: list[str] = field(default_factory=list)


Printable = Callable[[User, bytes, datetime, datetime], list[PrintItem]]


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    collect: Collect
    printable: Printable | None


_sections: dict[str, Section] = {}
_RESERVED = {"format", "version", "exported_at", "account"}


def add_section(
    name: str, title: str, collect: Collect, *, printable: Printable | None = None
) -> None:
    """Add `collect` as the export's section `name` (its key in the JSON)."""
    if name in _RESERVED or (name in _sections and _sections[name].collect is not collect):
        raise ValueError(f"export section {name!r} is already taken")
    _sections[name] = Section(name, title, collect, printable)


def sections() -> list[Section]:
    return list(_sections.values())


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def plain(value: Any) -> Any:
    """A view (dataclasses, times, ids, enums, sets, nested) as JSON-ready data, so a
    section can return what its service already reads."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def export_all(user: User, udk: bytes) -> dict[str, Any]:
    """Everything, decrypted. Records the export in the security log."""
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso(utcnow()),
        "account": {
            "email": user.email,
            "role": user.role.value,
            "time_zone": user.time_zone,
            "created_at": iso(user.created_at),
            "questionnaires_move_on_when_an_answer_is_chosen": user.advance_on_tap,
        },
    }
    for sec in _sections.values():
        data[sec.name] = sec.collect(user, udk)
    audit.record(user.id, "export.json")
    return data


def export_json(user: User, udk: bytes) -> bytes:
    return json.dumps(export_all(user, udk), indent=2, ensure_ascii=False).encode("utf-8")


# The spreadsheet export (issue 18): one row per check-in or questionnaire result,
# read from the "mood_checkins" and "measure_results" sections registered in wiring.
CSV_COLUMNS = (
    "kind", "date", "mood", "anxiety", "energy", "sleep_hours", "sleep_quality", "note",
    "questionnaire", "score", "max_score", "band",
)  # fmt: skip


def _safe_cell(value: Any) -> str:
    """A spreadsheet must not run what someone typed as a formula (=, +, -, @)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(user: User, udk: bytes) -> bytes:
    """Check-ins and questionnaire scores as CSV, for a spreadsheet. Recorded in the
    security log."""
    rows: list[dict[str, Any]] = []
    checkins = _sections.get("mood_checkins")
    for item in checkins.collect(user, udk) if checkins else []:
        values = item.get("values", {})
        rows.append({"kind": "check-in", "date": item.get("day"), **values})
    results = _sections.get("measure_results")
    for item in results.collect(user, udk) if results else []:
        rows.append(
            {
                "kind": "questionnaire",
                "date": str(item.get("taken_at", ""))[:10],
                "questionnaire": str(item.get("instrument_id", "")).upper(),
                "score": item.get("total"),
                "max_score": item.get("max_total"),
                "band": item.get("band"),
            }
        )
    rows.sort(key=lambda r: (str(r.get("date") or ""), r["kind"]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_safe_cell(row.get(column)) for column in CSV_COLUMNS])
    audit.record(user.id, "export.csv")
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class PrintedSection:
    title: str
    items: list[PrintItem]


def printable(user: User, udk: bytes, start: datetime, end: datetime) -> list[PrintedSection]:
    """The sections that have something dated in [start, end), oldest first within each."""
    found = []
    for sec in _sections.values():
        if sec.printable is None:
            continue
        items = sorted(sec.printable(user, udk, start, end), key=lambda i: i.at)
        found.append(PrintedSection(sec.title, items))
    audit.record(user.id, "export.printed", f"{start.date()}..{end.date()}")
    return found


def security_log(user: User, udk: bytes) -> list[dict[str, str | None]]:
    return [
        {
            "id": str(e.id) if e.id else None,
            "at": iso(e.at),
            "action": e.action,
            "label": e.label,
            "detail": e.detail,
        }
        for e in audit.all_events_of(user.id)
    ]
