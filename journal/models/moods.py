"""The daily check-in: one per user per local day.

The day stays in clear because the app sorts, charts and enforces "one a day" by it;
mood, anxiety, energy, sleep and the note are sealed in the payload.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.records import EncryptedPayloadMixin


class CheckIn(EncryptedPayloadMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "mood_checkins"
    __table_args__ = (
        UniqueConstraint("user_id", "day", name="uq_mood_checkins_user_id_day"),
        # The timeline's windows are by when a check-in was made.
        Index("ix_mood_checkins_user_id_created_at", "user_id", "created_at"),
    )

    # The user's local calendar day when they checked in (their time zone, not UTC).
    day: Mapped[date] = mapped_column(Date)
