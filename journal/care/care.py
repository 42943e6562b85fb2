"""The care team: a therapist invites, a patient accepts or declines, the therapist
sets appointments, the patient ends the link.

A patient may be linked with more than one therapist (a KAP therapist and a
prescriber, say): every share names one therapist, so a second link widens nothing
by itself, and the care-team page shows each therapist with exactly what they can read.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import Select, bindparam, select

from journal.accounts import account_mail, accounts, audit, keys
from journal.accounts.accounts import AccountError
from journal.care import shareable
from journal.core import crypto
from journal.core.database import built_once
from journal.core.extensions import db
from journal.models.sharing import (
    AccessLogEntry,
    CareInvitation,
    CareLink,
    CareLinkEnding,
    Share,
    StandingShare,
    TherapistProfile,
)
from journal.models.types import utcnow
from journal.models.users import Role, User
from journal.your_data import export

INVITATION_TTL = timedelta(days=7)
# No 0/O, 1/I/L, 8/B, S or Z (a typed S or Z is read as 5 or 2): read aloud or
# copied from paper, a code still works. 27 symbols, 8 of them: about 38 bits.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY2345679"
CODE_LENGTH = 8
DISPLAY_NAME_MAX = 120
_LOOKALIKES = str.maketrans({"S": "5", "Z": "2"})


class CareError(ValueError):
    """A problem the person can act on; the message is shown as it is."""


class InvitationEmailError(CareError):
    """The address typed for mailing an invitation is not one."""


class InvitationProblem(CareError):
    """An invitation that cannot be used; `kind` is unknown, expired or used."""

    def __init__(self, kind: str, message: str | LazyString) -> None:
        super().__init__(message)
        self.kind = kind


UNKNOWN = InvitationProblem(
    "unknown",
    _l(
        "There is no invitation with that code. Check each character, or ask your "
        "therapist for a new code."
    ),
)
EXPIRED = InvitationProblem(
    "expired",
    _l("This invitation has expired (they last 7 days). Ask your therapist for a new one."),
)
USED = InvitationProblem(
    "used",
    _l("This invitation was already used. Each code works once; ask your therapist for a new one."),
)


# -- names --------------------------------------------------------------------------


def display_name(therapist: User) -> str:
    profile = db.session.get(TherapistProfile, therapist.id)
    return profile.display_name if profile and profile.display_name else therapist.email


def own_display_name(therapist: User) -> str:
    """The name the therapist chose, or "" (what the profile form shows)."""
    profile = db.session.get(TherapistProfile, therapist.id)
    return profile.display_name if profile else ""


def set_display_name(therapist: User, name: str) -> None:
    name = " ".join(name.split())
    if len(name) > DISPLAY_NAME_MAX:
        raise CareError(gettext("Keep the name under %(max)s characters.", max=DISPLAY_NAME_MAX))
    profile = db.session.get(TherapistProfile, therapist.id)
    if profile is None:
        profile = TherapistProfile(user_id=therapist.id)
        db.session.add(profile)
    profile.display_name = name
    db.session.commit()


def names_of(user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names (or emails) for many users in two queries."""
    if not user_ids:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(user_ids))).all()
    profiles = {
        p.user_id: p.display_name
        for p in db.session.scalars(
            select(TherapistProfile).where(TherapistProfile.user_id.in_(user_ids))
        )
    }
    return {u.id: profiles.get(u.id) or u.email for u in users}


# -- invitations --------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedInvitation:
    """The code exists only here, once; the database keeps its peppered hash."""

    invitation: CareInvitation
    code: str
    # The address the code was mailed to ("" when none).
    emailed_to: str = ""

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"


def _code_hashes(code: str) -> list[bytes]:
    """One hash per configured pepper, so codes survive a pepper rotation."""
    return [crypto.short_code_hash(p, code) for p in keys.peppers().values()]


def normalise_code(raw: str) -> str | None:
    cleaned = "".join(ch for ch in raw.upper() if ch.isalnum()).translate(_LOOKALIKES)
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


# -- the names therapists know their patients by -------------------------------------
#
# Who is in ketamine treatment at this clinic is itself health information, so a
# patient's name is never stored in clear. The therapist's copy is sealed to their
# public key (HPKE), bound to the row it sits in; only their private key opens it.
# While an invitation waits, a second copy is sealed under a key derived from the
# code (which is never stored) and the pepper, so the patient sees the name on
# accepting and may correct it; that copy is wiped as soon as the invitation is used.


def clean_patient_name(raw: str) -> str:
    name = " ".join(raw.split())
    if len(name) > DISPLAY_NAME_MAX:
        raise CareError(gettext("Keep the name under %(max)s characters.", max=DISPLAY_NAME_MAX))
    return name


def _invitation_name_info(invitation: CareInvitation) -> bytes:
    return crypto.hpke_info(
        "patient-name", "care_invitations", invitation.id, invitation.therapist_id
    )


def _versioned(link: CareLink) -> list[str]:
    """The name's version, for the seals that name it: from 1 on, so a name sealed
    before versions (0) opens as it was sealed."""
    return [str(link.name_version)] if link.name_version else []


def _link_name_info(link: CareLink) -> bytes:
    return crypto.hpke_info(
        "patient-name",
        "care_links",
        link.id,
        link.therapist_id,
        link.patient_id,
        *_versioned(link),
    )


def _code_key(pepper: bytes, code: str) -> bytes:
    return crypto.keyed_digest(pepper, "invitation name", code.encode())


def _code_binding(invitation: CareInvitation) -> crypto.Binding:
    return crypto.Binding(
        "invitation-name", "care_invitations", invitation.id, invitation.therapist_id, "name"
    )


def _seal_to(therapist: User, name: str, info: bytes) -> bytes | None:
    """Sealed to the therapist's public key, with the server's MAC under the pepper in
    front (`crypto.seal_vouched`): HPKE alone would let anyone who can write the
    database seal a name of their choosing to the therapist, and it would be believed."""
    if not name:
        return None
    kid, pepper = keys.current_pepper()
    public = keys.verified_public_key(therapist)
    return crypto.seal_vouched(kid, pepper, public, name.encode(), info)


def _open_name(private: bytes, blob: bytes | None, info: bytes) -> str:
    """The name, or "" when there is none, it no longer opens (new keys) or it does
    not carry the server's MAC for this very row and party (planted, moved from
    another row, or sealed before names carried one). A refused name is logged."""
    if not blob:
        return ""
    try:
        return crypto.open_vouched(keys.peppers(), private, blob, info).decode()
    except (crypto.IntegrityFailure, UnicodeDecodeError):
        current_app.logger.error("integrity failure: a patient name could not be verified")
        return ""


def move_name_vouches(kid: str) -> int:
    """Pepper rotation: names still waiting to be read are vouched for under `kid`;
    one whose MAC already failed is dropped (it would never be shown)."""
    pepper = keys.pepper_for(kid)
    moved = 0
    rows: list[tuple[CareInvitation | CareLink, str, bytes]] = []
    for invitation in db.session.scalars(
        select(CareInvitation).where(CareInvitation.name_for_therapist.is_not(None))
    ):
        rows.append((invitation, "name_for_therapist", _invitation_name_info(invitation)))
    for link in db.session.scalars(select(CareLink).where(CareLink.sealed_name.is_not(None))):
        rows.append((link, "sealed_name", _link_name_info(link)))
    for row, column, info in rows:
        blob = getattr(row, column)
        if crypto.vouched_kid(blob) == kid:
            continue
        try:
            setattr(row, column, crypto.revouch(keys.peppers(), kid, pepper, blob, info))
            moved += 1
        except crypto.IntegrityFailure:
            setattr(row, column, None)
    return moved


def _own_binding(link: CareLink) -> crypto.Binding:
    return crypto.Binding(
        "patient-name", "care_links", link.id, link.therapist_id, "own_name", link.name_version or 0
    )


def link_names(therapist: User, udk: bytes, links: list[CareLink]) -> dict[uuid.UUID, str]:
    """patient id → the name the therapist knows them by ("" when none was given).

    A name the server sealed to the therapist (at acceptance) is opened once with
    their private key and kept under their own data key; after that it opens
    cheaply. Commits when it moved any."""
    found: dict[uuid.UUID, str] = {}
    private: bytes | None = None
    moved = False
    for link in links:
        if link.sealed_name:
            private = private or keys.private_key(therapist, udk)
            name = _open_name(private, link.sealed_name, _link_name_info(link))
            link.own_sealed_name = crypto.seal_text(udk, name, _own_binding(link)) if name else None
            link.sealed_name = None
            moved = True
        elif link.own_sealed_name:
            try:
                name = crypto.open_text(udk, link.own_sealed_name, _own_binding(link))
            except (crypto.IntegrityFailure, UnicodeDecodeError):
                name = ""
        else:
            continue
        if name:
            found[link.patient_id] = name
    if moved:
        db.session.commit()
    return found


def reseal_names(user: User, old_udk: bytes, new_udk: bytes) -> None:
    """A therapist's own copies of their patients' names move to the new key; one
    that no longer opens is dropped (the patient shows by email)."""
    for link in db.session.scalars(
        select(CareLink).where(
            CareLink.therapist_id == user.id, CareLink.own_sealed_name.is_not(None)
        )
    ):
        assert link.own_sealed_name is not None
        try:
            name = crypto.open_text(old_udk, link.own_sealed_name, _own_binding(link))
        except crypto.IntegrityFailure:
            link.own_sealed_name = None
            continue
        link.own_sealed_name = crypto.seal_text(new_udk, name, _own_binding(link))


def invitation_names(
    therapist: User, udk: bytes, invitations: list[CareInvitation]
) -> dict[uuid.UUID, str]:
    """invitation id → the name given when inviting ("" when none)."""
    sealed = [i for i in invitations if i.name_for_therapist]
    if not sealed:
        return {}
    private = keys.private_key(therapist, udk)
    return {
        i.id: _open_name(private, i.name_for_therapist, _invitation_name_info(i)) for i in sealed
    }


def seal_link_name(therapist: User, link: CareLink, name: str) -> None:
    """Seal `name` (already cleaned) to the therapist's public key (what the server
    does without the therapist's keys); the caller commits."""
    link.name_version = (link.name_version or 0) + 1
    link.sealed_name = _seal_to(therapist, name, _link_name_info(link))
    link.own_sealed_name = None


def rename_patient(therapist: User, udk: bytes, link: CareLink, raw: str) -> None:
    """The therapist's own name for the patient: a first one (for a patient linked
    before names were asked for, shown by email until now) or a correction. Sealed
    under the therapist's own data key as every name is once read (`link_names`),
    naming a new version, so an older name put back into the row does not open."""
    name = clean_patient_name(raw)
    link.name_version = (link.name_version or 0) + 1
    link.sealed_name = None
    link.own_sealed_name = crypto.seal_text(udk, name, _own_binding(link)) if name else None
    audit.record(therapist.id, "care.patient_renamed", str(link.id))
    db.session.commit()


def create_invitation(therapist: User, patient_name: str = "", email: str = "") -> IssuedInvitation:
    """A new code; with `email`, also mailed to the patient through the job queue
    (the code and nothing else). Recent invitations say for whom: the name, or else
    the address, sealed to the therapist as names are."""
    if not therapist.is_therapist:
        raise CareError("Only therapists can invite.")
    name = clean_patient_name(patient_name)
    address = ""
    if email.strip():
        try:
            address = accounts.normalise_email(email)
        except AccountError as exc:
            raise InvitationEmailError(str(exc)) from exc
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    pepper = keys.current_pepper()[1]
    invitation = CareInvitation(
        id=uuid.uuid4(),
        therapist_id=therapist.id,
        code_hash=crypto.short_code_hash(pepper, code),
        expires_at=utcnow() + INVITATION_TTL,
    )
    label = name or address
    if label:
        info = _invitation_name_info(invitation)
        invitation.name_for_therapist = _seal_to(therapist, label, info)
    if name:
        invitation.name_for_patient = crypto.seal(
            _code_key(pepper, code), name.encode(), _code_binding(invitation)
        )
    db.session.add(invitation)
    audit.record(therapist.id, "care.invitation_created", str(invitation.id))
    db.session.commit()
    issued = IssuedInvitation(invitation, code, address)
    if address:
        account_mail.request_invitation(address, issued.display_code)
        audit.record(therapist.id, "care.invitation_mailed", str(invitation.id))
        db.session.commit()
    return issued


@dataclass(frozen=True)
class ValidInvitation:
    invitation: CareInvitation
    therapist: User
    therapist_name: str
    # The name the therapist gave for the patient ("" when none), shown on accepting.
    patient_name: str = ""


def _name_from_code(invitation: CareInvitation, code: str) -> str:
    if not invitation.name_for_patient:
        return ""
    for pepper in keys.peppers().values():
        try:
            key = _code_key(pepper, code)
            return crypto.open_sealed(
                key, invitation.name_for_patient, _code_binding(invitation)
            ).decode()
        except (crypto.IntegrityFailure, UnicodeDecodeError):
            continue
    return ""


def check_invitation(raw_code: str) -> ValidInvitation:
    """The invitation behind a code, or an `InvitationProblem` saying what is wrong."""
    code = normalise_code(raw_code)
    if code is None:
        raise UNKNOWN
    invitation = db.session.scalar(
        select(CareInvitation).where(CareInvitation.code_hash.in_(_code_hashes(code)))
    )
    if invitation is None:
        raise UNKNOWN
    if invitation.used_at is not None:
        raise USED
    if invitation.expires_at <= utcnow():
        raise EXPIRED
    therapist = db.session.get(User, invitation.therapist_id)
    if therapist is None:
        raise UNKNOWN
    return ValidInvitation(
        invitation, therapist, display_name(therapist), _name_from_code(invitation, code)
    )


def _use(invitation: CareInvitation, patient: User | None, outcome: str) -> None:
    invitation.used_at = utcnow()
    invitation.outcome = outcome
    invitation.name_for_patient = None  # only the therapist's own copy stays
    invitation.patient_id = patient.id if patient else None


def accept_invitation(patient: User, raw_code: str, name: str | None = None) -> CareLink:
    """Link the patient with the inviting therapist; a second accept changes nothing
    but the name. `name`: what the patient wants to be called (None keeps the name
    the therapist gave; "" gives none), sealed to the therapist."""
    if patient.role != Role.PATIENT:
        raise CareError(gettext("Invitations are for patients. You are signed in as a therapist."))
    chosen = clean_patient_name(name) if name is not None else None
    valid = check_invitation(raw_code)
    _use(valid.invitation, patient, "accepted")
    link = link_between(valid.therapist.id, patient.id)
    if link is None:
        link = CareLink(id=uuid.uuid4(), therapist_id=valid.therapist.id, patient_id=patient.id)
        db.session.add(link)
    seal_link_name(valid.therapist, link, valid.patient_name if chosen is None else chosen)
    audit.record(patient.id, "care.link_accepted", str(valid.therapist.id))
    db.session.commit()
    return link


def decline_invitation(patient: User, raw_code: str) -> ValidInvitation:
    valid = check_invitation(raw_code)
    _use(valid.invitation, patient, "declined")
    audit.record(patient.id, "care.invitation_declined", str(valid.invitation.id))
    db.session.commit()
    return valid


def withdraw_invitation(therapist: User, invitation_id: uuid.UUID) -> bool:
    invitation = db.session.get(CareInvitation, invitation_id)
    if invitation is None or invitation.therapist_id != therapist.id:
        return False
    if invitation.used_at is None:
        _use(invitation, None, "withdrawn")
        audit.record(therapist.id, "care.invitation_withdrawn", str(invitation.id))
        db.session.commit()
    return True


def invitations_of(therapist: User) -> list[CareInvitation]:
    """The therapist's invitations from the last 30 days, newest first."""
    return list(
        db.session.scalars(
            select(CareInvitation)
            .where(
                CareInvitation.therapist_id == therapist.id,
                CareInvitation.created_at > utcnow() - timedelta(days=30),
            )
            .order_by(CareInvitation.created_at.desc())
        )
    )


def invitation_status(invitation: CareInvitation) -> str:
    if invitation.used_at is not None:
        return invitation.outcome or "used"
    return "expired" if invitation.expires_at <= utcnow() else "waiting"


# -- links and appointments --------------------------------------------------------------


def link_between(therapist_id: uuid.UUID, patient_id: uuid.UUID) -> CareLink | None:
    return db.session.scalar(
        select(CareLink).where(
            CareLink.therapist_id == therapist_id, CareLink.patient_id == patient_id
        )
    )


def links_of_patient(patient: User) -> list[CareLink]:
    return list(
        db.session.scalars(
            select(CareLink).where(CareLink.patient_id == patient.id).order_by(CareLink.created_at)
        )
    )


@built_once
def _links_named_statement() -> Select[CareLink, str | None, str | None]:
    """The links of `patient_id` with each therapist's email and shown name."""
    return (
        select(CareLink, User.email, TherapistProfile.display_name)
        .outerjoin(User, User.id == CareLink.therapist_id)
        .outerjoin(TherapistProfile, TherapistProfile.user_id == CareLink.therapist_id)
        .where(CareLink.patient_id == bindparam("patient_id"))
        .order_by(CareLink.created_at)
    )


def links_of_patient_named(patient: User) -> tuple[list[CareLink], dict[uuid.UUID, str]]:
    """The patient's links (as `links_of_patient`) with the name each therapist shows
    patients (as `names_of`), in one statement: every page a patient opens asks for
    them (the appointment card, the share marks)."""
    rows = db.session.execute(_links_named_statement(), {"patient_id": patient.id}).all()
    names = {link.therapist_id: shown or email for link, email, shown in rows if email is not None}
    return [link for link, _, _ in rows], names


def links_of_therapist(therapist: User) -> list[CareLink]:
    return list(
        db.session.scalars(
            select(CareLink)
            .where(CareLink.therapist_id == therapist.id)
            .order_by(CareLink.created_at)
        )
    )


def link_endings(patient: User) -> list[CareLinkEnding]:
    """Links the patient did not end themselves and has not dismissed, newest first."""
    return list(
        db.session.scalars(
            select(CareLinkEnding)
            .where(CareLinkEnding.patient_id == patient.id, CareLinkEnding.dismissed_at.is_(None))
            .order_by(CareLinkEnding.ended_at.desc())
        )
    )


def dismiss_link_endings(patient: User) -> None:
    for ending in link_endings(patient):
        ending.dismissed_at = utcnow()
    db.session.commit()


def parse_local_datetime(raw: str, zone: str) -> datetime | None:
    """A `datetime-local` value typed in the user's zone, as UTC; "" means none."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise CareError(gettext("Enter a date and time, like 2026-03-14 15:30.")) from exc
    if naive.tzinfo is not None:
        raise CareError(gettext("Enter a date and time, like 2026-03-14 15:30."))
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    return naive.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))


def set_next_appointment(therapist: User, link: CareLink, when: datetime | None) -> None:
    """Set (or clear) the next appointment. One that has already happened becomes
    the last appointment, which the brief counts "since"."""
    now = utcnow()
    old = link.next_appointment_at
    if old is not None and old <= now and old != when:
        link.last_appointment_at = max(filter(None, [link.last_appointment_at, old]))
    link.next_appointment_at = when
    # The caseload's order and "new since the last appointment" follow it.
    link.summary_generation = CareLink.summary_generation + 1
    audit.record(therapist.id, "care.appointment_set", str(link.id))
    db.session.commit()


def last_appointment(link: CareLink, now: datetime | None = None) -> datetime | None:
    """The latest appointment that has already begun, if any."""
    now = now or utcnow()
    past = [t for t in (link.last_appointment_at, link.next_appointment_at) if t and t <= now]
    return max(past) if past else None


def upcoming_appointment(link: CareLink, now: datetime | None = None) -> datetime | None:
    now = now or utcnow()
    nxt = link.next_appointment_at
    return nxt if nxt is not None and nxt > now else None


@dataclass(frozen=True)
class PatientAppointment:
    link_id: uuid.UUID
    therapist_name: str
    at: datetime


def patient_appointments(
    links: list[CareLink],
    now: datetime | None = None,
    names: dict[uuid.UUID, str] | None = None,
) -> list[PatientAppointment]:
    """What the patient's therapists set as the next appointment (only those still
    ahead), soonest first, with the name each therapist shows patients (`names`
    when the caller has them, from `links_of_patient_named`)."""
    upcoming = [(link, upcoming_appointment(link, now)) for link in links]
    ahead = [(link, at) for link, at in upcoming if at is not None]
    if not ahead:
        return []
    if names is None:
        names = names_of({link.therapist_id for link, _ in ahead})
    return sorted(
        (PatientAppointment(link.id, names.get(link.therapist_id, ""), at) for link, at in ahead),
        key=lambda a: a.at,
    )


def export_care_team(user: User, udk: bytes) -> dict[str, list[dict[str, object]]]:
    """Links, what is shared with whom, and every therapist's read or refused read of
    the user's records (metadata only: the records themselves are in their sections)."""
    links = list(
        db.session.scalars(
            select(CareLink).where(
                (CareLink.patient_id == user.id) | (CareLink.therapist_id == user.id)
            )
        )
    )
    shares = list(db.session.scalars(select(Share).where(Share.patient_id == user.id)))
    standing = list(
        db.session.scalars(
            select(StandingShare)
            .where(StandingShare.patient_id == user.id)
            .order_by(StandingShare.created_at)
        )
    )
    reads = list(
        db.session.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.patient_id == user.id)
            .order_by(AccessLogEntry.at)
        )
    )
    endings = list(
        db.session.scalars(
            select(CareLinkEnding)
            .where(CareLinkEnding.patient_id == user.id)
            .order_by(CareLinkEnding.ended_at)
        )
    )
    names = names_of(
        {link.therapist_id for link in links}
        | {s.therapist_id for s in shares}
        | {s.therapist_id for s in standing}
        | {r.therapist_id for r in reads if r.therapist_id}
        | {e.therapist_id for e in endings}
    )
    return {
        "links": [
            {
                "id": str(link.id),
                "therapist": names.get(link.therapist_id, ""),
                "patient_id": str(link.patient_id),
                "since": export.iso(link.created_at),
                "next_appointment_at": export.iso(link.next_appointment_at),
            }
            for link in links
        ],
        "shares": [
            {
                "id": str(s.id),
                "record_table": s.record_table,
                "record_id": str(s.record_id),
                "therapist": names.get(s.therapist_id, ""),
                "category": s.category,
                "shared_at": export.iso(s.created_at),
                "read_at": export.iso(s.therapist_read_at),
            }
            for s in shares
        ],
        # Categories shared as a whole, new records included.
        "standing_shares": [
            {
                "id": str(s.id),
                "category": s.category,
                "label": shareable.CATEGORIES[s.category].label
                if s.category in shareable.CATEGORIES
                else s.category,
                "therapist": names.get(s.therapist_id, ""),
                "since": export.iso(s.created_at),
            }
            for s in standing
        ],
        "access_log": [
            {
                "id": str(r.id),
                "at": export.iso(r.at),
                "therapist": names.get(r.therapist_id, "") if r.therapist_id else "",
                "record_table": r.record_table,
                "record_id": str(r.record_id) if r.record_id else None,
                "outcome": r.outcome,
                "via": r.via,
                "item_count": r.item_count,
            }
            for r in reads
        ],
        # Links the clinic ended (the therapist's account was closed).
        "ended_by_clinic": [
            {
                "therapist": names.get(e.therapist_id, ""),
                "ended_at": export.iso(e.ended_at),
                "reason": e.reason,
            }
            for e in endings
        ],
    }


# -- calendar --------------------------------------------------------------------------

APPOINTMENT_MINUTES = 50


def appointment_ics(link: CareLink, now: datetime | None = None) -> str | None:
    """The upcoming appointment as an iCalendar file, or None when none is set. It
    names nothing but the app: no patient, no therapist, no health detail, since a
    calendar is synced to places this app does not control."""
    when = upcoming_appointment(link, now)
    if when is None:
        return None
    stamp = (now or utcnow()).astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    start = when.astimezone(ZoneInfo("UTC"))
    end = start + timedelta(minutes=APPOINTMENT_MINUTES)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Fresh Tracks//Appointment//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{link.id}-{start:%Y%m%dT%H%M%SZ}@fresh-tracks",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
        f"DTEND:{end:%Y%m%dT%H%M%SZ}",
        "SUMMARY:Appointment \u2014 Fresh Tracks",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
