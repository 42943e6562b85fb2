"""Mail about an account (sign-up and start-over links), sent by the job queue.

The request records what was asked for (`MailRequest`: the address and the kind)
and queues its id; it does nothing else, so it answers in the same time whether or
not the address has an account. The job decides what to send: a sign-up link or
"you already have an account"; a start-over link, or nothing for an address without
an account.

Every link is `PUBLIC_URL` plus the fixed path of its kind (LINK_PATHS), made by the
job: never from the request's Host header (password-reset poisoning) and never from
anything stored in the row (a database writer could otherwise send a real user a real
token pointing at their own server).

Exactly once: the job claims the row (a conditional UPDATE, committed) before it
sends; a second run of the same job finds it claimed or sent and does nothing. If
sending fails the claim is released and the job is retried with backoff. A claim
older than STALE_CLAIM (a worker killed mid-send) is released by the sweep, which
also queues again what could not be queued (the queue's storage was down).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select

from journal import jobs
from journal.accounts import accounts, keys
from journal.accounts.preferences import LANGUAGES
from journal.core import crypto, mail
from journal.core.extensions import db
from journal.core.links import public_link
from journal.jobs import claims
from journal.models.jobs import MailRequest
from journal.models.types import utcnow
from journal.models.users import User

JOB = "accounts.mail"
SWEEP_JOB = "accounts.mail_sweep"
# The page each kind of message links to (the routes in accounts/views/auth.py; a test
# checks they match), its single-use code in the slot.
LINK_PATHS = {
    "signup": "/signup/{}",
    "start_over": "/start-over/{}",
    "therapist_invite": "/welcome/{}",
}
# An invitation mails a patient a therapist's code to type in, not a link.
KINDS = (*LINK_PATHS, "invitation")
STALE_CLAIM = claims.STALE_CLAIM
NOT_QUEUED = timedelta(minutes=2)  # unclaimed this long: its job was lost; queue it again
KEEP_SENT = timedelta(days=2)


def request(kind: str, email: str, language: str | None = None) -> None:
    """Record a message to send and queue its job (after the commit it reads)."""
    if kind not in KINDS:
        raise ValueError("unknown mail kind")
    row = MailRequest(id=uuid.uuid4(), kind=kind, email=email, language=language)
    db.session.add(row)
    db.session.commit()
    jobs.enqueue(JOB, row.id)


def _secret_binding(mail_id: uuid.UUID) -> crypto.Binding:
    return crypto.Binding("mail-secret", "mail_requests", mail_id, mail_id, "code")


def request_invitation(raw_email: str, code: str) -> str:
    """Mail an invitation code to a patient: the code and how to use it, nothing else
    (no names: the address may be read by others). The code is kept sealed under the
    pepper for the job and wiped once sent. Returns the normalised address."""
    email = accounts.normalise_email(raw_email)
    kid, pepper = keys.current_pepper()
    row = MailRequest(id=uuid.uuid4(), kind="invitation", email=email)
    row.secret_sealed = crypto.pepper_seal(pepper, code.encode(), _secret_binding(row.id))
    row.secret_kid = kid
    db.session.add(row)
    db.session.commit()
    jobs.enqueue(JOB, row.id)
    return email


def request_signup(raw_email: str, language: str | None = None) -> str:
    """Mail a sign-up link, or a notice if the address already has an account."""
    email = accounts.normalise_email(raw_email)
    request("signup", email, language)
    return email


def request_start_over(raw_email: str, language: str | None = None) -> None:
    """Mail a start-over link if the address has an account (nothing otherwise)."""
    request("start_over", accounts.normalise_email(raw_email), language)


def request_therapist_invitation(email: str) -> None:
    """The clinic's administrator invited a therapist (`email` already normalised)."""
    request("therapist_invite", email)


def deliver(mail_id: str) -> None:
    """The job: send the message of one request, once."""
    key = uuid.UUID(mail_id)
    if not claims.claim(MailRequest, key, STALE_CLAIM):
        return
    row = db.session.get(MailRequest, key)
    if row is None:
        return
    try:
        message = _message(row)
        if message is not None:
            mail.send_mail(row.email, *message)
    except Exception:
        db.session.rollback()
        claims.release(MailRequest, key)
        raise
    row.sent_at = utcnow()
    row.secret_sealed = None
    db.session.commit()


def _message(row: MailRequest) -> tuple[str, str] | None:
    """(subject, body), or None when nothing is to be sent. Written in the account's
    language if it chose one, else in the language of the page it was asked from."""
    if row.kind == "invitation":
        return _invitation_message(row)
    user = accounts.user_by_email(row.email)
    language = (user.language if user is not None else None) or row.language
    with force_locale(language if language in LANGUAGES else "en"):
        return _message_text(row, user)


def _message_text(row: MailRequest, user: User | None) -> tuple[str, str] | None:
    if row.kind == "signup":
        if user is not None:
            return (
                _("Your Fresh Tracks account"),
                _(
                    "Someone asked to create a Fresh Tracks account with this address, which "
                    "already has one. If it was you, log in instead. If not, you can ignore "
                    "this."
                ),
            )
        token = accounts.issue_token("signup", row.email, None, accounts.SIGNUP_TOKEN_TTL)
        db.session.commit()
        return (
            _("Finish creating your Fresh Tracks account"),
            _(
                "Open this link within 24 hours to choose a password:\n\n%(link)s\n\n"
                "If you did not ask for this, ignore this message.",
                link=_link(row, token),
            ),
        )
    if row.kind == "therapist_invite":
        if user is not None:  # made in the meantime: nothing to set up
            return None
        token = accounts.issue_token(
            "therapist_invite", row.email, None, accounts.THERAPIST_INVITE_TOKEN_TTL
        )
        db.session.commit()
        return (
            "You are invited to Fresh Tracks as a therapist",
            "Your clinic's administrator invited you to Fresh Tracks, where your patients "
            "can share what they choose from their journal with you.\n\n"
            "Open this link within 3 days to choose your password; then you will set up "
            f"two-step sign-in with an authenticator app:\n\n{_link(row, token)}\n\n"
            "The link works once. If you did not expect this, ignore this message.",
        )
    if user is None:
        return None
    token = accounts.issue_token("start_over", row.email, user.id, accounts.START_OVER_TOKEN_TTL)
    db.session.commit()
    return (
        _("Start over in Fresh Tracks"),
        _(
            "Someone asked to start over with an empty Fresh Tracks journal for this "
            "address. Starting over permanently deletes everything in the account.\n\n"
            "To continue, open this link within one hour:\n\n%(link)s\n\n"
            "If you still have your recovery key, use it instead: it keeps your journal. "
            "If you did not ask for this, ignore this message; nothing has changed.",
            link=_link(row, token),
        ),
    )


def _invitation_message(row: MailRequest) -> tuple[str, str] | None:
    if row.secret_sealed is None or row.secret_kid is None:
        return None
    try:
        pepper = keys.pepper_for(row.secret_kid)
        code = crypto.pepper_open(pepper, row.secret_sealed, _secret_binding(row.id)).decode()
    except (crypto.IntegrityFailure, UnicodeDecodeError):
        return None  # its pepper was removed, or the row was tampered with
    return (
        "Your Fresh Tracks invitation code",
        f"Your invitation code: {code}\n\n"
        "Open Fresh Tracks, sign in or create an account, and enter the code on the Care "
        "team page. It works once and expires in 7 days.\n\n"
        "If you were not expecting this, you can ignore this message.",
    )


def _link(row: MailRequest, token: str) -> str:
    return public_link(LINK_PATHS[row.kind], token)


def sweep() -> None:
    """Periodic: queue again what was never picked up or whose worker died; forget
    addresses of mail sent (or given up on) a while ago; drop used and expired tokens."""
    now = utcnow()
    waiting = db.session.scalars(
        select(MailRequest.id).where(
            MailRequest.sent_at.is_(None),
            MailRequest.created_at < now - NOT_QUEUED,
            MailRequest.created_at > now - KEEP_SENT,
            or_(MailRequest.claimed_at.is_(None), MailRequest.claimed_at < now - STALE_CLAIM),
        )
    ).all()
    db.session.execute(delete(MailRequest).where(MailRequest.created_at < now - KEEP_SENT))
    db.session.commit()
    accounts.purge_tokens(now)
    for mail_id in waiting:
        jobs.enqueue(JOB, mail_id)
