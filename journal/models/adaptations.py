"""Content a therapist adapted for one patient: a checklist or a prompt set.

The content is sealed twice with HPKE: to the patient's public key (so only they can
open it, to build their next checklist or prompt schedule from it) and to the
therapist's own public key (so the therapist can see and revise what they wrote).
HPKE's base mode does not say who sealed a blob, so a MAC under the pepper binds both
blobs to this row, its therapist, patient and kind: someone who can write the database
but does not hold the pepper cannot slip in content "adapted by" a therapist.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.types import UTCDateTime, utcnow


class Adaptation(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "adaptations"
    __table_args__ = (UniqueConstraint("therapist_id", "patient_id", "kind"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # What was adapted: "checklist" or "prompts" (see `journal.care.adaptations.KINDS`).
    kind: Mapped[str] = mapped_column(String(32))
    sealed_for_patient: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_for_therapist: Mapped[bytes] = mapped_column(LargeBinary)
    mac: Mapped[bytes] = mapped_column(LargeBinary(32))
    mac_kid: Mapped[str] = mapped_column(String(32))
    # The patient's `adaptation_counter` when this row was last MACed (the MAC names
    # it): every save or withdrawal for the patient advances the counter and MACs
    # the remaining rows again, so an older or withdrawn row put back no longer
    # verifies.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
