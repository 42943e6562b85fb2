"""The security log: writes, reads, and the words people see for each action.

Callers pass actions and ids, never content. Every action a feature records gets a
label in `LABELS` (a test reads the code for `audit.record(...)` calls and checks);
one missing still shows, in words made from the action's name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from journal.core.extensions import db
from journal.models.audit import AuditEvent

LABELS: dict[str, str] = {
    "account.created": "Account created",
    "account.started_over": "Started over with an empty journal",
    "account.deleted": "Account deleted",
    "login": "Signed in",
    "login.failed": "Failed sign-in (wrong password)",
    "login.password_accepted": "Password accepted; waiting for the two-step code",
    "login.second_factor_failed": "Failed sign-in (wrong two-step code)",
    "password.changed": "Password changed",
    "password.reset_with_recovery_key": "Password reset with the recovery key",
    "password.reset_code_failed": "Recovery key accepted but the two-step code was wrong",
    "recovery_key.confirmed": "Recovery key confirmed",
    "recovery_key.replaced": "New recovery key issued",
    "two_factor.enabled": "Two-step sign-in turned on",
    "two_factor.disabled": "Two-step sign-in turned off",
    "two_factor.backup_code_used": "Signed in with a backup code",
    "two_factor.backup_codes_replaced": "New backup codes issued",
    "step_up.confirmed": "Password confirmed again for a security change",
    "step_up.failed": "Wrong password or code when confirming a security change",
    "session.ended": "Signed out another device",
    "sessions.ended_everywhere": "Signed out everywhere",
    "export.json": "Downloaded all data (JSON)",
    "export.csv": "Downloaded check-ins and scores (CSV)",
    "export.printed": "Opened the printable export",
    "export.fhir": "Downloaded questionnaire results for a health record (FHIR)",
    "care.fhir_export": "Downloaded a patient's shared questionnaire results (FHIR)",
    "keys.udk_rotated": "Data key replaced by the operator",
    "account.secured": "Secured the account: devices signed out, new data and recovery keys",
    "care.invitation_created": "Invitation to a care team created",
    "care.invitation_mailed": "Invitation code sent by email",
    "care.invitation_declined": "Invitation declined",
    "care.invitation_withdrawn": "Invitation withdrawn",
    "care.link_accepted": "Joined a therapist's care team",
    "care.link_ended": "Care-team link ended",
    "care.appointment_set": "Appointment time set",
    "care.patient_renamed": "Name of a patient changed",
    "share.created": "Shared with a therapist",
    "share.revoked": "Share revoked",
    "share.category_enabled": "Started sharing a whole category",
    "share.category_disabled": "Stopped sharing a whole category",
    "share.safety_signals_on": "Chose to let a therapist be told of safety signals",
    "share.safety_signals_off": "Stopped telling a therapist of safety signals",
    "measure.submitted": "Questionnaire submitted",
    "adaptation.saved": "Adapted content saved for a patient",
    "adaptation.withdrawn": "Adapted content withdrawn",
    "safety_flag.acknowledged": "Safety flag acknowledged",
    "keys.pepper_rotated": "Server key rotated",
    "login.refused_deactivated": "Sign-in refused: the account was closed by the clinic",
    "account.deactivated": "Account closed by the clinic's administrator",
    "care.link_ended_by_clinic": "Care-team link ended: the clinic closed the therapist's account",
    "admin.therapist_invited": "Invited a therapist",
    "admin.therapist_deactivated": "Closed a therapist's account",
}


def label(action: str) -> str:
    known = LABELS.get(action)
    if known:
        return known
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def record(user_id: uuid.UUID | None, action: str, detail: str = "") -> None:
    db.session.add(AuditEvent(user_id=user_id, action=action, detail=detail[:200]))


@dataclass(frozen=True)
class EventView:
    at: datetime
    action: str
    label: str
    detail: str
    id: uuid.UUID | None = None


@dataclass(frozen=True)
class EventPage:
    items: list[EventView]
    page: int
    pages: int


def events_of(user_id: uuid.UUID, page: int = 1, per_page: int = 50) -> EventPage:
    """Newest first, one page at a time."""
    where = AuditEvent.user_id == user_id
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.scalars(
        select(AuditEvent)
        .where(where)
        .order_by(AuditEvent.at.desc(), AuditEvent.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return EventPage(
        [EventView(e.at, e.action, label(e.action), e.detail) for e in rows], page, pages
    )


def all_events_of(user_id: uuid.UUID) -> list[EventView]:
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.user_id == user_id).order_by(AuditEvent.at)
    )
    return [EventView(e.at, e.action, label(e.action), e.detail, e.id) for e in rows]
