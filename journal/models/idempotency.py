"""Idempotency keys: a write that arrives twice (a retried offline send, a double tap)
makes one record. Generic: any create endpoint records (user, key) → record here."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.types import UTCDateTime, utcnow


class IdempotencyKey(db.Model):  # type: ignore[name-defined,misc]
    """A key the client made (a random UUID) and the record its first use created.

    The key says nothing about content; `kind` names the record type
    ("journal.entry", later "mood.check_in", ...)."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
