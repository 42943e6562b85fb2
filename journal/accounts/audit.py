"""The security log: writes, reads, and the words people see for each action.

Callers pass actions and ids, never content. Every action a feature records gets a
label in `LABELS` (a test reads the code for `audit.record(...)` calls and checks);
one missing still shows, in words made from the action's name.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select

from journal.core.extensions import db
from journal.core.translatable import N_
from journal.models.audit import AuditEvent

LABELS: dict[str, str] = {
    "account.created": N_("Account created"),
    "account.started_over": N_("Started over with an empty journal"),
    "account.deleted": N_("Account deleted"),
    "login": N_("Signed in"),
    "login.failed": N_("Failed sign-in (wrong password)"),
    "login.password_accepted": N_("Password accepted; waiting for the two-step code"),
    "login.second_factor_failed": N_("Failed sign-in (wrong two-step code)"),
    "password.changed": N_("Password changed"),
    "password.reset_with_recovery_key": N_("Password reset with the recovery key"),
    "password.reset_code_failed": N_("Recovery key accepted but the two-step code was wrong"),
    "recovery_key.confirmed": N_("Recovery key confirmed"),
    "recovery_key.replaced": N_("New recovery key issued"),
    "two_factor.enabled": N_("Two-step sign-in turned on"),
    "two_factor.disabled": N_("Two-step sign-in turned off"),
    "two_factor.backup_code_used": N_("Signed in with a backup code"),
    "two_factor.backup_codes_replaced": N_("New backup codes issued"),
    "step_up.confirmed": N_("Password confirmed again for a security change"),
    "step_up.failed": N_("Wrong password or code when confirming a security change"),
    "session.ended": N_("Signed out another device"),
    "sessions.ended_everywhere": N_("Signed out everywhere"),
    "export.json": N_("Downloaded all data (JSON)"),
    "export.csv": N_("Downloaded check-ins and scores (CSV)"),
    "export.printed": N_("Opened the printable export"),
    "export.fhir": N_("Downloaded questionnaire results for a health record (FHIR)"),
    "care.fhir_export": N_("Downloaded a patient's shared questionnaire results (FHIR)"),
    "keys.udk_rotated": N_("Data key replaced by the operator"),
    "account.secured": N_("Secured the account: devices signed out, new data and recovery keys"),
    "care.invitation_created": N_("Invitation to a care team created"),
    "care.invitation_mailed": N_("Invitation code sent by email"),
    "care.invitation_declined": N_("Invitation declined"),
    "care.invitation_withdrawn": N_("Invitation withdrawn"),
    "care.link_accepted": N_("Joined a therapist's care team"),
    "care.link_ended": N_("Care-team link ended"),
    "care.appointment_set": N_("Appointment time set"),
    "care.patient_renamed": N_("Name of a patient changed"),
    "share.created": N_("Shared with a therapist"),
    "share.revoked": N_("Share revoked"),
    "share.category_enabled": N_("Started sharing a whole category"),
    "share.category_disabled": N_("Stopped sharing a whole category"),
    "share.safety_signals_on": N_("Chose to let a therapist be told of safety signals"),
    "share.safety_signals_off": N_("Stopped telling a therapist of safety signals"),
    "measure.submitted": N_("Questionnaire submitted"),
    "adaptation.saved": N_("Adapted content saved for a patient"),
    "adaptation.withdrawn": N_("Adapted content withdrawn"),
    "safety_flag.acknowledged": N_("Safety flag acknowledged"),
    "keys.pepper_rotated": N_("Server key rotated"),
    "login.refused_deactivated": N_("Sign-in refused: the account was closed by the clinic"),
    "account.deactivated": N_("Account closed by the clinic's administrator"),
    "care.link_ended_by_clinic": N_(
        "Care-team link ended: the clinic closed the therapist's account"
    ),
    "admin.therapist_invited": N_("Invited a therapist"),
    "admin.therapist_deactivated": N_("Closed a therapist's account"),
}


def label(action: str) -> str:
    known = LABELS.get(action)
    if known:
        return str(gettext(known))
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


# How a stored detail reads in the log, by action (the detail itself stays as stored:
# an id, a role, a category's key). Registered in wiring.py for other domains' keys.
DETAIL_WORDS: dict[str, Callable[[str], str]] = {
    "account.created": lambda role: str(gettext(ROLE_WORDS.get(role, role))),
}
ROLE_WORDS: dict[str, str] = {
    "patient": N_("patient"),
    "therapist": N_("therapist"),
    "admin": N_("administrator"),
}


def describe_detail(action: str, words: Callable[[str], str]) -> None:
    DETAIL_WORDS[action] = words


def shown_detail(action: str, detail: str) -> str:
    """The detail as a person reads it; a bare record id (kept for investigations)
    says nothing to them, so it is not shown."""
    words = DETAIL_WORDS.get(action)
    if words and detail:
        return words(detail)
    return "" if _is_id(detail) else detail


def _is_id(detail: str) -> bool:
    try:
        uuid.UUID(detail)
    except ValueError:
        return False
    return True


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
        [
            EventView(e.at, e.action, label(e.action), shown_detail(e.action, e.detail))
            for e in rows
        ],
        page,
        pages,
    )


def all_events_of(user_id: uuid.UUID) -> list[EventView]:
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.user_id == user_id).order_by(AuditEvent.at)
    )
    return [EventView(e.at, e.action, label(e.action), e.detail, e.id) for e in rows]
