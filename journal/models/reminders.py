"""Web Push subscriptions, reminder preferences, and which reminders went out.

Nothing here is health data: an endpoint is a push-service URL, the keys are what
the browser handed over (kept as given, since encrypting each message needs them),
a preference is a time of day and the names of the reminder kinds a person turned
on, and a sent reminder is a kind and an occurrence (a date, a session's id and time).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.types import UTCDateTime, utcnow


class PushSubscription(db.Model):  # type: ignore[name-defined,misc]
    """One browser on one device that agreed to receive reminders."""

    __tablename__ = "push_subscriptions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Unique: a browser that subscribes under another login moves to that account.
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class ReminderPreference(db.Model):  # type: ignore[name-defined,misc]
    """What a person wants to be reminded of. The time is minutes after local
    midnight, in the user's time zone; None means that reminder is off. `kinds` holds
    the other reminder kinds the person turned on, space-separated (the ones a
    feature registers with a label, see `journal.reminders.reminders.add_source`)."""

    __tablename__ = "reminder_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    daily_check_in_minutes: Mapped[int | None] = mapped_column(Integer)
    kinds: Mapped[str] = mapped_column(String(400), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReminderSent(db.Model):  # type: ignore[name-defined,misc]
    """A reminder that went out, so the next run does not send it again.

    `occurrence` names which one (a local date for the daily check-in, a prompt's
    schedule id for integration prompts, ...)."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("user_id", "kind", "occurrence"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    occurrence: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
