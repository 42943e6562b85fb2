"""Who may see what, decided in one place before anything is decrypted.

Every view that takes a record id goes through a function here. "Not found" and
"not yours" are the same answer, so ids cannot be probed for existence.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from journal.extensions import db
from journal.models.entries import Draft, Entry
from journal.models.sessions import AuthSession
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


def owned_session(user: User, public_id: str | uuid.UUID) -> AuthSession:
    """One of the user's own logins, by the id the sessions page shows."""
    row: AuthSession | None = db.session.scalar(
        select(AuthSession).where(
            AuthSession.public_id == parse_id(public_id), AuthSession.user_id == user.id
        )
    )
    if row is None:
        raise RecordNotFound(public_id)
    return row
