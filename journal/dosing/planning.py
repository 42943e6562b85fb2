"""Turn the preparation and integration content into a timed plan around one session.

All arithmetic is on UTC instants: "24 h before" means 24 real hours before, so
across a daylight-saving change the item shows an hour off the appointment's wall
clock time (09:00 on the day after "fall back" gives 10:00 the day before). That is
what "no alcohol for 24 hours" means; the patient's time zone is used only to show
times and to decide what "today" and "tomorrow" are.

Pure: no Flask, no database, no clock. Callers pass ``now_utc`` and the time zone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final, Literal

from flask_babel import ngettext

from journal.content import (
    ROUTES,
    SETTINGS,
    Checklist,
    IntentionQuestion,
    IntentionQuestions,
    PromptSet,
    load_checklist,
    load_intention_questions,
    load_prompt_set,
)

__all__ = [
    "DONE",
    "DUE_NOW",
    "LATER_TODAY",
    "PAST",
    "STATUS_ORDER",
    "TOMORROW",
    "UPCOMING",
    "ChecklistStatus",
    "IntentionStageKey",
    "ItemStatus",
    "PlannedItem",
    "PlannedPrompt",
    "Status",
    "checklist_status",
    "intention_questions",
    "intention_stage",
    "local_time",
    "plan_checklist",
    "plan_prompts",
    "prompts_due_now",
]

Status = Literal["done", "due now", "later today", "tomorrow", "upcoming", "past"]
DONE: Final = "done"
PAST: Final = "past"
"""Its time has passed without a tick: the session started (an item for before it),
half a day went by (an item for after it), or the session was planned or logged only
after the item's time (issue 18). Never "due now", which is for what can still be done."""
# An item for after the session stays "due now" this long after its time.
AFTER_ITEM_STAYS: Final = timedelta(hours=12)
DUE_NOW: Final = "due now"
LATER_TODAY: Final = "later today"
TOMORROW: Final = "tomorrow"
UPCOMING: Final = "upcoming"
STATUS_ORDER: Final[tuple[Status, ...]] = (DUE_NOW, LATER_TODAY, TOMORROW, UPCOMING, PAST, DONE)

IntentionStageKey = Literal["early", "later", "maintenance"]

# Sessions 1 and 2 of a series get the broad questions; from the third on, the
# patient has material to be specific about.
_LAST_EARLY_SESSION: Final = 2


@dataclass(frozen=True)
class PlannedItem:
    key: str
    text: str
    detail: str | None
    phase: str
    """The phase label shown to the patient, e.g. "24 h before"."""
    phase_key: str
    audience: str
    """``patient``, or ``sitter`` for the sitter's own list at a home session."""
    due_at_utc: datetime
    due_now_from_utc: datetime
    """From this instant the item counts as "due now" (the phase's window)."""


@dataclass(frozen=True)
class ItemStatus:
    item: PlannedItem
    status: Status
    due_at_local: datetime


@dataclass(frozen=True)
class ChecklistStatus:
    items: tuple[ItemStatus, ...]
    """Due now first, then later today, tomorrow, upcoming, and done last."""
    done: int
    total: int

    @property
    def summary(self) -> str:
        return str(
            ngettext(
                "%(done)s of %(num)d done", "%(done)s of %(num)d done", self.total, done=self.done
            )
        )

    @property
    def due_now(self) -> tuple[ItemStatus, ...]:
        return tuple(s for s in self.items if s.status == DUE_NOW)


@dataclass(frozen=True)
class PlannedPrompt:
    key: str
    text: str
    hint: str | None
    slot: str
    slot_label: str
    due_at_utc: datetime
    closes_at_utc: datetime
    """After this the prompt is no longer "due now", but it can still be answered."""

    def is_due_now(self, now_utc: datetime) -> bool:
        return self.due_at_utc <= now_utc < self.closes_at_utc


def plan_checklist(
    route: str,
    setting: str,
    starts_at_utc: datetime,
    checklist: Checklist | None = None,
) -> list[PlannedItem]:
    """The items for this route and setting, timed to the appointment, earliest first.

    Shared items, the route's own, and at a home session the home items and the
    sitter's list (``audience == "sitter"``). Items due at the same instant keep
    their order from the file.
    """
    if route not in ROUTES:
        raise ValueError(f"unknown route {route!r} (expected one of {', '.join(ROUTES)})")
    if setting not in SETTINGS:
        raise ValueError(f"unknown setting {setting!r} (expected one of {', '.join(SETTINGS)})")
    start = _as_utc(starts_at_utc, "starts_at_utc")
    content = checklist if checklist is not None else load_checklist()
    planned = []
    for item in content.items:
        if not item.applies_to(route, setting):
            continue
        phase = content.phase(item.phase)
        due = start + timedelta(minutes=item.offset_minutes)
        planned.append(
            PlannedItem(
                key=item.key,
                text=item.text,
                detail=item.detail,
                phase=phase.label,
                phase_key=phase.key,
                audience=item.audience,
                due_at_utc=due,
                due_now_from_utc=due - timedelta(minutes=phase.window_minutes),
            )
        )
    planned.sort(key=lambda p: p.due_at_utc)
    return planned


def checklist_status(
    items: Iterable[PlannedItem],
    ticked_keys: Collection[str],
    now_utc: datetime,
    tz: tzinfo,
    *,
    starts_at_utc: datetime | None = None,
    planned_at_utc: datetime | None = None,
) -> ChecklistStatus:
    """Classify each item for a patient in time zone ``tz`` at ``now_utc``.

    With the session's start (``starts_at_utc``) and when it was planned or logged
    (``planned_at_utc``), an unticked item whose time has passed is "past" (see
    ``PAST``) rather than "due now".

    "due now" covers items whose window has opened and overdue ones alike: an
    unticked fasting reminder is still worth seeing. "later today" and "tomorrow"
    follow the patient's calendar, not UTC's. Ticked keys that are not in the plan
    (say, from an older checklist version) are ignored.
    """
    now = _as_utc(now_utc, "now_utc")
    today = now.astimezone(tz).date()
    statuses = []
    for item in items:
        due_local = item.due_at_utc.astimezone(tz)
        status: Status
        if item.key in ticked_keys:
            status = DONE
        elif _has_passed(item, now, starts_at_utc, planned_at_utc):
            status = PAST
        elif now >= item.due_now_from_utc:
            status = DUE_NOW
        elif due_local.date() == today:
            status = LATER_TODAY
        elif (due_local.date() - today).days == 1:
            status = TOMORROW
        else:
            status = UPCOMING
        statuses.append(ItemStatus(item=item, status=status, due_at_local=due_local))
    statuses.sort(key=lambda s: (STATUS_ORDER.index(s.status), s.item.due_at_utc))
    done = sum(1 for s in statuses if s.status == DONE)
    return ChecklistStatus(items=tuple(statuses), done=done, total=len(statuses))


def _has_passed(
    item: PlannedItem, now: datetime, starts_at: datetime | None, planned_at: datetime | None
) -> bool:
    if planned_at is not None and item.due_at_utc < planned_at:
        return True  # planned (or logged) only after the item's time
    if starts_at is None:
        return False
    if item.due_at_utc <= starts_at:
        return now >= starts_at  # a "before" item once the session has begun
    return now >= item.due_at_utc + AFTER_ITEM_STAYS


def intention_stage(series_position: int | None, is_maintenance: bool) -> IntentionStageKey:
    """``maintenance`` for maintenance sessions, else ``early`` for 1-2 and ``later`` for 3+.

    An unknown position (``None``) is treated as early: broad questions never hurt.
    """
    if is_maintenance:
        return "maintenance"
    if series_position is not None and series_position < 1:
        raise ValueError(f"series_position counts from 1, got {series_position}")
    if series_position is None or series_position <= _LAST_EARLY_SESSION:
        return "early"
    return "later"


def intention_questions(
    stage: str, content: IntentionQuestions | None = None
) -> tuple[IntentionQuestion, ...]:
    questions = content if content is not None else load_intention_questions()
    try:
        return questions.stage(stage).questions
    except KeyError:
        raise ValueError(f"unknown intention stage {stage!r}") from None


def plan_prompts(
    session_starts_at_utc: datetime,
    *,
    session_minutes: int | None = None,
    prompt_set: PromptSet | None = None,
) -> list[PlannedPrompt]:
    """The integration prompts for one session, earliest first.

    Offsets in the prompt file count from the session's start for a session of
    ``prompt_set.session_minutes``. Pass the real length (an esketamine visit with
    its 2 h of monitoring, say) and every prompt moves by the difference, so
    "right after" still means right after. The weekly prompts are due 7 days after
    this session; when sessions are closer than a week, show only the latest
    session's weekly prompts.
    """
    start = _as_utc(session_starts_at_utc, "session_starts_at_utc")
    content = prompt_set if prompt_set is not None else load_prompt_set()
    if session_minutes is not None and session_minutes < 1:
        raise ValueError(f"session_minutes must be positive, got {session_minutes}")
    shift = 0 if session_minutes is None else session_minutes - content.session_minutes
    planned = []
    for prompt in content.prompts:
        due = start + timedelta(minutes=prompt.offset_minutes + shift)
        planned.append(
            PlannedPrompt(
                key=prompt.key,
                text=prompt.text,
                hint=prompt.hint,
                slot=prompt.slot,
                slot_label=content.slot(prompt.slot).label,
                due_at_utc=due,
                closes_at_utc=due + timedelta(minutes=prompt.window_minutes),
            )
        )
    planned.sort(key=lambda p: p.due_at_utc)
    return planned


def prompts_due_now(
    prompts: Sequence[PlannedPrompt], answered_keys: Collection[str], now_utc: datetime
) -> list[PlannedPrompt]:
    """The unanswered prompts whose window is open at ``now_utc``, for the home screen."""
    now = _as_utc(now_utc, "now_utc")
    return [p for p in prompts if p.key not in answered_keys and p.is_due_now(now)]


def local_time(dt_utc: datetime, tz: tzinfo) -> datetime:
    """``dt_utc`` on the patient's wall clock, for display."""
    return _as_utc(dt_utc, "dt_utc").astimezone(tz)


def _as_utc(value: datetime, name: str) -> datetime:
    # A naive datetime could be anyone's local time; guessing would move a fasting
    # reminder by hours, so refuse it.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {value.isoformat()})")
    return value.astimezone(UTC)
