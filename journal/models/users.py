"""Accounts: identity, login verifier and the wrapped keys (docs/crypto.md)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false, true

from journal.core.extensions import db
from journal.models.types import UTCDateTime, utcnow


class Role(enum.StrEnum):
    PATIENT = "patient"
    THERAPIST = "therapist"
    # The clinic's administrator: invites and deactivates therapists, sees counts and
    # the system's state, never a patient's record (journal/admin).
    ADMIN = "admin"


class User(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="user_role",
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Argon2id salt and cost, per user so a raised cost applies at the next login.
    kdf_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    kdf_memory_kib: Mapped[int] = mapped_column(Integer)
    kdf_iterations: Mapped[int] = mapped_column(Integer)
    kdf_lanes: Mapped[int] = mapped_column(Integer)
    # The pepper under which the outer layer of both UDK wraps and the public key's
    # MAC were made; a bulk rotation moves it (`flask keys rotate-pepper`).
    pepper_kid: Mapped[str] = mapped_column(String(32))
    # The pepper of the password verifier: it needs the password to recompute, so it
    # moves only when the user next logs in. Old peppers stay configured until no
    # verifier needs them (`flask keys status`).
    verifier_kid: Mapped[str] = mapped_column(String(32))
    verifier: Mapped[bytes] = mapped_column(LargeBinary(32))
    udk_by_password: Mapped[bytes] = mapped_column(LargeBinary)
    udk_by_recovery: Mapped[bytes] = mapped_column(LargeBinary)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    public_key_mac: Mapped[bytes] = mapped_column(LargeBinary(32))
    private_key_wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    # Revocation counters, MACed with the public key (`keys.verified_public_key`).
    # Revoking a share advances `share_counter`; every remaining share's MAC names
    # the new value, so a revoked share restored from an older copy no longer
    # verifies. `adaptation_counter` does the same for what therapists adapted for
    # this patient (a save or a withdrawal advances it).
    share_counter: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    adaptation_counter: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set once the user typed back part of the key shown at sign-up; until then the
    # app keeps asking, because without it a forgotten password loses everything.
    recovery_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # HMAC(pepper, id ‖ last group of the key) until confirmed; the key itself is
    # never stored.
    recovery_check: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # The language chosen in Settings ("en", "es"); None: follow the browser. A UI
    # preference, in clear: mail and push text use it too.
    language: Mapped[str | None] = mapped_column(String(8))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # False until the zone came from the person's browser or their settings (an
    # account made from the command line starts in UTC without it).
    time_zone_confirmed: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # A questionnaire moves on as soon as an answer is tapped; off, the person presses
    # Next (screen-reader users often prefer it). How the app behaves, not health data.
    advance_on_tap: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    # Set when the clinic's administrator deactivated this therapist: no sign-in, no
    # session, no link to any patient from then on (journal/admin/therapists.py).
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Flask-Login protocol; identity itself comes from the session row.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_therapist(self) -> bool:
        return self.role == Role.THERAPIST

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class AccountToken(db.Model):  # type: ignore[name-defined,misc]
    """A single-use, expiring token sent by email (e.g. to start over without a key).

    Only its hash is stored, so the table cannot be used to act on anyone's behalf.
    """

    __tablename__ = "account_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Sign-up tokens exist before the user does, so they carry the email instead.
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(db.Model):  # type: ignore[name-defined,misc]
    """Failed sign-ins per email, kept in the database so the backoff holds across IP
    addresses and app servers. Keyed by a peppered hash of the email, and kept for
    unknown emails too, so the backoff itself does not reveal which accounts exist."""

    __tablename__ = "login_throttle"

    email_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    # The same peppered hash of the email alone, for every row of one account (rows
    # are per account *and* client, so the primary key cannot find them all).
    account_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
