"""The after-effects log of a dosing session: nausea, headache, dizziness, lingering
dissociation, blood pressure or something else, each with a severity (or the cuff's
numbers) and a time.

Kinds and the severity scale come from `journal/content/after_effects.json`. Each
line is its own sealed record (kind, severity, time, readings, notes all in the
payload), so one can be shared, and "after-effects" is a standing category a patient
can share as a whole. Like the at-home log, nothing here judges a value: a reading no
cuff could show is refused as a typing mistake, never called high or low.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final

from flask_babel import gettext as _
from sqlalchemy import select

from journal.care import shareable, sharing
from journal.content import AfterEffectKind, load_after_effects
from journal.core import forms, records
from journal.core.extensions import db
from journal.core.translatable import N_, language, local_format
from journal.dosing import session_log
from journal.dosing.kap_sessions import local_to_utc
from journal.dosing.session_log import DIASTOLIC, PULSE, SYSTOLIC
from journal.models.integration import AfterEffect
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.users import User
from journal.your_data import export

TABLE: Final = "after_effects"
CATEGORY: Final = "after_effects"
DESCRIPTION_MAX: Final = 200
NOTE_MAX: Final = 1000
# Phones' clocks drift; a time a few minutes ahead is "now", not the future.
_AHEAD: Final = timedelta(minutes=15)


class AfterEffectError(ValueError):
    """The session cannot take an after-effect now; the message says why."""


def kinds(language: str = "en") -> tuple[AfterEffectKind, ...]:
    return load_after_effects(language=language).kinds


def kind(key: str, language: str = "en") -> AfterEffectKind | None:
    return next((k for k in kinds(language) if k.key == key), None)


def severity_label(key: str | None, language: str = "en") -> str:
    for s in load_after_effects(language=language).severities:
        if s.key == key:
            return s.label
    return ""


@dataclass(frozen=True)
class AfterEffectView:
    id: uuid.UUID
    session_id: uuid.UUID
    kind: str
    kind_label: str
    severity: str | None
    severity_label: str
    at: datetime
    systolic: int | None
    diastolic: int | None
    pulse: int | None
    description: str
    note: str
    created_at: datetime

    @property
    def is_reading(self) -> bool:
        return self.systolic is not None

    @property
    def summary(self) -> str:
        """ "Headache, moderate", "Blood pressure 150/95, pulse 80", "Tingling hands, mild"."""
        if self.is_reading:
            text = f"{self.kind_label} {self.systolic}/{self.diastolic}"
            return (
                _("%(reading)s, pulse %(pulse)s", reading=text, pulse=self.pulse)
                if self.pulse
                else text
            )
        name = self.description or self.kind_label
        return f"{name}, {self.severity_label.lower()}" if self.severity_label else name


@dataclass
class AfterEffectForm:
    """The form as typed; `at` and `values` are set when it is valid."""

    kind: str = ""
    severity: str = ""
    systolic: str = ""
    diastolic: str = ""
    pulse: str = ""
    description: str = ""
    date: str = ""
    time: str = ""
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    at: datetime | None = None
    values: dict[str, int | None] = field(default_factory=dict)

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> AfterEffectForm:
        typed = forms.reader(posted)

        return cls(
            kind=typed("kind"),
            severity=typed("severity"),
            systolic=typed("systolic"),
            diastolic=typed("diastolic"),
            pulse=typed("pulse"),
            description=typed("description"),
            date=typed("date"),
            time=typed("time"),
            note=typed("note"),
        )

    @classmethod
    def blank(cls, kind_key: str, now: datetime, tz: tzinfo) -> AfterEffectForm:
        local = now.astimezone(tz)
        return cls(kind=kind_key, date=local.date().isoformat(), time=local.strftime("%H:%M"))

    @property
    def valid(self) -> bool:
        return not self.errors


def _number(form: AfterEffectForm, name: str, bounds: tuple[int, int]) -> None:
    raw: str = getattr(form, name)
    low, high = bounds
    if not raw:
        if name != "pulse":
            form.errors[name] = session_log.missing_number(name)
        form.values[name] = None
        return
    if not raw.isdigit():
        form.errors[name] = session_log.not_a_number(name, low + 60)
        return
    value = int(raw)
    if not low <= value <= high:
        form.errors[name] = session_log.out_of_range(name, low, high, value)
        return
    form.values[name] = value


def _when(form: AfterEffectForm, session: KapSession, now: datetime, tz: tzinfo) -> None:
    day: date | None = None
    clock: time | None = None
    try:
        day = date.fromisoformat(form.date)
    except ValueError:
        form.errors["date"] = _("Enter the date as year-month-day, for example 2026-03-14.")
    try:
        clock = time.fromisoformat(form.time).replace(second=0, microsecond=0)
    except ValueError:
        form.errors["time"] = _("Enter the time as hours:minutes, for example 14:05.")
    if day is None or clock is None:
        return
    try:
        at = local_to_utc(day, clock, tz)
    except ValueError as exc:
        form.errors["time"] = str(exc)
        return
    started = session.starts_at.astimezone(tz)
    if at > now + _AHEAD:
        form.errors["time"] = _("That time is still to come. Enter when you noticed it.")
    elif at < session.starts_at:
        form.errors["time"] = _(
            "That is before the session started (%(start)s). Enter a time after the start.",
            start=local_format(started, "EEE d MMM, HH:mm"),
        )
    else:
        form.at = at


def check_form(
    form: AfterEffectForm, session: KapSession, now: datetime, tz: tzinfo
) -> AfterEffectForm:
    chosen = kind(form.kind)
    if chosen is None:
        form.errors["kind"] = _("Choose what you noticed.")
        return form
    severities = {s.key for s in load_after_effects().severities}
    if chosen.input == "reading":
        _number(form, "systolic", SYSTOLIC)
        _number(form, "diastolic", DIASTOLIC)
        _number(form, "pulse", PULSE)
        top, bottom = form.values.get("systolic"), form.values.get("diastolic")
        if top is not None and bottom is not None and top <= bottom:
            form.errors["systolic"] = session_log.larger_first()
    elif form.severity not in severities:
        form.errors["severity"] = _("Choose how strong it was.")
    if chosen.input == "severity_and_text":
        if not form.description:
            form.errors["description"] = _("Describe what you noticed, in a few words.")
        elif len(form.description) > DESCRIPTION_MAX:
            form.errors["description"] = _(
                "Keep it under %(most)s characters.", most=DESCRIPTION_MAX
            )
    if len(form.note) > NOTE_MAX:
        form.errors["note"] = _(
            "The note is %(length)s characters; keep it under %(most)s.",
            length=format(len(form.note), ","),
            most=format(NOTE_MAX, ","),
        )
    _when(form, session, now, tz)
    return form


def check_session(session: KapSession, now: datetime) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise AfterEffectError(
            _(
                "This session was cancelled, so there is nothing to log after it. "
                "Your journal is always open for anything you want to write."
            )
        )
    if session.starts_at > now:
        raise AfterEffectError(
            _("This session has not started yet. After-effects can be logged once it has.")
        )


def add(user: User, session: KapSession, udk: bytes, form: AfterEffectForm) -> AfterEffect:
    assert form.valid and form.at is not None, "check_form first"
    chosen = kind(form.kind)
    assert chosen is not None
    record = AfterEffect(
        id=uuid.uuid4(), user_id=session.user_id, kap_session_id=session.id, revision=0
    )
    payload: dict[str, Any] = {
        "kind": form.kind,
        "at": form.at.astimezone(UTC).isoformat(),
        "note": form.note,
        "severity": None,
        "description": "",
    }
    if chosen.input == "reading":
        payload.update(
            systolic=form.values["systolic"],
            diastolic=form.values["diastolic"],
            pulse=form.values.get("pulse"),
        )
    else:
        payload["severity"] = form.severity
    if chosen.input == "severity_and_text":
        payload["description"] = form.description
    records.seal_payload(udk, TABLE, record, payload)
    db.session.add(record)
    sharing.seal_for_standing_shares(user, udk, TABLE, record)
    db.session.commit()
    return record


def view_from(record: AfterEffect, data: Mapping[str, Any]) -> AfterEffectView:
    found = kind(str(data["kind"]), language())
    severity = data.get("severity")
    return AfterEffectView(
        id=record.id,
        session_id=record.kap_session_id,
        kind=str(data["kind"]),
        kind_label=found.label if found else str(data["kind"]),
        severity=severity,
        severity_label=severity_label(severity, language()),
        at=datetime.fromisoformat(data["at"]),
        systolic=data.get("systolic"),
        diastolic=data.get("diastolic"),
        pulse=data.get("pulse"),
        description=str(data.get("description", "")),
        note=str(data.get("note", "")),
        created_at=record.created_at,
    )


def read(record: AfterEffect, udk: bytes) -> AfterEffectView:
    return view_from(record, records.open_payload(udk, TABLE, record))


def rows_of(session_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[AfterEffect]]:
    found: dict[uuid.UUID, list[AfterEffect]] = {sid: [] for sid in session_ids}
    if session_ids:
        for row in db.session.scalars(
            select(AfterEffect)
            .where(AfterEffect.kap_session_id.in_(session_ids))
            .order_by(AfterEffect.created_at)
        ):
            found[row.kap_session_id].append(row)
    return found


def log_of(session: KapSession, udk: bytes) -> list[AfterEffectView]:
    """In the order they happened."""
    return sorted((read(r, udk) for r in rows_of([session.id])[session.id]), key=lambda v: v.at)


def remove(record: AfterEffect) -> None:
    db.session.delete(record)
    db.session.commit()


# -- sharing ---------------------------------------------------------------------------


def _open_for_sharing(record: AfterEffect, dek: bytes) -> Mapping[str, Any]:
    view = view_from(record, records.open_payload_with_dek(dek, TABLE, record))
    session = db.session.get(KapSession, record.kap_session_id)
    return {
        "summary": view.summary,
        "kind_label": view.kind_label,
        "at": view.at,
        "note": view.note,
        "session_starts_at": session.starts_at if session is not None else None,
    }


def _reencrypt(record: AfterEffect, udk: bytes) -> bytes:
    return records.reencrypt_payload(udk, TABLE, record, records.open_payload(udk, TABLE, record))


SHARE_ADAPTER = shareable.RecordAdapter(
    table=TABLE,
    model=AfterEffect,
    label=N_("After-effect"),
    open_with_dek=_open_for_sharing,
    reencrypt=_reencrypt,
    title_of=lambda content: str(content["summary"]),
)
SHARE_CATEGORY = shareable.Category(
    key=CATEGORY,
    label=N_("After-effects"),
    description=N_("Every after-effect you log after a session, and each new one as you add it."),
    table=TABLE,
)


def export_after_effects(user: User, udk: bytes) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(AfterEffect).where(AfterEffect.user_id == user.id).order_by(AfterEffect.created_at)
    ).all()
    exported: list[dict[str, Any]] = export.plain([read(row, udk) for row in rows])
    return exported
