"""Server-side sessions: where the unwrapped UDK waits between requests."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.types import UTCDateTime, utcnow
from journal.models.users import User


class AuthSession(db.Model):  # type: ignore[name-defined,misc]
    """One row per login. The cookie holds the session id and the key Ks; this row
    holds SHA-256(session id) and AES-GCM(Ks, UDK), so neither half alone opens it.

    An idle-expired row keeps its identity but loses the sealed UDK: the user can no
    longer read anything, but an autosave still lands as a draft sealed to their own
    public key, so nothing typed is lost while they log in again.
    """

    __tablename__ = "auth_sessions"

    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    udk_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    device: Mapped[str] = mapped_column(String(120), default="")

    user: Mapped[User] = relationship(lazy="joined")
