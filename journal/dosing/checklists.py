"""A session's preparation checklist: made from the content files, then kept as made.

When a checklist is made, the items that apply to the session's route and setting
are copied into its sealed payload with their offsets from the appointment and the
content's id and version. Due times are worked out from that copy and the session's
current start, so moving the appointment moves every item with it, while editing
the content files changes only checklists made afterwards. Changing the route or
setting makes the list again from the current content; ticks on items that remain
are kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Final

from sqlalchemy import Select, select
from sqlalchemy.orm.exc import StaleDataError

from journal.content import Checklist as ChecklistContent
from journal.content import load_checklist
from journal.core import records
from journal.core.database import among, built_once
from journal.core.extensions import db
from journal.dosing.planning import ChecklistStatus, PlannedItem, checklist_status, plan_checklist
from journal.models.checklists import Checklist
from journal.models.kap_sessions import KapSession

TABLE: Final = "checklists"
PATIENT: Final = "patient"
SITTER: Final = "sitter"
_ATTEMPTS: Final = 3


class UnknownItem(LookupError):
    """The key is not an item of this session's checklist."""


@dataclass(frozen=True)
class SnapshotItem:
    key: str
    text: str
    detail: str | None
    phase: str
    phase_key: str
    audience: str
    offset_minutes: int
    window_minutes: int

    def planned(self, starts_at: datetime) -> PlannedItem:
        due = starts_at + timedelta(minutes=self.offset_minutes)
        return PlannedItem(
            key=self.key,
            text=self.text,
            detail=self.detail,
            phase=self.phase,
            phase_key=self.phase_key,
            audience=self.audience,
            due_at_utc=due,
            due_now_from_utc=due - timedelta(minutes=self.window_minutes),
        )


@dataclass(frozen=True)
class ChecklistSnapshot:
    content_id: str
    content_version: int
    title: str
    route: str
    setting: str
    items: tuple[SnapshotItem, ...]
    ticked: frozenset[str]
    # Set when the list was made from a therapist's adaptation (checklist_adaptation).
    adapted_by: str | None = None
    adapted_from: str | None = None

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(item.key for item in self.items)

    def planned(self, starts_at: datetime, audience: str | None = None) -> list[PlannedItem]:
        chosen = [i for i in self.items if audience is None or i.audience == audience]
        return sorted((i.planned(starts_at) for i in chosen), key=lambda p: p.due_at_utc)

    def status(
        self,
        starts_at: datetime,
        now: datetime,
        tz: tzinfo,
        audience: str = PATIENT,
        planned_at: datetime | None = None,
    ) -> ChecklistStatus:
        """``planned_at``: when the session was planned or logged (its row's
        ``created_at``): items due before then are past, never due."""
        return checklist_status(
            self.planned(starts_at, audience),
            self.ticked,
            now,
            tz,
            starts_at_utc=starts_at,
            planned_at_utc=planned_at,
        )

    def to_payload(self) -> dict[str, Any]:
        return {
            "content_id": self.content_id,
            "content_version": self.content_version,
            "title": self.title,
            "route": self.route,
            "setting": self.setting,
            "items": [item.__dict__ for item in self.items],
            "ticked": sorted(self.ticked),
            "adapted_by": self.adapted_by,
            "adapted_from": self.adapted_from,
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> ChecklistSnapshot:
        return cls(
            content_id=str(data["content_id"]),
            content_version=int(data["content_version"]),
            title=str(data["title"]),
            route=str(data["route"]),
            setting=str(data["setting"]),
            items=tuple(SnapshotItem(**item) for item in data["items"]),
            ticked=frozenset(data["ticked"]),
            adapted_by=data.get("adapted_by"),
            adapted_from=data.get("adapted_from"),
        )


def snapshot(
    route: str,
    setting: str,
    content: ChecklistContent | None = None,
    ticked: frozenset[str] = frozenset(),
    *,
    adapted_by: str | None = None,
    adapted_from: str | None = None,
) -> ChecklistSnapshot:
    """The items for this route and setting, as offsets from the appointment."""
    source = content if content is not None else load_checklist()
    # Planned around any instant: only the offsets are kept.
    anchor = datetime(2000, 1, 1, tzinfo=UTC)
    items = []
    for planned in plan_checklist(route, setting, anchor, source):
        items.append(
            SnapshotItem(
                key=planned.key,
                text=planned.text,
                detail=planned.detail,
                phase=planned.phase,
                phase_key=planned.phase_key,
                audience=planned.audience,
                offset_minutes=_minutes(planned.due_at_utc - anchor),
                window_minutes=_minutes(planned.due_at_utc - planned.due_now_from_utc),
            )
        )
    keys = {item.key for item in items}
    return ChecklistSnapshot(
        content_id=source.id,
        content_version=source.version,
        title=source.title,
        route=route,
        setting=setting,
        items=tuple(items),
        ticked=frozenset(ticked & keys),
        adapted_by=adapted_by,
        adapted_from=adapted_from,
    )


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def create_checklist(
    session: KapSession,
    udk: bytes,
    route: str,
    setting: str,
    content: ChecklistContent | None = None,
    *,
    adapted_by: str | None = None,
    adapted_from: str | None = None,
) -> tuple[Checklist, ChecklistSnapshot]:
    """A checklist for the session from ``content`` (the newest default when None, or
    a therapist's adaptation, named by ``adapted_by``)."""
    made = snapshot(route, setting, content, adapted_by=adapted_by, adapted_from=adapted_from)
    checklist = Checklist(
        id=uuid.uuid4(),
        user_id=session.user_id,
        kap_session_id=session.id,
        revision=0,
        lock_version=1,
    )
    records.seal_payload(udk, TABLE, checklist, made.to_payload())
    db.session.add(checklist)
    return checklist, made


def checklist_of(session: KapSession) -> Checklist | None:
    found: Checklist | None = db.session.scalar(
        select(Checklist).where(Checklist.kap_session_id == session.id)
    )
    return found


@built_once
def _of_sessions_statement() -> Select[Checklist]:
    """The checklists of the sessions in `session_ids`."""
    return select(Checklist).where(among(Checklist.kap_session_id, "session_ids"))


def checklists_of(session_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Checklist]:
    """The checklists of these sessions in one statement, by session id."""
    if not session_ids:
        return {}
    rows = db.session.scalars(_of_sessions_statement(), {"session_ids": list(session_ids)})
    return {row.kap_session_id: row for row in rows}


def read_checklist(checklist: Checklist, udk: bytes) -> ChecklistSnapshot:
    return ChecklistSnapshot.from_payload(records.open_payload(udk, TABLE, checklist))


def replan(
    checklist: Checklist,
    udk: bytes,
    route: str,
    setting: str,
    content: ChecklistContent | None = None,
    *,
    adapted_by: str | None = None,
    adapted_from: str | None = None,
) -> ChecklistSnapshot:
    """After the route or setting changed: the current content (the defaults, or the
    adaptation the list was made from), same ticks where they apply."""
    old = read_checklist(checklist, udk)
    if (old.route, old.setting) == (route, setting):
        return old
    made = snapshot(
        route,
        setting,
        content,
        ticked=old.ticked,
        adapted_by=adapted_by,
        adapted_from=adapted_from,
    )
    records.seal_payload(udk, TABLE, checklist, made.to_payload())
    return made


def set_ticked(session: KapSession, udk: bytes, key: str, done: bool) -> ChecklistSnapshot:
    """Tick (``done``) or untick one item and commit; the same call twice changes nothing.

    A concurrent tick from another device makes the UPDATE miss (the row's
    ``lock_version`` moved on); the tick is then applied again to the fresh row.
    """
    for attempt in range(_ATTEMPTS):
        checklist = checklist_of(session)
        if checklist is None:
            raise UnknownItem(key)
        current = read_checklist(checklist, udk)
        if key not in current.keys:
            raise UnknownItem(key)
        if (key in current.ticked) == done:
            return current
        ticked = current.ticked | {key} if done else current.ticked - {key}
        updated = ChecklistSnapshot(**{**current.__dict__, "ticked": frozenset(ticked)})
        records.seal_payload(udk, TABLE, checklist, updated.to_payload())
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            if attempt == _ATTEMPTS - 1:
                raise
            continue
        return updated
    raise AssertionError("unreachable")
