"""Content a therapist adapts for one patient: sealed for that patient, and a copy for
the therapist, with HPKE (docs/crypto.md: "a patient's key pair lets a therapist seal
content for that one patient").

The server never stores the content in clear: it seals the JSON to the patient's and
the therapist's verified public keys, and a MAC under the pepper vouches that the
server sealed both (HPKE's base mode does not authenticate the sender). Only the
patient (to build a checklist from it) and the therapist (to see and revise it) can
open it; a therapist has at most one adaptation per patient and kind.

Kinds plug in with `register_kind(...)`, each with its own form and its own way to
use what the patient opens: the preparation checklist (`checklist_adaptation`) and
the integration prompt set (`prompt_adaptation`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from journal.accounts import audit, keys
from journal.care import access, care
from journal.care.access import RecordNotFound
from journal.core import crypto
from journal.core.extensions import db
from journal.core.translatable import N_
from journal.models.adaptations import Adaptation
from journal.models.sharing import CareLink
from journal.models.types import utcnow
from journal.models.users import User


class AdaptationForm(Protocol):
    """What a kind's `read_form` returns: the typed values, messages, and (when it is
    valid) the data to seal."""

    errors: dict[str, str]
    data: Mapping[str, Any] | None


@dataclass(frozen=True)
class AdaptationKind:
    """One kind of content a therapist can adapt.

    `default_form()` is the form filled from the clinic's defaults; `form_from_data`
    fills it from an adaptation the therapist opened; `read_form` is the form's
    `read` (see `journal.core.forms`); `journal.web.presenters` names the template
    that renders its fields. The sentences after it say, in the kind's own words, what
    the defaults are called and when the patient gets the adaptation (the
    checklist's are the defaults).
    """

    key: str
    label: str
    description: str
    default_form: Callable[[], Any]
    form_from_data: Callable[[Mapping[str, Any]], Any]
    read_form: Callable[[MultiDict[str, str]], Any]
    standard: str = N_("the clinic's standard list")
    saved_note: str = N_("It is used the next time they plan a session.")
    withdraw_note: str = N_(
        "The patient's next session then uses the clinic's standard list. "
        "Lists already made stay as they are."
    )
    withdrawn_note: str = N_("the next session uses the clinic's standard list.")
    patient_note: str = N_("Your next planned session uses it unless you choose the standard one.")


KINDS: dict[str, AdaptationKind] = {}


def register_kind(kind: AdaptationKind) -> None:
    KINDS[kind.key] = kind


def kind_for(key: str) -> AdaptationKind:
    found = KINDS.get(key)
    if found is None:
        raise RecordNotFound(key)
    return found


# -- sealing ----------------------------------------------------------------------------


def _context(adaptation: Adaptation) -> bytes:
    """What the MAC names: the row, its kind, its two parties and, from version 1 on,
    its version (the patient's adaptation counter when it was MACed; version 0 is a
    row from before versions, MACed as it was then)."""
    parts: list[uuid.UUID | str] = [
        "adaptation",
        adaptation.id,
        adaptation.kind,
        adaptation.therapist_id,
        adaptation.patient_id,
    ]
    if adaptation.version:
        parts.append(str(adaptation.version))
    return crypto.hpke_info(*parts)


def _info(adaptation: Adaptation, reader_id: uuid.UUID) -> bytes:
    """HPKE `info`: the row, its kind, its two parties, and who the copy is for."""
    return crypto.hpke_info(
        "adaptation",
        adaptation.id,
        adaptation.kind,
        adaptation.therapist_id,
        adaptation.patient_id,
        reader_id,
    )


def _mac(adaptation: Adaptation, pepper: bytes) -> bytes:
    return crypto.sealed_content_mac(
        pepper,
        _context(adaptation),
        adaptation.sealed_for_patient,
        adaptation.sealed_for_therapist,
    )


def save(therapist: User, link: CareLink, kind: str, data: Mapping[str, Any]) -> Adaptation:
    """Seal `data` for the link's patient and for the therapist; replaces the
    therapist's earlier adaptation of this kind for this patient."""
    kind_for(kind)
    patient = db.session.get(User, link.patient_id)
    if patient is None or link.therapist_id != therapist.id:
        raise RecordNotFound(link.patient_id)
    adaptation = access.own_adaptation(therapist, link, kind)
    now = utcnow()
    if adaptation is None:
        adaptation = Adaptation(
            id=uuid.uuid4(),
            therapist_id=therapist.id,
            patient_id=patient.id,
            kind=kind,
            created_at=now,
        )
        db.session.add(adaptation)
    payload = json.dumps({"kind": kind, "data": data}, separators=(",", ":")).encode("utf-8")
    adaptation.sealed_for_patient = crypto.seal_to_public_key(
        keys.verified_public_key(patient), payload, _info(adaptation, patient.id)
    )
    adaptation.sealed_for_therapist = crypto.seal_to_public_key(
        keys.verified_public_key(therapist), payload, _info(adaptation, therapist.id)
    )
    adaptation.updated_at = now
    adaptation.mac_kid, adaptation.mac = "", b""  # made by `_advance`, just below
    _advance(patient, new=adaptation)
    audit.record(therapist.id, "adaptation.saved", f"{kind}:{adaptation.id}")
    db.session.commit()
    return adaptation


def _advance(patient: User, new: Adaptation | None = None) -> None:
    """Advance the patient's adaptation counter and MAC every adaptation for them
    again under it (`new`, just sealed, too), so that a row put back from an older
    copy (a withdrawn adaptation, or an earlier version of one) no longer verifies.
    A row whose MAC already failed is left failing. The caller commits."""
    still_valid = [
        a
        for a in db.session.scalars(select(Adaptation).where(Adaptation.patient_id == patient.id))
        if a is not new and verified(a, patient)
    ]
    version = keys.advance_counter(patient, "adaptation_counter")
    kid, pepper = keys.current_pepper()
    for adaptation in [*still_valid, *([new] if new is not None else [])]:
        adaptation.version = version
        adaptation.mac_kid = kid
        adaptation.mac = _mac(adaptation, pepper)


def verified(adaptation: Adaptation, patient: User | None = None) -> bool:
    """The MAC is the server's and names the patient's current adaptation counter."""
    patient = patient or db.session.get(User, adaptation.patient_id)
    if patient is None or patient.id != adaptation.patient_id:
        return False
    try:
        keys.verified_public_key(patient)  # the counter is MACed with the public key
        expected = _mac(adaptation, keys.pepper_for(adaptation.mac_kid))
    except crypto.IntegrityFailure:
        return False
    return adaptation.version == patient.adaptation_counter and crypto.verifier_matches(
        expected, adaptation.mac
    )


def _open(adaptation: Adaptation, reader: User, udk: bytes, blob: bytes) -> Mapping[str, Any]:
    if not verified(adaptation):
        raise crypto.IntegrityFailure("adaptation MAC does not match")
    raw = crypto.open_with_private_key(
        keys.private_key(reader, udk), blob, _info(adaptation, reader.id)
    )
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise crypto.IntegrityFailure("adaptation is not JSON") from exc
    if not isinstance(payload, dict) or payload.get("kind") != adaptation.kind:
        raise crypto.IntegrityFailure("adaptation has the wrong shape")
    data: Mapping[str, Any] = payload.get("data") or {}
    return data


def open_for_therapist(therapist: User, udk: bytes, adaptation: Adaptation) -> Mapping[str, Any]:
    """The therapist's own copy; `adaptation` comes from `access.own_adaptation`."""
    if adaptation.therapist_id != therapist.id:
        raise RecordNotFound(adaptation.id)
    return _open(adaptation, therapist, udk, adaptation.sealed_for_therapist)


def open_for_patient(patient: User, udk: bytes, adaptation: Adaptation) -> Mapping[str, Any]:
    """The patient's copy; `adaptation` comes from `access.offered_adaptation`."""
    if adaptation.patient_id != patient.id:
        raise RecordNotFound(adaptation.id)
    return _open(adaptation, patient, udk, adaptation.sealed_for_patient)


# -- what the patient can choose ----------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """An adaptation the patient can choose, named by its therapist; not yet opened."""

    id: uuid.UUID
    therapist_name: str
    updated_at: datetime


def offered(patient: User, kind: str) -> list[Offer]:
    """Newest first. Nothing is decrypted: the names and dates are enough to choose."""
    rows = [a for a in access.offered_adaptations(patient, kind) if verified(a, patient)]
    names = care.names_of({a.therapist_id for a in rows})
    return [Offer(a.id, names.get(a.therapist_id, "your therapist"), a.updated_at) for a in rows]


def withdraw(therapist: User, link: CareLink, kind: str) -> bool:
    """The patient's next plan uses the defaults again; lists already made stay."""
    adaptation = access.own_adaptation(therapist, link, kind)
    if adaptation is None:
        return False
    db.session.delete(adaptation)
    db.session.flush()
    patient = db.session.get(User, link.patient_id)
    if patient is not None:
        _advance(patient)
    audit.record(therapist.id, "adaptation.withdrawn", f"{kind}:{adaptation.id}")
    db.session.commit()
    return True


def forget_link(therapist_id: uuid.UUID, patient_id: uuid.UUID) -> None:
    """When a link ends, what that therapist adapted for the patient goes too. The
    caller commits."""
    db.session.execute(
        delete(Adaptation).where(
            Adaptation.therapist_id == therapist_id, Adaptation.patient_id == patient_id
        )
    )
    patient = db.session.get(User, patient_id)
    if patient is not None:
        _advance(patient)


def updated_at_by_kind(therapist_id: uuid.UUID, patient_id: uuid.UUID) -> dict[str, datetime]:
    """kind → when this therapist last adapted it for this patient (for the pages)."""
    rows = db.session.execute(
        select(Adaptation.kind, Adaptation.updated_at).where(
            Adaptation.therapist_id == therapist_id, Adaptation.patient_id == patient_id
        )
    ).all()
    return {kind: at for kind, at in rows}


def move_macs(kid: str) -> int:
    """Re-MAC every adaptation under pepper `kid` (after checking the old MAC)."""
    moved = 0
    for adaptation in db.session.scalars(select(Adaptation).where(Adaptation.mac_kid != kid)):
        expected = _mac(adaptation, keys.pepper_for(adaptation.mac_kid))
        if not crypto.verifier_matches(expected, adaptation.mac):
            raise crypto.IntegrityFailure("adaptation MAC does not match")
        adaptation.mac_kid = kid
        adaptation.mac = _mac(adaptation, keys.pepper_for(kid))
        moved += 1
    return moved
