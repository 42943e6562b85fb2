"""Questionnaire results and the safety plan.

Each result is its own record with its own DEK, so the sharing issue can share one
result (and its safety flag) with a therapist without sharing anything else.
Instrument, answers, total, band and the safety flag are all in the payload; only
the moment it was taken stays in clear, for ordering and the "due" reminder.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.records import EncryptedPayloadMixin
from journal.models.types import UTCDateTime, utcnow


class MeasureResult(EncryptedPayloadMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "measure_results"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "idempotency_key", name="uq_measure_results_user_id_idempotency_key"
        ),
        Index("ix_measure_results_user_id_taken_at", "user_id", "taken_at"),
    )

    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Made when the questionnaire is opened and carried by the form, so a double
    # submit (a double tap, a retried request, the back button) stores one result.
    idempotency_key: Mapped[uuid.UUID] = mapped_column(Uuid)


class SafetyPlan(EncryptedPayloadMixin, db.Model):  # type: ignore[name-defined,misc]
    """The patient's own plan for a crisis, one per user, shown on the crisis card."""

    __tablename__ = "safety_plans"
    __table_args__ = (UniqueConstraint("user_id"),)
