"""A session's preparation checklist, snapshotted when it was made.

The payload holds the items as they were planned (text, phase, offset from the
appointment, the content id and version) and the ticked keys, so a later edit of
`journal/content/checklists` never changes a checklist someone is working through.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.records import EncryptedPayloadMixin


class Checklist(EncryptedPayloadMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "checklists"

    kap_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("kap_sessions.id", ondelete="CASCADE"), unique=True
    )
    # Ticks are read-modify-write on a sealed payload: two devices ticking at once
    # must not lose one tick, so an UPDATE that finds a newer row fails and retries.
    lock_version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012
