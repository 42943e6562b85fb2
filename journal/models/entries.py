"""Journal entries and their autosaved drafts; every word is ciphertext here."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.types import UTCDateTime, utcnow


class Entry(db.Model):  # type: ignore[name-defined,misc]
    """A free journal entry. Title and body are sealed under the entry's own DEK,
    which is wrapped under the owner's UDK; `revision` is part of the associated
    data, so re-encrypting under a new DEK (after a revoked share) bumps it."""

    __tablename__ = "entries"
    __table_args__ = (Index("ix_entries_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    dek_wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    title_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # Tags and the session the entry is about, as sealed JSON (None: neither).
    meta_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class Draft(db.Model):  # type: ignore[name-defined,misc]
    """Text autosaved while typing, sealed to the owner's public key (HPKE).

    Sealing to the public key needs no UDK, so a draft can be saved even after the
    session has gone idle; only the owner, after logging in, can open it.
    """

    __tablename__ = "drafts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The entry being edited, or None for a new entry.
    entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
