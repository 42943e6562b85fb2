"""One record per idempotency key, however often the same write arrives.

The browser's outbox (and every server-rendered create form) sends a random UUID
with each new record. A create service calls `check` before it builds the record and
`commit_with_key` instead of `db.session.commit()`; a repeat of the key raises
`Replayed` with the id of the record the first request made, and the view answers
as if it had just created it. Two requests racing with the same key meet at the
primary key: the loser rolls back and is told `Replayed` too.

    key = idempotency.parse_key(request.form.get("idempotency_key"))
    idempotency.check(user, key, KIND)          # may raise Replayed
    record = ...; db.session.add(record)
    idempotency.commit_with_key(user, key, KIND, record.id)   # may raise Replayed
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from journal.core.extensions import db
from journal.models.idempotency import IdempotencyKey
from journal.models.types import utcnow
from journal.models.users import User

# Long enough for a phone that stayed offline for weeks; short enough to stay small.
KEEP = timedelta(days=60)
FIELD = "idempotency_key"


class Replayed(Exception):
    """This key was used before; `record_id` is what the first use created (it may
    have been deleted since)."""

    def __init__(self, record_id: uuid.UUID) -> None:
        super().__init__(str(record_id))
        self.record_id = record_id


def parse_key(raw: str | None) -> uuid.UUID | None:
    """A UUID from the form, or None (no key: the write is simply not deduplicated)."""
    if not raw:
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        return None


def new_key() -> uuid.UUID:
    return uuid.uuid4()


def _recorded(user: User, key: uuid.UUID, kind: str) -> IdempotencyKey | None:
    row: IdempotencyKey | None = db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == user.id,
            IdempotencyKey.key == key,
            IdempotencyKey.kind == kind,
        )
    )
    return row


def check(user: User, key: uuid.UUID | None, kind: str) -> None:
    """Raise `Replayed` if this key already made a record of this kind."""
    if key is None:
        return
    row = _recorded(user, key, kind)
    if row is not None:
        raise Replayed(row.record_id)


def commit_with_key(user: User, key: uuid.UUID | None, kind: str, record_id: uuid.UUID) -> None:
    """Commit the pending record together with its key, or raise `Replayed` if a
    concurrent request with the same key committed first (nothing of ours is kept)."""
    if key is None:
        db.session.commit()
        return
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user.id, IdempotencyKey.created_at < utcnow() - KEEP
        )
    )
    db.session.add(IdempotencyKey(user_id=user.id, key=key, kind=kind, record_id=record_id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        row = _recorded(user, key, kind)
        if row is None:  # the key was used for another kind of record: not a replay
            raise
        raise Replayed(row.record_id) from None


def purge_expired() -> None:
    """Every user's keys older than KEEP (a periodic job; each write also drops its
    own user's old keys)."""
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEEP))
    db.session.commit()
