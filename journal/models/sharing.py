"""The care team: invitations, patient-therapist links, shares, standing categories
and the access log.

Everything here is in clear on purpose (docs/privacy.md): who is
linked with whom, which records are shared and when they were read. What a record
says never is: a share holds only the record's key, sealed to the therapist.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.types import UTCDateTime, utcnow


class TherapistProfile(db.Model):  # type: ignore[name-defined,misc]
    """The name a therapist's patients see on invitations and in their care team."""

    __tablename__ = "therapist_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    display_name: Mapped[str] = mapped_column(String(120), default="")


class CareInvitation(db.Model):  # type: ignore[name-defined,misc]
    """A single-use, expiring code a therapist gives a patient.

    Only a peppered hash of the code is stored, so the table cannot be used to join
    anyone's care team, and a stolen copy cannot be brute-forced without the pepper.
    """

    __tablename__ = "care_invitations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set once accepted, declined or withdrawn: any of the three uses it up.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16), default="")
    patient_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # The name the therapist uses for the patient, never in clear: sealed to the
    # therapist's public key (HPKE), and a copy sealed under a key only the code
    # (with the pepper) derives, so the patient can see it on accepting; that copy
    # is wiped when the invitation is used.
    name_for_therapist: Mapped[bytes | None] = mapped_column(LargeBinary)
    name_for_patient: Mapped[bytes | None] = mapped_column(LargeBinary)


class CareLink(db.Model):  # type: ignore[name-defined,misc]
    """An active link between one therapist and one patient; ending it deletes the row
    (and every share of that therapist, see services/care.py)."""

    __tablename__ = "care_links"
    __table_args__ = (UniqueConstraint("therapist_id", "patient_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by the therapist; in clear, like every appointment time.
    next_appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The name the therapist knows the patient by (as the patient confirmed it on
    # accepting), sealed to the therapist's public key (HPKE); None: the email.
    sealed_name: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The same name once the therapist has read it: sealed under their own data key
    # (AES-GCM, microseconds to open, where HPKE takes far longer), so the caseload
    # does not pay a public-key open per row on every load. A newer `sealed_name`
    # (the patient accepted again) wins and replaces it.
    own_sealed_name: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Advanced on every new name and named by both seals, so a name put back from an
    # older copy of this row's name columns alone no longer opens (0: sealed before).
    name_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Advanced whenever what the caseload row shows may have changed (a share made,
    # revoked or read, a flag acknowledged). The sealed summary names the generation
    # it was made at, so one put back from an older copy, alone, is rebuilt.
    summary_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CaseloadSummary(db.Model):  # type: ignore[name-defined,misc]
    """What one caseload row shows (unread and new counts, open safety flags and the
    oldest one's time, the last check-in), sealed under the therapist's data key and
    bound to the link, both parties and the link's `summary_generation`
    (journal/care/summaries.py). Nothing here is in clear but the ids."""

    __tablename__ = "caseload_summaries"

    link_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("care_links.id", ondelete="CASCADE"), primary_key=True
    )
    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BriefDigest(db.Model):  # type: ignore[name-defined,misc]
    """What the brief's summary needs from many shared records (the mood points of
    the series sparkline), sealed under the therapist's data key and bound to the
    link, both parties and the link's `summary_generation`; inside, a fingerprint of
    the shares it was made from (journal/care/brief_digest.py). Nothing here is in
    clear but the ids."""

    __tablename__ = "brief_digests"

    link_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("care_links.id", ondelete="CASCADE"), primary_key=True
    )
    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseloadOrder(db.Model):  # type: ignore[name-defined,misc]
    """The therapist's whole caseload in the order of attention (patient ids only),
    sealed under their data key, with the links' count and summary generations it was
    made from and the time it stops being right (the next appointment to pass), so a
    page of 25 opens one order and 25 summaries however many patients there are."""

    __tablename__ = "caseload_orders"

    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Share(db.Model):  # type: ignore[name-defined,misc]
    """One record shared with one therapist: the record's DEK sealed to the therapist's
    public key (HPKE, info = share id ‖ record id ‖ patient id ‖ therapist id).

    `record_table` names the record type (see services/shareable.py); there is no
    foreign key to the record, so deleting a record deletes its shares by an ORM
    event registered with each adapter.
    """

    __tablename__ = "shares"
    __table_args__ = (
        UniqueConstraint("record_table", "record_id", "therapist_id"),
        Index("ix_shares_therapist_id_patient_id", "therapist_id", "patient_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    record_table: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[uuid.UUID] = mapped_column(index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The record revision the sealed key opens; a revoke of another share moves it on.
    record_revision: Mapped[int] = mapped_column(Integer, default=0)
    sealed_dek: Mapped[bytes] = mapped_column(LargeBinary)
    # The patient's word that they sealed `sealed_dek` here: HMAC under the key of
    # the patient's and the therapist's static X25519 agreement (crypto.md, "Shares").
    # With `mac_kid` set instead, a MAC under that pepper made by `flask keys
    # vouch-shares` for a share from before MACs existed, until the patient next
    # signs in. Neither: the share is not shown.
    mac: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    mac_kid: Mapped[str | None] = mapped_column(String(32))
    # Set when the share came from a standing category rather than a single choice.
    category: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The therapist's own bookkeeping ("mark as read"), not the access log.
    therapist_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StandingShare(db.Model):  # type: ignore[name-defined,misc]
    """A category a patient shares with a therapist: every record of it, new ones too."""

    __tablename__ = "standing_shares"
    __table_args__ = (UniqueConstraint("patient_id", "therapist_id", "category"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The patient's word that they chose this (a MAC under the key of the patient's
    # and the therapist's X25519 agreement, naming the patient's share counter), for
    # a choice whose effect the patient is not there to see: the "safety signals"
    # share, which tells the therapist of a flag. None for the record categories.
    mac: Mapped[bytes | None] = mapped_column(LargeBinary(32))


class AccessLogEntry(db.Model):  # type: ignore[name-defined,misc]
    """Every time a therapist read a patient's record, or was refused: who, what
    record, when. Never content. The patient sees all of it."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_patient_id_at", "patient_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # SET NULL: a patient keeps the record of who read what after that account is gone.
    therapist_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # None when a refused request named no patient that exists.
    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    record_table: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    # "read" or "refused"
    outcome: Mapped[str] = mapped_column(String(16))
    # Where it happened: "brief", "item", "patient", … (a page name, never content).
    via: Mapped[str] = mapped_column(String(32), default="")
    # For a view of the brief (one row, no record): how many items it showed.
    item_count: Mapped[int | None] = mapped_column(Integer)


class CareLinkEnding(db.Model):  # type: ignore[name-defined,misc]
    """A link the patient did not end themselves (the clinic deactivated the
    therapist), kept so the patient is told: which therapist, when, why (a reason
    code, never content). Dismissed by the patient; goes with either account.

    The link itself is gone at once, and with it every read (a share counts only
    through an active link). The shares wait for the patient's key: at their next
    sign-in (or visit to Home or the care team) they are revoked as if the patient
    had ended the link, records re-encrypted and the share counter advanced, and
    `settled_at` is set."""

    __tablename__ = "care_link_endings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "therapist_deactivated"
    reason: Mapped[str] = mapped_column(String(32))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
