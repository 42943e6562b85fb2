"""Two-step sign-in with TOTP (RFC 6238, via pyotp) and one-time backup codes.

The secret is sealed under the user's UDK. That is why sign-in has two steps: the
password step unwraps the UDK and keeps it in a half-finished session row (see
`auth_sessions.SECOND_FACTOR`); the code step opens the secret with it. A stolen
database, even with the pepper, cannot produce a single code.

Required for therapists (they will hold other people's shared records) and for the
clinic's administrator (who can close therapists' accounts), optional for patients.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
import uuid
from dataclasses import dataclass

import pyotp
import segno
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from journal.accounts import accounts, audit, keys
from journal.accounts.auth_sessions import SessionState
from journal.core import crypto
from journal.core.crypto import Binding
from journal.core.extensions import db
from journal.models.two_factor import BackupCode, TwoFactor
from journal.models.types import utcnow
from journal.models.users import User

ISSUER = "Fresh Tracks"
STEP_SECONDS = 30
BACKUP_CODES = 10
# One step either side: a phone clock a little off still works.
DRIFT_STEPS = 1
# Wrong codes one half-finished login may try before the password is asked again.
CODES_PER_LOGIN = 5
WRONG_CODE = _l("That code did not work. Enter the code your app shows now, or a backup code.")


class CodeRejected(ValueError):
    """The code was wrong, reused or expired; the message can be shown as it is."""


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_svg: str

    @property
    def grouped_secret(self) -> str:
        """Four-letter groups, easier to type into an authenticator by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def required(user: User) -> bool:
    return user.is_therapist or user.is_admin


def _row(user: User) -> TwoFactor | None:
    return db.session.get(TwoFactor, user.id)


def enabled(user: User) -> bool:
    row = _row(user)
    return row is not None and row.confirmed_at is not None


def _binding(user_id: uuid.UUID) -> Binding:
    return Binding("totp", "two_factor", user_id, user_id, "secret")


def _seal(udk: bytes, user_id: uuid.UUID, secret: str) -> bytes:
    return crypto.seal_text(udk, secret, _binding(user_id))


def _open(udk: bytes, row: TwoFactor) -> str:
    return crypto.open_text(udk, row.secret_sealed, _binding(row.user_id))


def _enrolment(user: User, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    # Dark on light whatever the page's colour scheme, so every camera can read it.
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", border=4)
    return Enrolment(secret, uri, svg)


def pending_enrolment(user: User, udk: bytes) -> Enrolment:
    """The secret being set up: the same one until it is confirmed, so reloading the
    page does not invalidate what the person already scanned."""
    row = _row(user)
    if row is not None and row.confirmed_at is not None:
        raise CodeRejected(_("Two-step sign-in is already on."))
    if row is None:
        secret = pyotp.random_base32(32)  # 160 bits, as RFC 4226 recommends
        db.session.add(TwoFactor(user_id=user.id, secret_sealed=_seal(udk, user.id, secret)))
        db.session.commit()
        return _enrolment(user, secret)
    return _enrolment(user, _open(udk, row))


def _matching_step(secret: str, code: str, after: int) -> int | None:
    """The time step the code belongs to, if it is one after `after`."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // STEP_SECONDS
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        # Compare every candidate: the time taken does not say which one matched.
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code) and step > after:
            found = step
    return found


def confirm_enrolment(user: User, udk: bytes, code: str) -> list[str]:
    """Turn two-step sign-in on with the first right code; return the backup codes
    to show once."""
    row = _row(user)
    if row is None or row.confirmed_at is not None:
        raise CodeRejected(_("Start setting up two-step sign-in again."))
    step = _matching_step(_open(udk, row), code, 0)
    if step is None:
        raise CodeRejected(
            "That code did not work. Check that your phone's clock is right and enter "
            "the code the app shows now."
        )
    row.confirmed_at = utcnow()
    row.last_step = step
    codes = _new_backup_codes(user)
    audit.record(user.id, "two_factor.enabled")
    db.session.commit()
    return codes


def _code_hash(user_id: uuid.UUID, code: str) -> bytes:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(user_id.bytes + cleaned.encode()).digest()


def _new_backup_codes(user: User) -> list[str]:
    db.session.execute(delete(BackupCode).where(BackupCode.user_id == user.id))
    codes = []
    for _code_number in range(BACKUP_CODES):
        text = base64.b32encode(os.urandom(10)).decode("ascii")  # 80 bits, 16 characters
        code = "-".join(text[i : i + 4] for i in range(0, 16, 4))
        db.session.add(BackupCode(user_id=user.id, code_hash=_code_hash(user.id, code)))
        codes.append(code)
    return codes


def backup_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(BackupCode.id).where(BackupCode.user_id == user.id, BackupCode.used_at.is_(None))
        ).all()
    )


def _use_backup_code(user: User, code: str) -> bool:
    # A conditional update, so two requests racing with one code cannot both win.
    result = db.session.execute(
        update(BackupCode)
        .where(
            BackupCode.user_id == user.id,
            BackupCode.code_hash == _code_hash(user.id, code),
            BackupCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


def verify(user: User, udk: bytes, code: str) -> bool:
    """A current code (never one already used) or an unused backup code.

    The caller commits (together with its own bookkeeping)."""
    row = _row(user)
    if row is None or row.confirmed_at is None:
        return False
    if sum(ch.isdigit() for ch in code) == 6 and len(code.strip()) <= 7:
        step = _matching_step(_open(udk, row), code, row.last_step)
        if step is None:
            return False
        # Conditional, so the same code sent twice at once is accepted once.
        moved = db.session.execute(
            update(TwoFactor)
            .where(TwoFactor.user_id == user.id, TwoFactor.last_step < step)
            .values(last_step=step)
        )
        return bool(getattr(moved, "rowcount", 0))
    if _use_backup_code(user, code):
        audit.record(user.id, "two_factor.backup_code_used")
        return True
    return False


def complete_sign_in(pending: SessionState, code: str, device: str = "") -> None:
    """The second step of a login. Raises `accounts.Throttled` while the email is
    locked and `CodeRejected` for a wrong code; after `CODES_PER_LOGIN` wrong codes
    the half-finished login is ended and the password must be entered again.

    The same per-email backoff as the password step applies, so a stolen password
    does not buy unlimited guesses at six digits from many addresses.
    """
    user, udk = pending.user, pending.udk
    if udk is None:
        raise CodeRejected(WRONG_CODE)
    throttle = accounts.throttle_for("second_factor", user.email)
    if verify(user, udk, code):
        accounts.clear_throttle(throttle)
        audit.record(user.id, "login", device)
        db.session.commit()
        return
    accounts.note_failure(throttle)
    audit.record(user.id, "login.second_factor_failed", device)
    pending.row.code_failures += 1
    if pending.row.code_failures >= CODES_PER_LOGIN:
        db.session.delete(pending.row)
    db.session.commit()
    raise CodeRejected(WRONG_CODE)


def regenerate_backup_codes(user: User) -> list[str]:
    """New codes replacing the old; the route asks for a recent step-up (password and
    code) first, so a session cookie alone cannot mint them."""
    if not enabled(user):
        raise CodeRejected(_("Turn on two-step sign-in first."))
    codes = _new_backup_codes(user)
    audit.record(user.id, "two_factor.backup_codes_replaced")
    db.session.commit()
    return codes


def disable(user: User, udk: bytes, password: str, code: str) -> None:
    if required(user):
        raise CodeRejected(_("Therapist accounts always use two-step sign-in."))
    # The same backoff as a password change: a stolen session is no guessing oracle.
    throttle = accounts.throttle_for("password", user.email)
    if keys.check_password(user, password) is None:
        accounts.note_failure(throttle)
        db.session.commit()
        raise CodeRejected(_("Your password is not right."))
    if not verify(user, udk, code):
        db.session.commit()
        raise CodeRejected(_("That code did not work. Enter the code your app shows now."))
    db.session.execute(delete(BackupCode).where(BackupCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    audit.record(user.id, "two_factor.disabled")
    db.session.commit()


def reseal_secret(user: User, old_udk: bytes, new_udk: bytes) -> None:
    row = _row(user)
    if row is not None:
        row.secret_sealed = _seal(new_udk, user.id, _open(old_udk, row))
