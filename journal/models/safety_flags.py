"""Safety flags on shared questionnaire results, from the therapist's side.

A flag itself is never stored: it is read from a shared result's encrypted payload
(PHQ-9 question 9 answered above 0) with the therapist's key. Two small tables
support it:

- `SafetyFlagAcknowledgement`, in clear on purpose: which therapist acknowledged the
  flag on which result, and when. No content; but a row does tell that the result
  carried a flag (docs/privacy.md says so).
- `SafetySignal`, the "safety signals" share: a patient who chose it lets their
  therapist be told that a questionnaire showed a safety signal without sharing the
  result. The instrument and time are sealed to the therapist (HPKE) and MACed by
  the patient; the row itself (in clear: who, whom, when, whether the notice went)
  says that a flag was raised, as an acknowledgement does (docs/privacy.md).
- `SafetyCheck`, the therapist's own note of what checking a shared result found,
  sealed under the therapist's data key, one per checked share whether it is flagged
  or not (so its presence says nothing). It spares the patients list from opening
  every shared result, and writing a read to the patient's access log, on every visit.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.types import UTCDateTime, utcnow


class SafetyFlagAcknowledgement(db.Model):  # type: ignore[name-defined,misc]
    """A therapist acknowledged the safety flag on one shared result: who, which, when.

    Kept when the share is revoked (it records what the therapist did); it goes with
    the result, the patient's account or the therapist's account.
    """

    __tablename__ = "safety_flag_acknowledgements"
    __table_args__ = (UniqueConstraint("therapist_id", "result_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    result_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("measure_results.id", ondelete="CASCADE"), index=True
    )
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The therapist's optional note ("called, safe") with the time and the patient,
    # sealed under the therapist's data key and bound to (result, therapist): only the
    # therapist's key makes one, so a row planted or moved in the database does not
    # open, and its flag stays open. None: a row from before notes were sealed (its
    # flag shows as open until acknowledged again).
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class SafetyCheck(db.Model):  # type: ignore[name-defined,misc]
    """What the therapist's key found in one shared result (flagged or not), sealed
    under the therapist's UDK and bound to the share and the record's revision. It goes
    with its share (a revoke, the end of the link)."""

    __tablename__ = "safety_checks"

    share_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), primary_key=True
    )
    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    record_revision: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SafetySignal(db.Model):  # type: ignore[name-defined,misc]
    """One flagged questionnaire result, told to one therapist the patient chose to
    tell (`journal.care.safety_signals`). `sealed` holds the instrument and the time,
    sealed to the therapist's public key; `mac` is the patient's word that they sealed
    it here (a MAC under the key of their X25519 agreement); `server_mac`, under the
    pepper (`mac_kid`), lets the notice job, which holds nobody's key, refuse a row
    planted in the database. The notice is claimed (`claimed_at`) before anything is
    sent; `emailed_at` and `pushed_at` keep a retry from sending either twice."""

    __tablename__ = "safety_signals"
    __table_args__ = (UniqueConstraint("result_id", "therapist_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    result_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("measure_results.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    mac: Mapped[bytes] = mapped_column(LargeBinary(32))
    server_mac: Mapped[bytes] = mapped_column(LargeBinary(32))
    mac_kid: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
