"""The "safety signals" share: a therapist hears of a flag without opening the app.

A patient may choose, for one linked therapist, to let them be told when a
questionnaire shows a safety signal (PHQ-9 question 9 above 0), without sharing the
result. The choice is a standing share (`StandingShare`, category `SIGNALS`) that the
patient MACs under the key of their X25519 agreement with the therapist, naming
their share counter: a row planted in the database, or restored from before the
patient stopped it, does not verify and tells no one.

When a flagged result is stored (`measures.submit` calls `on_flag`, see
`journal.wiring`), each therapist the patient chose gets a `SafetySignal`: the
instrument and the time, sealed to the therapist's public key (HPKE) and MACed by
the patient, and MACed under the pepper too, so the notice job, which holds nobody's
key, refuses a row it did not see made. The job (`deliver`) sends the therapist one
email and, to each device they subscribed, one Web Push, both saying only `NOTICE`:
never a name, a score, an instrument or a word of content. It claims the row before
sending, so a duplicated or retried job sends once; a failed send gives the claim
back and the job is retried (and, after its retries, queued again by `sweep`) until
it is delivered. Stopping the choice, or ending the link, deletes the pending notices
with it.

The therapist sees a signal on the caseload and in the brief, and acknowledges it
like a flag on a shared result (`journal.care.safety_flags`).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from flask import current_app
from sqlalchemy import Select, bindparam, delete, or_, select

from journal import jobs
from journal.accounts import audit, keys
from journal.care import care, changes, sharing
from journal.core import crypto, mail
from journal.core.database import among, built_once
from journal.core.extensions import db
from journal.jobs import claims
from journal.models.safety_flags import SafetySignal
from journal.models.sharing import CareLink, StandingShare
from journal.models.types import utcnow
from journal.models.users import User
from journal.mood import scoring
from journal.reminders import reminders

log = logging.getLogger(__name__)

SIGNALS: Final = "safety_signals"
NOTICE: Final = "Something in Fresh Tracks needs your attention"
JOB: Final = "care.safety_notice"
SWEEP_JOB: Final = "care.safety_notice_sweep"
STALE_CLAIM = claims.STALE_CLAIM
NOT_QUEUED = timedelta(minutes=2)
# A notice not delivered in this long is given up (and stays in the failed-jobs list).
GIVE_UP = timedelta(days=2)


class NoticeNotDelivered(RuntimeError):
    """No device took the push and none was gone: try again later."""


# -- the patient's choice --------------------------------------------------------------


def _choice(patient_id: uuid.UUID, therapist_id: uuid.UUID) -> StandingShare | None:
    found: StandingShare | None = db.session.scalar(
        select(StandingShare).where(
            StandingShare.patient_id == patient_id,
            StandingShare.therapist_id == therapist_id,
            StandingShare.category == SIGNALS,
        )
    )
    return found


def chosen(patient: User, udk: bytes, link: CareLink) -> bool:
    """Whether the patient chose to tell this therapist of safety signals (their own
    MAC verifies: a planted or restored row does not count)."""
    row = _choice(patient.id, link.therapist_id)
    return row is not None and sharing.PatientSigner(patient, udk).standing_matches(row)


def choose(patient: User, udk: bytes, link: CareLink) -> None:
    """Tell this therapist of every later safety signal. Commits."""
    row = _choice(patient.id, link.therapist_id)
    if row is None:
        row = StandingShare(
            id=uuid.uuid4(),
            patient_id=patient.id,
            therapist_id=link.therapist_id,
            category=SIGNALS,
            created_at=utcnow(),
        )
        db.session.add(row)
    sharing.PatientSigner(patient, udk).sign_standing(row)
    audit.record(patient.id, "share.safety_signals_on", str(link.therapist_id))
    db.session.commit()


def stop(patient: User, udk: bytes, link: CareLink) -> None:
    """No more notices to this therapist: the choice and every signal of it go (one
    not yet sent is never sent), and the share counter moves on, so the choice
    restored from an older copy of the database no longer verifies. Commits."""
    db.session.execute(
        delete(StandingShare).where(
            StandingShare.patient_id == patient.id,
            StandingShare.therapist_id == link.therapist_id,
            StandingShare.category == SIGNALS,
        )
    )
    db.session.execute(
        delete(SafetySignal).where(
            SafetySignal.patient_id == patient.id,
            SafetySignal.therapist_id == link.therapist_id,
        )
    )
    sharing.advance_counter(patient, udk)
    audit.record(patient.id, "share.safety_signals_off", str(link.therapist_id))
    changes.caseload_changed(patient.id, link.therapist_id)  # its flags leave the row
    db.session.commit()


# -- a flag is raised ------------------------------------------------------------------


def _info(row: SafetySignal) -> bytes:
    return crypto.hpke_info(
        "safety-signal", row.id, row.result_id, row.patient_id, row.therapist_id
    )


def _context(row: SafetySignal) -> bytes:
    """What both MACs cover besides the sealed box: the row, its parties and its
    time (in clear for the caseload's order, so it must not be moved)."""
    return crypto.hpke_info(
        "safety-signal",
        row.id,
        row.result_id,
        row.patient_id,
        row.therapist_id,
        str(int(row.created_at.timestamp())),
    )


def on_flag(
    patient: User, udk: bytes, result_id: uuid.UUID, instrument_id: str, at: datetime
) -> None:
    """A flagged result was stored: a signal for each therapist the patient chose
    (and is still linked with), then one notice job each."""
    choices = db.session.scalars(
        select(StandingShare)
        .join(
            CareLink,
            (CareLink.therapist_id == StandingShare.therapist_id)
            & (CareLink.patient_id == StandingShare.patient_id),
        )
        .where(StandingShare.patient_id == patient.id, StandingShare.category == SIGNALS)
    ).all()
    if not choices:
        return
    signer = sharing.PatientSigner(patient, udk)
    kid, pepper = keys.current_pepper()
    made = []
    for choice in choices:
        if not signer.standing_matches(choice):
            current_app.logger.error(
                "integrity failure: safety-signal choice %s is not the patient's", choice.id
            )
            continue
        therapist = db.session.get(User, choice.therapist_id)
        if therapist is None or not therapist.is_therapist:
            continue
        row = SafetySignal(
            id=uuid.uuid4(),
            patient_id=patient.id,
            therapist_id=therapist.id,
            result_id=result_id,
            created_at=at.replace(microsecond=0),
            attempts=0,
        )
        payload = {"instrument": instrument_id, "flagged_at": row.created_at.isoformat()}
        row.sealed = crypto.seal_to_public_key(
            keys.verified_public_key(therapist), json.dumps(payload).encode(), _info(row)
        )
        row.mac = signer.pair_mac(therapist.id, _context(row), row.sealed)
        row.server_mac = crypto.sealed_content_mac(pepper, _context(row), row.sealed)
        row.mac_kid = kid
        db.session.add(row)
        changes.caseload_changed(patient.id, therapist.id)  # a flag to count on the row
        made.append(row.id)
    db.session.commit()
    for signal_id in made:
        jobs.enqueue(JOB, signal_id)


def told_of(patient: User, result_id: uuid.UUID) -> list[str]:
    """The names of the therapists told of a signal from this result of the patient's."""
    ids = db.session.scalars(
        select(SafetySignal.therapist_id).where(
            SafetySignal.patient_id == patient.id, SafetySignal.result_id == result_id
        )
    ).all()
    names = care.names_of(set(ids))
    return [names.get(tid, "your therapist") for tid in ids]


# -- the notice ------------------------------------------------------------------------


def _wanted(row: SafetySignal) -> User | None:
    """The therapist to tell, if the row is one the server made (its pepper MAC), the
    patient's choice still stands and the link is still there; None otherwise."""
    try:
        pepper = keys.pepper_for(row.mac_kid)
    except crypto.IntegrityFailure:
        return None
    expected = crypto.sealed_content_mac(pepper, _context(row), row.sealed)
    if not crypto.verifier_matches(expected, row.server_mac):
        log.error("integrity failure: safety signal %s was not made here", row.id)
        return None
    choice = _choice(row.patient_id, row.therapist_id)
    link = db.session.scalar(
        select(CareLink.id).where(
            CareLink.patient_id == row.patient_id, CareLink.therapist_id == row.therapist_id
        )
    )
    if choice is None or choice.mac is None or link is None:
        return None
    therapist = db.session.get(User, row.therapist_id)
    return therapist if therapist is not None and therapist.is_therapist else None


def push_payload() -> str:
    return json.dumps({"title": "Fresh Tracks", "body": NOTICE, "url": "/clinic/patients"})


def deliver(signal_id: str) -> None:
    """The job: tell the therapist of one signal, once (an email, and a push to each
    device they subscribed)."""
    key = uuid.UUID(signal_id)
    if not claims.claim(SafetySignal, key, STALE_CLAIM):
        return
    row = db.session.get(SafetySignal, key)
    if row is None:
        return
    try:
        therapist = _wanted(row)
        if therapist is not None:
            if row.emailed_at is None:
                mail.send_mail(therapist.email, NOTICE, NOTICE)
                row.emailed_at = utcnow()
                db.session.commit()
            if row.pushed_at is None and current_app.config["VAPID_PRIVATE_KEY"]:
                tried, delivered = reminders.push_to_devices(therapist, push_payload())
                if delivered:
                    row.pushed_at = utcnow()
                elif tried:
                    db.session.commit()  # the devices' failure counts
                    raise NoticeNotDelivered(str(key))
        row.sent_at = utcnow()
        db.session.commit()
    except Exception:
        db.session.rollback()
        claims.release(SafetySignal, key)
        raise


def sweep() -> None:
    """Periodic: queue again a notice never picked up, or whose retries ran out, or
    whose worker died mid-send, until it is delivered (or GIVE_UP has passed)."""
    now = utcnow()
    waiting = db.session.scalars(
        select(SafetySignal.id).where(
            SafetySignal.sent_at.is_(None),
            SafetySignal.created_at < now - NOT_QUEUED,
            SafetySignal.created_at > now - GIVE_UP,
            or_(SafetySignal.claimed_at.is_(None), SafetySignal.claimed_at < now - STALE_CLAIM),
        )
    ).all()
    for signal_id in waiting:
        jobs.enqueue(JOB, signal_id)


# -- what the therapist sees -----------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    """A signal as the therapist reads it: which result (by id), when, and, once
    opened, which questionnaire."""

    id: uuid.UUID
    patient_id: uuid.UUID
    result_id: uuid.UUID
    flagged_at: datetime
    short_name: str = ""


@built_once
def _signals_statement() -> Select[SafetySignal]:
    """`therapist_id`'s signals from the linked patients in `patient_ids`, newest first."""
    return (
        select(SafetySignal)
        .join(
            CareLink,
            (CareLink.patient_id == SafetySignal.patient_id)
            & (CareLink.therapist_id == SafetySignal.therapist_id),
        )
        .where(
            SafetySignal.therapist_id == bindparam("therapist_id"),
            among(SafetySignal.patient_id, "patient_ids"),
        )
        .order_by(SafetySignal.created_at.desc())
    )


def signals(therapist: User, udk: bytes, patient_ids: list[uuid.UUID]) -> list[SafetySignal]:
    """The therapist's signals from these linked patients whose MAC is the patient's
    (one planted or moved in the database is logged and left out). Nothing opened."""
    if not patient_ids:
        return []
    rows = db.session.scalars(
        _signals_statement(), {"therapist_id": therapist.id, "patient_ids": list(patient_ids)}
    ).all()
    if not rows:
        return []
    verifier = sharing.ShareVerifier(therapist, udk)
    good = []
    for row in rows:
        if verifier.pair_mac_ok(row.patient_id, _context(row), row.mac, row.sealed):
            good.append(row)
        else:
            current_app.logger.error(
                "integrity failure: safety signal %s could not be verified as its patient's",
                row.id,
            )
    return good


def open_signal(therapist: User, udk: bytes, row: SafetySignal) -> Signal:
    """A verified signal (`signals`), opened with the therapist's key."""
    private = keys.private_key(therapist, udk)
    data: dict[str, Any] = json.loads(crypto.open_with_private_key(private, row.sealed, _info(row)))
    try:
        name = scoring.get_instrument(str(data["instrument"])).short_name
    except (KeyError, scoring.UnknownInstrument):
        name = "A questionnaire"
    return Signal(row.id, row.patient_id, row.result_id, row.created_at, name)
