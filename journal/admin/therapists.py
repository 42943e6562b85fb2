"""Therapists as the clinic's administrator sees them: invite, count, deactivate.

Every number here comes from rows in clear (links, share rows and their times,
acknowledgements, the security log); nothing sealed is opened, and no key is needed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from journal.accounts import account_mail, accounts, audit
from journal.accounts.accounts import AccountError
from journal.care import care, sharing
from journal.core.extensions import db
from journal.models.audit import AuditEvent
from journal.models.jobs import MailRequest
from journal.models.safety_flags import SafetyFlagAcknowledgement, SafetySignal
from journal.models.sharing import CareLink, Share
from journal.models.two_factor import TwoFactor
from journal.models.types import utcnow
from journal.models.users import AccountToken, Role, User

# A shared questionnaire result waiting longer than this counts on the overview.
WAITING = timedelta(days=1)
RESULTS_TABLE = "measure_results"


class AdminError(ValueError):
    """A problem the administrator can fix; the message is shown as it is."""


@dataclass(frozen=True)
class TherapistRow:
    id: uuid.UUID
    email: str
    name: str
    patients: int
    # Shared questionnaire results (where safety flags are) shared over a day ago that
    # the therapist has neither opened nor acknowledged: counted from share rows and
    # acknowledgement rows, never from what a result says.
    waiting_results: int
    # Safety signals (a flagged result the patient chose to have the therapist told
    # of) over a day old that the therapist has not acknowledged. A signal row exists
    # only for a flag, so this count is exact where the one above can only be wide.
    open_signals: int
    last_sign_in: datetime | None
    two_step: bool
    deactivated_at: datetime | None

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


@dataclass(frozen=True)
class PendingInvitation:
    email: str
    created_at: datetime
    expires_at: datetime | None  # None: the mail has not left yet


def overview(now: datetime | None = None) -> list[TherapistRow]:
    """Every therapist, active first, then by email."""
    now = now or utcnow()
    therapists = db.session.scalars(select(User).where(User.role == Role.THERAPIST)).all()
    if not therapists:
        return []
    patients = dict(
        db.session.execute(
            select(CareLink.therapist_id, func.count()).group_by(CareLink.therapist_id)
        ).all()
    )
    acknowledged = select(SafetyFlagAcknowledgement.id).where(
        and_(
            SafetyFlagAcknowledgement.therapist_id == Share.therapist_id,
            SafetyFlagAcknowledgement.result_id == Share.record_id,
        )
    )
    waiting = dict(
        db.session.execute(
            select(Share.therapist_id, func.count())
            .where(
                Share.record_table == RESULTS_TABLE,
                Share.created_at < now - WAITING,
                Share.therapist_read_at.is_(None),
                ~acknowledged.exists(),
            )
            .group_by(Share.therapist_id)
        ).all()
    )
    signal_acknowledged = select(SafetyFlagAcknowledgement.id).where(
        SafetyFlagAcknowledgement.therapist_id == SafetySignal.therapist_id,
        SafetyFlagAcknowledgement.result_id == SafetySignal.result_id,
        # A row from before acknowledgements were sealed, or planted without a seal,
        # leaves the flag open for the therapist too.
        SafetyFlagAcknowledgement.sealed.is_not(None),
    )
    signals = dict(
        db.session.execute(
            select(SafetySignal.therapist_id, func.count())
            .where(SafetySignal.created_at < now - WAITING, ~signal_acknowledged.exists())
            .group_by(SafetySignal.therapist_id)
        ).all()
    )
    last = dict(
        db.session.execute(
            select(AuditEvent.user_id, func.max(AuditEvent.at))
            .where(AuditEvent.action == "login")
            .group_by(AuditEvent.user_id)
        ).all()
    )
    enrolled = set(
        db.session.scalars(select(TwoFactor.user_id).where(TwoFactor.confirmed_at.is_not(None)))
    )
    names = care.names_of({t.id for t in therapists})
    rows = [
        TherapistRow(
            id=t.id,
            email=t.email,
            name="" if names.get(t.id, t.email) == t.email else names[t.id],
            patients=patients.get(t.id, 0),
            waiting_results=waiting.get(t.id, 0),
            open_signals=signals.get(t.id, 0),
            last_sign_in=last.get(t.id),
            two_step=t.id in enrolled,
            deactivated_at=t.deactivated_at,
        )
        for t in therapists
    ]
    return sorted(rows, key=lambda r: (not r.active, r.email))


def therapist(raw_id: str) -> User:
    """The therapist an id names; LookupError for anything else (the caller 404s)."""
    try:
        key = uuid.UUID(raw_id)
    except ValueError as exc:
        raise LookupError(raw_id) from exc
    found = db.session.get(User, key)
    if found is None or found.role != Role.THERAPIST:
        raise LookupError(raw_id)
    return found


def invite(admin: User, raw_email: str) -> str:
    """Queue an invitation mail to a new therapist; returns the normalised address.
    The job makes the single-use link when it sends (account_mail.py)."""
    try:
        email = accounts.normalise_email(raw_email)
    except AccountError as exc:
        raise AdminError(str(exc)) from exc
    existing = accounts.user_by_email(email)
    if existing is not None:
        raise AdminError(_("This address already has a Fresh Tracks account."))
    audit.record(admin.id, "admin.therapist_invited")
    db.session.commit()
    account_mail.request_therapist_invitation(email)
    return email


def pending_invitations(now: datetime | None = None) -> list[PendingInvitation]:
    """Invitations whose link is still open, and those whose mail has not left yet."""
    now = now or utcnow()
    links = db.session.execute(
        select(AccountToken.email, AccountToken.created_at, AccountToken.expires_at).where(
            AccountToken.purpose == "therapist_invite",
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
    ).all()
    waiting = db.session.execute(
        select(MailRequest.email, MailRequest.created_at).where(
            MailRequest.kind == "therapist_invite", MailRequest.sent_at.is_(None)
        )
    ).all()
    found = [PendingInvitation(e, c, x) for e, c, x in links]
    found += [PendingInvitation(e, c, None) for e, c in waiting]
    return sorted(found, key=lambda p: p.created_at, reverse=True)


def deactivate(admin: User, target: User) -> int:
    """Close a therapist's account: no sign-in from now on, every session ends (the
    next request of each finds no session), every link to a patient ends and each
    patient is told; the patients keep all their records (the shares are revoked
    with each patient's key when they next sign in: `sharing.settle_link_endings`).
    Returns how many patients were linked. Doing it twice changes nothing more."""
    if target.role != Role.THERAPIST:
        raise AdminError(_("Only a therapist's account can be closed here."))
    if target.deactivated_at is not None:
        return 0
    target.deactivated_at = utcnow()
    told = sharing.end_links_of_therapist(target)
    accounts.end_sessions(target.id)
    audit.record(target.id, "account.deactivated", str(admin.id))
    audit.record(admin.id, "admin.therapist_deactivated", str(target.id))
    db.session.commit()
    return told
