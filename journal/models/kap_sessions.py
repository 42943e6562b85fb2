"""Dosing sessions, their at-home log, and the one-time self-check.

In clear: when a session starts and whether it is planned, done or cancelled (the
list, the Home card and, later, reminders sort and schedule by them). Route,
setting, place in the series, dose and notes are in the sealed payload.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.records import EncryptedPayloadMixin
from journal.models.types import UTCDateTime


class SessionStatus(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


class KapSession(EncryptedPayloadMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "kap_sessions"
    __table_args__ = (Index("ix_kap_sessions_user_id_starts_at", "user_id", "starts_at"),)

    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[SessionStatus] = mapped_column(
        Enum(
            SessionStatus,
            name="kap_session_status",
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )


class SessionLogEntry(EncryptedPayloadMixin, db.Model):  # type: ignore[name-defined,misc]
    """One line of the at-home log: a blood-pressure reading or a dose taken.

    What it is and when it happened are both in the payload: dose times are
    health details, so only `created_at` (when the row was written) is in clear.
    """

    __tablename__ = "session_log_entries"

    kap_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("kap_sessions.id", ondelete="CASCADE"), index=True
    )


class SelfCheck(EncryptedPayloadMixin, db.Model):  # type: ignore[name-defined,misc]
    """The patient's answers to "talk to your provider about", one record per person."""

    __tablename__ = "self_checks"
    __table_args__ = (UniqueConstraint("user_id"),)
