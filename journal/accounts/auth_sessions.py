"""Login sessions held server-side (docs/crypto.md).

The cookie carries a random session id and a random key Ks; the row is found by
SHA-256(id) and holds the UDK sealed under Ks. A stolen database row is useless
without the cookie, and the cookie is useless once the row is gone (logout).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from journal.core import crypto
from journal.core.crypto import Binding
from journal.core.extensions import db
from journal.models.sessions import AuthSession
from journal.models.types import utcnow
from journal.models.users import User

# Writing last_seen on every request would make every page a write; a minute of
# slack is far below the 30-minute idle timeout.
TOUCH_INTERVAL = timedelta(seconds=60)
ACTIVE = "active"
# Between a right password and a right code. Such a row is not a login: nothing but
# the code form accepts it, and it lives only a few minutes and a few wrong codes.
SECOND_FACTOR = "second_factor"
SECOND_FACTOR_TTL = timedelta(minutes=5)


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


SignInHook = Callable[[User, bytes], object]
_sign_in_hooks: list[SignInHook] = []


def on_sign_in(hook: SignInHook) -> None:
    """Add `hook(user, udk)`, run as a session becomes active (after the second
    step, when there is one): work that needs the user's keys, such as making the
    shares the server vouched for the patient's own (registered in wiring.py)."""
    if hook not in _sign_in_hooks:
        _sign_in_hooks.append(hook)


def start_session(user: User, udk: bytes, device: str = "", stage: str = ACTIVE) -> str:
    """Create a new row (never reuse one: no fixation) and return the cookie value."""
    session_id, ks = os.urandom(32), crypto.new_key()
    row_hash = crypto.session_lookup_hash(session_id)
    db.session.add(
        AuthSession(
            id_hash=row_hash,
            user_id=user.id,
            udk_sealed=crypto.seal(ks, udk, _binding(row_hash, user)),
            device=device[:120],
            stage=stage,
            # A login has just proved the password (and code): it counts as a step-up.
            stepped_up_at=utcnow() if stage == ACTIVE else None,
        )
    )
    db.session.commit()
    if stage == ACTIVE:
        for hook in _sign_in_hooks:
            try:
                hook(user, udk)
            except crypto.IntegrityFailure:
                db.session.rollback()
                current_app.logger.error("integrity failure: a sign-in step for %s", user.id)
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


def resolve_session(cookie: str | None, stage: str = ACTIVE) -> SessionState | None:
    """The session behind a cookie, applying the absolute and idle timeouts.

    Only a row of the given stage counts: a half-finished two-step login is never
    a session anywhere else, and a full one is not a half-finished one.
    """
    parts = _split(cookie) if cookie else None
    if parts is None:
        return None
    session_id, ks = parts
    row = db.session.get(AuthSession, crypto.session_lookup_hash(session_id))
    if row is None or row.stage != stage:
        return None
    if row.user.deactivated_at is not None:
        # Deactivation deletes every session; one that slipped past it ends here.
        db.session.delete(row)
        db.session.commit()
        return None
    config = current_app.config
    now = utcnow()
    lifetime = (
        SECOND_FACTOR_TTL
        if stage == SECOND_FACTOR
        else timedelta(seconds=config["SESSION_ABSOLUTE_SECONDS"])
    )
    if now - row.created_at > lifetime:
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


def end_row(row: AuthSession) -> None:
    db.session.delete(row)
    db.session.commit()


def active_sessions(user: User) -> list[AuthSession]:
    """The user's logins, most recently used first (half-finished logins left out)."""
    return list(
        db.session.scalars(
            select(AuthSession)
            .where(AuthSession.user_id == user.id, AuthSession.stage == ACTIVE)
            .order_by(AuthSession.last_seen_at.desc())
        )
    )


def end_every_session(user_id: uuid.UUID) -> int:
    result = db.session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Macintosh", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """Plain words like "Firefox on Android" from the browser's own description:
    people recognise their devices by that, not by a version string."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return str(_("%(browser)s on %(system)s", browser=browser, system=system))
    if browser or system:
        return browser or system or ""
    cleaned = re.sub(r"[^\w .,/()-]", "", user_agent).strip()
    return cleaned[:40] or str(_("Unknown device"))
