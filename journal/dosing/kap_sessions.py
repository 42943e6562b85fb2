"""Dosing sessions: plan or log one, edit, cancel, mark done, list them.

A session's date and time and its status are in clear; everything else (route,
setting, place in the series, dose, notes) is sealed under the session's own DEK.
Forms arrive as the strings the person typed and leave with those same strings
plus a message per field, so nothing typed is ever lost to a validation error.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, SQLColumnExpression, bindparam, select

from journal.content import ROUTES, SETTING_LABELS, SETTINGS, route_labels, setting_labels
from journal.content import route as route_entry
from journal.core import forms, records
from journal.core.database import built_once
from journal.core.extensions import db
from journal.core.translatable import language, local_format
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.users import User

TABLE: Final = "kap_sessions"

SERIES: Final = ("induction", "maintenance")
SERIES_LABELS: Final = {"induction": "Induction series", "maintenance": "Maintenance"}

# Two sessions closer than this are almost certainly one typed twice.
MIN_GAP: Final = timedelta(hours=4)
# A session stays "current" this long after it starts: long enough for the 2 h of
# monitoring after a nasal spray, and for the "after" items of the checklist.
CURRENT_FOR: Final = timedelta(hours=6)
SERIES_MAX: Final = 100
DOSE_MAX_MG: Final = Decimal(5000)
NOTES_MAX: Final = 5000


class SessionError(ValueError):
    """An action that does not fit the session's state; the message says why."""


# Called with (session, udk) whenever a session is done: marked done, logged as done,
# or a done session's time edited. Hooks must be idempotent and must not commit (the
# caller commits once). Integration registers the scheduling of its prompts here.
DoneHook = Callable[[KapSession, bytes, datetime | None, str | None], None]
"""(session, udk, when it was marked done: None when logged or moved as done, the
language of the page it was marked done from: None when not known)."""
_DONE_HOOKS: list[DoneHook] = []


def register_done_hook(hook: DoneHook) -> None:
    if hook not in _DONE_HOOKS:
        _DONE_HOOKS.append(hook)


def _after_done(
    session: KapSession,
    udk: bytes,
    marked_at: datetime | None = None,
    language: str | None = None,
) -> None:
    if session.status != SessionStatus.DONE:
        return
    db.session.flush()  # the hooks add rows that point at the session
    for hook in _DONE_HOOKS:
        hook(session, udk, marked_at, language)


def zone_of(user: User) -> tzinfo:
    try:
        return ZoneInfo(user.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


@dataclass(frozen=True)
class SessionDetails:
    """What the sealed payload holds."""

    route: str
    setting: str
    series: str
    series_position: int | None
    series_total: int | None
    dose_mg: str | None
    notes: str

    def to_payload(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "setting": self.setting,
            "series": self.series,
            "series_position": self.series_position,
            "series_total": self.series_total,
            "dose_mg": self.dose_mg,
            "notes": self.notes,
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> SessionDetails:
        return cls(
            route=str(data["route"]),
            setting=str(data["setting"]),
            series=str(data["series"]),
            series_position=data.get("series_position"),
            series_total=data.get("series_total"),
            dose_mg=data.get("dose_mg"),
            notes=str(data.get("notes", "")),
        )

    @property
    def is_maintenance(self) -> bool:
        return self.series == "maintenance"


@dataclass(frozen=True)
class SessionView:
    id: uuid.UUID
    starts_at: datetime
    status: SessionStatus
    details: SessionDetails

    @property
    def route_label(self) -> str:
        return route_labels(language())[self.details.route]

    @property
    def setting_label(self) -> str:
        return setting_labels(language())[self.details.setting]

    @property
    def series_label(self) -> str:
        d = self.details
        if d.is_maintenance:
            return str(_("Maintenance"))
        if d.series_position and d.series_total:
            return str(
                _(
                    "Induction %(position)s of %(total)s",
                    position=d.series_position,
                    total=d.series_total,
                )
            )
        if d.series_position:
            return str(_("Induction, session %(position)s", position=d.series_position))
        return str(_("Induction series"))

    @property
    def is_home(self) -> bool:
        return self.details.setting == "home"

    @property
    def is_planned(self) -> bool:
        return self.status == SessionStatus.PLANNED

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    def is_current(self, now: datetime) -> bool:
        """Planned, and not yet more than a few hours past its start."""
        return self.is_planned and self.starts_at + CURRENT_FOR > now

    def has_started(self, now: datetime) -> bool:
        return self.starts_at <= now


@dataclass
class SessionForm:
    """The session form as typed, the messages about it, and (when valid) the parsed values."""

    date: str = ""
    time: str = ""
    status: str = SessionStatus.PLANNED.value
    route: str = ""
    setting: str = ""
    series: str = "induction"
    series_position: str = ""
    series_total: str = ""
    dose: str = ""
    notes: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None
    details: SessionDetails | None = None

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> SessionForm:
        typed = forms.reader(posted)

        return cls(
            date=typed("date"),
            time=typed("time"),
            status=typed("status"),
            route=typed("route"),
            setting=typed("setting"),
            series=typed("series"),
            series_position=typed("series_position"),
            series_total=typed("series_total"),
            dose=typed("dose"),
            notes=str(posted.get("notes", "") or "").rstrip(),
        )

    @classmethod
    def from_view(cls, view: SessionView, tz: tzinfo) -> SessionForm:
        local = view.starts_at.astimezone(tz)
        d = view.details
        return cls(
            date=local.date().isoformat(),
            time=local.strftime("%H:%M"),
            status=view.status.value,
            route=d.route,
            setting=d.setting,
            series=d.series,
            series_position=str(d.series_position or ""),
            series_total=str(d.series_total or ""),
            dose=d.dose_mg or "",
            notes=d.notes,
        )

    @property
    def valid(self) -> bool:
        return not self.errors


def local_to_utc(day: date, clock: time, tz: tzinfo) -> datetime:
    """A wall-clock time in ``tz`` as UTC; a time the clocks skip is refused.

    At "fall back" the earlier of the two 01:30s is taken (``fold=0``).
    """
    local = datetime.combine(day, clock).replace(tzinfo=tz)
    moment = local.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError(
            _(
                "%(time)s does not exist on %(day)s: the clocks go forward that night. "
                "Choose a time an hour later.",
                time=clock.strftime("%H:%M"),
                day=local_format(local.replace(fold=0), "d MMM y"),
            )
        )
    return moment


def _parse_when(form: SessionForm, tz: tzinfo) -> datetime | None:
    day: date | None = None
    clock: time | None = None
    if not form.date:
        form.errors["date"] = _("Enter the date of the session.")
    else:
        try:
            day = date.fromisoformat(form.date)
        except ValueError:
            form.errors["date"] = _("Enter the date as year-month-day, for example 2026-03-14.")
    if not form.time:
        form.errors["time"] = _("Enter the time the session starts.")
    else:
        try:
            clock = time.fromisoformat(form.time)
        except ValueError:
            form.errors["time"] = _("Enter the time as hours:minutes, for example 09:30.")
    if day is None or clock is None:
        return None
    try:
        return local_to_utc(day, clock.replace(second=0, microsecond=0), tz)
    except ValueError as exc:
        form.errors["time"] = str(exc)
        return None


def _whole_number(form: SessionForm, name: str) -> int | None:
    raw: str = getattr(form, name)
    if not raw:
        return None
    if not raw.isdigit():
        form.errors[name] = (
            _("Enter the session number as a whole number, like 3.")
            if name == "series_position"
            else _("Enter the number of sessions as a whole number, like 6.")
        )
        return None
    value = int(raw)
    if not 1 <= value <= SERIES_MAX:
        form.errors[name] = (
            _("The session number should be between 1 and %(most)s.", most=SERIES_MAX)
            if name == "series_position"
            else _("The number of sessions should be between 1 and %(most)s.", most=SERIES_MAX)
        )
        return None
    return value


def _dose(form: SessionForm) -> str | None:
    if not form.dose:
        return None
    text = form.dose.lower().removesuffix("mg").strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        form.errors["dose"] = _("Enter the dose as a number of milligrams, like 56 or 0.5.")
        return None
    if not Decimal(0) < value <= DOSE_MAX_MG:
        form.errors["dose"] = _(
            "Enter the dose in milligrams, more than 0 and up to %(most)s.",
            most=format(DOSE_MAX_MG, ","),
        )
        return None
    return format(value.normalize(), "f")


def setting_refusal(route_key: str) -> str:
    """The plain message for a setting the route's label does not allow."""
    entry = route_entry(route_key)
    labels = setting_labels(language())
    allowed = [labels[s].lower() for s in entry.settings if s in SETTING_LABELS]
    reason = route_entry(route_key, language()).settings_reason or _(
        "%(route)s is not given there.", route=route_labels(language())[route_key]
    )
    if len(allowed) == 1:
        return str(_("%(reason)s Choose %(where)s.", reason=reason, where=allowed[0]))
    return str(
        _(
            "%(reason)s Choose %(where)s or %(last)s.",
            reason=reason,
            where=", ".join(allowed[:-1]),
            last=allowed[-1],
        )
    )


def _setting_allowed(form: SessionForm, existing: KapSession | None, udk: bytes) -> bool:
    """As the route's label allows; a session stored before a rule changed keeps its
    own route and setting when edited (it happened, or was planned, that way)."""
    if route_entry(form.route).allows(form.setting):
        return True
    if existing is None:
        return False
    details = read_session(existing, udk).details
    return (details.route, details.setting) == (form.route, form.setting)


def check_form(
    user: User,
    udk: bytes,
    form: SessionForm,
    now: datetime,
    existing: KapSession | None = None,
) -> SessionForm:
    """Fill in ``form.errors``, and ``starts_at`` and ``details`` when it is valid.

    New sessions: planned ones must be in the future and logged ones (done) in the
    past. An edit keeps the session's status; a planned session whose time is not
    changed may be edited after it started (say, to add notes before marking it done).
    """
    tz = zone_of(user)
    starts_at = _parse_when(form, tz)
    status = existing.status.value if existing is not None else form.status
    if status not in (SessionStatus.PLANNED.value, SessionStatus.DONE.value):
        form.errors["status"] = _("Choose whether the session is coming up or already happened.")
    if form.route not in ROUTES:
        form.errors["route"] = _("Choose how the medicine is given.")
    if form.setting not in SETTINGS:
        form.errors["setting"] = _("Choose where the session takes place.")
    elif form.route in ROUTES and not _setting_allowed(form, existing, udk):
        form.errors["setting"] = setting_refusal(form.route)
    if form.series not in SERIES:
        form.errors["series"] = _("Choose induction or maintenance.")
    position = _whole_number(form, "series_position")
    total = _whole_number(form, "series_total")
    if form.series == "maintenance":
        position = total = None
    elif position and total and position > total:
        form.errors["series_position"] = _(
            "Session %(position)s of %(total)s cannot be: the number is larger than the total.",
            position=position,
            total=total,
        )
    dose = _dose(form)
    if len(form.notes) > NOTES_MAX:
        form.errors["notes"] = _(
            "The notes are %(length)s characters; keep them under %(most)s.",
            length=format(len(form.notes), ","),
            most=format(NOTES_MAX, ","),
        )
    if starts_at is not None:
        moved = existing is None or starts_at != existing.starts_at
        if status == SessionStatus.PLANNED.value and moved and starts_at <= now:
            form.errors["date"] = (
                _(
                    "That time has already passed. A past session can be logged as done: "
                    "choose “It already happened”, or change the date."
                )
                if existing is None
                else _(
                    "That time has already passed. A past session can be logged as done: "
                    "keep its time and use “Mark done”, or choose a time still to come."
                )
            )
        elif status == SessionStatus.DONE.value and starts_at > now:
            form.errors["date"] = _(
                "That time is still to come. Choose “Coming up” to plan it, or change the date."
            )
        else:
            clash = overlapping_session(user, starts_at, existing.id if existing else None)
            if clash is not None:
                form.errors["date"] = _overlap_message(clash, udk, tz)
    if form.valid and starts_at is not None:
        form.starts_at = starts_at
        form.details = SessionDetails(
            route=form.route,
            setting=form.setting,
            series=form.series,
            series_position=position,
            series_total=total,
            dose_mg=dose,
            notes=form.notes,
        )
    return form


def overlapping_session(
    user: User, starts_at: datetime, ignore: uuid.UUID | None = None
) -> KapSession | None:
    """Another session of this user, not cancelled, less than four hours away."""
    query = select(KapSession).where(
        KapSession.user_id == user.id,
        KapSession.status != SessionStatus.CANCELLED,
        KapSession.starts_at > starts_at - MIN_GAP,
        KapSession.starts_at < starts_at + MIN_GAP,
    )
    if ignore is not None:
        query = query.where(KapSession.id != ignore)
    return db.session.scalars(query.order_by(KapSession.starts_at)).first()


def _overlap_message(clash: KapSession, udk: bytes, tz: tzinfo) -> str:
    other = read_session(clash, udk)
    return str(
        _(
            "You already have a session on %(when)s (%(route)s, %(series)s). Sessions need at "
            "least 4 hours between them: choose another time, or cancel that session first.",
            when=_(
                "%(day)s at %(time)s",
                day=local_format(other.starts_at.astimezone(tz), "EEE d MMM y"),
                time=other.starts_at.astimezone(tz).strftime("%H:%M"),
            ),
            route=other.route_label,
            series=other.series_label,
        )
    )


def read_session(session: KapSession, udk: bytes) -> SessionView:
    return SessionView(
        id=session.id,
        starts_at=session.starts_at,
        status=session.status,
        details=SessionDetails.from_payload(records.open_payload(udk, TABLE, session)),
    )


def create_session(user: User, udk: bytes, form: SessionForm) -> KapSession:
    """Store a checked form (see :func:`check_form`); the caller adds the checklist."""
    assert form.starts_at is not None and form.details is not None, "check_form first"
    session = KapSession(
        id=uuid.uuid4(),
        user_id=user.id,
        revision=0,
        starts_at=form.starts_at,
        status=SessionStatus(form.status),
    )
    records.seal_payload(udk, TABLE, session, form.details.to_payload())
    db.session.add(session)
    _after_done(session, udk)
    renumber_series(user.id, udk)
    return session


def update_session(session: KapSession, udk: bytes, form: SessionForm) -> None:
    assert form.starts_at is not None and form.details is not None, "check_form first"
    session.starts_at = form.starts_at
    records.seal_payload(udk, TABLE, session, form.details.to_payload())
    _after_done(session, udk)
    renumber_series(session.user_id, udk)


def cancel_session(session: KapSession, udk: bytes | None = None) -> None:
    if session.status != SessionStatus.PLANNED:
        raise SessionError(_("Only a session that is still coming up can be cancelled."))
    session.status = SessionStatus.CANCELLED
    if udk is not None:
        renumber_series(session.user_id, udk)
    db.session.commit()


def renumber_series(user_id: uuid.UUID, udk: bytes) -> None:
    """Number the induction series by date (issue 18): a past session logged after a
    future one was planned, a session moved, a session cancelled. The earliest
    numbered session keeps the lowest number typed (a series begun before the app),
    each later one the next; cancelled sessions and unnumbered ones are left out."""
    rows = db.session.scalars(
        select(KapSession)
        .where(KapSession.user_id == user_id, KapSession.status != SessionStatus.CANCELLED)
        .order_by(KapSession.starts_at, KapSession.id)
    ).all()
    numbered = []
    for row in rows:
        details = read_session(row, udk).details
        if details.series == "induction" and details.series_position:
            numbered.append((row, details))
    if not numbered:
        return
    first = min(d.series_position or 1 for _, d in numbered)
    for offset, (row, details) in enumerate(numbered):
        position = first + offset
        if details.series_position != position:
            total = details.series_total
            if total is not None and position > total:
                total = position  # never "Induction 7 of 6"
            payload = {**details.to_payload(), "series_position": position, "series_total": total}
            records.seal_payload(udk, TABLE, row, payload)


def mark_done(session: KapSession, udk: bytes, now: datetime, language: str | None = None) -> None:
    """Mark the session done and run the done hooks (its integration prompts are
    scheduled), in one commit."""
    if session.status == SessionStatus.CANCELLED:
        raise SessionError(_("This session was cancelled, so it cannot be marked done."))
    if session.starts_at > now:
        raise SessionError(
            _("This session is still to come. You can mark it done once it has started.")
        )
    session.status = SessionStatus.DONE
    _after_done(session, udk, now, language)
    db.session.commit()


def sessions_of(user: User) -> list[KapSession]:
    """All of the user's sessions, earliest first."""
    return list(
        db.session.scalars(
            select(KapSession)
            .where(KapSession.user_id == user.id)
            .order_by(KapSession.starts_at, KapSession.id)
        ).all()
    )


@built_once
def _done_times_statement() -> Select[datetime]:
    """When `user_id`'s done sessions took place, earliest first."""
    return (
        select(KapSession.starts_at)
        .where(KapSession.user_id == bindparam("user_id"), KapSession.status == SessionStatus.DONE)
        .order_by(KapSession.starts_at)
    )


def done_session_times(user: User) -> list[datetime]:
    """When the user's dosing sessions took place, earliest first: clear metadata,
    so the mood charts can draw them without decrypting anything."""
    return list(db.session.scalars(_done_times_statement(), {"user_id": user.id}).all())


def current_since(now: datetime) -> datetime:
    """The earliest start a planned session may have and still be the next one: a
    session begun a few hours ago is still the one to prepare for and log."""
    return now - CURRENT_FOR


def next_session_query(
    user_id: uuid.UUID | SQLColumnExpression[uuid.UUID], now: datetime
) -> Select[KapSession]:
    """Planned sessions not more than a few hours past, soonest first."""
    return planned_from(user_id, current_since(now))


def planned_from(
    user_id: uuid.UUID | SQLColumnExpression[uuid.UUID],
    since: datetime | SQLColumnExpression[datetime],
) -> Select[KapSession]:
    """Planned sessions starting after `since`, soonest first; either may be a column
    or a bound parameter, for a statement built once."""
    return (
        select(KapSession)
        .where(
            KapSession.user_id == user_id,
            KapSession.status == SessionStatus.PLANNED,
            KapSession.starts_at > since,
        )
        .order_by(KapSession.starts_at)
    )


def next_session_start(
    user_id: uuid.UUID | SQLColumnExpression[uuid.UUID],
    since: datetime | SQLColumnExpression[datetime],
) -> Select[datetime]:
    """`next_session_query` as the one column a clinic page shows: its start, for
    one patient or as a subquery per row (the caseload's next dosing session, where
    `user_id` is a column and `since`, `current_since(now)`, a bound parameter of a
    statement built once)."""
    return planned_from(user_id, since).with_only_columns(KapSession.starts_at).limit(1)


def next_session(user: User, now: datetime) -> KapSession | None:
    """The soonest planned session that is not more than a few hours past."""
    return db.session.scalars(next_session_query(user.id, now).limit(1)).first()


def new_form(user: User, udk: bytes, now: datetime, status: str) -> SessionForm:
    """A blank form that guesses the series from the last session: the next number
    of an induction series, or maintenance again."""
    form = SessionForm(status=status)
    last = db.session.scalars(
        select(KapSession)
        .where(KapSession.user_id == user.id, KapSession.status != SessionStatus.CANCELLED)
        .order_by(KapSession.starts_at.desc())
        .limit(1)
    ).first()
    if last is None:
        form.series_position = "1"
        return form
    details = read_session(last, udk).details
    form.route, form.setting, form.series = details.route, details.setting, details.series
    if details.series == "induction" and details.series_position:
        following = details.series_position + 1
        if details.series_total and following > details.series_total:
            form.series = "maintenance"
        else:
            form.series_position = str(following)
            form.series_total = str(details.series_total or "")
    return form


def describe_when(starts_at: datetime, now: datetime, tz: tzinfo) -> str:
    """How far off a session is, in the patient's calendar: "in 40 minutes",
    "today at 14:00", "tomorrow at 09:00", "in 2 days", "started at 09:00"."""
    local, today = starts_at.astimezone(tz), now.astimezone(tz).date()
    clock = local.strftime("%H:%M")
    if starts_at <= now:
        if local.date() == today:
            return str(_("started at %(time)s", time=clock))
        return str(_("started %(day)s", day=local_format(local, "EEE d MMM")))
    minutes = max(1, int((starts_at - now).total_seconds() // 60))
    if minutes < 60:
        return str(ngettext("in %(num)d minute", "in %(num)d minutes", minutes))
    days = (local.date() - today).days
    if days == 0:
        return str(_("today at %(time)s", time=clock))
    if days == 1:
        return str(_("tomorrow at %(time)s", time=clock))
    return str(ngettext("in %(num)d day", "in %(num)d days", days))
