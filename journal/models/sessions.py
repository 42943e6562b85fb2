"""Server-side sessions: where the unwrapped UDK waits between requests."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.core.extensions import db
from journal.models.two_factor import TwoFactor
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
    # What the sessions page names a row by: the id hash never leaves the server.
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    # "active", or "second_factor" between a right password and a right code: such a
    # row holds the sealed UDK but is not a login (see services/auth_sessions.py).
    stage: Mapped[str] = mapped_column(String(16), default="active")
    code_failures: Mapped[int] = mapped_column(Integer, default=0)
    # When this session last proved the password (and the two-step code) again: a
    # credential or security change needs that within the last few minutes
    # (accounts/step_up.py). A login counts; a cookie alone never does.
    stepped_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
    # Loaded with the session so that the check before every page of a role that must
    # use two-step sign-in (`accounts.has_second_factor`, a primary-key get) finds the
    # row in the session's identity map instead of asking the database again.
    two_factor: Mapped[TwoFactor | None] = relationship(
        primaryjoin="AuthSession.user_id == foreign(TwoFactor.user_id)",
        lazy="joined",
        viewonly=True,
    )


class KnownDevice(db.Model):  # type: ignore[name-defined,misc]
    """A browser that signed in to this account before, recognised by a long-lived
    random cookie (only its hash is here). Wrong passwords typed elsewhere never slow
    the account's owner down on such a device (accounts.authenticate)."""

    __tablename__ = "known_devices"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
