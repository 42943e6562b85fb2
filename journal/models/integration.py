"""Integration after a dosing session: the prompt schedule, one record per prompt
(its answer), autosaved answer drafts, and the after-effects log.

In clear, because the app schedules and lists by them: which session a record
belongs to, each prompt's key in the content file (it names a question of the
public prompt set, never what was written), its slot, when it is due, when it stops
being "due now", until when it is snoozed, and whether it is open, answered or
skipped. The question as it was asked and the answer are in the sealed payload; so
is everything about an after-effect (kind, severity, time, readings, notes).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.records import EncryptedPayloadMixin
from journal.models.types import UTCDateTime, utcnow


class PromptState(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    SKIPPED = "skipped"


class PromptSchedule(EncryptedPayloadMixin, db.Model):  # type: ignore[name-defined,misc]
    """The prompt set as it was when the session was done (id, version, texts,
    offsets), so editing `journal/content/prompts` never changes a schedule made
    earlier, and moving the session moves every prompt with it."""

    __tablename__ = "prompt_schedules"

    kap_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("kap_sessions.id", ondelete="CASCADE"), unique=True
    )


class PromptAnswer(EncryptedPayloadMixin, db.Model):  # type: ignore[name-defined,misc]
    """One prompt of one session and the patient's answer to it: its own DEK, so a
    single answer can be shared with a therapist."""

    __tablename__ = "prompt_answers"
    __table_args__ = (
        UniqueConstraint("kap_session_id", "prompt_key"),
        Index("ix_prompt_answers_user_id_due_at", "user_id", "due_at"),
    )

    kap_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("kap_sessions.id", ondelete="CASCADE"), index=True
    )
    prompt_key: Mapped[str] = mapped_column(String(64))
    slot: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[PromptState] = mapped_column(
        Enum(
            PromptState,
            name="prompt_state",
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=PromptState.OPEN,
    )
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PromptDraft(db.Model):  # type: ignore[name-defined,misc]
    """What is being typed into an answer, sealed to the owner's public key (HPKE),
    like journal drafts: autosave keeps working after the session went idle."""

    __tablename__ = "prompt_drafts"

    prompt_answer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("prompt_answers.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AfterEffect(EncryptedPayloadMixin, db.Model):  # type: ignore[name-defined,misc]
    """One line of a session's after-effects log. Only `created_at` (when the row
    was written) is in clear; when the effect happened is in the payload."""

    __tablename__ = "after_effects"

    kap_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("kap_sessions.id", ondelete="CASCADE"), index=True
    )
