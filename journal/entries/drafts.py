"""Autosaved drafts, sealed to the writer's own public key.

Sealing needs only the public key, so an autosave still lands after the session
went idle or the UDK is otherwise out of reach; opening needs the private key,
which only the logged-in owner has. HPKE alone would let anyone who can write the
database seal a "draft" to that public key too, so the box carries a MAC under the
server's pepper (`crypto.seal_vouched`); a draft without one is never offered.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from journal.accounts import keys
from journal.care import access
from journal.core import crypto
from journal.core.extensions import db
from journal.core.integrity import log_unopened
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
    kid, pepper = keys.current_pepper()
    draft.sealed = crypto.seal_vouched(
        kid, pepper, keys.verified_public_key(user), payload, _info(draft_id, user.id, entry_id)
    )
    draft.updated_at = utcnow()
    db.session.commit()
    return draft


def open_draft(user: User, udk: bytes, draft: Draft) -> DraftView:
    """Raises `IntegrityFailure` for a draft the server did not seal (planted, or
    saved before drafts carried a MAC) or one that does not open."""
    raw = crypto.open_vouched(
        keys.peppers(),
        keys.private_key(user, udk),
        draft.sealed,
        _info(draft.id, user.id, draft.entry_id),
    )
    try:
        data = json.loads(raw)
        return DraftView(
            draft.id, draft.entry_id, str(data["title"]), str(data["body"]), draft.updated_at
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise crypto.IntegrityFailure("draft has the wrong shape") from exc


def _openable(user: User, udk: bytes, rows: Iterable[Draft]) -> list[DraftView]:
    """The drafts that open; one that does not is left out and logged, never offered
    as the person's own words."""
    found = []
    for draft in rows:
        try:
            found.append(open_draft(user, udk, draft))
        except crypto.IntegrityFailure:
            log_unopened("drafts", draft.id)
    return found


def drafts_of(user: User, udk: bytes, entry_id: uuid.UUID | None) -> list[DraftView]:
    """Newest first: drafts of new entries (entry_id None) or of one entry."""
    query = select(Draft).where(Draft.user_id == user.id)
    query = query.where(
        Draft.entry_id.is_(None) if entry_id is None else Draft.entry_id == entry_id
    )
    rows = db.session.scalars(query.order_by(Draft.updated_at.desc())).all()
    return _openable(user, udk, rows)


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
        for view in _openable(user, udk, rows)
    ]


def move_vouches(kid: str) -> int:
    """Pepper rotation: every draft vouched for under another pepper is vouched for
    under `kid`; one whose MAC already failed is deleted (it would never be offered)."""
    moved = 0
    pepper = keys.pepper_for(kid)
    for draft in db.session.scalars(select(Draft)):
        if crypto.vouched_kid(draft.sealed) == kid:
            continue
        info = _info(draft.id, draft.user_id, draft.entry_id)
        try:
            draft.sealed = crypto.revouch(keys.peppers(), kid, pepper, draft.sealed, info)
            moved += 1
        except crypto.IntegrityFailure:
            db.session.delete(draft)
    return moved
