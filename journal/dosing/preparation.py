"""Preparation for one dosing session, put together: the session with its checklist
and intention, for the session page, the Home card and the one-tap tick."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Final

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, or_, select

from journal.care import checklist_adaptation, preparation_sharing, sharing  # noqa: F401 (registers what plan_session seals for)
from journal.care.checklist_adaptation import AdaptedChecklist
from journal.content import load_checklist
from journal.core.database import built_once
from journal.core.extensions import db
from journal.core.translatable import N_
from journal.dosing import checklists, intentions, kap_sessions, session_log
from journal.dosing.checklists import PATIENT, SITTER, ChecklistSnapshot, UnknownItem
from journal.dosing.intentions import IntentionForm, IntentionView
from journal.dosing.kap_sessions import SessionForm, SessionView
from journal.dosing.planning import STATUS_ORDER, ChecklistStatus, ItemStatus
from journal.models.checklists import Checklist
from journal.models.intentions import Intention
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.users import User
from journal.your_data import export

# Marked with N_ (built at import); `Group.label` translates them for the page.
GROUP_LABELS: Final = {
    "due now": N_("Due now"),
    "later today": N_("Later today"),
    "tomorrow": N_("Tomorrow"),
    "upcoming": N_("Coming up"),
    "past": N_("Time has passed"),
    "done": N_("Done"),
    "open": N_("Not ticked"),
}
INTENTION_ITEM: Final = "write-intention"


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    items: tuple[ItemStatus, ...]


@dataclass(frozen=True)
class SessionPage:
    session: SessionView
    checklist: ChecklistSnapshot
    patient: ChecklistStatus
    sitter: ChecklistStatus | None
    groups: tuple[Group, ...]
    intention: IntentionView | None
    current: bool
    checklist_id: uuid.UUID | None = None


def _make_checklist(
    user: User,
    session: KapSession,
    udk: bytes,
    form: SessionForm,
    adapted: AdaptedChecklist | None,
    language: str = "en",
) -> None:
    assert form.details is not None, "check_form first"
    # A new list is worded in the page's language; its words are stored with it.
    checklist, _made = checklists.create_checklist(
        session,
        udk,
        form.details.route,
        form.details.setting,
        adapted.content if adapted else load_checklist(language=language),
        adapted_by=adapted.adapted_by if adapted else None,
        adapted_from=str(adapted.adaptation_id) if adapted else None,
    )
    db.session.flush()
    # "Preparation checklists" shared as a category: the new list is sealed at once.
    sharing.seal_for_standing_shares(user, udk, checklists.TABLE, checklist)


def plan_session(
    user: User,
    udk: bytes,
    form: SessionForm,
    adapted: AdaptedChecklist | None = None,
    language: str = "en",
) -> KapSession:
    """A checked form becomes a session with its checklist, in one commit; the list is
    made from a therapist's adaptation when the patient chose one."""
    assert form.details is not None, "check_form first"
    session = kap_sessions.create_session(user, udk, form)
    db.session.flush()
    _make_checklist(user, session, udk, form, adapted, language)
    db.session.commit()
    return session


def edit_session(session: KapSession, udk: bytes, form: SessionForm, language: str = "en") -> None:
    assert form.details is not None, "check_form first"
    kap_sessions.update_session(session, udk, form)
    checklist = checklists.checklist_of(session)
    user = db.session.get(User, session.user_id)
    assert user is not None  # the session's owner, from access.owned_kap_session
    if checklist is None:
        _make_checklist(user, session, udk, form, None, language)
    else:
        old = checklists.read_checklist(checklist, udk)
        adapted = checklist_adaptation.for_replan(user, udk, old)
        checklists.replan(
            checklist,
            udk,
            form.details.route,
            form.details.setting,
            adapted.content if adapted else load_checklist(language=language),
            adapted_by=adapted.adapted_by if adapted else None,
            adapted_from=str(adapted.adaptation_id) if adapted else None,
        )
    db.session.commit()


def _groups(status: ChecklistStatus, current: bool) -> tuple[Group, ...]:
    """Due now first. For a session that is over, "due now" would nag about the
    past, so its unticked items are one group."""
    if not current:
        open_items = tuple(s for s in status.items if s.status != "done")
        done = tuple(s for s in status.items if s.status == "done")
        found = [
            Group("open", _(GROUP_LABELS["open"]), open_items),
            Group("done", _(GROUP_LABELS["done"]), done),
        ]
        return tuple(g for g in found if g.items)
    groups = []
    for key in STATUS_ORDER:
        items = tuple(s for s in status.items if s.status == key)
        if items:
            groups.append(Group(key.replace(" ", "-"), _(GROUP_LABELS[key]), items))
    return tuple(groups)


# A session's checklist and intention, when the statement that read the session
# brought them (None: not there).
Parts = tuple[Checklist | None, Intention | None]


def session_page(
    session: KapSession, udk: bytes, now: datetime, tz: tzinfo, parts: Parts | None = None
) -> SessionPage:
    """`parts`: the session's checklist and intention if already read with it."""
    view = kap_sessions.read_session(session, udk)
    checklist, intention = parts if parts is not None else (checklists.checklist_of(session), None)
    if checklist is None:  # made with the session; a missing one is an empty list
        snap = ChecklistSnapshot("none", 0, "", "", "", (), frozenset())
    else:
        snap = checklists.read_checklist(checklist, udk)
    planned_at = session.created_at
    patient = snap.status(session.starts_at, now, tz, PATIENT, planned_at)
    sitter = snap.status(session.starts_at, now, tz, SITTER, planned_at) if view.is_home else None
    if parts is None:
        intention = intentions.intention_of(session)
    current = view.is_current(now)
    return SessionPage(
        session=view,
        checklist=snap,
        patient=patient,
        sitter=sitter,
        groups=_groups(patient, current),
        intention=intentions.read_intention(intention, udk) if intention else None,
        current=current,
        checklist_id=checklist.id if checklist else None,
    )


@dataclass(frozen=True)
class CurrentSession:
    page: SessionPage
    when: str


@dataclass(frozen=True)
class SessionList:
    current: list[CurrentSession]
    """Planned sessions ahead (or started a few hours ago), soonest first, with checklists."""
    past: list[SessionView]
    """Everything else, newest first."""


def list_page(user: User, udk: bytes, now: datetime) -> SessionList:
    tz = kap_sessions.zone_of(user)
    current: list[CurrentSession] = []
    past: list[SessionView] = []
    for session in kap_sessions.sessions_of(user):
        view = kap_sessions.read_session(session, udk)
        if view.is_current(now):
            current.append(
                CurrentSession(
                    session_page(session, udk, now, tz),
                    kap_sessions.describe_when(session.starts_at, now, tz),
                )
            )
        else:
            past.append(view)
    past.reverse()
    return SessionList(current=current, past=past)


@dataclass(frozen=True)
class HomeCard:
    session: SessionView
    when: str
    status: ChecklistStatus
    due_now: tuple[ItemStatus, ...]
    next_up: ItemStatus | None
    has_intention: bool


@dataclass(frozen=True)
class HomeSessions:
    """The planned sessions Home shows, read in one statement."""

    upcoming: KapSession | None
    """The next one (`kap_sessions.next_session`), for its card and the questionnaires."""
    parts: Parts
    """Its checklist and intention."""
    started: list[KapSession]
    """Those that started within the window asked for, latest first."""


@built_once
def _home_sessions_statement() -> Select[KapSession, Checklist | None, Intention | None, bool]:
    """`user_id`'s next planned session (as `kap_sessions.next_session`, planned after
    `since`) and those begun between `started_after` and `now`, with their parts."""
    upcoming_id = (
        kap_sessions.planned_from(bindparam("user_id"), bindparam("since"))
        .with_only_columns(KapSession.id)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(KapSession, Checklist, Intention, (KapSession.id == upcoming_id).label("upcoming"))
        .outerjoin(Checklist, Checklist.kap_session_id == KapSession.id)
        .outerjoin(Intention, Intention.kap_session_id == KapSession.id)
        .where(
            KapSession.user_id == bindparam("user_id"),
            KapSession.status == SessionStatus.PLANNED,
            or_(
                KapSession.id == upcoming_id,
                and_(
                    KapSession.starts_at <= bindparam("now"),
                    KapSession.starts_at > bindparam("started_after"),
                ),
            ),
        )
        .order_by(KapSession.starts_at.desc())
    )


def home_sessions(user: User, now: datetime, started_within: timedelta) -> HomeSessions:
    """The next planned session with its checklist and intention, and the planned
    sessions that started within `started_within` (still not marked done): one
    statement, the next one found by the same query as `kap_sessions.next_session`."""
    rows = db.session.execute(
        _home_sessions_statement(),
        {
            "user_id": user.id,
            "since": kap_sessions.current_since(now),
            "now": now,
            "started_after": now - started_within,
        },
    ).all()
    upcoming = next((row for row in rows if row.upcoming), None)
    return HomeSessions(
        upcoming=upcoming[0] if upcoming else None,
        parts=(upcoming[1], upcoming[2]) if upcoming else (None, None),
        started=[
            row[0]
            for row in rows
            if row[0].starts_at <= now and row[0].starts_at > now - started_within
        ],
    )


def home_card(
    user: User, udk: bytes, now: datetime, session: KapSession | None, parts: Parts | None = None
) -> HomeCard | None:
    """The card for `session`, the next planned one (`kap_sessions.next_session`), with
    its checklist and intention when already read (`home_sessions`)."""
    if session is None:
        return None
    tz = kap_sessions.zone_of(user)
    page = session_page(session, udk, now, tz, parts)
    waiting = [s for s in page.patient.items if s.status not in ("done", "due now", "past")]
    return HomeCard(
        session=page.session,
        when=kap_sessions.describe_when(session.starts_at, now, tz),
        status=page.patient,
        due_now=page.patient.due_now,
        next_up=min(waiting, key=lambda s: s.item.due_at_utc) if waiting else None,
        has_intention=page.intention is not None,
    )


@dataclass(frozen=True)
class Ticked:
    item: ItemStatus
    status: ChecklistStatus


def tick(
    session: KapSession, udk: bytes, key: str, done: bool, now: datetime, tz: tzinfo
) -> Ticked:
    """Set one item and return it with the new count for its list (patient or sitter).

    Raises :class:`UnknownItem` for a key that is not on this session's checklist.
    """
    snap = checklists.set_ticked(session, udk, key, done)
    audience = next(i.audience for i in snap.items if i.key == key)
    status = snap.status(session.starts_at, now, tz, audience, session.created_at)
    item = next(s for s in status.items if s.item.key == key)
    return Ticked(item=item, status=status)


def save_intention(session: KapSession, udk: bytes, form: IntentionForm) -> None:
    """Save the intention and tick "write your intention" on the checklist."""
    view = kap_sessions.read_session(session, udk)
    intentions.save_intention(session, udk, form, intentions.guidance_for(view).stage)
    # Committed first: a retried tick rolls back, and must not take the intention with it.
    db.session.commit()
    with contextlib.suppress(UnknownItem):
        checklists.set_ticked(session, udk, INTENTION_ITEM, True)


# How the printable export and the JSON name a session's status (the JSON keeps the
# English; the printable page translates them).
STATUS_WORDS: Final = {"planned": N_("Coming up"), "done": N_("Done"), "cancelled": N_("Cancelled")}


def _log_words(line: session_log.LogLine, zone: tzinfo) -> str:
    """ "20:05 Blood pressure 135/85, pulse 72", "20:30 Dose taken: second troche"."""
    at = line.at.astimezone(zone).strftime("%H:%M")
    if line.is_reading and line.pulse:
        what = _(
            "Blood pressure %(systolic)s/%(diastolic)s, pulse %(pulse)s",
            systolic=line.systolic,
            diastolic=line.diastolic,
            pulse=line.pulse,
        )
    elif line.is_reading:
        what = _(
            "Blood pressure %(systolic)s/%(diastolic)s",
            systolic=line.systolic,
            diastolic=line.diastolic,
        )
    else:
        what = _("Dose taken")
    return f"{at} {what}: {line.note}" if line.note else f"{at} {what}"


def printed_sessions(
    user: User, udk: bytes, start: datetime, end: datetime
) -> list[export.PrintItem]:
    zone = kap_sessions.zone_of(user)
    items = []
    for session in kap_sessions.sessions_of(user):
        if not start <= session.starts_at < end:
            continue
        view = kap_sessions.read_session(session, udk)
        lines = [f"{view.route_label}, {view.setting_label}, {view.series_label}"]
        status = view.status.value
        lines.append(_("Status: %(status)s", status=_(STATUS_WORDS.get(status, status))))
        if view.details.dose_mg:
            lines.append(_("Dose: %(mg)s mg", mg=view.details.dose_mg))
        if view.details.notes:
            lines.append(view.details.notes)
        intention = intentions.intention_of(session)
        if intention:
            text = intentions.read_intention(intention, udk).text
            lines.append(_("Intention: %(text)s", text=text))
        log = session_log.log_of(session, udk)
        if log:
            lines.append(_("Log:"))
            lines.extend(_log_words(line, zone) for line in log)
        items.append(export.PrintItem(view.starts_at, _("Dosing session"), lines))
    return items


def export_sessions(user: User, udk: bytes) -> list[dict[str, object]]:
    """Each session with its checklist (and what was ticked), intention and log, with
    the words the app shows beside each stored key (in English, as every export's
    values are: a file read by other programs keeps one language)."""
    with force_locale("en"):
        return _export_sessions(user, udk)


def _export_sessions(user: User, udk: bytes) -> list[dict[str, object]]:
    found = []
    for session in kap_sessions.sessions_of(user):
        checklist = checklists.checklist_of(session)
        intention = intentions.intention_of(session)
        view = kap_sessions.read_session(session, udk)
        found.append(
            {
                **export.plain(view),
                "status_label": STATUS_WORDS.get(view.status.value, view.status.value),
                "route_label": view.route_label,
                "setting_label": view.setting_label,
                "series_label": view.series_label,
                "checklist": {
                    "id": str(checklist.id),
                    **export.plain(checklists.read_checklist(checklist, udk)),
                }
                if checklist
                else None,
                "intention": export.plain(intentions.read_intention(intention, udk))
                if intention
                else None,
                "log": export.plain(session_log.log_of(session, udk)),
            }
        )
    return found
