"""Step-up: the password (and, with two-step sign-in on, a code) asked again before a
credential or security change.

A session cookie alone must never be enough to take an account over: whoever holds
it could otherwise issue a new recovery key and reset the password past two-step
sign-in. So every such change needs a session that proved the password (and code)
within the last few minutes (`STEP_UP_SECONDS`). The proof is kept on the session
row, server-side; nothing in the browser carries it. A login counts as one: the
person has just typed both.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from journal.accounts import accounts, audit, keys, two_factor
from journal.accounts.accounts import AccountError
from journal.core.extensions import db
from journal.models.sessions import AuthSession
from journal.models.types import utcnow
from journal.models.users import User

NOT_RIGHT = _l(
    "That password is not right. Type it again; nothing has been changed yet. "
    "Forgotten it? Log out and use your recovery key."
)
WRONG_CODE = _l(
    "That code did not work. Enter the code your authenticator app shows now, "
    "or one of your backup codes."
)


def window() -> timedelta:
    return timedelta(seconds=int(current_app.config["STEP_UP_SECONDS"]))


def is_fresh(row: AuthSession) -> bool:
    """Whether this session confirmed the password (and code) recently enough."""
    at = row.stepped_up_at
    return at is not None and utcnow() - at <= window()


def needs_code(user: User) -> bool:
    return accounts.has_second_factor(user)


def confirm(row: AuthSession, user: User, udk: bytes, password: str, code: str) -> None:
    """Check the password and (when on) the code; on success the session may change
    credentials for the next few minutes. Wrong guesses share the password-change
    backoff, so a stolen cookie is no guessing oracle."""
    throttle = accounts.throttle_for("password", user.email)
    if keys.check_password(user, password) is None:
        accounts.note_failure(throttle)
        audit.record(user.id, "step_up.failed")
        db.session.commit()
        raise AccountError(NOT_RIGHT)
    if needs_code(user) and not two_factor.verify(user, udk, code):
        accounts.note_failure(throttle)
        audit.record(user.id, "step_up.failed")
        db.session.commit()
        raise AccountError(WRONG_CODE)
    accounts.clear_throttle(throttle)
    row.stepped_up_at = utcnow()
    audit.record(user.id, "step_up.confirmed")
    db.session.commit()


def forget(row: AuthSession) -> None:
    """End the confirmation early (after the change it allowed, where that makes sense)."""
    row.stepped_up_at = None
    db.session.commit()
