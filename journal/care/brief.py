"""The therapist's view of their patients: the patients list and the pre-appointment
brief, with hooks for what other features add.

The caseload reads one sealed summary per patient (journal/care/summaries.py); its
order is `attention_order`. A hook, so each later feature plugs in without touching
this file's callers:
- `register_brief_section(BriefSection(...))`: a section of the brief (safety flags,
  mood trend, latest scores, checklist status). Its `build` returns the template's
  context, or None when there is nothing to show: the brief renders only what
  exists, never a placeholder with made-up data. A section that opens records takes
  them from `ctx.shared(table)` (which came through `access.shared_records`) and
  opens each with `ctx.open(share, record)` (or `read_for_brief`), which logs the
  read once per brief.

Shared items are grouped by dosing session (`group_by_session`): an item that belongs
to a session (its intention, its checklist, an answer to one of its prompts) goes
under it; a free item (a journal entry) under the latest session that had begun when
it was written; anything older under "Before the first session". A heading shows what
a linked therapist may know: the session's date and time and whether it is planned,
done or cancelled (in clear, like every session date), and its route and place in the
series only when the patient shared the session itself.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, and_, bindparam, func, or_, select

from journal.care import access, access_log, brief_digest, care, sharing, summaries
from journal.care.shareable import SharedItem
from journal.care.summaries import Summary
from journal.core import crypto
from journal.core.database import among, built_once, rows_kept_on_commit
from journal.core.extensions import db
from journal.core.integrity import log_unopened
from journal.core.translatable import N_, local_format
from journal.dosing import kap_sessions
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.sharing import CareLink, CaseloadSummary, Share
from journal.models.types import utcnow
from journal.models.users import User


@dataclass(frozen=True)
class BriefContext:
    """What a section may use. `pairs` are every record of the patient the therapist
    may read (from `access.shared_records`); `open` decrypts one and logs the read."""

    therapist: User
    udk: bytes
    link: CareLink
    since: datetime | None
    pairs: list[tuple[Share, Any]] = field(default_factory=list)
    _opened: dict[tuple[str, uuid.UUID], SharedItem] = field(default_factory=dict)
    # What this view read (the access log's count): records opened for it, and
    # records whose digested values it shows (`note_read`).
    _read: set[tuple[str, uuid.UUID]] = field(default_factory=set)
    # What sections derive once and share within one brief (say, the safety notes of
    # every shared result, which both the flags and the scores use).
    memo: dict[str, Any] = field(default_factory=dict)
    # Checks each share's MAC (once per brief it needs the patient's key agreement).
    verifier: sharing.ShareVerifier | None = None
    # The link's sealed digest when it is current (journal/care/brief_digest.py);
    # otherwise sections `keep` what the next view may take from it.
    digest: brief_digest.Digest | None = None
    kept: dict[str, Any] = field(default_factory=dict)

    @property
    def opened(self) -> int:
        """How many records this brief read so far (opened, or shown from its digest)."""
        return len(self._read)

    def digested(self, key: str) -> Any | None:
        """What a section kept in the current digest, or None (then it opens the
        records and `keep`s what the next view needs)."""
        return self.digest.parts.get(key) if self.digest is not None else None

    def keep(self, key: str, value: Any) -> None:
        self.kept[key] = value

    def sessions(self) -> list[SessionHeading]:
        """The patient's dosing sessions (clear metadata), read once per brief."""
        if "session_headings" not in self.memo:
            self.memo["session_headings"] = session_headings(self.link.patient_id)
        found: list[SessionHeading] = self.memo["session_headings"]
        return found

    def note_read(self, table: str, record_id: uuid.UUID) -> None:
        """A record whose digested values the brief shows counts as read."""
        self._read.add((table, record_id))

    def shared(self, table: str) -> list[tuple[Share, Any]]:
        return [(s, r) for s, r in self.pairs if s.record_table == table]

    def shared_record(self, table: str, record_id: uuid.UUID) -> tuple[Share, Any] | None:
        return next(((s, r) for s, r in self.shared(table) if s.record_id == record_id), None)

    def open(self, share: Share, record: Any, *, shown: bool = True) -> SharedItem:
        """Decrypt one record; `shown=False` for one opened only to be digested (it
        counts as read when a section shows it, through `note_read`)."""
        key = (share.record_table, share.record_id)
        if shown:
            self._read.add(key)
        if key not in self._opened:
            self._opened[key] = sharing.read_shared(
                self.therapist,
                self.udk,
                share,
                record,
                via="brief",
                verifier=self.verifier,
                log=False,
            )
        return self._opened[key]


def read_for_brief(context: BriefContext, share: Share, record: Any) -> SharedItem:
    """One record a section needs (`share, record` from `access.shared_records`),
    opened once per brief: what the brief or another section already opened is not
    opened, nor logged, again."""
    return context.open(share, record)


@dataclass(frozen=True)
class BriefSection:
    """One part of the brief that another feature fills. `order`: lower comes first
    (safety flags 10, mood trend 20, latest scores 30, checklist status 40). Its
    template is `journal.web.presenters.BRIEF_SECTION_TEMPLATES[key]`."""

    key: str
    title: str
    order: int
    build: Callable[[BriefContext], Mapping[str, Any] | None]
    # Drawn in the summary at the top (without its title) rather than below it.
    in_summary: bool = False


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
class SessionHeading:
    """A dosing session as a heading of the brief. `details` (route, place in the
    series) is set only when the patient shared the session itself."""

    id: uuid.UUID
    starts_at: datetime
    status: SessionStatus
    details: str | None = None


@dataclass(frozen=True)
class BriefGroup:
    title: str
    items: list[BriefItem]
    session: SessionHeading | None = None
    # The session's time on the patient's clock, when their zone is not the reader's.
    patient_time: str | None = None


BEFORE_FIRST_SESSION = N_("Before the first session")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _session_for(
    item: SharedItem, known: dict[uuid.UUID, SessionHeading], begun: list[SessionHeading]
) -> uuid.UUID | None:
    if item.session_id is not None and item.session_id in known:
        return item.session_id
    # A free item: the latest session (not cancelled) that had begun when it was written.
    index = bisect_right([s.starts_at for s in begun], item.occurred_at)
    return begun[index - 1].id if index else None


def group_by_session(
    items: list[BriefItem],
    sessions: list[SessionHeading],
    zone: str,
    patient_zone: str | None = None,
) -> list[BriefGroup]:
    """Newest session first, "Before the first session" last; within a group the
    session's own record first, then the items oldest first. Times read in `zone`
    (the therapist's); when the patient lives in another zone, each heading also gives
    the session's time on their clock."""
    tz = _zone(zone)
    patient_tz = _zone(patient_zone) if patient_zone else tz
    known = {s.id: s for s in sessions}
    begun = sorted(
        (s for s in sessions if s.status != SessionStatus.CANCELLED), key=lambda s: s.starts_at
    )
    grouped: dict[uuid.UUID | None, list[BriefItem]] = {}
    # The session's own record (its details, when shared) first, then in time order.
    for entry in sorted(
        items, key=lambda i: (i.item.session_id != i.item.record_id, i.item.occurred_at)
    ):
        grouped.setdefault(_session_for(entry.item, known, begun), []).append(entry)
    groups = []
    for sid in sorted(
        (k for k in grouped if k is not None), key=lambda k: known[k].starts_at, reverse=True
    ):
        heading = known[sid]
        local = heading.starts_at.astimezone(tz)
        theirs = heading.starts_at.astimezone(patient_tz)
        groups.append(
            BriefGroup(
                title=_("Session on %(day)s", day=local_format(local, "EEE d MMM y, HH:mm")),
                items=grouped[sid],
                session=heading,
                patient_time=(
                    _(
                        "%(day)s for the patient (%(zone)s)",
                        day=local_format(theirs, "EEE d MMM, HH:mm"),
                        zone=patient_zone,
                    )
                    if theirs.utcoffset() != local.utcoffset()
                    else None
                ),
            )
        )
    if None in grouped:
        groups.append(BriefGroup(_(BEFORE_FIRST_SESSION), grouped[None]))
    return groups


@built_once
def _headings_statement() -> Select[uuid.UUID, datetime, SessionStatus]:
    return (
        select(KapSession.id, KapSession.starts_at, KapSession.status)
        .where(KapSession.user_id == bindparam("patient_id"))
        .order_by(KapSession.starts_at)
    )


def session_headings(patient_id: uuid.UUID) -> list[SessionHeading]:
    """The patient's dosing sessions as a linked therapist may know them: date, time
    and status, all in clear; nothing is decrypted here."""
    rows = db.session.execute(_headings_statement(), {"patient_id": patient_id}).all()
    return [SessionHeading(sid, at, status) for sid, at, status in rows]


def _with_shared_details(groups: list[BriefGroup], ctx: BriefContext) -> list[BriefGroup]:
    """Route and place in the series for the sessions the patient shared."""
    result = []
    for group in groups:
        heading = group.session
        found = ctx.shared_record(kap_sessions.TABLE, heading.id) if heading else None
        if heading is not None and found is not None:
            try:
                content = ctx.open(*found).content
            except crypto.IntegrityFailure:
                log_unopened(found[0].record_table, found[0].record_id)
                content = {}
            details = " · ".join(str(content[k]) for k in ("route", "series") if content.get(k))
            group = replace(group, session=replace(heading, details=details or None))
        result.append(group)
    return result


def _next_planned(sessions: Sequence[SessionHeading], now: datetime) -> datetime | None:
    """`next_dosing_session` from the headings already read."""
    return min(
        (
            s.starts_at
            for s in sessions
            if s.status == SessionStatus.PLANNED and s.starts_at > now - kap_sessions.CURRENT_FOR
        ),
        default=None,
    )


def next_dosing_session(patient_id: uuid.UUID) -> datetime | None:
    """The start of the patient's next planned dosing session (clear metadata), as
    their own Home card counts it (`kap_sessions.next_session_start`: one begun a
    few hours ago still counts)."""
    start = kap_sessions.next_session_start(patient_id, kap_sessions.current_since(utcnow()))
    found: datetime | None = db.session.scalar(start)
    return found


# -- the caseload -------------------------------------------------------------------


@dataclass(frozen=True)
class PatientRow:
    link: CareLink
    email: str
    next_appointment: datetime | None
    unread: int
    open_flags: int
    last_check_in: datetime | None
    next_dosing_session: datetime | None = None
    # The name the therapist knows the patient by ("" when none was given).
    name: str = ""
    # Shared since the last appointment, or still unread.
    new: int = 0
    # The patient's own time zone, for their clock beside the therapist's.
    patient_zone: str | None = None
    # When the oldest flag still to acknowledge was shared.
    oldest_open_flag_at: datetime | None = None
    # A flag left unacknowledged longer than the clinic allows (`overdue`).
    overdue: bool = False

    @property
    def label(self) -> str:
        return self.name or self.email


@dataclass(frozen=True)
class Caseload:
    rows: list[PatientRow]
    page: int
    pages: int
    total: int
    query: str
    per_page: int

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


PER_PAGE: Final = 25


@dataclass(frozen=True)
class Standing:
    """What the caseload's order needs of one patient: clear columns and their summary."""

    patient_id: uuid.UUID
    email: str
    next_appointment: datetime | None
    summary: Summary
    zone: str
    # The link itself and the next dosing session come with the same statement, so a
    # page of the caseload asks the database once for its rows (issue 17: ≤ 6 ms).
    link: CareLink
    next_dosing_session: datetime | None


def overdue(oldest_open_flag: datetime | None, now: datetime, hours: float) -> bool:
    """A flag not acknowledged within `hours` of being raised (the setting
    SAFETY_FLAG_OVERDUE_HOURS) is overdue: its patient heads the caseload, in red."""
    return oldest_open_flag is not None and now - oldest_open_flag >= timedelta(hours=hours)


def attention_order(
    rows: Sequence[Standing], now: datetime, overdue_hours: float
) -> list[Standing]:
    """Overdue safety flags first, then other unacknowledged ones (the oldest flag
    first), then new items, then the next appointment, then the email."""
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))

    def key(row: Standing) -> tuple[bool, bool, datetime, bool, datetime, str]:
        summary = row.summary
        return (
            not overdue(summary.oldest_open_flag_at, now, overdue_hours),
            summary.open_flags == 0,
            summary.oldest_open_flag_at or far,
            summary.new == 0,
            row.next_appointment or far,
            row.email,
        )

    return sorted(rows, key=key)


def order_expires(rows: Sequence[Standing], now: datetime, overdue_hours: float) -> datetime | None:
    """When an order made now stops being right although nothing was written: the
    next appointment to pass (it then counts as the last, and moves the row), or the
    next open flag to become overdue (it then moves to the top)."""
    moments = [row.next_appointment for row in rows if row.next_appointment is not None]
    moments += [
        row.summary.oldest_open_flag_at + timedelta(hours=overdue_hours)
        for row in rows
        if row.summary.oldest_open_flag_at is not None
        and not overdue(row.summary.oldest_open_flag_at, now, overdue_hours)
    ]
    return min(moments) if moments else None


@built_once
def _standing_statement() -> Select[CareLink, str, str, bytes | None, datetime | None]:
    """Every patient of `therapist_id` with the clear columns the caseload shows, the
    sealed summary and the next dosing session (planned after `since`)."""
    next_dosing = kap_sessions.next_session_start(
        CareLink.patient_id, bindparam("since")
    ).scalar_subquery()
    return (
        select(CareLink, User.email, User.time_zone, CaseloadSummary.sealed, next_dosing)
        .join(User, User.id == CareLink.patient_id)
        .outerjoin(CaseloadSummary, CaseloadSummary.link_id == CareLink.id)
        .where(CareLink.therapist_id == bindparam("therapist_id"))
    )


@built_once
def _standing_of_statement() -> Select[CareLink, str, str, bytes | None, datetime | None]:
    """`_standing_statement` for the patients named in `patient_ids` (one page)."""
    return _standing_statement().where(among(CareLink.patient_id, "patient_ids"))


def _standing(
    therapist: User, udk: bytes, now: datetime, patient_ids: Sequence[uuid.UUID] | None = None
) -> list[Standing]:
    """Clear columns and the summary of every patient, or of those named, with their
    link and next dosing session, in one statement."""
    values: dict[str, Any] = {
        "therapist_id": therapist.id,
        "since": kap_sessions.current_since(now),
    }
    statement = _standing_statement()
    if patient_ids is not None:
        statement = _standing_of_statement()
        values["patient_ids"] = list(patient_ids)
    clear = db.session.execute(statement, values).all()
    found = summaries.summaries(
        therapist,
        udk,
        [
            summaries.LinkState(
                link.id,
                link.patient_id,
                link.summary_generation,
                summaries.since_of(link.next_appointment_at, link.last_appointment_at, now),
                sealed,
            )
            for link, _email, _zone, sealed, _dosing in clear
        ],
    )
    return [
        Standing(
            link.patient_id,
            email,
            link.next_appointment_at
            if link.next_appointment_at and link.next_appointment_at > now
            else None,
            found[link.patient_id],
            zone,
            link,
            dosing,
        )
        for link, email, zone, _sealed, dosing in clear
    ]


def caseload(
    therapist: User,
    udk: bytes,
    query: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
    overdue_hours: float = 24,
) -> Caseload:
    """One page of the therapist's patients, sorted by what needs attention.

    The whole caseload's order is kept sealed (`summaries.stored_order`) until a link
    changes or the next appointment passes; then every patient's summary (one
    AES-GCM open each, rebuilt only where something changed) is sorted again with
    `attention_order`. A page then opens the order and its own rows' summaries, so
    400 patients cost what 20 do. A search opens every name (they are sealed to the
    therapist, so it cannot be a query) and sorts what it found."""
    now = utcnow()
    query = " ".join(query.split())
    basis, sealed_order = summaries.order_basis(therapist)
    order = None if query else summaries.stored_order(therapist, udk, sealed_order, basis, now)
    names: dict[uuid.UUID, str] = {}
    if order is None:
        standing = _standing(therapist, udk, now)
        if query:
            names = care.link_names(therapist, udk, [row.link for row in standing])
            needle = query.casefold()
            standing = [
                row
                for row in standing
                if needle in names.get(row.patient_id, "").casefold()
                or needle in row.email.casefold()
            ]
        standing = attention_order(standing, now, overdue_hours)
        if not query:
            summaries.store_order(
                therapist,
                udk,
                basis,
                [row.patient_id for row in standing],
                order_expires(standing, now, overdue_hours),
            )
        total = len(standing)
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        shown = standing[(page - 1) * per_page : page * per_page]
    else:
        total = len(order)
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        shown_ids = [uuid.UUID(pid) for pid in order[(page - 1) * per_page : page * per_page]]
        by_id = {row.patient_id: row for row in _standing(therapist, udk, now, shown_ids)}
        shown = [by_id[pid] for pid in shown_ids if pid in by_id]
    if not query:
        names = care.link_names(therapist, udk, [r.link for r in shown])
    rows = [
        PatientRow(
            link=r.link,
            email=r.email,
            next_appointment=r.next_appointment,
            unread=r.summary.unread,
            open_flags=r.summary.open_flags,
            last_check_in=r.summary.last_check_in,
            next_dosing_session=r.next_dosing_session,
            name=names.get(r.patient_id, ""),
            new=r.summary.new,
            patient_zone=r.zone,
            oldest_open_flag_at=r.summary.oldest_open_flag_at,
            overdue=overdue(r.summary.oldest_open_flag_at, now, overdue_hours),
        )
        for r in shown
    ]
    return Caseload(rows, page, pages, total, query, per_page)


def patient_rows(therapist: User, udk: bytes, overdue_hours: float = 24) -> list[PatientRow]:
    """Every patient of the therapist, in the caseload's order."""
    return caseload(therapist, udk, per_page=10**6, overdue_hours=overdue_hours).rows


def patient_name(therapist: User, udk: bytes, link: CareLink) -> str:
    """The name the therapist knows this patient by, or their email."""
    name = care.link_names(therapist, udk, [link]).get(link.patient_id, "")
    if name:
        return name
    found = db.session.get(User, link.patient_id)
    return found.email if found else ""


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
    next_dosing_session: datetime | None = None
    # Shared items left out because their MAC was not the patient's (forged, or
    # restored from an older copy), and items or sections that would not open.
    unverified: int = 0
    unopened: int = 0
    # The name the therapist knows the patient by, or their email.
    patient_name: str = ""
    patient_zone: str | None = None

    @property
    def unread(self) -> int:
        return sum(1 for g in self.groups for i in g.items if i.unread)

    @property
    def count(self) -> int:
        return sum(len(g.items) for g in self.groups)

    @property
    def unread_items(self) -> list[BriefItem]:
        return [i for g in self.groups for i in g.items if i.unread]

    @property
    def new_by_kind(self) -> list[tuple[str, int]]:
        """What was shared since the last appointment (everything before the first),
        counted by kind, the most frequent first."""
        counts: dict[str, int] = {}
        for group in self.groups:
            for entry in group.items:
                if self.since is None or entry.share.created_at >= self.since:
                    counts[entry.item.label] = counts.get(entry.item.label, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    @property
    def new_by_kind_words(self) -> list[str]:
        """`new_by_kind` in words of the page's language: "2 journal entries"."""
        return [counted(label, n) for label, n in self.new_by_kind]


def counted(label: str, n: int) -> str:
    """A number of shared records of one kind (a share adapter's label), in words."""
    words = _COUNTED.get(label)
    return words(n) if words else f"{n} {_(label).lower()}"


_COUNTED: Final[dict[str, Callable[[int], str]]] = {
    "Journal entry": lambda n: ngettext("%(num)d journal entry", "%(num)d journal entries", n),
    "Questionnaire result": lambda n: ngettext(
        "%(num)d questionnaire result", "%(num)d questionnaire results", n
    ),
    "Mood check-in": lambda n: ngettext("%(num)d mood check-in", "%(num)d mood check-ins", n),
    "Integration prompt": lambda n: ngettext(
        "%(num)d integration prompt", "%(num)d integration prompts", n
    ),
    "After-effect": lambda n: ngettext("%(num)d after-effect", "%(num)d after-effects", n),
    "Dosing session": lambda n: ngettext("%(num)d dosing session", "%(num)d dosing sessions", n),
    "Intention": lambda n: ngettext("%(num)d intention", "%(num)d intentions", n),
    "Preparation checklist": lambda n: ngettext(
        "%(num)d preparation checklist", "%(num)d preparation checklists", n
    ),
}


# The record types a brief needs only recently (shared since the last appointment,
# or unread). Sections need every shared questionnaire result (baselines, flags; their
# clear rows and the therapist's notes, opening few) and session or checklist
# (headings, the next session), so those always load.
RECENT_ONLY: Final = ("entries", "mood_checkins", "prompt_answers", "after_effects")
# How far back the summary's mood sparkline may reach (the dosing series it shows).
SERIES_DAYS: Final = 84
# The record type whose values the brief's digest keeps (the series' check-ins), and
# how old its window may grow before it is made again (keeping its check small).
DIGESTED: Final = "mood_checkins"
DIGEST_REFRESH: Final = timedelta(days=7)


def current_digest(therapist: User, udk: bytes, link: CareLink) -> brief_digest.Digest | None:
    """The link's digest when it opens and its shares are still those it was made
    from; None when it must be made again."""
    found = brief_digest.load(therapist, udk, link)
    if found is None or found.start < utcnow() - timedelta(days=SERIES_DAYS + 1) - DIGEST_REFRESH:
        return None
    if found.fingerprint != brief_digest.fingerprint(therapist, link, DIGESTED, found.start):
        return None
    return found


def shared_count(therapist: User, link: CareLink) -> int:
    readable = access.readable_shares(therapist).where(Share.patient_id == link.patient_id)
    return db.session.scalar(select(func.count()).select_from(readable.subquery())) or 0


def build_brief(therapist: User, udk: bytes, link: CareLink, show_all: bool = False) -> Brief:
    """Everything shared since the last appointment (and anything still unread), each
    read logged; with `show_all`, everything shared."""
    since = care.last_appointment(link)
    now = utcnow()
    digest = current_digest(therapist, udk, link)
    digest_start = now - timedelta(days=SERIES_DAYS + 1)
    narrow = None
    if since is not None and not show_all:
        # Years of check-ins, entries and answers read before the last appointment
        # are neither shown nor used by a section: not loading them keeps a brief's
        # cost from growing with the patient's history. (A day's margin: the mood
        # section starts at the appointment's date in the patient's zone.)
        # The series' check-ins load only to make the digest again.
        narrow = or_(
            Share.record_table.not_in(RECENT_ONLY),
            Share.created_at >= since - timedelta(days=1),
            Share.therapist_read_at.is_(None),
            *(
                []
                if digest is not None
                else [and_(Share.record_table == DIGESTED, Share.created_at >= digest_start)]
            ),
        )
    verifier = sharing.ShareVerifier(therapist, udk)
    found = access.shared_records(therapist, link, narrow)
    pairs = [(share, record) for share, record in found if verifier.ok(share)]
    unverified = len(found) - len(pairs)
    context = BriefContext(therapist, udk, link, since, pairs, verifier=verifier, digest=digest)
    chosen = [
        (share, record)
        for share, record in pairs
        if show_all or since is None or share.created_at >= since or share.therapist_read_at is None
    ]
    items = []
    unopened = 0
    for share, record in chosen:
        try:
            items.append(BriefItem(share, context.open(share, record)))
        except crypto.IntegrityFailure:
            log_unopened(share.record_table, share.record_id)
            unopened += 1
    patient = db.session.get(User, link.patient_id)
    groups = group_by_session(
        items,
        context.sessions(),
        therapist.time_zone,
        patient.time_zone if patient else None,
    )
    groups = _with_shared_details(groups, context)
    sections = []
    for section in sorted(BRIEF_SECTIONS.values(), key=lambda s: s.order):
        try:
            data = section.build(context)
        except crypto.IntegrityFailure:
            # An item the section needed would not open (logged where it failed):
            # the section is left out rather than the whole brief.
            unopened += 1
            continue
        if data is not None:
            sections.append((section, data))
    # One access-log row for the whole view, naming how many records it opened
    # (the brief's and the sections'); the page renders from the rows loaded here,
    # so they are kept rather than reloaded one by one.
    if context.opened:
        access_log.record_brief_view(therapist, link.patient_id, context.opened)
    if digest is None and context.kept:
        print_ = brief_digest.fingerprint(therapist, link, DIGESTED, digest_start)
        brief_digest.store(
            therapist, udk, link, brief_digest.Digest(digest_start, print_, context.kept)
        )
    with rows_kept_on_commit():
        db.session.commit()
    return Brief(
        link=link,
        patient_email=patient.email if patient else "",
        patient_name=patient_name(therapist, udk, link),
        patient_zone=patient.time_zone if patient else None,
        since=since,
        showing_all=show_all,
        groups=groups,
        sections=sections,
        total_shared=shared_count(therapist, link) if narrow is not None else len(pairs),
        next_dosing_session=_next_planned(context.sessions(), now),
        unverified=unverified,
        unopened=unopened,
    )
