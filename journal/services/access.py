"""Who may see what, decided in one place before anything is decrypted.

Every view that takes a record id goes through a function here. "Not found" and
"not yours" are the same answer, so ids cannot be probed for existence.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from journal.extensions import db
from journal.models.checklists import Checklist
from journal.models.entries import Draft, Entry
from journal.models.intentions import Intention
from journal.models.kap_sessions import KapSession, SelfCheck, SessionLogEntry
from journal.models.users import User


class RecordNotFound(LookupError):
    """The record does not exist or the user may not see it; both answer 404."""


def parse_id(raw: str | uuid.UUID) -> uuid.UUID:
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(raw)
    except (ValueError, AttributeError, TypeError) as exc:
        raise RecordNotFound(raw) from exc


def owned_entry(user: User, entry_id: str | uuid.UUID) -> Entry:
    entry: Entry | None = db.session.scalar(
        select(Entry).where(Entry.id == parse_id(entry_id), Entry.user_id == user.id)
    )
    if entry is None:
        raise RecordNotFound(entry_id)
    return entry


def owned_draft(user: User, draft_id: str | uuid.UUID) -> Draft | None:
    """The user's draft, None if it does not exist yet; someone else's id is refused."""
    draft = db.session.get(Draft, parse_id(draft_id))
    if draft is not None and draft.user_id != user.id:
        raise RecordNotFound(draft_id)
    return draft


def owned_kap_session(user: User, session_id: str | uuid.UUID) -> KapSession:
    session: KapSession | None = db.session.scalar(
        select(KapSession).where(
            KapSession.id == parse_id(session_id), KapSession.user_id == user.id
        )
    )
    if session is None:
        raise RecordNotFound(session_id)
    return session


def owned_checklist(user: User, session: KapSession) -> Checklist:
    """The checklist of a session the user owns (call `owned_kap_session` first)."""
    checklist: Checklist | None = db.session.scalar(
        select(Checklist).where(
            Checklist.kap_session_id == session.id, Checklist.user_id == user.id
        )
    )
    if checklist is None:
        raise RecordNotFound(session.id)
    return checklist


def owned_intention(user: User, session: KapSession) -> Intention | None:
    """The intention of a session the user owns, None while none is written."""
    intention: Intention | None = db.session.scalar(
        select(Intention).where(
            Intention.kap_session_id == session.id, Intention.user_id == user.id
        )
    )
    return intention


def owned_log_line(user: User, session: KapSession, line_id: str | uuid.UUID) -> SessionLogEntry:
    """One line of the at-home log, only through the session it belongs to."""
    line: SessionLogEntry | None = db.session.scalar(
        select(SessionLogEntry).where(
            SessionLogEntry.id == parse_id(line_id),
            SessionLogEntry.kap_session_id == session.id,
            SessionLogEntry.user_id == user.id,
        )
    )
    if line is None:
        raise RecordNotFound(line_id)
    return line


def owned_self_check(user: User) -> SelfCheck | None:
    found: SelfCheck | None = db.session.scalar(
        select(SelfCheck).where(SelfCheck.user_id == user.id)
    )
    return found
