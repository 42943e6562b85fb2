"""Two-step sign-in: a TOTP secret sealed under the owner's UDK, and one-time backup codes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.types import UTCDateTime, utcnow


class TwoFactor(db.Model):  # type: ignore[name-defined,misc]
    """One row per user who started enrolment; `confirmed_at` is set once the first
    code was right, and only then does sign-in ask for a code.

    The secret is sealed under the UDK, so a stolen database (even with the pepper)
    cannot mint codes; the UDK is open at the second step because the password step
    before it unwrapped it (see `services/two_factor.py`).
    """

    __tablename__ = "two_factor"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last 30-second step a code was accepted for: a code is never accepted twice.
    last_step: Mapped[int] = mapped_column(Integer, default=0)


class BackupCode(db.Model):  # type: ignore[name-defined,misc]
    """A one-time code for when the phone is lost. 80 random bits, stored as
    SHA-256(user id ‖ code): too many to guess, and nothing to read back."""

    __tablename__ = "backup_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
