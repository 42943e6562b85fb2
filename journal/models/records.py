"""Columns every encrypted record shares: owner, revision, wrapped DEK, sealed payload.

What stays in clear (dates the app schedules by) is declared on each model; every
health detail goes into the payload (see docs/privacy.md).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from journal.models.types import UTCDateTime, utcnow


class EncryptedPayloadMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    dek_wrapped: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    payload_sealed: Mapped[bytes] = mapped_column(LargeBinary, default=b"")

    @declared_attr
    def user_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
