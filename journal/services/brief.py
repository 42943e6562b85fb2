"""The therapist's view of their patients: the patients list and the pre-appointment
brief, with hooks for what other features add.

Hooks, so each later feature plugs in without touching this file's callers:
- `register_open_flags(fn)`: safety flags still to acknowledge for a patient (the
  mood and questionnaire feature); 0 until one is registered.
- `register_last_check_in(fn)`: the date of the patient's last shared check-in.
- `register_brief_section(BriefSection(...))`: a section of the brief (safety flags,
  mood trend, latest scores, checklist status). Its `build` returns the template's
  context, or None when there is nothing to show: the brief renders only what
  exists, never a placeholder with made-up data. A section that opens records must
  get them through `access.shared_records` and log each read via `sharing.read_shared`.
- `GROUPING`: how shared items are grouped. Dosing sessions do not exist yet, so items
  are grouped by the week they were written; the sessions feature replaces this with
  a grouping by dosing session.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from journal.extensions import db
from journal.models.sharing import CareLink, Share
from journal.models.users import User
from journal.services import access, care, sharing
from journal.services.shareable import SharedItem

# -- hooks ---------------------------------------------------------------------------

OpenFlagsCounter = Callable[[User, CareLink], int]
LastCheckInSource = Callable[[User, CareLink], datetime | None]

_OPEN_FLAGS: list[OpenFlagsCounter] = []
_LAST_CHECK_IN: list[LastCheckInSource] = []


def register_open_flags(counter: OpenFlagsCounter) -> None:
    _OPEN_FLAGS.append(counter)


def register_last_check_in(source: LastCheckInSource) -> None:
    _LAST_CHECK_IN.append(source)


def open_flags(therapist: User, link: CareLink) -> int:
    return sum(count(therapist, link) for count in _OPEN_FLAGS)


def last_check_in(therapist: User, link: CareLink) -> datetime | None:
    found = [t for t in (source(therapist, link) for source in _LAST_CHECK_IN) if t]
    return max(found) if found else None


@dataclass(frozen=True)
class BriefContext:
    therapist: User
    udk: bytes
    link: CareLink
    since: datetime | None


@dataclass(frozen=True)
class BriefSection:
    """One part of the brief that another feature fills. `order`: lower comes first
    (safety flags 10, mood trend 20, latest scores 30, checklist status 40)."""

    key: str
    title: str
    template: str
    order: int
    build: Callable[[BriefContext], Mapping[str, Any] | None]


BRIEF_SECTIONS: dict[str, BriefSection] = {}


def register_brief_section(section: BriefSection) -> None:
    BRIEF_SECTIONS[section.key] = section


# -- grouping ------------------------------------------------------------------------


@dataclass(frozen=True)
class BriefItem:
    share: Share
    item: SharedItem

    @property
    def unread(self) -> bool:
        return self.share.therapist_read_at is None


@dataclass(frozen=True)
class BriefGroup:
    title: str
    items: list[BriefItem]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def group_by_week(items: list[BriefItem], zone: str) -> list[BriefGroup]:
    """Newest week first, items oldest first within a week (the order they happened)."""
    tz = _zone(zone)
    weeks: dict[str, list[BriefItem]] = {}
    for entry in sorted(items, key=lambda i: i.item.occurred_at):
        day = entry.item.occurred_at.astimezone(tz).date()
        monday = day - timedelta(days=day.weekday())
        weeks.setdefault(monday.isoformat(), []).append(entry)
    return [
        BriefGroup(f"Week of {datetime.fromisoformat(k).strftime('%a %-d %b %Y')}", weeks[k])
        for k in sorted(weeks, reverse=True)
    ]


# Replaced by a grouping by dosing session when sessions exist.
GROUPING: Callable[[list[BriefItem], str], list[BriefGroup]] = group_by_week


def group_items(items: list[BriefItem], zone: str) -> list[BriefGroup]:
    return GROUPING(items, zone)


# -- the patients list ---------------------------------------------------------------


@dataclass(frozen=True)
class PatientRow:
    link: CareLink
    email: str
    next_appointment: datetime | None
    unread: int
    open_flags: int
    last_check_in: datetime | None


def unread_counts(therapist: User) -> dict[uuid.UUID, int]:
    subquery = access.readable_shares(therapist).where(Share.therapist_read_at.is_(None)).subquery()
    rows = db.session.execute(
        select(subquery.c.patient_id, func.count()).group_by(subquery.c.patient_id)
    ).all()
    return {pid: n for pid, n in rows}


def patient_rows(therapist: User) -> list[PatientRow]:
    """The therapist's patients, the next appointment first (then the rest by email)."""
    links = care.links_of_therapist(therapist)
    emails = dict(
        db.session.execute(
            select(User.id, User.email).where(User.id.in_([link.patient_id for link in links]))
        ).all()
    )
    unread = unread_counts(therapist)
    rows = [
        PatientRow(
            link=link,
            email=emails.get(link.patient_id, ""),
            next_appointment=care.upcoming_appointment(link),
            unread=unread.get(link.patient_id, 0),
            open_flags=open_flags(therapist, link),
            last_check_in=last_check_in(therapist, link),
        )
        for link in links
    ]
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    return sorted(rows, key=lambda r: (r.next_appointment or far, r.email))


# -- the brief -----------------------------------------------------------------------


@dataclass(frozen=True)
class Brief:
    link: CareLink
    patient_email: str
    since: datetime | None
    showing_all: bool
    groups: list[BriefGroup]
    sections: list[tuple[BriefSection, Mapping[str, Any]]]
    total_shared: int

    @property
    def unread(self) -> int:
        return sum(1 for g in self.groups for i in g.items if i.unread)

    @property
    def count(self) -> int:
        return sum(len(g.items) for g in self.groups)


def build_brief(therapist: User, udk: bytes, link: CareLink, show_all: bool = False) -> Brief:
    """Everything shared since the last appointment (and anything still unread), each
    read logged; with `show_all`, everything shared."""
    since = care.last_appointment(link)
    pairs = access.shared_records(therapist, link)
    chosen = [
        (share, record)
        for share, record in pairs
        if show_all or since is None or share.created_at >= since or share.therapist_read_at is None
    ]
    items = [
        BriefItem(share, sharing.read_shared(therapist, udk, share, record, via="brief"))
        for share, record in chosen
    ]
    db.session.commit()  # the access log rows
    context = BriefContext(therapist, udk, link, since)
    sections = []
    for section in sorted(BRIEF_SECTIONS.values(), key=lambda s: s.order):
        data = section.build(context)
        if data is not None:
            sections.append((section, data))
    patient = db.session.get(User, link.patient_id)
    return Brief(
        link=link,
        patient_email=patient.email if patient else "",
        since=since,
        showing_all=show_all,
        groups=group_items(items, therapist.time_zone),
        sections=sections,
        total_shared=len(pairs),
    )
