"""Writes to the security log. Callers pass actions and ids, never content."""

from __future__ import annotations

import uuid

from journal.extensions import db
from journal.models.audit import AuditEvent


def record(user_id: uuid.UUID | None, action: str, detail: str = "") -> None:
    db.session.add(AuditEvent(user_id=user_id, action=action, detail=detail[:200]))
