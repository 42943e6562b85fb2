"""Login sessions held server-side (crypto.md, "Sessions").

The cookie carries a random session id and a random key Ks; the row is found by
SHA-256(id) and holds the UDK sealed under Ks. A stolen database row is useless
without the cookie, and the cookie is useless once the row is gone (logout).
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from journal import crypto
from journal.crypto import Binding
from journal.extensions import db
from journal.models.sessions import AuthSession
from journal.models.types import utcnow
from journal.models.users import User

# Writing last_seen on every request would make every page a write; a minute of
# slack is far below the 30-minute idle timeout.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass
class SessionState:
    row: AuthSession
    user: User
    udk: bytes | None  # None when the session went idle: identity known, data locked

    @property
    def unlocked(self) -> bool:
        return self.udk is not None


def _binding(row_hash: bytes, user: User) -> Binding:
    return Binding("session", "auth_sessions", row_hash.hex(), user.id, "udk_sealed")


def start_session(user: User, udk: bytes, device: str = "") -> str:
    """Create a new row (never reuse one: no fixation) and return the cookie value."""
    session_id, ks = os.urandom(32), crypto.new_key()
    row_hash = crypto.session_lookup_hash(session_id)
    db.session.add(
        AuthSession(
            id_hash=row_hash,
            user_id=user.id,
            udk_sealed=crypto.seal(ks, udk, _binding(row_hash, user)),
            device=device[:120],
        )
    )
    db.session.commit()
    return base64.urlsafe_b64encode(session_id + ks).decode("ascii")


def _split(cookie: str) -> tuple[bytes, bytes] | None:
    try:
        raw = base64.urlsafe_b64decode(cookie.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if len(raw) != 64:
        return None
    return raw[:32], raw[32:]


def cookie_row_hash(cookie: str) -> bytes | None:
    parts = _split(cookie)
    return crypto.session_lookup_hash(parts[0]) if parts else None


def resolve_session(cookie: str | None) -> SessionState | None:
    """The session behind a cookie, applying the absolute and idle timeouts."""
    parts = _split(cookie) if cookie else None
    if parts is None:
        return None
    session_id, ks = parts
    row = db.session.get(AuthSession, crypto.session_lookup_hash(session_id))
    if row is None:
        return None
    config = current_app.config
    now = utcnow()
    if now - row.created_at > timedelta(seconds=config["SESSION_ABSOLUTE_SECONDS"]):
        db.session.delete(row)
        db.session.commit()
        return None
    if row.udk_sealed is not None and now - row.last_seen_at > timedelta(
        seconds=config["SESSION_IDLE_SECONDS"]
    ):
        row.udk_sealed = None
        db.session.commit()
    if row.udk_sealed is None:
        return SessionState(row, row.user, None)
    udk = crypto.open_sealed(ks, row.udk_sealed, _binding(row.id_hash, row.user))
    return SessionState(row, row.user, udk)


def touch(state: SessionState) -> None:
    """Count this request as activity (typing and autosave included)."""
    if state.unlocked and utcnow() - state.row.last_seen_at > TOUCH_INTERVAL:
        state.row.last_seen_at = utcnow()
        db.session.commit()


def end_session(cookie: str | None) -> None:
    row_hash = cookie_row_hash(cookie) if cookie else None
    if row_hash is None:
        return
    row = db.session.get(AuthSession, row_hash)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
