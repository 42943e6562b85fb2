"""Tags and the dosing session a free journal entry is about.

Both are health details (a tag like "panic" or "dad" says a lot), so they live in the
entry's sealed `meta` field under the entry's own DEK, never in a clear column: the
session link too, which is not needed to schedule anything. Filtering by tag or
session therefore happens after decrypting, in `services/search.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select

from journal.core.database import built_once
from journal.core.extensions import db
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.users import User

TAGS_MAX: Final = 12
TAG_MAX_CHARS: Final = 40


def parse_tags(raw: str) -> tuple[tuple[str, ...], str | None]:
    """Comma-separated tags as typed: trimmed, inner spaces collapsed, duplicates
    (ignoring case) dropped, the first spelling kept. Returns (tags, error)."""
    tags: list[str] = []
    seen: set[str] = set()
    for part in raw.replace("\n", ",").split(","):
        tag = " ".join(part.replace("#", " ").split())
        if not tag:
            continue
        if len(tag) > TAG_MAX_CHARS:
            return tuple(tags), _("Keep each tag under %(num)d characters.", num=TAG_MAX_CHARS)
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        return tuple(tags), _("Use at most %(num)d tags on one entry.", num=TAGS_MAX)
    return tuple(tags), None


def tags_text(tags: Iterable[str]) -> str:
    return ", ".join(tags)


def has_tag(tags: Iterable[str], wanted: str) -> bool:
    folded = " ".join(wanted.replace("#", " ").split()).casefold()
    return any(t.casefold() == folded for t in tags)


def to_payload(tags: Iterable[str], session_id: uuid.UUID | None) -> dict[str, Any]:
    return {"tags": list(tags), "session_id": str(session_id) if session_id else None}


def from_payload(data: Mapping[str, Any]) -> tuple[tuple[str, ...], uuid.UUID | None]:
    raw = data.get("session_id")
    return tuple(str(t) for t in data.get("tags", [])), uuid.UUID(raw) if raw else None


def linkable_session(user: User, raw: str) -> tuple[uuid.UUID | None, str | None]:
    """The session an entry may be tied to: one of the user's own, not cancelled.
    Returns (session id, error); an empty choice is no session."""
    if not raw:
        return None, None
    try:
        wanted = uuid.UUID(raw)
    except ValueError:
        return None, _("Choose one of your sessions, or none.")
    found = db.session.scalar(
        select(KapSession.id).where(
            KapSession.id == wanted,
            KapSession.user_id == user.id,
            KapSession.status != SessionStatus.CANCELLED,
        )
    )
    if found is None:
        return None, _("Choose one of your sessions, or none.")
    return found, None


@dataclass(frozen=True)
class SessionChoice:
    id: uuid.UUID
    starts_at: datetime
    status: SessionStatus


@built_once
def _choices_statement() -> Select[uuid.UUID, datetime, SessionStatus]:
    """`user_id`'s sessions that are not cancelled, newest first: ids, starts, status."""
    return (
        select(KapSession.id, KapSession.starts_at, KapSession.status)
        .where(
            KapSession.user_id == bindparam("user_id"),
            KapSession.status != SessionStatus.CANCELLED,
        )
        .order_by(KapSession.starts_at.desc())
    )


def session_choices(user: User) -> list[SessionChoice]:
    """The user's sessions that are not cancelled, newest first (dates and status
    only, which are in clear: nothing is decrypted to fill the list)."""
    rows = db.session.execute(_choices_statement(), {"user_id": user.id}).all()
    return [SessionChoice(sid, starts, status) for sid, starts, status in rows]
