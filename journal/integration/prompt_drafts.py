"""What is being typed into a prompt's answer, autosaved while typing.

The same mechanism as journal drafts (`services/drafts.py`): sealed to the writer's
own public key with HPKE, so an autosave still lands after the session went idle,
and only the logged-in owner can open it. One draft per prompt; saving the answer
discards it. A separate table, because a journal draft belongs to an entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, select

from journal.accounts import keys
from journal.core import crypto
from journal.core.extensions import db
from journal.core.integrity import log_unopened
from journal.models.integration import PromptAnswer, PromptDraft
from journal.models.types import utcnow
from journal.models.users import User


@dataclass(frozen=True)
class PromptDraftView:
    text: str
    updated_at: datetime


def _info(row: PromptAnswer) -> bytes:
    return crypto.hpke_info("prompt-draft", row.id, row.user_id)


def save(user: User, row: PromptAnswer, text: str) -> PromptDraft:
    """Create or replace the draft; `row` comes from `access.owned_prompt`."""
    # A little more than an answer may hold, so an over-long text is not lost
    # before the person sees the message.
    limit = current_app.config["ENTRY_MAX_CHARS"] + 10_000
    payload = json.dumps({"text": text[:limit]}).encode()
    draft = db.session.get(PromptDraft, row.id)
    if draft is None:
        draft = PromptDraft(prompt_answer_id=row.id, user_id=user.id, sealed=b"")
        db.session.add(draft)
    kid, pepper = keys.current_pepper()
    draft.sealed = crypto.seal_vouched(
        kid, pepper, keys.verified_public_key(user), payload, _info(row)
    )
    draft.updated_at = utcnow()
    db.session.commit()
    return draft


def draft_of(user: User, udk: bytes, row: PromptAnswer) -> PromptDraftView | None:
    draft: PromptDraft | None = db.session.scalar(
        select(PromptDraft).where(
            PromptDraft.prompt_answer_id == row.id, PromptDraft.user_id == user.id
        )
    )
    if draft is None:
        return None
    # Vouched for by the server (a MAC under the pepper, as journal drafts): one that
    # was planted, saved before drafts carried a MAC, or damaged is left out and
    # logged, never shown as the person's words.
    try:
        raw = crypto.open_vouched(
            keys.peppers(), keys.private_key(user, udk), draft.sealed, _info(row)
        )
        return PromptDraftView(str(json.loads(raw)["text"]), draft.updated_at)
    except (crypto.IntegrityFailure, ValueError, KeyError, TypeError):
        log_unopened("prompt_drafts", row.id)
        return None


def discard(row: PromptAnswer) -> None:
    """Not committed: the caller saves the answer in the same commit."""
    db.session.execute(delete(PromptDraft).where(PromptDraft.prompt_answer_id == row.id))


def move_vouches(kid: str) -> int:
    """Pepper rotation, as `entries.drafts.move_vouches`."""
    moved = 0
    pepper = keys.pepper_for(kid)
    for draft in db.session.scalars(select(PromptDraft)):
        if crypto.vouched_kid(draft.sealed) == kid:
            continue
        info = crypto.hpke_info("prompt-draft", draft.prompt_answer_id, draft.user_id)
        try:
            draft.sealed = crypto.revouch(keys.peppers(), kid, pepper, draft.sealed, info)
            moved += 1
        except crypto.IntegrityFailure:
            db.session.delete(draft)
    return moved
