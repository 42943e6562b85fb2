"""Exactly once from a queue that may run a job twice: a job claims its row before it
acts, and only the worker whose update changed the row goes on.

A row to be sent once (a mail request, a safety notice) has `sent_at`, `claimed_at`
and `attempts`. A claim older than `stale` is taken to be a worker that died mid-job,
so the job may run again; a failed send releases its claim at once so the retry
need not wait.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import or_, update

from journal.core.extensions import db
from journal.models.types import utcnow

STALE_CLAIM: Final = timedelta(minutes=10)


def claim(model: Any, row_id: uuid.UUID, stale: timedelta = STALE_CLAIM) -> bool:
    """Claim an unsent row for this worker (and count the attempt); True if it got it.
    Commits, so that the other worker's update sees the claim."""
    now = utcnow()
    claimed = db.session.execute(
        update(model)
        .where(
            model.id == row_id,
            model.sent_at.is_(None),
            or_(model.claimed_at.is_(None), model.claimed_at < now - stale),
        )
        .values(claimed_at=now, attempts=model.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(getattr(claimed, "rowcount", 0) == 1)


def release(model: Any, row_id: uuid.UUID) -> None:
    """Give the claim back after a failed send, so the retry can claim it. Commits."""
    db.session.execute(
        update(model)
        .where(model.id == row_id)
        .values(claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
