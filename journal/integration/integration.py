"""Integration prompts after a dosing session: scheduled when the session is done,
listed on Home when due, answered, skipped or snoozed.

When a session is done (marked done, logged as done, or a done session moved), the
prompt set from `journal/content/prompts` (or the one the patient's therapist adapted
for them, `prompt_adaptation`) is copied into the session's sealed schedule (id,
version, slots, texts, offsets, who adapted it) and one `PromptAnswer` row is made per
prompt. Due times are worked out by `planning.plan_prompts` from that copy and the
session's current start, so a later edit of the content changes only schedules made
afterwards, while moving the session moves every prompt with it.

Each answer row carries its question in its own sealed payload, so a shared answer
shows the therapist what was asked. Due times, snoozes and whether a prompt is open,
answered or skipped stay in clear: Home finds what is due with one indexed query,
and nothing is decrypted but what it shows.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any, Final

from babel.dates import format_date
from flask_babel import gettext, ngettext
from sqlalchemy import BindParameter, Select, and_, bindparam, func, or_, select

from journal.care import prompt_adaptation, shareable
from journal.content import ROUTES, Prompt, PromptSet, PromptSlot, load_prompt_set
from journal.content import route as route_entry
from journal.core import records
from journal.core.database import built_once
from journal.core.extensions import db
from journal.core.translatable import N_, language, local_format
from journal.dosing import kap_sessions
from journal.dosing.kap_sessions import local_to_utc
from journal.dosing.planning import PlannedPrompt, plan_prompts
from journal.models.integration import PromptAnswer, PromptSchedule, PromptState
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.users import User
from journal.outbox import idempotency
from journal.your_data import export

SCHEDULE_TABLE: Final = "prompt_schedules"
TABLE: Final = "prompt_answers"
KIND: Final = "integration.prompt_answer"  # for idempotency keys and the outbox
WEEKLY: Final = "weekly"
RIGHT_AFTER: Final = "right_after"
DAYS_IN_WEEK: Final = 7

# How long a session of each route lasts, for the prompts' timing only: "right after"
# should mean after the visit, and esketamine comes with at least 2 h of monitoring.

SNOOZE_CHOICES: Final = ("3h", "morning")
SNOOZE_HOURS: Final = 3
MORNING: Final = time(9, 0)
# Before this hour, "tomorrow morning" means the coming morning, not the next day's.
_NIGHT_ENDS: Final = 5
# A snoozed prompt comes back and stays on Home at least this long.
SNOOZED_SHOWN_FOR: Final = timedelta(hours=24)


class PromptError(ValueError):
    """The prompt cannot be answered, skipped or snoozed now; the message says why."""

    status = 409
    title = N_("Not possible right now")


class SessionCancelled(PromptError):
    title = N_("This session was cancelled")

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "This session was cancelled, so it has no prompts to answer. "
                "Your journal is always open for anything you want to write."
            )
        )


class NotYetDue(PromptError):
    title = N_("Not open yet")


class AnswerProblem(PromptError):
    """What was sent cannot be saved as an answer (kept as a draft instead)."""

    status = 422
    title = N_("Not saved as an answer")


class NewerAnswer(PromptError):
    """The prompt was answered (or the answer edited) after the form this answer was
    written in was opened: another device, another tab, or the outbox of this one.
    The older text must not silently replace the newer one (kept as a draft instead)."""

    title = N_("A newer answer was saved")

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "This prompt was answered again after you opened this page (on another "
                "device, or from what this phone kept offline). What you wrote here is kept "
                "as a draft and shown below: save it again to replace the saved answer."
            )
        )


# -- the schedule ---------------------------------------------------------------------


def _snapshot(content: PromptSet) -> dict[str, Any]:
    return {
        "prompt_set": content.id,
        "version": content.version,
        "session_minutes": content.session_minutes,
        "slots": [
            {"key": s.key, "label": s.label, "description": s.description} for s in content.slots
        ],
        "prompts": [
            {
                "key": p.key,
                "slot": p.slot,
                "text": p.text,
                "hint": p.hint,
                "offset_minutes": p.offset_minutes,
                "window_minutes": p.window_minutes,
            }
            for p in content.prompts
        ],
    }


def _prompt_set_from(snapshot: Mapping[str, Any]) -> PromptSet:
    return PromptSet(
        id=str(snapshot["prompt_set"]),
        version=int(snapshot["version"]),
        anchor="session_start",
        session_minutes=int(snapshot["session_minutes"]),
        slots=tuple(
            PromptSlot(str(s["key"]), str(s["label"]), s.get("description"))
            for s in snapshot["slots"]
        ),
        prompts=tuple(
            Prompt(
                key=str(p["key"]),
                text=str(p["text"]),
                hint=p.get("hint"),
                slot=str(p["slot"]),
                offset_minutes=int(p["offset_minutes"]),
                window_minutes=int(p["window_minutes"]),
            )
            for p in snapshot["prompts"]
        ),
    )


def schedule_of(session: KapSession) -> PromptSchedule | None:
    found: PromptSchedule | None = db.session.scalar(
        select(PromptSchedule).where(PromptSchedule.kap_session_id == session.id)
    )
    return found


def prompt_set_of(session: KapSession, udk: bytes) -> PromptSet | None:
    schedule = schedule_of(session)
    if schedule is None:
        return None
    return _prompt_set_from(records.open_payload(udk, SCHEDULE_TABLE, schedule))


def planned_for(session: KapSession, udk: bytes, content: PromptSet) -> list[PlannedPrompt]:
    route = kap_sessions.read_session(session, udk).details.route
    return plan_prompts(
        session.starts_at,
        session_minutes=route_entry(route).session_minutes if route in ROUTES else None,
        prompt_set=content,
    )


def _first_snapshot(
    session: KapSession, udk: bytes, language: str | None = None
) -> tuple[PromptSet, dict[str, Any]]:
    """The set a session gets when it is first done: the one a linked therapist
    adapted for the patient, if any opens and verifies; otherwise the clinic's."""
    patient = db.session.get(User, session.user_id)
    adapted = prompt_adaptation.for_patient(patient, udk) if patient is not None else None
    if adapted is None:
        # In the page's language (else the one chosen in Settings); the words are kept
        # with the schedule, so a later change of language leaves them as they were.
        chosen = language or (patient.language if patient is not None else None) or "en"
        content = load_prompt_set(language=chosen)
        return content, _snapshot(content)
    snapshot = _snapshot(adapted.content)
    snapshot["adapted_by"] = adapted.adapted_by
    snapshot["adapted_from"] = str(adapted.adaptation_id)
    return adapted.content, snapshot


def _right_after_times(
    planned: PlannedPrompt, starts_at: datetime, marked_at: datetime | None
) -> tuple[datetime, datetime]:
    """(due, closes). A right-after prompt opens when the session is marked done or
    when the route's session length has passed, whichever comes first (never before
    the start), and stays due for its window from the later of the two, so "Mark
    done" pressed after the end still leads into open questions. A session logged
    as done afterwards (no `marked_at`) keeps the planned times."""
    due, closes = planned.due_at_utc, planned.closes_at_utc
    if planned.slot != RIGHT_AFTER or marked_at is None:
        return due, closes
    window = closes - due
    return max(starts_at, min(due, marked_at)), max(closes, marked_at + window)


def schedule_prompts(
    session: KapSession,
    udk: bytes,
    marked_at: datetime | None = None,
    language: str | None = None,
) -> None:
    """Make the session's schedule and prompt rows, or move them to the session's
    current start and route. Idempotent; the caller commits (a `done` hook).

    When the session was marked done (`marked_at`), that moment is kept in the sealed
    schedule: the right-after prompts open then if it is before the session's planned
    end, and stay open a window from it, so "Mark done" leads straight into them."""
    schedule = schedule_of(session)
    if schedule is None:
        content, snapshot = _first_snapshot(session, udk, language)
        if marked_at is not None:
            snapshot["marked_done_at"] = marked_at.isoformat()
        schedule = PromptSchedule(
            id=uuid.uuid4(), user_id=session.user_id, kap_session_id=session.id, revision=0
        )
        records.seal_payload(udk, SCHEDULE_TABLE, schedule, snapshot)
        db.session.add(schedule)
    else:
        snapshot = records.open_payload(udk, SCHEDULE_TABLE, schedule)
        content = _prompt_set_from(snapshot)
    kept = snapshot.get("marked_done_at")
    marked = datetime.fromisoformat(str(kept)) if kept else None
    rows = {
        row.prompt_key: row
        for row in db.session.scalars(
            select(PromptAnswer).where(PromptAnswer.kap_session_id == session.id)
        )
    }
    for position, planned in enumerate(planned_for(session, udk, content)):
        row = rows.get(planned.key)
        if row is None:
            row = PromptAnswer(
                id=uuid.uuid4(),
                user_id=session.user_id,
                kap_session_id=session.id,
                revision=0,
                prompt_key=planned.key,
                state=PromptState.OPEN,
            )
            records.seal_payload(
                udk,
                TABLE,
                row,
                {
                    "text": planned.text,
                    "hint": planned.hint,
                    "slot_label": planned.slot_label,
                    "prompt_set": content.id,
                    "version": content.version,
                    "answer": "",
                },
            )
            db.session.add(row)
        row.slot = planned.slot
        row.position = position
        row.due_at, row.closes_at = _right_after_times(planned, session.starts_at, marked)
        if row.snoozed_until is not None:
            row.closes_at = max(row.closes_at, row.snoozed_until + SNOOZED_SHOWN_FOR)


# -- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PromptView:
    id: uuid.UUID
    session_id: uuid.UUID
    key: str
    slot: str
    slot_label: str
    text: str
    hint: str | None
    position: int
    due_at: datetime
    closes_at: datetime
    snoozed_until: datetime | None
    state: PromptState
    answered_at: datetime | None
    updated_at: datetime
    answer: str

    @property
    def is_answered(self) -> bool:
        return self.state == PromptState.ANSWERED

    @property
    def is_skipped(self) -> bool:
        return self.state == PromptState.SKIPPED

    @property
    def is_open(self) -> bool:
        return self.state == PromptState.OPEN

    def is_snoozed(self, now: datetime) -> bool:
        return self.is_open and self.snoozed_until is not None and self.snoozed_until > now

    def has_opened(self, now: datetime) -> bool:
        return self.due_at <= now

    def is_due(self, now: datetime) -> bool:
        """Open, its time has come, not snoozed, and still within its window."""
        return (
            self.is_open
            and self.due_at <= now < self.closes_at
            and (self.snoozed_until is None or self.snoozed_until <= now)
        )

    @property
    def is_right_after(self) -> bool:
        return self.slot == RIGHT_AFTER


def read_prompt(row: PromptAnswer, udk: bytes) -> PromptView:
    return view_from_payload(row, records.open_payload(udk, TABLE, row))


def view_from_payload(row: PromptAnswer, data: Mapping[str, Any]) -> PromptView:
    return PromptView(
        id=row.id,
        session_id=row.kap_session_id,
        key=row.prompt_key,
        slot=row.slot,
        slot_label=str(data.get("slot_label", "")),
        text=str(data["text"]),
        hint=data.get("hint"),
        position=row.position,
        due_at=row.due_at,
        closes_at=row.closes_at,
        snoozed_until=row.snoozed_until,
        state=row.state,
        answered_at=row.answered_at,
        updated_at=row.updated_at,
        answer=str(data.get("answer", "")),
    )


@built_once
def _prompts_statement() -> Select[PromptAnswer]:
    """The prompts of session `kap_session_id`, in the order they come due."""
    return (
        select(PromptAnswer)
        .where(PromptAnswer.kap_session_id == bindparam("kap_session_id"))
        .order_by(PromptAnswer.due_at, PromptAnswer.position)
    )


def prompts_of(session: KapSession) -> list[PromptAnswer]:
    return list(db.session.scalars(_prompts_statement(), {"kap_session_id": session.id}))


@dataclass(frozen=True)
class SlotGroup:
    key: str
    label: str
    description: str | None
    prompts: tuple[PromptView, ...]


@dataclass(frozen=True)
class SessionIntegration:
    """A done session's prompts by slot, for its page."""

    slots: tuple[SlotGroup, ...]
    answered: int
    total: int
    adapted_by: str | None = None
    """The therapist whose adapted set the session was given, if it was."""

    def due_count(self, now: datetime) -> int:
        """How many are due now (for the way into the one-at-a-time flow)."""
        return sum(1 for group in self.slots for p in group.prompts if p.is_due(now))


def session_integration(
    session: KapSession, udk: bytes, schedule: PromptSchedule | None
) -> SessionIntegration | None:
    """`schedule`: the session's (`schedule_of`), which its page reads with it."""
    if schedule is None:
        return None
    snapshot = records.open_payload(udk, SCHEDULE_TABLE, schedule)
    content = _prompt_set_from(snapshot)
    views = [read_prompt(row, udk) for row in prompts_of(session)]
    groups = []
    for slot in content.slots:
        inside = tuple(v for v in views if v.slot == slot.key)
        if inside:
            groups.append(SlotGroup(slot.key, slot.label, slot.description, inside))
    return SessionIntegration(
        slots=tuple(groups),
        answered=sum(1 for v in views if v.is_answered),
        total=len(views),
        adapted_by=str(snapshot["adapted_by"]) if snapshot.get("adapted_by") else None,
    )


@built_once
def _due_statement() -> Select[PromptAnswer, datetime]:
    """`user_id`'s open prompts of done sessions due by `now` and not closed or
    snoozed past it; weekly ones only of the latest done session (a subquery)."""
    now: BindParameter[datetime] = bindparam("now")
    latest_done = (
        select(KapSession.id)
        .where(
            KapSession.user_id == bindparam("user_id"),
            KapSession.status == SessionStatus.DONE,
            KapSession.starts_at <= now,
        )
        .order_by(KapSession.starts_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(PromptAnswer, KapSession.starts_at)
        .join(KapSession, KapSession.id == PromptAnswer.kap_session_id)
        .where(
            PromptAnswer.user_id == bindparam("user_id"),
            KapSession.status == SessionStatus.DONE,
            PromptAnswer.state == PromptState.OPEN,
            PromptAnswer.due_at <= now,
            PromptAnswer.closes_at > now,
            or_(PromptAnswer.snoozed_until.is_(None), PromptAnswer.snoozed_until <= now),
            or_(PromptAnswer.slot != WEEKLY, PromptAnswer.kap_session_id == latest_done),
        )
        .order_by(PromptAnswer.due_at, KapSession.starts_at, PromptAnswer.position)
    )


def due_rows(user: User, now: datetime) -> list[tuple[PromptAnswer, datetime]]:
    """Open prompts of done sessions whose time has come and whose window (or snooze)
    is still running, oldest first, with their session's start. Weekly prompts only
    for the latest session: when sessions are less than a week apart, one look across
    the series is enough. One statement: the latest session is its subquery."""
    rows = db.session.execute(_due_statement(), {"user_id": user.id, "now": now}).all()
    return [(row, starts) for row, starts in rows]


def next_due(user: User, now: datetime, after: PromptAnswer) -> PromptAnswer | None:
    """The next due prompt of the same session (to go on writing), if any."""
    for row, _ in due_rows(user, now):
        if row.kap_session_id == after.kap_session_id and row.id != after.id:
            return row
    return None


# -- one card per session on Home, and the one-question-at-a-time flow ----------------


def session_label(starts_at: datetime, now: datetime, tz: tzinfo) -> str:
    """ "today's session", "yesterday's session", "Tuesday's session" (this past
    week), "the session of Tue 1 Dec"."""
    day, today = starts_at.astimezone(tz).date(), now.astimezone(tz).date()
    days = (today - day).days
    if days <= 0:
        return str(gettext("today's session"))
    if days == 1:
        return str(gettext("yesterday's session"))
    if days < DAYS_IN_WEEK:
        return str(
            gettext("%(weekday)s's session", weekday=format_date(day, "EEEE", locale=language()))
        )
    return str(
        gettext("the session of %(day)s", day=format_date(day, "EEE d MMM", locale=language()))
    )


@dataclass(frozen=True)
class SessionCard:
    """What one session asks now, for its card on Home."""

    session_id: uuid.UUID
    session_starts_at: datetime
    label: str
    prompts: tuple[PromptView, ...]

    @property
    def headline(self) -> str:
        return str(
            ngettext(
                "%(num)d question from %(session)s",
                "%(num)d questions from %(session)s",
                len(self.prompts),
                session=self.label,
            )
        )


def home_cards(user: User, udk: bytes, now: datetime, tz: tzinfo) -> list[SessionCard]:
    """One card per session with prompts due now, newest session first (today's
    right-after questions before an older session's day-3 ones). Only the due rows
    are opened."""
    grouped: dict[uuid.UUID, tuple[datetime, list[PromptAnswer]]] = {}
    for row, starts in due_rows(user, now):
        grouped.setdefault(row.kap_session_id, (starts, []))[1].append(row)
    cards = [
        SessionCard(
            session_id=sid,
            session_starts_at=starts,
            label=session_label(starts, now, tz),
            prompts=tuple(read_prompt(row, udk) for row in rows),
        )
        for sid, (starts, rows) in grouped.items()
    ]
    cards.sort(key=lambda card: card.session_starts_at, reverse=True)
    return cards


# A planned session not marked done: for this long after its end, Home offers its
# right-after questions (the route's session length has passed, issue 18).
ENDED_OFFER: Final = timedelta(hours=12)


@dataclass(frozen=True)
class EndedSession:
    """A session still marked planned whose route's length has passed: its
    right-after questions wait for "Mark done"."""

    session_id: uuid.UUID
    session_starts_at: datetime
    label: str
    questions: int

    @property
    def headline(self) -> str:
        return str(
            ngettext(
                "%(num)d question from %(session)s",
                "%(num)d questions from %(session)s",
                self.questions,
                session=self.label,
            )
        )


# Planned sessions that started less than this long ago are looked at by
# `ended_sessions` (Home reads them with its other sessions).
ENDED_WITHIN: Final = timedelta(hours=24)


def ended_sessions(
    udk: bytes, now: datetime, tz: tzinfo, rows: Sequence[KapSession]
) -> list[EndedSession]:
    """Of `rows`, the user's planned sessions that started within `ENDED_WITHIN`, latest
    first (`preparation.home_sessions`): those whose route's session length has passed.
    The right-after questions open then even without "Mark done" (whichever comes
    first), so Home offers them with one tap that marks it done."""
    found = []
    for session in rows:
        route = kap_sessions.read_session(session, udk).details.route
        minutes = route_entry(route).session_minutes if route in ROUTES else 60
        ends = session.starts_at + timedelta(minutes=minutes)
        if not ends <= now < ends + ENDED_OFFER:
            continue
        content, _ = _first_snapshot(session, udk)
        count = sum(1 for p in content.prompts if p.slot == RIGHT_AFTER)
        if count:
            label = session_label(session.starts_at, now, tz)
            found.append(EndedSession(session.id, session.starts_at, label, count))
    return found


@dataclass(frozen=True)
class FlowStep:
    """Where the patient is in a session's questions: the one to ask now (None when
    nothing is left), its number, and what comes back later."""

    prompt: PromptView | None
    number: int
    total: int
    comes_back_at: datetime | None
    """The earliest time a question put off ("Later") comes back."""
    next_opens_at: datetime | None
    """When the session's next questions open (the next slot), if any."""


def flow_step(user: User, session: KapSession, udk: bytes, now: datetime) -> FlowStep:
    """The next due question of this session, one at a time, in their order."""
    due = [row for row, _ in due_rows(user, now) if row.kap_session_id == session.id]
    rows = prompts_of(session)
    # This sitting's questions: open now (due), or opened and already answered,
    # skipped or put off within their window.
    asked = [r for r in rows if r.due_at <= now < r.closes_at]
    snoozed = [
        r.snoozed_until
        for r in rows
        if r.state == PromptState.OPEN and r.snoozed_until is not None and r.snoozed_until > now
    ]
    upcoming = [r.due_at for r in rows if r.due_at > now and r.state == PromptState.OPEN]
    total = max(len(asked), len(due))
    return FlowStep(
        prompt=read_prompt(due[0], udk) if due else None,
        number=total - len(due) + 1,
        total=total,
        comes_back_at=min(snoozed) if snoozed else None,
        next_opens_at=min(upcoming) if upcoming else None,
    )


# -- answering, skipping, snoozing -------------------------------------------------------


def check_open(session: KapSession, row: PromptAnswer, now: datetime, tz: tzinfo) -> None:
    """Raises `PromptError` when the prompt cannot be written to now: its session was
    cancelled, or its time has not come."""
    if session.status == SessionStatus.CANCELLED:
        raise SessionCancelled()
    if row.due_at > now:
        local = row.due_at.astimezone(tz)
        when = gettext(
            "%(day)s at %(time)s",
            day=local_format(local, "EEE d MMM"),
            time=local.strftime("%H:%M"),
        )
        raise NotYetDue(
            gettext(
                "This prompt opens on %(when)s. It will be on your Home screen then.", when=when
            )
        )


def answer_seen(row: PromptAnswer) -> str:
    """What the answer form carries (`seen`) to tell, when it is sent, whether the
    answer was changed since the form was opened: the row's last change."""
    return row.updated_at.isoformat()


def answer_prompt(
    user: User,
    session: KapSession,
    row: PromptAnswer,
    udk: bytes,
    text: str,
    now: datetime,
    tz: tzinfo,
    max_chars: int,
    idempotency_key: uuid.UUID | None = None,
    seen: str | None = None,
) -> None:
    """Save the answer (a first answer, or an edit). An empty answer is not an
    answer: the caller keeps it as a draft and shows the `AnswerProblem` message.

    Raises `idempotency.Replayed` when this key was saved before (a retried send from
    the outbox: the answer saved then, or any newer one, stays as it is), and
    `NewerAnswer` when `seen` (see `answer_seen`) shows the prompt was answered after
    the form was opened. A skipped prompt takes an answer: skipping is never final."""
    idempotency.check(user, idempotency_key, KIND)
    check_open(session, row, now, tz)
    answer = text.rstrip()
    if not answer.strip():
        raise AnswerProblem(
            gettext(
                "There is nothing to save as an answer yet, so it is kept as a draft. "
                "Write a word or two, or skip this prompt."
            )
        )
    if len(answer) > max_chars:
        raise AnswerProblem(
            gettext(
                "This answer is %(length)s characters; the limit is %(most)s. It is kept as a "
                "draft: shorten it, or move part of it to a journal entry.",
                length=format(len(answer), ","),
                most=format(max_chars, ","),
            )
        )
    if seen and row.state == PromptState.ANSWERED and seen != answer_seen(row):
        raise NewerAnswer()
    data = records.open_payload(udk, TABLE, row)
    data["answer"] = answer
    records.seal_payload(udk, TABLE, row, data)
    if row.state != PromptState.ANSWERED:
        row.answered_at = now
    row.state = PromptState.ANSWERED
    row.snoozed_until = None
    row.updated_at = now
    from journal.integration import prompt_drafts

    prompt_drafts.discard(row)
    idempotency.commit_with_key(user, idempotency_key, KIND, row.id)


def skip_prompt(session: KapSession, row: PromptAnswer, now: datetime, tz: tzinfo) -> None:
    check_open(session, row, now, tz)
    if row.state == PromptState.ANSWERED:
        raise PromptError(gettext("You already answered this prompt, so there is nothing to skip."))
    row.state = PromptState.SKIPPED
    row.snoozed_until = None
    db.session.commit()


def snooze_target(choice: str, now: datetime, tz: tzinfo) -> datetime:
    """ "3h": three hours from now. "morning": 09:00 on the patient's clock tomorrow
    (or this morning, when asked in the small hours)."""
    if choice == "3h":
        return now + timedelta(hours=SNOOZE_HOURS)
    if choice != "morning":
        raise ValueError(choice)
    local = now.astimezone(tz)
    day = local.date() if local.hour < _NIGHT_ENDS else local.date() + timedelta(days=1)
    return local_to_utc(day, MORNING, tz)


def snooze_prompt(
    session: KapSession, row: PromptAnswer, choice: str, now: datetime, tz: tzinfo
) -> datetime:
    check_open(session, row, now, tz)
    if row.state != PromptState.OPEN:
        raise PromptError(
            gettext("Only an open prompt can be put off: this one is already answered.")
            if row.state == PromptState.ANSWERED
            else gettext("Only an open prompt can be put off: this one is already skipped.")
        )
    if choice not in SNOOZE_CHOICES:
        raise AnswerProblem(gettext("Choose when to be reminded: in 3 hours, or tomorrow morning."))
    until = snooze_target(choice, now, tz)
    row.snoozed_until = until
    row.closes_at = max(row.closes_at, until + SNOOZED_SHOWN_FOR)
    db.session.commit()
    return until


# -- the same prompt across sessions -----------------------------------------------------


@dataclass(frozen=True)
class AnsweredPrompt:
    key: str
    text: str
    count: int


def answered_prompt_keys(user: User, udk: bytes) -> list[AnsweredPrompt]:
    """Each prompt the user answered, with how often: in the order of the current
    prompt set, then any older keys. One row per key is opened (for its text)."""
    counts = dict(
        db.session.execute(
            select(PromptAnswer.prompt_key, func.count())
            .where(PromptAnswer.user_id == user.id, PromptAnswer.state == PromptState.ANSWERED)
            .group_by(PromptAnswer.prompt_key)
        ).all()
    )
    if not counts:
        return []
    order = {p.key: i for i, p in enumerate(load_prompt_set().prompts)}
    found = []
    for key in sorted(counts, key=lambda k: (order.get(k, len(order)), k)):
        sample = db.session.scalars(
            select(PromptAnswer)
            .where(
                PromptAnswer.user_id == user.id,
                PromptAnswer.prompt_key == key,
                PromptAnswer.state == PromptState.ANSWERED,
            )
            .order_by(PromptAnswer.due_at.desc())
            .limit(1)
        ).one()
        found.append(AnsweredPrompt(key, read_prompt(sample, udk).text, int(counts[key])))
    return found


@dataclass(frozen=True)
class AnswerInSeries:
    prompt: PromptView
    session_starts_at: datetime
    session_number: int
    """1 for the patient's first done session, and so on."""


def answers_to(user: User, udk: bytes, key: str) -> list[AnswerInSeries]:
    """Every answer to one prompt, in the order of the sessions."""
    done = list(
        db.session.scalars(
            select(KapSession.id)
            .where(KapSession.user_id == user.id, KapSession.status == SessionStatus.DONE)
            .order_by(KapSession.starts_at, KapSession.id)
        )
    )
    number = {sid: i + 1 for i, sid in enumerate(done)}
    rows = db.session.execute(
        select(PromptAnswer, KapSession.starts_at)
        .join(KapSession, KapSession.id == PromptAnswer.kap_session_id)
        .where(
            PromptAnswer.user_id == user.id,
            PromptAnswer.prompt_key == key,
            PromptAnswer.state == PromptState.ANSWERED,
            KapSession.status == SessionStatus.DONE,
        )
        .order_by(KapSession.starts_at, KapSession.id)
    ).all()
    return [
        AnswerInSeries(read_prompt(row, udk), starts, number.get(row.kap_session_id, 0))
        for row, starts in rows
    ]


def answered_in(session_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[PromptAnswer]]:
    """Answered prompts of these sessions (rows only, nothing opened)."""
    if not session_ids:
        return {}
    found: dict[uuid.UUID, list[PromptAnswer]] = {sid: [] for sid in session_ids}
    for row in db.session.scalars(
        select(PromptAnswer)
        .where(
            and_(
                PromptAnswer.kap_session_id.in_(session_ids),
                PromptAnswer.state == PromptState.ANSWERED,
            )
        )
        .order_by(PromptAnswer.due_at, PromptAnswer.position)
    ):
        found[row.kap_session_id].append(row)
    return found


def when_label(moment: datetime, now: datetime, tz: tzinfo) -> str:
    """ "today at 14:00", "yesterday at 09:30", "Tue 3 Mar at 09:00"."""
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    clock = local.strftime("%H:%M")
    days = (today - local.date()).days
    if days == 0:
        return str(gettext("today at %(time)s", time=clock))
    if days == 1:
        return str(gettext("yesterday at %(time)s", time=clock))
    if days == -1:
        return str(gettext("tomorrow at %(time)s", time=clock))
    return str(gettext("%(day)s at %(time)s", day=local_format(local, "EEE d MMM"), time=clock))


# -- sharing ---------------------------------------------------------------------------


def _open_for_sharing(row: PromptAnswer, dek: bytes) -> Mapping[str, Any]:
    data = records.open_payload_with_dek(dek, TABLE, row)
    session = db.session.get(KapSession, row.kap_session_id)
    return {
        "text": data["text"],
        "slot_label": data.get("slot_label", ""),
        "answer": data.get("answer", ""),
        "answered": row.state == PromptState.ANSWERED,
        "session_starts_at": session.starts_at if session is not None else None,
    }


def _answer_reencrypt(row: PromptAnswer, udk: bytes) -> bytes:
    data = records.open_payload(udk, TABLE, row)
    return records.reencrypt_payload(udk, TABLE, row, data)


def _answered_at(row: PromptAnswer) -> datetime:
    moment: datetime = row.answered_at or row.created_at
    return moment


SHARE_ADAPTER = shareable.RecordAdapter(
    table=TABLE,
    model=PromptAnswer,
    label=N_("Integration prompt"),
    open_with_dek=_open_for_sharing,
    reencrypt=_answer_reencrypt,
    occurred_at=_answered_at,
    title_of=lambda content: str(content["text"]),
)


def export_prompts(user: User, udk: bytes) -> list[dict[str, Any]]:
    """Every scheduled prompt with its answer (or skip and snooze), as the patient sees it."""
    rows = db.session.scalars(
        select(PromptAnswer)
        .where(PromptAnswer.user_id == user.id)
        .order_by(PromptAnswer.due_at, PromptAnswer.position)
    ).all()
    exported: list[dict[str, Any]] = export.plain([read_prompt(row, udk) for row in rows])
    return exported
