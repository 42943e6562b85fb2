"""The intention written for one dosing session: its own record and its own DEK,
so the patient can later share it with a therapist without sharing the session."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.records import EncryptedPayloadMixin


class Intention(EncryptedPayloadMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "intentions"

    kap_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("kap_sessions.id", ondelete="CASCADE"), unique=True
    )
