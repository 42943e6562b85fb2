"""Search a patient's own journal: full text over the decrypted records, in memory.

No index is ever stored, in clear or otherwise: each search reads the user's own
records newest first, a batch at a time, opens them with the user's key, and keeps
those that contain every word of the query. It stops after `per_page` results (the
page offers "show more", continuing from where this one stopped) or after
`scan_limit` records (the page says how far back it looked and offers to go on), so
one request stays bounded for a patient with years of entries.

What was typed is plain text: each term is matched with `re.escape`, so regex and SQL
metacharacters are just characters (and the query never reaches SQL at all). Matches
come back as segments (text, hit); the template escapes every segment and wraps the
hits in <mark>, so a record's text can never become markup.

Sources are a registry like the timeline's: entries, prompt answers, after-effects,
intentions and the notes of mood check-ins are registered below.
"""

from __future__ import annotations

import heapq
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, or_, select, true

from journal.core import forms
from journal.core.extensions import db
from journal.dosing import intentions
from journal.entries import entries, entry_meta, timeline
from journal.integration import after_effects, integration
from journal.models.entries import Entry
from journal.models.integration import AfterEffect, PromptAnswer, PromptState
from journal.models.intentions import Intention
from journal.models.moods import CheckIn
from journal.models.users import User
from journal.mood import moods

QUERY_MAX: Final = 200
TERMS_MAX: Final = 10
PER_PAGE: Final = 20
SCAN_LIMIT: Final = 5000
BATCH: Final = 200
SNIPPET_CHARS: Final = 200
_TERM_RE: Final = re.compile(r'"([^"]+)"|(\S+)')


class QueryProblem(ValueError):
    """The query cannot be searched; the message says why."""


@dataclass(frozen=True, order=True)
class Position:
    """Where a record sits in the newest-first order: (time, kind, id). A search
    resumes strictly after (older than) a position."""

    at: datetime
    kind: str
    record_id: str

    def encode(self) -> str:
        return f"{self.at.isoformat()}|{self.kind}|{self.record_id}"

    @classmethod
    def decode(cls, raw: str) -> Position | None:
        parts = raw.split("|")
        if len(parts) != 3:
            return None
        try:
            at = datetime.fromisoformat(parts[0])
            uuid.UUID(parts[2])
        except ValueError:
            return None
        if at.tzinfo is None or parts[1] not in SOURCES:
            return None
        return cls(at, parts[1], parts[2])


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    tag: str | None = None
    session_id: uuid.UUID | None = None

    @property
    def any(self) -> bool:
        return bool(self.kind or self.tag or self.session_id)


@dataclass(frozen=True)
class SearchDoc:
    """One opened record, as search sees it. `texts` are matched; `title` is shown."""

    kind: str
    record_id: uuid.UUID
    at: datetime
    title: str
    texts: tuple[str, ...]
    tags: tuple[str, ...] = ()
    session_id: uuid.UUID | None = None
    key: str | None = None

    @property
    def position(self) -> Position:
        return Position(self.at, self.kind, str(self.record_id))


Scan = Callable[[User, bytes, Filters, Position | None], Iterator[SearchDoc]]


@dataclass(frozen=True)
class SearchSource:
    key: str
    label: str
    scan: Scan
    """Newest first, strictly older than the position given (when one is)."""
    has_tags: bool = False


SOURCES: dict[str, SearchSource] = {}


def register_source(source: SearchSource) -> None:
    SOURCES[source.key] = source


def kinds() -> list[tuple[str, str]]:
    return [(s.key, _(s.label)) for s in SOURCES.values()]


# -- the query ------------------------------------------------------------------------


def parse_query(raw: str) -> tuple[str, ...]:
    """Words, and "phrases in quotes"; every one must appear. Nothing is special but
    the double quote, and an unpaired one is just a character."""
    text = raw.strip()
    if len(text) > QUERY_MAX:
        raise QueryProblem(_("Keep the search under %(num)d characters.", num=QUERY_MAX))
    terms: list[str] = []
    for match in _TERM_RE.finditer(text):
        term = (match.group(1) or match.group(2) or "").strip()
        if term and term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    if len(terms) > TERMS_MAX:
        raise QueryProblem(
            _("Use at most %(num)d words; fewer, more telling words work best.", num=TERMS_MAX)
        )
    return tuple(terms)


def patterns_for(terms: Iterable[str]) -> list[re.Pattern[str]]:
    return [re.compile(re.escape(term), re.IGNORECASE) for term in terms]


@dataclass(frozen=True)
class Segment:
    text: str
    hit: bool


def highlight(text: str, patterns: list[re.Pattern[str]]) -> list[Segment]:
    """`text` cut into plain and matching pieces (overlapping matches merged)."""
    spans = sorted(m.span() for p in patterns for m in p.finditer(text) if m.end() > m.start())
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    segments: list[Segment] = []
    cursor = 0
    for start, end in merged:
        if start > cursor:
            segments.append(Segment(text[cursor:start], False))
        segments.append(Segment(text[start:end], True))
        cursor = end
    if cursor < len(text):
        segments.append(Segment(text[cursor:], False))
    return segments


def snippet(
    text: str, patterns: list[re.Pattern[str]], width: int = SNIPPET_CHARS
) -> list[Segment]:
    """A window of `text` around its first match, highlighted, with … where cut."""
    first = min((m.start() for p in patterns if (m := p.search(text))), default=0)
    start = max(0, first - width // 3)
    if start:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and start - space < 20 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    piece = " ".join(text[start:end].split())
    segments = highlight(piece, patterns)
    if start > 0:
        segments.insert(0, Segment("…", False))
    if end < len(text):
        segments.append(Segment("…", False))
    return segments


def matches(doc: SearchDoc, patterns: list[re.Pattern[str]]) -> bool:
    return all(any(p.search(text) for text in doc.texts) for p in patterns)


# -- searching ------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    doc: SearchDoc
    label: str
    title: list[Segment]
    snippet: list[Segment]


@dataclass(frozen=True)
class SearchPage:
    terms: tuple[str, ...]
    filters: Filters
    results: list[SearchResult]
    next_position: Position | None
    """Set when there may be more: resume from here."""
    stopped_at_limit: bool
    """True when the page ended because `scan_limit` records were read, not because
    enough results were found: the page says how far back it looked."""
    scanned: int


def search(
    user: User,
    udk: bytes,
    terms: tuple[str, ...],
    filters: Filters,
    after: Position | None = None,
    per_page: int = PER_PAGE,
    scan_limit: int = SCAN_LIMIT,
) -> SearchPage:
    patterns = patterns_for(terms)
    chosen = [
        s
        for s in SOURCES.values()
        if (filters.kind is None or s.key == filters.kind) and (not filters.tag or s.has_tags)
    ]
    streams = [s.scan(user, udk, filters, after) for s in chosen]
    merged = heapq.merge(*streams, key=lambda d: d.position, reverse=True)
    labels = {s.key: _(s.label) for s in SOURCES.values()}
    results: list[SearchResult] = []
    scanned = 0
    for doc in merged:
        scanned += 1
        if _passes(doc, filters) and matches(doc, patterns):
            body = next((t for t in doc.texts[1:] if any(p.search(t) for p in patterns)), "")
            body = body or (doc.texts[1] if len(doc.texts) > 1 else "")
            results.append(
                SearchResult(
                    doc=doc,
                    label=labels.get(doc.kind, doc.kind),
                    title=highlight(doc.title, patterns),
                    snippet=snippet(body, patterns) if body else [],
                )
            )
            if len(results) >= per_page:
                return SearchPage(terms, filters, results, doc.position, False, scanned)
        if scanned >= scan_limit:
            return SearchPage(terms, filters, results, doc.position, True, scanned)
    return SearchPage(terms, filters, results, None, False, scanned)


def _passes(doc: SearchDoc, filters: Filters) -> bool:
    if filters.tag and not entry_meta.has_tag(doc.tags, filters.tag):
        return False
    return filters.session_id is None or doc.session_id == filters.session_id


def older_than(
    after: Position | None, kind: str, at_column: Any, id_column: Any
) -> ColumnElement[bool]:
    """SQL for "strictly older than `after`" in the (time, kind, id) order."""
    if after is None:
        return true()
    if kind < after.kind:
        return at_column <= after.at  # type: ignore[no-any-return]
    if kind > after.kind:
        return at_column < after.at  # type: ignore[no-any-return]
    return or_(
        at_column < after.at,
        and_(at_column == after.at, id_column < uuid.UUID(after.record_id)),
    )


def keyset_scan(
    kind: str,
    base: Select[Any],
    at_column: Any,
    id_column: Any,
    after: Position | None,
    open_row: Callable[[Any], SearchDoc],
) -> Iterator[SearchDoc]:
    """Rows of `base`, newest first, `BATCH` at a time, each opened only as it is
    reached (a search that stops early opens no more than it needs)."""
    position = after
    while True:
        rows = db.session.scalars(
            base.where(older_than(position, kind, at_column, id_column))
            .order_by(at_column.desc(), id_column.desc())
            .limit(BATCH)
        ).all()
        doc: SearchDoc | None = None
        for row in rows:
            doc = open_row(row)
            yield doc
        if len(rows) < BATCH or doc is None:
            return
        position = doc.position


# -- the built-in sources --------------------------------------------------------------


def scan_entries(
    user: User, udk: bytes, filters: Filters, after: Position | None
) -> Iterator[SearchDoc]:
    def open_row(row: Entry) -> SearchDoc:
        view = entries.read_entry(row, udk)
        return SearchDoc(
            kind="entries",
            record_id=view.id,
            at=view.created_at,
            title=view.title or _("Untitled entry"),
            texts=(view.title, view.body, entry_meta.tags_text(view.tags)),
            tags=view.tags,
            session_id=view.session_id,
        )

    base = select(Entry).where(Entry.user_id == user.id)
    return keyset_scan("entries", base, Entry.created_at, Entry.id, after, open_row)


def scan_answers(
    user: User, udk: bytes, filters: Filters, after: Position | None
) -> Iterator[SearchDoc]:
    def open_row(row: PromptAnswer) -> SearchDoc:
        view = integration.read_prompt(row, udk)
        return SearchDoc(
            kind="prompt_answers",
            record_id=view.id,
            at=row.answered_at or row.created_at,
            title=view.text,
            texts=("", view.answer),
            session_id=view.session_id,
            key=view.key,
        )

    base = select(PromptAnswer).where(
        PromptAnswer.user_id == user.id,
        PromptAnswer.state == PromptState.ANSWERED,
        PromptAnswer.answered_at.is_not(None),
    )
    if filters.session_id is not None:
        base = base.where(PromptAnswer.kap_session_id == filters.session_id)
    return keyset_scan(
        "prompt_answers", base, PromptAnswer.answered_at, PromptAnswer.id, after, open_row
    )


def scan_after_effects(
    user: User, udk: bytes, filters: Filters, after: Position | None
) -> Iterator[SearchDoc]:
    def open_row(row: AfterEffect) -> SearchDoc:
        view = after_effects.read(row, udk)
        return SearchDoc(
            kind="after_effects",
            record_id=view.id,
            at=row.created_at,
            title=view.summary,
            texts=(view.summary, view.note),
            session_id=view.session_id,
        )

    base = select(AfterEffect).where(AfterEffect.user_id == user.id)
    if filters.session_id is not None:
        base = base.where(AfterEffect.kap_session_id == filters.session_id)
    return keyset_scan(
        "after_effects", base, AfterEffect.created_at, AfterEffect.id, after, open_row
    )


def scan_intentions(
    user: User, udk: bytes, filters: Filters, after: Position | None
) -> Iterator[SearchDoc]:
    def open_row(row: Intention) -> SearchDoc:
        view = intentions.read_intention(row, udk)
        return SearchDoc(
            kind="intentions",
            record_id=row.id,
            at=row.created_at,
            title=_("Intention"),
            texts=("", view.text),
            session_id=row.kap_session_id,
        )

    base = select(Intention).where(Intention.user_id == user.id)
    if filters.session_id is not None:
        base = base.where(Intention.kap_session_id == filters.session_id)
    return keyset_scan("intentions", base, Intention.created_at, Intention.id, after, open_row)


def scan_check_ins(
    user: User, udk: bytes, filters: Filters, after: Position | None
) -> Iterator[SearchDoc]:
    def open_row(row: CheckIn) -> SearchDoc:
        view = moods.read_checkin(row, udk)
        return SearchDoc(
            kind="mood_checkins",
            record_id=row.id,
            at=row.created_at,
            title=_("Check-in: %(summary)s", summary=timeline.check_in_summary(view).lower()),
            texts=("", view.values.note),
        )

    if filters.session_id is not None:  # a check-in belongs to a day, not a session
        return iter(())
    base = select(CheckIn).where(CheckIn.user_id == user.id)
    return keyset_scan("mood_checkins", base, CheckIn.created_at, CheckIn.id, after, open_row)


@dataclass
class SearchForm:
    """The search as typed, and what is wrong with it."""

    q: str = ""
    kind: str = ""
    tag: str = ""
    session: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> SearchForm:
        """The search as typed; what it means is checked by `parse_query` and the view
        (which knows whose sessions exist)."""
        typed = forms.reader(posted)
        return cls(
            q=str(posted.get("q", "") or ""),
            kind=typed("kind"),
            tag=" ".join(typed("tag").split()),
            session=typed("session"),
        )
