"""Autosaved drafts, sealed to the writer's own public key.

Sealing needs only the public key, so an autosave still lands after the session
went idle or the UDK is otherwise out of reach; opening needs the private key,
which only the logged-in owner has.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from journal.accounts import keys
from journal.care import access
from journal.core import crypto
from journal.core.extensions import db
from journal.models.entries import Draft
from journal.models.types import utcnow
from journal.models.users import User
from journal.your_data import export


@dataclass(frozen=True)
class DraftView:
    id: uuid.UUID
    entry_id: uuid.UUID | None
    title: str
    body: str
    updated_at: datetime


def _info(draft_id: uuid.UUID, user_id: uuid.UUID, entry_id: uuid.UUID | None) -> bytes:
    return crypto.hpke_info("draft", draft_id, user_id, entry_id or "")


def save_draft(
    user: User, draft_id: uuid.UUID, entry_id: uuid.UUID | None, title: str, body: str
) -> Draft:
    """Create or replace the draft. A draft id or entry id of someone else is 404."""
    if entry_id is not None:
        access.owned_entry(user, entry_id)
    limit = current_app.config["ENTRY_MAX_CHARS"]
    # Keep a little more than an entry may hold, so an over-long text is not lost
    # before the person sees the message and splits it.
    payload = json.dumps({"title": title[:1000], "body": body[: limit + 10_000]}).encode()
    draft = access.owned_draft(user, draft_id)
    if draft is None:
        draft = Draft(id=draft_id, user_id=user.id, entry_id=entry_id, sealed=b"")
        db.session.add(draft)
    elif draft.entry_id != entry_id:
        raise access.RecordNotFound(draft_id)
    draft.sealed = crypto.seal_to_public_key(
        keys.verified_public_key(user), payload, _info(draft_id, user.id, entry_id)
    )
    draft.updated_at = utcnow()
    db.session.commit()
    return draft


def open_draft(user: User, udk: bytes, draft: Draft) -> DraftView:
    data = json.loads(
        crypto.open_with_private_key(
            keys.private_key(user, udk), draft.sealed, _info(draft.id, user.id, draft.entry_id)
        )
    )
    return DraftView(draft.id, draft.entry_id, data["title"], data["body"], draft.updated_at)


def drafts_of(user: User, udk: bytes, entry_id: uuid.UUID | None) -> list[DraftView]:
    """Newest first: drafts of new entries (entry_id None) or of one entry."""
    query = select(Draft).where(Draft.user_id == user.id)
    query = query.where(
        Draft.entry_id.is_(None) if entry_id is None else Draft.entry_id == entry_id
    )
    rows = db.session.scalars(query.order_by(Draft.updated_at.desc())).all()
    return [open_draft(user, udk, d) for d in rows]


def discard_draft(user: User, draft_id: uuid.UUID) -> None:
    draft = access.owned_draft(user, draft_id)
    if draft is not None:
        db.session.delete(draft)
        db.session.commit()


def export_drafts(user: User, udk: bytes) -> list[dict[str, str | None]]:
    rows = db.session.scalars(
        select(Draft).where(Draft.user_id == user.id).order_by(Draft.updated_at)
    )
    return [
        {
            "id": str(view.id),
            "entry_id": str(view.entry_id) if view.entry_id else None,
            "updated_at": export.iso(view.updated_at),
            "title": view.title,
            "body": view.body,
        }
        for view in (open_draft(user, udk, d) for d in rows)
    ]
