"""The whole journey, grouped by dosing session, newest first.

A group is one session (planned or done; cancelled ones are left out) with its
intention, checklist summary and everything that belongs after it: the prompts
answered for it, its after-effects, and what was written between it and the next
session (free entries, and mood check-ins once they exist). What was written before
the first session is a group of its own. Pages are counted in groups, and only the
groups on the page are opened; within a group each source shows at most `limit`
items (with a count of the rest), so a long stretch between sessions stays cheap.

Sources are a registry: each kind of record registers a `TimelineSource` whose
`collect(windows, limit)` returns, for each of the page's windows, the items to show
and how many there are in all: one statement per source for the whole page (one
per source and group was twelve statements on a page of three groups).
Journal entries, prompt answers, after-effects and mood check-ins are registered
below; another kind of record needs one `register_source` call in `journal.wiring`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, and_, bindparam, case, func, select

from journal.core.database import among, built_once
from journal.core.extensions import db
from journal.core.integrity import openable
from journal.dosing import checklists, intentions
from journal.dosing import kap_sessions as sessions_service
from journal.dosing.checklists import PATIENT
from journal.dosing.intentions import IntentionView
from journal.dosing.kap_sessions import SessionView
from journal.entries import entries
from journal.integration import after_effects, integration
from journal.models.checklists import Checklist
from journal.models.entries import Entry
from journal.models.integration import AfterEffect, PromptAnswer, PromptState
from journal.models.intentions import Intention
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.moods import CheckIn
from journal.models.users import User
from journal.mood import moods

# The open ends of the first and the last window.
EARLIEST: Final = datetime(1, 1, 2, tzinfo=UTC)
LATEST: Final = datetime(9999, 12, 30, tzinfo=UTC)
GROUPS_PER_PAGE: Final = 3
ITEMS_PER_SOURCE: Final = 10
EXCERPT_CHARS: Final = 280


@dataclass(frozen=True)
class Window:
    """What one group covers: the session (None before the first one), its start
    (None: from the beginning) and the next session's start (None: until now)."""

    user: User
    udk: bytes
    session_id: uuid.UUID | None
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class TimelineItem:
    """One record on the timeline; `journal.web.presenters` shows it and links it
    from its kind, id, session and prompt key."""

    kind: str
    record_id: uuid.UUID
    label: str
    at: datetime
    title: str
    text: str
    session_id: uuid.UUID | None = None
    key: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceItems:
    items: list[TimelineItem]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class TimelineSource:
    """One kind of record on the timeline. `order`: lower is shown first in a group
    (prompt answers 10, after-effects 20, mood check-ins 30, journal entries 40)."""

    key: str
    label: str
    order: int
    collect: Callable[[Sequence[Window], int], list[SourceItems]]


SOURCES: dict[str, TimelineSource] = {}


def register_source(source: TimelineSource) -> None:
    SOURCES[source.key] = source


def unregister_source(key: str) -> None:
    SOURCES.pop(key, None)


def sources() -> list[TimelineSource]:
    return sorted(SOURCES.values(), key=lambda s: (s.order, s.key))


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,.;:") + "…"


def ranked(model: Any, base: Select[Any], part: Any, order: Sequence[Any]) -> Select[Any, Any, int]:
    """`base`'s rows (of `model`) by part (`part`, an expression naming each row's
    window or session), the first `:limit` of each part in `order`, each row with its
    part and how many rows that part has in all. The counts are taken over every
    matching row before the limit applies, so no separate COUNT is needed; the
    ranking reads ids only, and only the rows shown are read whole (a window of two
    thousand entries is sorted without their sealed text)."""
    places = (
        base.with_only_columns(
            model.id,
            part.label("part"),
            func.row_number().over(partition_by=part, order_by=order).label("place"),
            func.count().over(partition_by=part).label("total"),
        )
    ).subquery()
    return (
        select(model, places.c.part, places.c.total)
        .join(places, model.id == places.c.id)
        .where(places.c.part.is_not(None), places.c.place <= bindparam("limit"))
        .order_by(places.c.part, places.c.place)
    )


def windowed(
    model: Any, base: Select[Any], column: Any, order: Sequence[Any], windows: int
) -> Select[Any, Any, int]:
    """`ranked` by window: a row's part is the number of the window (of `windows`)
    its `column` falls in, [`:start_N`, `:end_N`). Only rows between the earliest
    start and the latest end (`:first`, `:last`) are read, along the column's index.
    Built once per number of windows; the values come from `window_values`."""
    which = case(
        *(
            (and_(column >= bindparam(f"start_{n}"), column < bindparam(f"end_{n}")), n)
            for n in range(windows)
        )
    )
    span = base.where(column >= bindparam("first"), column < bindparam("last"))
    return ranked(model, span, which, order)


def window_values(windows: Sequence[Window], limit: int) -> dict[str, Any]:
    """The parameters of a `windowed` statement: an open end is the earliest or
    latest time a column holds, so one statement serves every window."""
    starts = [w.start or EARLIEST for w in windows]
    ends = [w.end or LATEST for w in windows]
    values: dict[str, Any] = {
        "user_id": windows[0].user.id,
        "first": min(starts),
        "last": max(ends),
        "limit": max(1, limit),
    }
    for n, (start, end) in enumerate(zip(starts, ends, strict=True)):
        values[f"start_{n}"] = start
        values[f"end_{n}"] = end
    return values


def by_window(
    statement: Select[Any, Any, int],
    windows: Sequence[Window],
    limit: int,
    items: Callable[[list[Any], int, bytes], SourceItems],
) -> list[SourceItems]:
    """Each window's `items` from its first `limit` rows of a `windowed` statement
    (built once) and how many rows it has in all; in the order of `windows`."""
    found = _by_part(db.session.execute(statement, window_values(windows, limit)), limit)
    return [items(*found.get(n, ([], 0)), w.udk) for n, w in enumerate(windows)]


def _by_part(rows: Iterable[Any], limit: int) -> dict[Any, tuple[list[Any], int]]:
    """`ranked` rows, (record, part, total), as each part's records and total."""
    found: dict[Any, tuple[list[Any], int]] = {}
    for record, part, total in rows:
        records = found.setdefault(part, ([], total))[0]
        if len(records) < limit:
            records.append(record)
    return found


def _session_ids(windows: Sequence[Window]) -> list[uuid.UUID]:
    return [w.session_id for w in windows if w.session_id is not None]


def _by_session(
    windows: Sequence[Window], items: Callable[[uuid.UUID, bytes], SourceItems]
) -> list[SourceItems]:
    """Each window's `items` of its session; the window before the first session has
    none of a session's records."""
    return [
        items(w.session_id, w.udk) if w.session_id is not None else SourceItems([], 0)
        for w in windows
    ]


# -- groups ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceGroup:
    source: TimelineSource
    found: SourceItems


@dataclass(frozen=True)
class TimelineGroup:
    window: Window
    session: SessionView | None
    number: int | None
    """The session's place among the patient's sessions (1 = the first)."""
    intention: IntentionView | None
    checklist: str | None
    """"5 of 12 done", for a session with a checklist."""
    parts: list[SourceGroup]

    @property
    def is_empty(self) -> bool:
        return self.session is None and not any(p.found.total for p in self.parts)

    @property
    def key(self) -> str:
        return str(self.window.session_id) if self.window.session_id else "before"


@dataclass(frozen=True)
class TimelinePage:
    groups: list[TimelineGroup]
    page: int
    pages: int

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


@built_once
def _sessions_statement() -> Select[KapSession]:
    return (
        select(KapSession)
        .where(
            KapSession.user_id == bindparam("user_id"),
            KapSession.status != SessionStatus.CANCELLED,
        )
        .order_by(KapSession.starts_at, KapSession.id)
    )


def _sessions(user: User) -> list[KapSession]:
    return list(db.session.scalars(_sessions_statement(), {"user_id": user.id}))


def _windows(user: User, udk: bytes, rows: list[KapSession]) -> list[Window]:
    """Oldest first: before the first session, then one per session."""
    found = [Window(user, udk, None, None, rows[0].starts_at if rows else None)]
    for i, row in enumerate(rows):
        end = rows[i + 1].starts_at if i + 1 < len(rows) else None
        found.append(Window(user, udk, row.id, row.starts_at, end))
    return found


@dataclass(frozen=True)
class _Prepared:
    """The intentions and checklists of the sessions on a page, loaded together."""

    intentions: dict[uuid.UUID, Intention]
    checklists: dict[uuid.UUID, Checklist]

    @classmethod
    def of(cls, rows: Sequence[KapSession | None]) -> _Prepared:
        ids = [row.id for row in rows if row is not None]
        return cls(intentions.intentions_of(ids), checklists.checklists_of(ids))


def _parts(windows: Sequence[Window], limit: int) -> list[list[SourceGroup]]:
    """Every source's items for each window, one statement per source."""
    found = [(s, s.collect(windows, limit)) for s in sources()]
    return [[SourceGroup(s, items[n]) for s, items in found] for n in range(len(windows))]


def _group(
    window: Window,
    row: KapSession | None,
    number: int | None,
    parts: list[SourceGroup],
    prepared: _Prepared | None = None,
) -> TimelineGroup:
    udk = window.udk
    if row is None:
        return TimelineGroup(window, None, None, None, None, parts)
    prepared = prepared or _Prepared.of([row])
    intention = prepared.intentions.get(row.id)
    checklist = prepared.checklists.get(row.id)
    summary = None
    if checklist is not None:
        snapshot = checklists.read_checklist(checklist, udk)
        mine = [i for i in snapshot.items if i.audience == PATIENT]
        done = sum(1 for i in mine if i.key in snapshot.ticked)
        summary = ngettext(
            "%(done)s of %(num)d done", "%(done)s of %(num)d done", len(mine), done=done
        )
    return TimelineGroup(
        window=window,
        session=sessions_service.read_session(row, udk),
        number=number,
        intention=intentions.read_intention(intention, udk) if intention else None,
        checklist=summary,
        parts=parts,
    )


def timeline_page(
    user: User, udk: bytes, page: int, per_page: int = GROUPS_PER_PAGE
) -> TimelinePage:
    """Newest group first. Only the groups on this page are opened. The group before
    the first session is left out when nothing is in it."""
    rows = _sessions(user)
    windows = _windows(user, udk, rows)
    numbered = list(zip(windows, [None, *rows], [None, *range(1, len(rows) + 1)], strict=True))
    numbered.reverse()
    pages = max(1, -(-len(numbered) // per_page))
    page = min(max(1, page), pages)
    chosen = numbered[(page - 1) * per_page : page * per_page]
    # A session whose own row (or intention, or checklist) would not open is left
    # out and logged; the rest of the timeline shows.
    prepared = _Prepared.of([c[1] for c in chosen])
    parts = _parts([c[0] for c in chosen], ITEMS_PER_SOURCE)
    shown = [(w, row, number, p) for (w, row, number), p in zip(chosen, parts, strict=True)]
    groups = openable(shown, lambda g: _group(g[0], g[1], g[2], g[3], prepared), "kap_sessions")
    groups = [g for g in groups if not g.is_empty or len(numbered) == 1]
    return TimelinePage(groups, page, pages)


def session_group(user: User, udk: bytes, session: KapSession | None, limit: int) -> TimelineGroup:
    """One group in full (up to `limit` per source): a session's, or (None) the one
    before the first session."""
    rows = _sessions(user)
    windows = _windows(user, udk, rows)
    if session is None:
        return _group(windows[0], None, None, _parts(windows[:1], limit)[0])
    for number, (window, row) in enumerate(zip(windows[1:], rows, strict=True), start=1):
        if row.id == session.id:
            return _group(window, row, number, _parts([window], limit)[0])
    raise LookupError(session.id)


# -- the built-in sources ---------------------------------------------------------------


@built_once
def _entries_statement(windows: int) -> Select[Entry, int, int]:
    base = select(Entry).where(Entry.user_id == bindparam("user_id"))
    return windowed(Entry, base, Entry.created_at, (Entry.created_at, Entry.id), windows)


def entries_rows(windows: Sequence[Window], limit: int) -> list[SourceItems]:
    return by_window(_entries_statement(len(windows)), windows, limit, _entry_items)


def _entry_items(rows: list[Entry], total: int, udk: bytes) -> SourceItems:
    items = []
    for view in openable(rows, lambda r: entries.read_entry(r, udk), "entries"):
        items.append(
            TimelineItem(
                kind="entries",
                record_id=view.id,
                label=_("Journal entry"),
                at=view.created_at,
                title=view.title or _("Untitled entry"),
                text=excerpt(view.body),
                session_id=view.session_id,
                data={"tags": view.tags, "session_id": view.session_id},
            )
        )
    return SourceItems(items, total)


@built_once
def _answers_statement() -> Select[PromptAnswer, uuid.UUID, int]:
    """The answered prompts of the windows' sessions (all of them: a prompt belongs
    to its session, whenever it was answered), each session's first `:limit`."""
    base = select(PromptAnswer).where(
        among(PromptAnswer.kap_session_id, "session_ids"),
        PromptAnswer.user_id == bindparam("user_id"),
        PromptAnswer.state == PromptState.ANSWERED,
    )
    return ranked(
        PromptAnswer,
        base,
        PromptAnswer.kap_session_id,
        (PromptAnswer.due_at, PromptAnswer.position),
    )


def answers_rows(windows: Sequence[Window], limit: int) -> list[SourceItems]:
    ids = _session_ids(windows)
    found: dict[Any, tuple[list[Any], int]] = {}
    if ids:
        values = {"session_ids": ids, "user_id": windows[0].user.id, "limit": max(1, limit)}
        found = _by_part(db.session.execute(_answers_statement(), values), limit)
    return _by_session(windows, lambda sid, udk: _answer_items(*found.get(sid, ([], 0)), udk))


def _answer_items(rows: list[PromptAnswer], total: int, udk: bytes) -> SourceItems:
    items = []
    for view in openable(rows, lambda r: integration.read_prompt(r, udk), "prompt_answers"):
        items.append(
            TimelineItem(
                kind="prompt_answers",
                record_id=view.id,
                label=view.slot_label or _("Prompt"),
                at=view.answered_at or view.updated_at,
                title=view.text,
                text=excerpt(view.answer),
                session_id=view.session_id,
                key=view.key,
                data={"key": view.key},
            )
        )
    return SourceItems(items, total)


@built_once
def _after_effects_statement() -> Select[AfterEffect]:
    return select(AfterEffect).where(
        among(AfterEffect.kap_session_id, "session_ids"),
        AfterEffect.user_id == bindparam("user_id"),
    )


def after_effects_rows(windows: Sequence[Window], limit: int) -> list[SourceItems]:
    ids = _session_ids(windows)
    by_session: dict[uuid.UUID, list[AfterEffect]] = {}
    if ids:
        values = {"session_ids": ids, "user_id": windows[0].user.id}
        for row in db.session.scalars(_after_effects_statement(), values):
            by_session.setdefault(row.kap_session_id, []).append(row)
    return _by_session(
        windows, lambda sid, udk: _after_effect_items(by_session.get(sid, []), limit, udk)
    )


def _after_effect_items(rows: list[AfterEffect], limit: int, udk: bytes) -> SourceItems:
    # Sorted by when each happened, which is sealed: a session has a handful.
    opened = openable(rows, lambda r: after_effects.read(r, udk), "after_effects")
    views = sorted(opened, key=lambda v: v.at)
    items = [
        TimelineItem(
            kind="after_effects",
            record_id=v.id,
            label=_("After-effect"),
            at=v.at,
            title=v.summary,
            text=excerpt(v.note),
            session_id=v.session_id,
        )
        for v in views[:limit]
    ]
    return SourceItems(items, len(views))


def check_in_summary(view: moods.CheckInView) -> str:
    """ "Mood good, anxiety a little", from the check-in's own scales."""
    v = view.values
    return str(
        _(
            "Mood %(mood)s, anxiety %(anxiety)s",
            mood=moods.MOOD.label_for(v.mood).lower(),
            anxiety=moods.ANXIETY.label_for(v.anxiety).lower(),
        )
    )


@built_once
def _check_ins_statement(windows: int) -> Select[CheckIn, int, int]:
    base = select(CheckIn).where(CheckIn.user_id == bindparam("user_id"))
    return windowed(CheckIn, base, CheckIn.created_at, (CheckIn.created_at, CheckIn.id), windows)


def check_ins_rows(windows: Sequence[Window], limit: int) -> list[SourceItems]:
    return by_window(_check_ins_statement(len(windows)), windows, limit, _check_in_items)


def _check_in_items(rows: list[CheckIn], total: int, udk: bytes) -> SourceItems:
    items = []
    for view in openable(rows, lambda r: moods.read_checkin(r, udk), "mood_checkins"):
        items.append(
            TimelineItem(
                kind="mood_checkins",
                record_id=view.id,
                label=_("Check-in"),
                at=view.created_at,
                title=check_in_summary(view),
                text=excerpt(view.values.note),
                data={"day": view.day},
            )
        )
    return SourceItems(items, total)
