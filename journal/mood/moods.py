"""The daily check-in: validate, seal, one per local day, read back for Home and charts.

Mood, anxiety, energy, sleep and the note are sealed in one payload; the local day
is in clear so "one a day" is a unique constraint and charts can select a range
without opening anything outside it. A patient can share check-ins with a therapist
as the "mood check-ins" category: each new one is sealed for them as it is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError

from journal.care import shareable, sharing
from journal.core import forms, records
from journal.core.database import built_once
from journal.core.extensions import db
from journal.core.integrity import openable
from journal.core.translatable import N_
from journal.models.moods import CheckIn
from journal.models.types import utcnow
from journal.models.users import User
from journal.outbox import idempotency
from journal.your_data import export

TABLE: Final = "mood_checkins"
KIND: Final = "mood.check_in"  # for idempotency keys and the outbox
# How far back a check-in kept offline may be dated: as long as its key is kept.
BACKDATE_LIMIT: Final = idempotency.KEEP
# How far back the patient may choose a day to check in for (issue 18): a missed day
# in the past week, counted from the day the form was written.
PICK_DAYS: Final = 7
NOTE_MAX: Final = 1000
SLEEP_HOURS_MAX: Final = 24


@dataclass(frozen=True)
class Scale:
    """A 1-5 question of the check-in. `low` and `high` say which end is which, so
    nobody has to guess whether 5 means "very anxious" or "very calm"."""

    key: str
    question: str
    labels: tuple[str, str, str, str, str]
    required: bool
    # The question for a check-in written for a past day (issue 18), when the
    # question names the day: "today" would be wrong for yesterday.
    past_question: str = ""

    def question_for(self, past: bool) -> str:
        return self.past_question if past and self.past_question else self.question

    @property
    def options(self) -> tuple[tuple[int, str], ...]:
        return tuple((n, label) for n, label in enumerate(self.labels, start=1))

    def label_for(self, value: int | None) -> str:
        return "" if value is None else self.labels[value - 1]


MOOD: Final = Scale(
    "mood",
    N_("How is your mood today?"),
    (N_("Very low"), N_("Low"), N_("Okay"), N_("Good"), N_("Very good")),
    True,
    past_question=N_("How was your mood that day?"),
)
ANXIETY: Final = Scale(
    "anxiety",
    N_("How anxious do you feel?"),
    (N_("Not at all"), N_("A little"), N_("Some"), N_("A lot"), N_("Extreme")),
    True,
)
ENERGY: Final = Scale(
    "energy",
    N_("How is your energy?"),
    (N_("Drained"), N_("Low"), N_("Okay"), N_("Good"), N_("High")),
    False,
)
SLEEP_QUALITY: Final = Scale(
    "sleep_quality",
    N_("How well did you sleep?"),
    (N_("Very poor"), N_("Poor"), N_("Okay"), N_("Good"), N_("Very good")),
    False,
)
SCALES: Final = (MOOD, ANXIETY, ENERGY, SLEEP_QUALITY)


@dataclass(frozen=True)
class CheckInValues:
    mood: int
    anxiety: int
    energy: int | None = None
    sleep_hours: float | None = None
    sleep_quality: int | None = None
    note: str = ""

    def payload(self) -> dict[str, Any]:
        return {
            "mood": self.mood,
            "anxiety": self.anxiety,
            "energy": self.energy,
            "sleep_hours": self.sleep_hours,
            "sleep_quality": self.sleep_quality,
            "note": self.note,
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> CheckInValues:
        return cls(
            mood=int(data["mood"]),
            anxiety=int(data["anxiety"]),
            energy=data.get("energy"),
            sleep_hours=data.get("sleep_hours"),
            sleep_quality=data.get("sleep_quality"),
            note=str(data.get("note") or ""),
        )


@dataclass(frozen=True)
class CheckInView:
    id: uuid.UUID
    day: date
    values: CheckInValues
    created_at: datetime
    updated_at: datetime

    @property
    def edited(self) -> bool:
        return self.updated_at > self.created_at


@dataclass
class CheckInForm:
    """What was submitted, as typed, and what is wrong with it."""

    mood: str = ""
    anxiety: str = ""
    energy: str = ""
    sleep_hours: str = ""
    sleep_quality: str = ""
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    values: CheckInValues | None = None

    @property
    def valid(self) -> bool:
        return not self.errors and self.values is not None

    @classmethod
    def from_values(cls, values: CheckInValues) -> CheckInForm:
        hours = values.sleep_hours
        return cls(
            mood=str(values.mood),
            anxiety=str(values.anxiety),
            energy="" if values.energy is None else str(values.energy),
            sleep_hours="" if hours is None else f"{hours:g}",
            sleep_quality="" if values.sleep_quality is None else str(values.sleep_quality),
            note=values.note,
            values=values,
        )

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> CheckInForm:
        typed = forms.reader(posted)
        form = cls(
            mood=typed("mood"),
            anxiety=typed("anxiety"),
            energy=typed("energy"),
            sleep_hours=typed("sleep_hours"),
            sleep_quality=typed("sleep_quality"),
            note=typed("note"),
        )
        picked = {s.key: form._scale_value(s) for s in SCALES}
        hours = form._sleep_hours()
        if len(form.note) > NOTE_MAX:
            form.errors["note"] = _(
                "The note is %(length)s characters; keep it under %(most)s "
                "(the journal takes longer writing).",
                length=format_decimal(len(form.note)),
                most=format_decimal(NOTE_MAX),
            )
        if not form.errors:
            mood, anxiety = picked["mood"], picked["anxiety"]
            assert mood is not None and anxiety is not None
            form.values = CheckInValues(
                mood=mood,
                anxiety=anxiety,
                energy=picked["energy"],
                sleep_hours=hours,
                sleep_quality=picked["sleep_quality"],
                note=form.note,
            )
        return form

    def _scale_value(self, scale: Scale) -> int | None:
        posted: str = getattr(self, scale.key)
        if posted == "":
            if scale.required:
                self.errors[scale.key] = _(
                    "Choose one answer for “%(question)s”", question=_(scale.question)
                )
            return None
        if not posted.isdigit() or not 1 <= int(posted) <= 5:
            self.errors[scale.key] = _(
                "“%(question)s” takes one of the five answers shown.", question=_(scale.question)
            )
            return None
        return int(posted)

    def _sleep_hours(self) -> float | None:
        if self.sleep_hours == "":
            return None
        try:
            hours = float(self.sleep_hours.replace(",", "."))
        except ValueError:
            hours = -1.0
        if not 0 <= hours <= SLEEP_HOURS_MAX or hours != hours:  # NaN is not a number of hours
            self.errors["sleep_hours"] = _(
                "Hours of sleep is a number from 0 to %(most)s, like 7 or 6.5.",
                most=SLEEP_HOURS_MAX,
            )
            return None
        return round(hours * 2) / 2  # the field steps by half hours


def local_today(user: User, now: datetime | None = None) -> date:
    """The user's own calendar day: a check-in at 23:30 in Berlin belongs to that day."""
    try:
        zone = ZoneInfo(user.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return (now or utcnow()).astimezone(zone).date()


def checkin_on(user: User, day: date) -> CheckIn | None:
    found: CheckIn | None = db.session.scalar(
        select(CheckIn).where(CheckIn.user_id == user.id, CheckIn.day == day)
    )
    return found


def read_checkin(checkin: CheckIn, udk: bytes) -> CheckInView:
    data = records.open_payload(udk, TABLE, checkin)
    return CheckInView(
        id=checkin.id,
        day=checkin.day,
        values=CheckInValues.from_payload(data),
        created_at=checkin.created_at,
        updated_at=checkin.updated_at,
    )


def checkin_day(user: User, raw: str | None, now: datetime | None = None) -> date | None:
    """The day a check-in is for: today in the user's zone, unless the form names an
    earlier one. A check-in written offline carries the day it was written (the
    outbox fills it in), so sending it the next morning does not make it that
    morning's. A day after today (a device ahead of the user's zone) is today. None
    for something that is not a date, or a day more than BACKDATE_LIMIT ago."""
    today = local_today(user, now)
    if not raw or not raw.strip():
        return today
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    if day > today:
        return today
    return day if today - day <= BACKDATE_LIMIT else None


class AlreadyCheckedIn(ValueError):
    """A check-in for a chosen day that already has one: one per day."""


def day_label(day: date, today: date) -> str:
    """ "today", "yesterday", "Tuesday 1 December"."""
    if day == today:
        return str(_("today"))
    if day == today - timedelta(days=1):
        return str(_("yesterday"))
    return weekday_date(day)


def weekday_date(day: date) -> str:
    """ "Tuesday 1 December" in the page's language."""
    return str(format_date(day, "EEEE d MMMM"))


def recent_checkins(user: User, now: datetime | None = None) -> dict[date, CheckIn]:
    """Today's and the past week's check-ins by day, in one query (Home's card needs
    today's, and which days of the week are done)."""
    today = local_today(user, now)
    rows = db.session.scalars(
        _checkins_between_statement(),
        {"user_id": user.id, "first": today - timedelta(days=PICK_DAYS), "last": today},
    )
    return {row.day: row for row in rows}


def pickable_days(
    user: User, recent: Mapping[date, CheckIn], now: datetime | None = None
) -> list[tuple[date, bool]]:
    """Today and the past week, newest first, each with whether it has a check-in."""
    today = local_today(user, now)
    days = [today - timedelta(days=n) for n in range(PICK_DAYS + 1)]
    return [(day, day in recent) for day in days]


def picked_day(user: User, raw: str, written: date) -> date:
    """The day the patient chose on the form: today (the day the form was written,
    when the outbox sends it later) or one of the 7 days before; never a day to come,
    never one that already has a check-in. Raises ValueError with the message to show."""
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(_("Choose the day this check-in is for from the list.")) from None
    if day > written:
        raise ValueError(
            _("A check-in can't be for a day still to come. Choose today or a day before.")
        )
    if written - day > timedelta(days=PICK_DAYS):
        raise ValueError(
            _(
                "%(day)s is more than %(days)s days ago: you can check in for today or any "
                "of the %(days)s days before. A journal entry can hold the rest.",
                day=weekday_date(day),
                days=PICK_DAYS,
            )
        )
    if checkin_on(user, day) is not None:
        if day == written:
            raise AlreadyCheckedIn(
                _(
                    "You already checked in for today: one check-in a day. "
                    "Use “Edit today's check-in” to change it."
                )
            )
        raise AlreadyCheckedIn(
            _(
                "You already checked in for %(day)s: one check-in a day. Choose another day.",
                day=day_label(day, written),
            )
        )
    return day


def save_checkin(
    user: User,
    udk: bytes,
    day: date,
    values: CheckInValues,
    idempotency_key: uuid.UUID | None = None,
    *,
    new_only: bool = False,
) -> tuple[CheckIn, bool]:
    """Create the day's check-in, or edit it if there already is one (a second
    check-in the same day is an edit, never a second row). Returns (record, created).

    Raises `idempotency.Replayed` when this key was saved before: a retried send from
    the outbox must not overwrite an edit made since; `AlreadyCheckedIn` with
    `new_only` (a day the patient chose) when that day has one already."""
    idempotency.check(user, idempotency_key, KIND)
    existing = checkin_on(user, day)
    if existing is not None:
        if new_only:
            raise AlreadyCheckedIn(_("You already checked in for %(day)s.", day=weekday_date(day)))
        _update(existing, udk, values, user, idempotency_key)
        return existing, False
    now = utcnow()
    checkin = CheckIn(
        id=uuid.uuid4(), user_id=user.id, day=day, revision=0, created_at=now, updated_at=now
    )
    records.seal_payload(udk, TABLE, checkin, values.payload())
    db.session.add(checkin)
    try:
        db.session.flush()
        sharing.seal_for_standing_shares(user, udk, TABLE, checkin)
        idempotency.commit_with_key(user, idempotency_key, KIND, checkin.id)
    except IntegrityError:
        # Two tabs saved the same day at once: the other one won the insert.
        db.session.rollback()
        existing = checkin_on(user, day)
        if existing is None:
            raise
        if new_only:
            raise AlreadyCheckedIn(
                _("You already checked in for %(day)s.", day=weekday_date(day))
            ) from None
        _update(existing, udk, values, user, idempotency_key)
        return existing, False
    return checkin, True


def _update(
    checkin: CheckIn,
    udk: bytes,
    values: CheckInValues,
    user: User,
    idempotency_key: uuid.UUID | None,
) -> None:
    records.seal_payload(udk, TABLE, checkin, values.payload())
    checkin.updated_at = utcnow()
    idempotency.commit_with_key(user, idempotency_key, KIND, checkin.id)


@built_once
def _checkins_to_statement() -> Select[CheckIn]:
    """`user_id`'s check-ins up to day `last`, oldest first."""
    return (
        select(CheckIn)
        .where(CheckIn.user_id == bindparam("user_id"), CheckIn.day <= bindparam("last"))
        .order_by(CheckIn.day)
    )


@built_once
def _checkins_between_statement() -> Select[CheckIn]:
    """`_checkins_to_statement` from day `first`."""
    return _checkins_to_statement().where(CheckIn.day >= bindparam("first"))


def checkins_between(user: User, udk: bytes, first: date | None, last: date) -> list[CheckInView]:
    """Oldest first; only rows in the range are fetched, and each is opened once."""
    values = {"user_id": user.id, "first": first, "last": last}
    statement = _checkins_to_statement() if first is None else _checkins_between_statement()
    rows = db.session.scalars(statement, values).all()
    return openable(rows, lambda row: read_checkin(row, udk), TABLE)


def first_checkin_day(user: User) -> date | None:
    found: date | None = db.session.scalar(
        select(CheckIn.day).where(CheckIn.user_id == user.id).order_by(CheckIn.day).limit(1)
    )
    return found


def printed_checkins(
    user: User, udk: bytes, start: datetime, end: datetime
) -> list[export.PrintItem]:
    rows = db.session.scalars(select(CheckIn).where(CheckIn.user_id == user.id))
    items = []
    for view in (read_checkin(row, udk) for row in rows):
        if start <= view.created_at < end:
            items.append(
                export.PrintItem(
                    view.created_at,
                    _("Check-in, %(day)s", day=format_date(view.day, "d MMM y")),
                    checkin_words(view.values),
                )
            )
    return items


def checkin_words(values: CheckInValues) -> list[str]:
    """A check-in as the person answered it: "Mood: Good (4 of 5)", "Sleep: 7 hours"."""
    lines = []
    for scale, value in (
        (MOOD, values.mood),
        (ANXIETY, values.anxiety),
        (ENERGY, values.energy),
        (SLEEP_QUALITY, values.sleep_quality),
    ):
        if value is not None:
            lines.append(
                _(
                    "%(question)s %(answer)s (%(value)s of 5)",
                    question=_(scale.question),
                    answer=_(scale.label_for(value)),
                    value=value,
                )
            )
    if values.sleep_hours is not None:
        lines.append(_("Hours slept: %(hours)s", hours=format(values.sleep_hours, "g")))
    if values.note:
        lines.append(_("Note: %(note)s", note=values.note))
    return lines


def export_checkins(user: User, udk: bytes) -> list[dict[str, object]]:
    rows = db.session.scalars(
        select(CheckIn).where(CheckIn.user_id == user.id).order_by(CheckIn.day)
    )
    return [
        {**export.plain(view), "labels": _labels(view.values)}
        for view in (read_checkin(row, udk) for row in rows)
    ]


def _labels(values: CheckInValues) -> dict[str, str]:
    """Each answered 1-5 scale in the words the check-in showed ("Good")."""
    return {
        scale.key: scale.label_for(getattr(values, scale.key))
        for scale in SCALES
        if getattr(values, scale.key) is not None
    }


# -- sharing with a therapist -----------------------------------------------------------


def shared_content(checkin: CheckIn, data: Mapping[str, Any]) -> dict[str, Any]:
    """A check-in as its therapist sees it (and as the patient's preview shows it)."""
    values = CheckInValues.from_payload(data)
    return {
        "day": checkin.day,
        "mood": values.mood,
        "mood_label": MOOD.label_for(values.mood),
        "anxiety": values.anxiety,
        "anxiety_label": ANXIETY.label_for(values.anxiety),
        "energy": values.energy,
        "energy_label": ENERGY.label_for(values.energy),
        "sleep_hours": values.sleep_hours,
        "sleep_quality": values.sleep_quality,
        "sleep_quality_label": SLEEP_QUALITY.label_for(values.sleep_quality),
        "note": values.note,
    }


def _open_shared(checkin: CheckIn, dek: bytes) -> Mapping[str, Any]:
    return shared_content(checkin, records.open_payload_with_dek(dek, TABLE, checkin))


def _title(content: Mapping[str, Any]) -> str:
    day: date = content["day"]
    return str(_("Check-in for %(day)s", day=format_date(day, "EEE d MMM y")))


SHARE_ADAPTER = replace(
    shareable.payload_adapter(
        CheckIn,
        TABLE,
        label=N_("Mood check-in"),
        title_of=_title,
    ),
    open_with_dek=_open_shared,
)
CATEGORY: Final = "mood-check-ins"
SHARE_CATEGORY = shareable.Category(
    key=CATEGORY,
    label=N_("Mood check-ins"),
    description=N_(
        "Every daily check-in: your mood and anxiety, and the sleep, energy and note "
        "when you add them. Your therapist sees how your mood has gone since your "
        "last appointment."
    ),
    table=TABLE,
)
