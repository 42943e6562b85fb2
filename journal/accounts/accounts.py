"""Accounts: sign-up by emailed link, login with backoff, password change, recovery.

Every answer that could tell an outsider whether an email has an account is the
same for both cases: sign-up and start-over always say "check your email" (the
mail itself is decided and sent by a job: account_mail.py), login
and recovery failures share one message and spend the same Argon2id time.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, inspect, select

from journal.accounts import audit, keys
from journal.accounts.passwords import password_problems
from journal.core import crypto
from journal.core.extensions import Base, db
from journal.models.adaptations import Adaptation
from journal.models.entries import Draft, Entry
from journal.models.jobs import MailRequest
from journal.models.records import EncryptedPayloadMixin
from journal.models.sessions import AuthSession, KnownDevice
from journal.models.sharing import Share, StandingShare
from journal.models.two_factor import BackupCode, TwoFactor
from journal.models.types import utcnow
from journal.models.users import AccountToken, LoginThrottle, Role, User

SIGNUP_TOKEN_TTL = timedelta(hours=24)
START_OVER_TOKEN_TTL = timedelta(hours=1)
# A therapist invited by the clinic's administrator has three days to set up.
THERAPIST_INVITE_TOKEN_TTL = timedelta(hours=72)
FREE_FAILURES = 5
# Wrong passwords from all unknown clients of one account together before they wait.
FREE_FAILURES_UNKNOWN_CLIENTS = 20
FORGET_AFTER = timedelta(days=1)
MAX_LOCK = timedelta(minutes=15)
LOGIN_FAILED = _l("That email and password do not match an account.")
RECOVERY_FAILED = _l("That email and recovery key do not match an account.")
DEACTIVATED = _l(
    "This account was closed by your clinic's administrator, so it can no longer "
    "sign in. Ask your clinic if you think this is a mistake."
)


class AccountError(ValueError):
    """A problem the person can fix; the message is shown as it is."""


class Throttled(AccountError):
    pass


@dataclass(frozen=True)
class Unlocked:
    """A user with their UDK open, and the recovery key to show once (if new)."""

    user: User
    udk: bytes
    recovery_key: str | None = None


def normalise_email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(_("Enter an email address like name@example.com.")) from exc


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def check_new_password(password: str, confirm: str, email: str) -> list[str]:
    problems = password_problems(password, email=email)
    if not problems and password != confirm:
        problems = [_("The two passwords are different.")]
    return problems


# -- tokens sent by email --------------------------------------------------------------


def issue_token(purpose: str, email: str, user_id: uuid.UUID | None, ttl: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user_id,
            email=email,
            purpose=purpose,
            token_hash=crypto.token_hash(token),
            expires_at=utcnow() + ttl,
        )
    )
    return token


def _valid_token(purpose: str, token: str) -> AccountToken | None:
    row: AccountToken | None = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == crypto.token_hash(token))
    )
    if row is None or row.purpose != purpose or row.used_at is not None:
        return None
    if row.expires_at < utcnow():
        return None
    return row


def purge_tokens(now: datetime | None = None) -> int:
    """Delete every emailed token that was used or has expired, and the record of each
    mail already sent: none of them can do anything any more, and each keeps an email
    address in clear. Returns how many tokens went."""
    now = now or utcnow()
    result = db.session.execute(
        delete(AccountToken).where(
            AccountToken.used_at.is_not(None) | (AccountToken.expires_at < now)
        )
    )
    db.session.execute(delete(MailRequest).where(MailRequest.sent_at.is_not(None)))
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def forget_tokens(user_id: uuid.UUID, email: str) -> None:
    """Every token of an account, also those made before it existed (a sign-up link
    carries only the email). The caller commits."""
    db.session.execute(
        delete(AccountToken).where(
            (AccountToken.user_id == user_id) | (AccountToken.email == email)
        )
    )


def signup_email(token: str) -> str | None:
    row = _valid_token("signup", token)
    return row.email if row else None


def invited_therapist_email(token: str) -> str | None:
    """The address a clinic's invitation link was sent to, while it is valid."""
    row = _valid_token("therapist_invite", token)
    return row.email if row else None


def complete_therapist_invitation(token: str, password: str, time_zone: str) -> Unlocked:
    """The invited therapist chose a password: the account is made and the link used
    up. Two-step sign-in is set up next (it is required before anything else)."""
    row = _valid_token("therapist_invite", token)
    if row is None:
        raise AccountError(
            "This invitation link has expired or was already used. Ask your clinic's "
            "administrator for a new one."
        )
    row.used_at = utcnow()
    return create_user(row.email, password, Role.THERAPIST, time_zone)


def create_user(email: str, password: str, role: Role, time_zone: str = "UTC") -> Unlocked:
    """Make an account with all its keys; the caller shows the recovery key once."""
    email = normalise_email(email)
    if user_by_email(email) is not None:
        raise AccountError(_("An account with this email already exists."))
    problems = password_problems(password, email=email)
    if problems:
        raise AccountError(" ".join(problems))
    user = User(id=uuid.uuid4(), email=email, role=role, time_zone=time_zone)
    new = keys.initialise_keys(user, password)
    recovery_text = crypto.format_recovery_key(new.recovery_key)
    _expect_recovery_confirmation(user, new.udk, recovery_text)
    db.session.add(user)
    db.session.flush()  # the audit row refers to the user
    audit.record(user.id, "account.created", role.value)
    db.session.commit()
    return Unlocked(user, new.udk, recovery_text)


def adopt_browser_zone(user: User, zone: str) -> None:
    """At sign-in: an account still in the UTC it was made with (from the command
    line) takes the browser's zone; a zone the person chose or confirmed stays."""
    if not user.time_zone_confirmed and user.time_zone == "UTC" and zone != "UTC":
        user.time_zone = zone
        db.session.commit()


def complete_signup(token: str, password: str, time_zone: str) -> Unlocked:
    row = _valid_token("signup", token)
    if row is None:
        raise AccountError(
            _("This sign-up link has expired or was already used. Ask for a new one.")
        )
    row.used_at = utcnow()
    return create_user(row.email, password, Role.PATIENT, time_zone)


# -- recovery key confirmation -------------------------------------------------------


def _recovery_check(user_id: uuid.UUID, udk: bytes, last_group: str) -> bytes:
    """Keyed by the UDK, not the pepper, so a pepper rotation leaves it valid; the
    last group is all checksum, so even this HMAC reveals nothing of the key."""
    return crypto.keyed_digest(
        udk, "recovery check", user_id.bytes + last_group.strip().upper().encode()
    )


def _expect_recovery_confirmation(user: User, udk: bytes, recovery_text: str) -> None:
    user.recovery_check = _recovery_check(user.id, udk, recovery_text.rsplit("-", 1)[-1])
    user.recovery_confirmed_at = None


def confirm_recovery_key(user: User, udk: bytes, typed_last_group: str) -> None:
    if user.recovery_check is None:
        return
    expected = _recovery_check(user.id, udk, typed_last_group)
    if not hmac.compare_digest(user.recovery_check, expected):
        raise AccountError(
            _("That is not the last group of your key. Check what you saved and try again.")
        )
    user.recovery_check = None
    user.recovery_confirmed_at = utcnow()
    audit.record(user.id, "recovery_key.confirmed")
    db.session.commit()


def issue_new_recovery_key(user: User, udk: bytes, *, commit: bool = True) -> str:
    text = crypto.format_recovery_key(keys.set_recovery_key(user, udk))
    _expect_recovery_confirmation(user, udk, text)
    audit.record(user.id, "recovery_key.replaced")
    if commit:
        db.session.commit()
    return text


# -- login and backoff ---------------------------------------------------------------


def _account_hash(email: str) -> bytes:
    return hmac.new(keys.current_pepper()[1], f"account:{email}".encode(), "sha256").digest()


def _throttle_row(kind: str, email: str, scope: str = "") -> LoginThrottle:
    """The backoff of one kind of guess at one email, from one scope: a client
    address, a known device, every unknown client together, or (empty) everyone."""
    label = f"{kind}:{email}" + (f":{scope}" if scope else "")
    key = hmac.new(keys.current_pepper()[1], label.encode(), "sha256").digest()
    row = db.session.get(LoginThrottle, key)
    if row is not None and row.last_failure_at and utcnow() - row.last_failure_at > FORGET_AFTER:
        row.failures, row.locked_until = 0, None  # a day without failures starts afresh
    # A new row joins the session only when a failure is noted (see _note_failure).
    return (
        row
        if row is not None
        else LoginThrottle(email_hash=key, account_hash=_account_hash(email), failures=0)
    )


def _clear_throttle(row: LoginThrottle) -> None:
    if inspect(row).persistent:
        db.session.delete(row)


def _check_lock(row: LoginThrottle) -> None:
    if row.locked_until and row.locked_until > utcnow():
        minutes = max(1, round((row.locked_until - utcnow()).total_seconds() / 60))
        raise Throttled(
            ngettext(
                "Too many attempts for this email. Wait %(num)d minute and try again.",
                "Too many attempts for this email. Wait %(num)d minutes and try again.",
                minutes,
            )
        )


def _note_failure(row: LoginThrottle, free: int = FREE_FAILURES) -> None:
    db.session.add(row)
    row.failures = (row.failures or 0) + 1
    row.last_failure_at = utcnow()
    if row.failures >= free:
        lock = timedelta(seconds=30 * 2 ** min(row.failures - free, 10))
        row.locked_until = utcnow() + min(lock, MAX_LOCK)


def throttle_for(kind: str, email: str) -> LoginThrottle:
    """The backoff row for one kind of guess at one email; raises Throttled while locked.
    Callers pass it to `note_failure` or `clear_throttle` and then commit."""
    row = _throttle_row(kind, email)
    _check_lock(row)
    return row


note_failure = _note_failure
clear_throttle = _clear_throttle
THROTTLE_KINDS = ("login", "password", "recovery", "second_factor", "delete")


def forget_throttles(email: str) -> None:
    """Drop every backoff row of an email (the account is being deleted), whichever
    client or device each was for."""
    for kind in THROTTLE_KINDS:
        _clear_throttle(_throttle_row(kind, email))
    db.session.execute(
        delete(LoginThrottle).where(LoginThrottle.account_hash == _account_hash(email))
    )


# -- known devices -------------------------------------------------------------------


def remember_device(user: User, token: str | None) -> str:
    """The device cookie's value after a successful sign-in: the same one if this
    browser is already known to this account, a new one otherwise."""
    if token and known_device(user, token) is not None:
        return token
    token = secrets.token_urlsafe(32)
    db.session.add(KnownDevice(token_hash=crypto.token_hash(token), user_id=user.id))
    db.session.commit()
    return token


def known_device(user: User, token: str | None) -> KnownDevice | None:
    if not token or len(token) > 100:
        return None
    row = db.session.get(KnownDevice, crypto.token_hash(token))
    return row if row is not None and row.user_id == user.id else None


def forget_known_devices(user_id: uuid.UUID) -> None:
    """Every browser of the account counts as unknown again (the caller commits)."""
    db.session.execute(delete(KnownDevice).where(KnownDevice.user_id == user_id))


def known_device_count(user: User) -> int:
    return len(db.session.scalars(select(KnownDevice).where(KnownDevice.user_id == user.id)).all())


def _login_throttles(
    email: str, user: User | None, client: str, device_token: str | None
) -> list[tuple[LoginThrottle, int]]:
    """Which backoff rows a login attempt counts against, with their free failures.

    A browser that signed in to this account before counts only against its own row,
    so guesses from anywhere else never slow the owner down there. Anyone else counts
    against their client's row (five free guesses) and against one row shared by every
    unknown client of the account (a higher bar), which caps guessing spread over many
    addresses without touching the owner's known devices.
    """
    device = known_device(user, device_token) if user is not None else None
    if device is not None:
        return [(_throttle_row("login", email, "device:" + device.token_hash.hex()), FREE_FAILURES)]
    return [
        (_throttle_row("login", email, "client:" + client), FREE_FAILURES),
        (_throttle_row("login", email, "unknown-clients"), FREE_FAILURES_UNKNOWN_CLIENTS),
    ]


def has_second_factor(user: User) -> bool:
    row = db.session.get(TwoFactor, user.id)
    return row is not None and row.confirmed_at is not None


def authenticate(
    raw_email: str,
    password: str,
    device: str = "",
    *,
    client: str = "",
    device_token: str | None = None,
) -> Unlocked:
    """Check the password. With two-step sign-in on, this is only the first step:
    the caller must not start a session before `two_factor.verify` passes.

    `client` is the address the attempt came from and `device_token` the browser's
    known-device cookie, if any: the backoff is per account and client, and never
    applies to the owner's known device because of guesses made elsewhere."""
    try:
        email = normalise_email(raw_email)
    except AccountError:
        keys.burn_kdf(password)
        raise AccountError(LOGIN_FAILED) from None
    user = user_by_email(email)
    throttles = _login_throttles(email, user, client, device_token)
    for throttle, _free in throttles:
        _check_lock(throttle)
    udk = None
    if user is None:
        keys.burn_kdf(password)
    else:
        udk = keys.check_password(user, password)
    if user is None or udk is None:
        for throttle, free in throttles:
            _note_failure(throttle, free)
        audit.record(user.id if user else None, "login.failed", device)
        db.session.commit()
        raise AccountError(LOGIN_FAILED)
    _clear_throttle(throttles[0][0])
    if user.deactivated_at is not None:
        # Told only to whoever knows the password: a clear answer, and no session.
        audit.record(user.id, "login.refused_deactivated", device)
        db.session.commit()
        raise AccountError(DEACTIVATED)
    audit.record(user.id, "login.password_accepted" if has_second_factor(user) else "login", device)
    db.session.commit()
    return Unlocked(user, udk)


# -- password change, recovery, start over ---------------------------------------------


def end_sessions(user_id: uuid.UUID, keep: bytes | None = None) -> None:
    query = delete(AuthSession).where(AuthSession.user_id == user_id)
    if keep is not None:
        query = query.where(AuthSession.id_hash != keep)
    db.session.execute(query)


def change_password(user: User, current: str, new: str, confirm: str, keep: bytes) -> None:
    """Re-wraps the UDK only (entries stay as they are) and ends every other session."""
    problems = check_new_password(new, confirm, user.email)
    if problems:
        raise AccountError(" ".join(problems))
    # The same backoff as login: a stolen session cookie must not become a free
    # password-guessing oracle.
    throttle = _throttle_row("password", user.email)
    _check_lock(throttle)
    udk = keys.check_password(user, current)
    if udk is None:
        _note_failure(throttle)
        db.session.commit()
        raise AccountError(_("Your current password is not right."))
    _clear_throttle(throttle)
    keys.set_password(user, new, udk)
    end_sessions(user.id, keep=keep)
    audit.record(user.id, "password.changed")
    db.session.commit()


SECOND_FACTOR_NEEDED = _l(
    "This account uses two-step sign-in, so a recovery key alone is not enough. Also "
    "enter the code your authenticator app shows now, or one of your backup codes."
)


def reset_with_recovery_key(
    raw_email: str,
    recovery_text: str,
    new: str,
    confirm: str,
    code: str = "",
    verify_code: Callable[[User, bytes, str], bool] | None = None,
    *,
    client: str = "",
) -> Unlocked:
    """With two-step sign-in on, the recovery key replaces the password, never the
    code: `verify_code` (two_factor.verify) must accept a current code or a backup code."""
    email = normalise_email(raw_email)
    recovery = crypto.parse_recovery_key(recovery_text)
    problems = check_new_password(new, confirm, email)
    if problems:
        raise AccountError(" ".join(problems))
    # Per client: wrong keys typed elsewhere do not lock the owner out of the reset.
    throttle = _throttle_row("recovery", email, "client:" + client if client else "")
    _check_lock(throttle)
    user = user_by_email(email)
    udk = keys.udk_from_recovery(user, recovery) if user else None
    if user is None or udk is None:
        keys.burn_kdf(new)
        _note_failure(throttle)
        db.session.commit()
        raise AccountError(RECOVERY_FAILED)
    if user.deactivated_at is not None:
        db.session.commit()
        raise AccountError(DEACTIVATED)
    if has_second_factor(user) and (verify_code is None or not verify_code(user, udk, code)):
        _note_failure(throttle)
        audit.record(user.id, "password.reset_code_failed")
        db.session.commit()
        raise AccountError(SECOND_FACTOR_NEEDED)
    _clear_throttle(throttle)
    keys.set_password(user, new, udk)
    text = crypto.format_recovery_key(keys.set_recovery_key(user, udk))
    _expect_recovery_confirmation(user, udk, text)
    end_sessions(user.id)
    audit.record(user.id, "password.reset_with_recovery_key")
    db.session.commit()
    return Unlocked(user, udk, text)


def start_over_valid(token: str) -> bool:
    return _valid_token("start_over", token) is not None


def _delete_sealed_records(user_id: uuid.UUID) -> None:
    """Every record sealed under the user's keys: entries, drafts, and each model built
    on EncryptedPayloadMixin, found from the schema so a new feature's records are
    included without touching this function. Children go before their parents."""
    sealed = {Entry.__table__, Draft.__table__} | {
        mapper.local_table
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, EncryptedPayloadMixin)
    }
    for table in reversed(db.metadata.sorted_tables):
        if table in sealed:
            db.session.execute(delete(table).where(table.c.user_id == user_id))


def start_over(token: str, new: str, confirm: str) -> Unlocked:
    """Delete every record of the account and give it new keys. Nothing old survives,
    since without the old UDK no one could ever open it anyway."""
    row = _valid_token("start_over", token)
    if row is None or row.user_id is None:
        raise AccountError(_("This link has expired or was already used. Ask for a new one."))
    user = db.session.get(User, row.user_id)
    if user is None:
        raise AccountError(_("This link has expired or was already used. Ask for a new one."))
    if user.deactivated_at is not None:
        raise AccountError(DEACTIVATED)
    problems = check_new_password(new, confirm, user.email)
    if problems:
        raise AccountError(" ".join(problems))
    row.used_at = utcnow()
    _delete_sealed_records(user.id)
    # Shares of the deleted records, and standing categories: a new journal starts
    # private. Links with therapists stay (they hold nothing of the journal).
    db.session.execute(delete(Share).where(Share.patient_id == user.id))
    db.session.execute(delete(StandingShare).where(StandingShare.patient_id == user.id))
    # Two-step sign-in: its secret was sealed under the old data key.
    db.session.execute(delete(BackupCode).where(BackupCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    # Adapted content was sealed to the old key pair, for the patient or the therapist.
    db.session.execute(
        delete(Adaptation).where(
            (Adaptation.patient_id == user.id) | (Adaptation.therapist_id == user.id)
        )
    )
    end_sessions(user.id)
    new_keys = keys.initialise_keys(user, new)
    text = crypto.format_recovery_key(new_keys.recovery_key)
    _expect_recovery_confirmation(user, new_keys.udk, text)
    audit.record(user.id, "account.started_over")
    db.session.commit()
    return Unlocked(user, new_keys.udk, text)
