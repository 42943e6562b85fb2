"""Sharing records with a therapist, exactly as docs/crypto.md says.

- Share: the record's DEK, opened with the patient's UDK, sealed to the therapist's
  verified public key with HPKE; one row per (record, therapist); sharing again
  changes nothing.
- Revoke: delete the row, re-encrypt the record under a fresh DEK (revision + 1),
  re-seal that DEK for the shares that remain. A key the therapist kept from before
  opens nothing new; what they already read cannot be taken back.
- Therapist read: `access` authorises first, then the share's MAC is checked (the
  patient's word that they sealed this key here, see `ShareVerifier`), then the key
  is opened with the therapist's private key, then the read is logged (never the
  content).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from flask import current_app
from flask_babel import gettext
from sqlalchemy import Select, and_, bindparam, delete, func, or_, select

from journal.accounts import audit, keys
from journal.care import (
    access,
    access_log,
    adaptations,
    brief_digest,
    care,
    changes,
    shareable,
)
from journal.care.shareable import RecordAdapter, SharedItem
from journal.core import crypto, records
from journal.core.database import among, built_once
from journal.core.extensions import db
from journal.core.integrity import log_unopened
from journal.models.safety_flags import SafetySignal
from journal.models.sharing import CareInvitation, CareLink, CareLinkEnding, Share, StandingShare
from journal.models.types import utcnow
from journal.models.users import User


class SharingError(ValueError):
    """A problem the person can fix; the message is shown as it is."""


@dataclass(frozen=True)
class RecordRef:
    """A record named by its type and id, as forms send it: "entries:<uuid>"."""

    table: str
    record_id: uuid.UUID

    @classmethod
    def parse(cls, raw: str) -> RecordRef:
        table, _, rid = raw.partition(":")
        if shareable.adapter_for(table) is None:
            raise access.RecordNotFound(raw)
        return cls(table, access.parse_id(rid))

    def __str__(self) -> str:
        return f"{self.table}:{self.record_id}"


def share_info(share: Share) -> bytes:
    """HPKE `info`: share id ‖ record id ‖ patient id ‖ therapist id (docs/crypto.md)."""
    return crypto.hpke_info(share.id, share.record_id, share.patient_id, share.therapist_id)


class ShareColumns(Protocol):
    """What checking a share's MAC reads: a `Share`, or a row of those columns."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def record_table(self) -> str: ...
    @property
    def record_id(self) -> uuid.UUID: ...
    @property
    def patient_id(self) -> uuid.UUID: ...
    @property
    def therapist_id(self) -> uuid.UUID: ...
    @property
    def record_revision(self) -> int: ...
    @property
    def sealed_dek(self) -> bytes: ...
    @property
    def mac(self) -> bytes | None: ...
    @property
    def mac_kid(self) -> str | None: ...


@dataclass(frozen=True)
class ShareRow:
    """The columns of a share that checking its MAC reads, for a query that loads
    only columns (the patients list reads dozens of patients' results at once)."""

    id: uuid.UUID
    record_table: str
    record_id: uuid.UUID
    patient_id: uuid.UUID
    therapist_id: uuid.UUID
    record_revision: int
    sealed_dek: bytes
    mac: bytes | None
    mac_kid: str | None


# The `Share` columns a `ShareRow` is made of, in its order: `ShareRow(*row[:9])`.
SHARE_ROW_COLUMNS: Final = (
    Share.id,
    Share.record_table,
    Share.record_id,
    Share.patient_id,
    Share.therapist_id,
    Share.record_revision,
    Share.sealed_dek,
    Share.mac,
    Share.mac_kid,
)


def _mac_context(share: ShareColumns, counter: int, purpose: str = "share") -> bytes:
    """What a share's MAC covers besides the sealed key: the row, its record and
    revision, both parties, and the patient's share counter (which a revocation
    advances, so a revoked share restored from an older copy no longer verifies)."""
    return crypto.hpke_info(
        purpose,
        share.id,
        share.record_table,
        share.record_id,
        share.patient_id,
        share.therapist_id,
        str(share.record_revision),
        str(counter),
    )


class _PatientSigner:
    """The patient's side: MACs shares under the key of their static X25519 agreement
    with each therapist (one agreement per therapist, however many shares)."""

    def __init__(self, patient: User, udk: bytes) -> None:
        self.patient = patient
        self._private = keys.private_key(patient, udk)
        self._keys: dict[uuid.UUID, bytes] = {}

    def _key(self, therapist_id: uuid.UUID) -> bytes:
        key = self._keys.get(therapist_id)
        if key is None:
            therapist = db.session.get(User, therapist_id)
            assert therapist is not None  # the foreign key cascades
            key = crypto.pair_key(
                self._private, keys.verified_public_key(therapist), self.patient.id, therapist.id
            )
            self._keys[therapist_id] = key
        return key

    def _mac(self, share: Share) -> bytes:
        context = _mac_context(share, self.patient.share_counter)
        return crypto.pair_mac(self._key(share.therapist_id), context, share.sealed_dek)

    def sign(self, share: Share) -> None:
        share.mac = self._mac(share)
        share.mac_kid = None

    def pair_mac(self, therapist_id: uuid.UUID, context: bytes, *blobs: bytes) -> bytes:
        """The patient's MAC over anything else they seal for this therapist."""
        return crypto.pair_mac(self._key(therapist_id), context, *blobs)

    def _standing_mac(self, row: StandingShare) -> bytes:
        context = _standing_context(row, self.patient.share_counter)
        return crypto.pair_mac(self._key(row.therapist_id), context)

    def sign_standing(self, row: StandingShare) -> None:
        row.mac = self._standing_mac(row)

    def standing_matches(self, row: StandingShare) -> bool:
        """The standing share is the patient's own choice, under the current counter
        (one restored from before a revocation no longer verifies)."""
        if row.mac is None:
            return False
        try:
            return crypto.verifier_matches(self._standing_mac(row), row.mac)
        except crypto.IntegrityFailure:
            return False

    def matches(self, share: Share) -> bool:
        """The share's MAC is the patient's own, under the current share counter."""
        if share.mac is None or share.mac_kid is not None:
            return False
        try:
            return crypto.verifier_matches(self._mac(share), share.mac)
        except crypto.IntegrityFailure:
            return False


def _standing_context(row: StandingShare, counter: int) -> bytes:
    return crypto.hpke_info(
        "standing-share", row.id, row.patient_id, row.therapist_id, row.category, str(counter)
    )


PatientSigner = _PatientSigner


class ShareVerifier:
    """The therapist's side: a share is shown only when its MAC is the patient's (made
    under the key of their X25519 agreement, which no one else can compute) or, for a
    share from before MACs existed, the server's vouch made while the patient's share
    counter had its current value. A share that fails is logged as an integrity error
    (its id, never content) and left out."""

    def __init__(self, therapist: User, udk: bytes) -> None:
        self.therapist = therapist
        self._private = keys.private_key(therapist, udk)
        # The therapist's key loaded once, for opening every share this one checked.
        self.private_key = crypto.private_key_object(self._private)
        self._keys: dict[uuid.UUID, tuple[User, bytes] | None] = {}
        # Shares already found to be the patient's, by id, with the MAC and sealed key
        # that were checked: a page checks a share where it lists it and again where
        # it opens it, on the same row of the same request.
        self._verified: dict[uuid.UUID, tuple[bytes, bytes]] = {}

    def _patient_key(self, patient_id: uuid.UUID) -> tuple[User, bytes] | None:
        if patient_id not in self._keys:
            patient = db.session.get(User, patient_id)
            found = None
            if patient is not None:
                try:
                    key = crypto.pair_key(
                        self._private,
                        keys.verified_public_key(patient),
                        patient.id,
                        self.therapist.id,
                    )
                    found = (patient, key)
                except crypto.IntegrityFailure:
                    found = None
            self._keys[patient_id] = found
        return self._keys[patient_id]

    def _matches(self, share: ShareColumns) -> bool:
        found = self._patient_key(share.patient_id)
        if share.mac is None or found is None or share.therapist_id != self.therapist.id:
            return False
        patient, key = found
        if share.mac_kid is None:
            context = _mac_context(share, patient.share_counter)
            expected = crypto.pair_mac(key, context, share.sealed_dek)
        else:
            context = _mac_context(share, patient.share_counter, "vouched-share")
            try:
                pepper = keys.pepper_for(share.mac_kid)
            except crypto.IntegrityFailure:
                return False
            expected = crypto.sealed_content_mac(pepper, context, share.sealed_dek)
        return crypto.verifier_matches(expected, share.mac)

    def pair_mac_ok(
        self, patient_id: uuid.UUID, context: bytes, mac: bytes | None, *blobs: bytes
    ) -> bool:
        """Whether `mac` is the patient's own over these blobs in this context (see
        `PatientSigner.pair_mac`)."""
        found = self._patient_key(patient_id)
        if mac is None or found is None:
            return False
        return crypto.verifier_matches(crypto.pair_mac(found[1], context, *blobs), mac)

    def ok(self, share: ShareColumns) -> bool:
        seen = self._verified.get(share.id)
        if seen is not None and share.mac == seen[0] and share.sealed_dek == seen[1]:
            return True
        if self._matches(share):
            assert share.mac is not None  # _matches refuses a share without one
            self._verified[share.id] = (share.mac, share.sealed_dek)
            return True
        current_app.logger.error(
            "integrity failure: shared item %s could not be verified as its patient's", share.id
        )
        return False


def verified_pairs(
    therapist: User, udk: bytes, pairs: Sequence[tuple[Share, Any]]
) -> tuple[list[tuple[Share, Any]], int]:
    """The pairs (from `access.shared_records`) whose shares verify, and how many did
    not (the page says "N items could not be verified" instead of showing them)."""
    verifier = ShareVerifier(therapist, udk)
    good = [(share, record) for share, record in pairs if verifier.ok(share)]
    return good, len(pairs) - len(good)


def _therapist_of(link: CareLink) -> User:
    therapist = db.session.get(User, link.therapist_id)
    if therapist is None or not therapist.is_therapist:
        raise access.RecordNotFound(link.id)
    return therapist


def _existing_shares(
    table: str, record_ids: Sequence[uuid.UUID], therapist_id: uuid.UUID
) -> dict[uuid.UUID, Share]:
    """record id → its share with this therapist, for the records that have one: one
    query, so sharing a year of check-ins at once does not look each up alone."""
    if not record_ids:
        return {}
    shares = db.session.scalars(
        select(Share).where(
            Share.record_table == table,
            Share.record_id.in_(record_ids),
            Share.therapist_id == therapist_id,
        )
    )
    return {share.record_id: share for share in shares}


def _seal_shares(
    signer: _PatientSigner,
    udk: bytes,
    therapist: User,
    adapter: RecordAdapter,
    found: Sequence[Any],
    category: str | None,
) -> list[Share]:
    """Share records of one type with the therapist; returns the new shares. Sharing
    a shared record again is a no-op, except that a single share made on purpose
    outlives its category's revoke."""
    existing = _existing_shares(adapter.table, [record.id for record in found], therapist.id)
    public = keys.verified_public_key(therapist) if len(existing) < len(found) else b""
    new = []
    for record in found:
        share = existing.get(record.id)
        if share is not None:
            if category is None:
                share.category = None
            continue
        share = Share(
            id=uuid.uuid4(),
            record_table=adapter.table,
            record_id=record.id,
            patient_id=record.user_id,
            therapist_id=therapist.id,
            record_revision=record.revision,
            category=category,
            created_at=utcnow(),
        )
        dek = records.record_dek(udk, adapter.table, record)
        share.sealed_dek = crypto.seal_to_public_key(public, dek, share_info(share))
        signer.sign(share)
        db.session.add(share)
        existing[record.id] = share  # a record named twice is shared once
        new.append(share)
    if new:
        changes.caseload_changed(new[0].patient_id, therapist.id)
    return new


def _owned(patient: User, refs: Iterable[RecordRef]) -> list[tuple[RecordAdapter, list[Any]]]:
    """The records, by type (one query for each), in the order named; 404 when any
    is not the patient's."""
    by_table: dict[str, list[uuid.UUID]] = {}
    for ref in refs:
        by_table.setdefault(ref.table, []).append(ref.record_id)
    found = []
    for table, ids in by_table.items():
        adapter = shareable.adapter_for(table)
        assert adapter is not None  # RecordRef.parse checked it
        found.append((adapter, access.owned_records(patient, table, ids)))
    return found


def preview(patient: User, udk: bytes, refs: Iterable[RecordRef]) -> list[SharedItem]:
    """Exactly what the therapist will see, opened with the patient's own key."""
    return [
        adapter.item_for_owner(record, udk)
        for adapter, found in _owned(patient, refs)
        for record in found
    ]


def share_records(patient: User, udk: bytes, link: CareLink, refs: list[RecordRef]) -> int:
    """Share the records with the link's therapist; returns how many were new."""
    if not refs:
        raise SharingError(gettext("Choose at least one item to share."))
    therapist = _therapist_of(link)
    signer = _PatientSigner(patient, udk)
    new = 0
    for adapter, found in _owned(patient, refs):
        for share in _seal_shares(signer, udk, therapist, adapter, found, None):
            new += 1
            audit.record(patient.id, "share.created", f"{adapter.table}:{share.record_id}")
    db.session.commit()
    return new


def _rekey(udk: bytes, adapter: RecordAdapter, record: Any, trusted: set[uuid.UUID]) -> None:
    """A fresh DEK for the record, sealed again for each share that remains and that
    was the patient's (`trusted`); a share that was not is left to fail."""
    new_dek = adapter.reencrypt(record, udk)
    remaining = db.session.scalars(
        select(Share).where(Share.record_table == adapter.table, Share.record_id == record.id)
    ).all()
    for share in remaining:
        if share.id not in trusted:
            continue
        therapist = db.session.get(User, share.therapist_id)
        assert therapist is not None  # the foreign key cascades
        share.sealed_dek = crypto.seal_to_public_key(
            keys.verified_public_key(therapist), new_dek, share_info(share)
        )
        share.record_revision = record.revision


def _revoke(patient: User, udk: bytes, shares: Iterable[Share]) -> int:
    """Delete the shares, then re-encrypt each record they covered (once), advance
    the patient's share counter and MAC every remaining share again under it.

    Which shares are the patient's is decided first, before anything changes: a
    share without a valid MAC (planted, or restored from an older copy) is never
    sealed again nor MACed by the patient."""
    signer = _PatientSigner(patient, udk)
    trusted = _trusted(patient, signer)
    rekey: dict[tuple[str, uuid.UUID], Share] = {}
    count = 0
    therapists: set[uuid.UUID] = set()
    for share in shares:
        rekey.setdefault((share.record_table, share.record_id), share)
        audit.record(patient.id, "share.revoked", f"{share.record_table}:{share.record_id}")
        db.session.delete(share)
        therapists.add(share.therapist_id)
        count += 1
    for therapist_id in therapists:
        changes.caseload_changed(patient.id, therapist_id)
        brief_digest.forget(patient.id, therapist_id)
    db.session.flush()
    for table, record_id in rekey:
        adapter = shareable.adapter_for(table)
        record = adapter.load(record_id) if adapter else None
        if adapter is not None and record is not None and record.user_id == patient.id:
            _rekey(udk, adapter, record, trusted)
    if count:
        keys.advance_counter(patient, "share_counter")
        _sign(patient, udk, signer, trusted, everything=True)
    return count


def _trusted(patient: User, signer: _PatientSigner) -> set[uuid.UUID]:
    """The patient's shares whose MAC verifies now: the patient's own, or the
    server's vouch for a share from before MACs."""
    shares = db.session.scalars(select(Share).where(Share.patient_id == patient.id))
    found = {
        share.id
        for share in shares
        if (signer.matches(share) if share.mac_kid is None else _vouch_matches(patient, share))
    }
    standing = db.session.scalars(
        select(StandingShare).where(
            StandingShare.patient_id == patient.id, StandingShare.mac.is_not(None)
        )
    )
    return found | {row.id for row in standing if signer.standing_matches(row)}


def _sign(
    patient: User,
    udk: bytes,
    signer: _PatientSigner,
    trusted: set[uuid.UUID],
    *,
    everything: bool,
) -> int:
    """MAC the `trusted` shares of the patient under the current share counter: all
    of them (`everything`, after the counter moved) or only those the server vouched
    for. A vouched share is sealed again with the record's real key as it is signed
    (so one vouched for a record the patient does not have stays unshown). The
    caller commits."""
    signed = 0
    for share in db.session.scalars(select(Share).where(Share.patient_id == patient.id)):
        if share.id not in trusted or (share.mac_kid is None and not everything):
            continue
        if share.mac_kid is not None:
            adapter = shareable.adapter_for(share.record_table)
            record = adapter.load(share.record_id) if adapter else None
            if adapter is None or record is None or record.user_id != patient.id:
                continue
            therapist = db.session.get(User, share.therapist_id)
            assert therapist is not None
            try:
                dek = records.record_dek(udk, adapter.table, record)
            except crypto.IntegrityFailure:
                continue
            share.record_revision = record.revision
            share.sealed_dek = crypto.seal_to_public_key(
                keys.verified_public_key(therapist), dek, share_info(share)
            )
        signer.sign(share)
        signed += 1
    if everything:
        for row in db.session.scalars(
            select(StandingShare).where(
                StandingShare.patient_id == patient.id, StandingShare.mac.is_not(None)
            )
        ):
            if row.id in trusted:
                signer.sign_standing(row)
    return signed


def advance_counter(patient: User, udk: bytes) -> None:
    """Advance the patient's share counter and MAC again, under it, every share and
    standing choice that was theirs: what was MACed before (say a revoked choice
    restored from a backup) no longer verifies. The caller commits."""
    signer = _PatientSigner(patient, udk)
    trusted = _trusted(patient, signer)
    keys.advance_counter(patient, "share_counter")
    _sign(patient, udk, signer, trusted, everything=True)


def _vouch_matches(patient: User, share: Share) -> bool:
    if share.mac is None or share.mac_kid is None:
        return False
    try:
        pepper = keys.pepper_for(share.mac_kid)
    except crypto.IntegrityFailure:
        return False
    context = _mac_context(share, patient.share_counter, "vouched-share")
    return crypto.verifier_matches(
        crypto.sealed_content_mac(pepper, context, share.sealed_dek), share.mac
    )


def upgrade_vouched_shares(user: User, udk: bytes) -> None:
    """At sign-in: a patient's shares the server vouched for become the patient's own
    (signed, and sealed again with the record's real key). Commits when it changed
    anything."""
    if user.is_therapist:
        return
    pending = db.session.scalar(
        select(func.count())
        .select_from(Share)
        .where(Share.patient_id == user.id, Share.mac_kid.is_not(None))
    )
    if pending:
        signer = _PatientSigner(user, udk)
        if _sign(user, udk, signer, _trusted(user, signer), everything=False):
            db.session.commit()


def vouch_unsigned_shares() -> int:
    """Operator, once after upgrading to share MACs (`flask keys vouch-shares`): the
    server vouches, under the current pepper, for every share that has no MAC yet, so
    therapists keep reading them until each patient's next sign-in makes them the
    patient's own. A share planted in the database before this runs is vouched for
    too, as before MACs existed; one planted after is not. Returns how many."""
    kid, pepper = keys.current_pepper()
    counters: dict[uuid.UUID, int] = {}
    vouched = 0
    for share in db.session.scalars(select(Share).where(Share.mac.is_(None))):
        if share.patient_id not in counters:
            patient = db.session.get(User, share.patient_id)
            counters[share.patient_id] = patient.share_counter if patient else 0
        context = _mac_context(share, counters[share.patient_id], "vouched-share")
        share.mac = crypto.sealed_content_mac(pepper, context, share.sealed_dek)
        share.mac_kid = kid
        vouched += 1
    for patient_id in counters:
        changes.caseload_changed(patient_id)
    db.session.commit()
    return vouched


def revoke_share(patient: User, udk: bytes, share: Share) -> None:
    """`share` comes from `access.owned_share`."""
    _revoke(patient, udk, [share])
    db.session.commit()


def end_link(patient: User, udk: bytes, link: CareLink) -> int:
    """End the link: every share of that therapist and every standing category go
    (each record re-encrypted), what the therapist adapted for the patient goes, then
    the link itself. Returns how many shares went."""
    shares = db.session.scalars(
        select(Share).where(Share.patient_id == patient.id, Share.therapist_id == link.therapist_id)
    ).all()
    count = _revoke(patient, udk, shares)
    db.session.execute(
        delete(StandingShare).where(
            StandingShare.patient_id == patient.id,
            StandingShare.therapist_id == link.therapist_id,
        )
    )
    db.session.execute(
        delete(SafetySignal).where(
            SafetySignal.patient_id == patient.id,
            SafetySignal.therapist_id == link.therapist_id,
        )
    )
    adaptations.forget_link(link.therapist_id, patient.id)
    audit.record(patient.id, "care.link_ended", str(link.therapist_id))
    db.session.delete(link)
    db.session.commit()
    return count


THERAPIST_DEACTIVATED = "therapist_deactivated"


def end_links_of_therapist(therapist: User, reason: str = THERAPIST_DEACTIVATED) -> int:
    """The clinic closed the therapist's account: every link of theirs ends at once,
    with no patient's key at hand. The links go (so no share of theirs reads any
    more: `access.readable_shares`), with their standing categories and adaptations,
    and each pending invitation is withdrawn. Each patient is told
    (`CareLinkEnding`); the shares themselves wait for the patient's key
    (`settle_link_endings`). Returns how many patients were linked. The caller
    commits."""
    links = db.session.scalars(select(CareLink).where(CareLink.therapist_id == therapist.id)).all()
    now = utcnow()
    for link in links:
        db.session.add(
            CareLinkEnding(
                patient_id=link.patient_id, therapist_id=therapist.id, ended_at=now, reason=reason
            )
        )
        adaptations.forget_link(therapist.id, link.patient_id)
        audit.record(link.patient_id, "care.link_ended_by_clinic", str(therapist.id))
        db.session.delete(link)
    db.session.execute(delete(StandingShare).where(StandingShare.therapist_id == therapist.id))
    for invitation in db.session.scalars(
        select(CareInvitation).where(
            CareInvitation.therapist_id == therapist.id, CareInvitation.used_at.is_(None)
        )
    ):
        invitation.used_at, invitation.outcome = now, "withdrawn"
        invitation.name_for_patient = None
    return len(links)


@built_once
def _endings_statement() -> Select[CareLinkEnding]:
    """The link endings of `patient_id` not yet settled or not yet dismissed."""
    return (
        select(CareLinkEnding)
        .where(
            CareLinkEnding.patient_id == bindparam("patient_id"),
            or_(CareLinkEnding.settled_at.is_(None), CareLinkEnding.dismissed_at.is_(None)),
        )
        .order_by(CareLinkEnding.ended_at.desc())
    )


def settle_link_endings(patient: User, udk: bytes) -> list[CareLinkEnding]:
    """With the patient's key (at sign-in, on Home, on the care-team page): revoke
    the shares of every link the clinic ended, as ending it themselves would: each
    record re-encrypted, the share counter advanced, the other shares MACed again,
    so a copy of the old share rows restored later opens nothing.

    Returns the endings the patient has not dismissed yet, newest first (what Home
    and the care-team page tell them), read in the same single query."""
    if patient.is_therapist or patient.is_admin:
        return []
    seen = db.session.scalars(_endings_statement(), {"patient_id": patient.id}).all()
    pending = [ending for ending in seen if ending.settled_at is None]
    if pending:
        therapists = {ending.therapist_id for ending in pending}
        shares = db.session.scalars(
            select(Share).where(Share.patient_id == patient.id, Share.therapist_id.in_(therapists))
        ).all()
        _revoke(patient, udk, shares)
        for ending in pending:
            ending.settled_at = utcnow()
        db.session.commit()
    return [ending for ending in seen if ending.dismissed_at is None]


# -- standing categories --------------------------------------------------------------


def category(key: str) -> shareable.Category:
    found = shareable.CATEGORIES.get(key)
    if found is None:
        raise access.RecordNotFound(key)
    return found


def category_records(patient: User, cat: shareable.Category) -> list[Any]:
    adapter = shareable.adapter_for(cat.table)
    return adapter.owned_by(patient.id) if adapter else []


def standing_categories(patient: User, link: CareLink) -> set[str]:
    return set(
        db.session.scalars(
            select(StandingShare.category).where(
                StandingShare.patient_id == patient.id,
                StandingShare.therapist_id == link.therapist_id,
            )
        )
    )


def enable_category(patient: User, udk: bytes, link: CareLink, key: str) -> int:
    """Share every record of the category now, and each new one as it is written."""
    cat = category(key)
    therapist = _therapist_of(link)
    if key not in standing_categories(patient, link):
        db.session.add(
            StandingShare(patient_id=patient.id, therapist_id=therapist.id, category=key)
        )
    adapter = shareable.adapter_for(cat.table)
    assert adapter is not None
    signer = _PatientSigner(patient, udk)
    records_now = category_records(patient, cat)
    new = len(_seal_shares(signer, udk, therapist, adapter, records_now, key))
    audit.record(patient.id, "share.category_enabled", key)
    db.session.commit()
    return new


def disable_category(patient: User, udk: bytes, link: CareLink, key: str) -> int:
    """Stop the category; shares it made go too (single shares made on purpose stay)."""
    category(key)
    db.session.execute(
        delete(StandingShare).where(
            StandingShare.patient_id == patient.id,
            StandingShare.therapist_id == link.therapist_id,
            StandingShare.category == key,
        )
    )
    shares = db.session.scalars(
        select(Share).where(
            Share.patient_id == patient.id,
            Share.therapist_id == link.therapist_id,
            Share.category == key,
        )
    ).all()
    count = _revoke(patient, udk, shares)
    audit.record(patient.id, "share.category_disabled", key)
    db.session.commit()
    return count


def seal_for_standing_shares(patient: User, udk: bytes, table: str, record: Any) -> None:
    """Called by a service as it writes a record: seal its key to every therapist the
    patient shares the record's category with. The caller commits."""
    keys_here = [c.key for c in shareable.categories_for_table(table)]
    if not keys_here:
        return
    adapter = shareable.adapter_for(table)
    assert adapter is not None
    standing = db.session.scalars(
        select(StandingShare)
        .join(
            CareLink,
            (CareLink.therapist_id == StandingShare.therapist_id)
            & (CareLink.patient_id == StandingShare.patient_id),
        )
        .where(StandingShare.patient_id == patient.id, StandingShare.category.in_(keys_here))
    ).all()
    signer = _PatientSigner(patient, udk)
    for rule in standing:
        therapist = db.session.get(User, rule.therapist_id)
        if therapist is not None:
            _seal_shares(signer, udk, therapist, adapter, [record], rule.category)


# -- what the patient sees -------------------------------------------------------------


@dataclass(frozen=True)
class ShareMark:
    """One "shared with … · read by … on …" line on a patient's item."""

    share_id: uuid.UUID
    therapist_name: str
    shared_at: datetime
    last_read_at: datetime | None
    category: str | None


@built_once
def _marks_statement(*tables: str) -> Select[Share]:
    """`patient_id`'s shares of the records `ids_0` of the first of `tables`, `ids_1`
    of the second, and so on, oldest first."""
    return (
        select(Share)
        .where(
            Share.patient_id == bindparam("patient_id"),
            or_(
                *(
                    and_(Share.record_table == table, among(Share.record_id, f"ids_{i}"))
                    for i, table in enumerate(tables)
                )
            ),
        )
        .order_by(Share.created_at)
    )


def share_marks(
    patient: User,
    wanted: Mapping[str, Collection[uuid.UUID]],
    known_names: Callable[[], Mapping[uuid.UUID, str]] | None = None,
) -> dict[str, dict[uuid.UUID, list[ShareMark]]]:
    """table → record id → its marks, for these records (`wanted`: table → ids) in one
    statement, however many records and types: a page asks for the ones it shows,
    never for years of them. `known_names`: the therapist names the caller can give
    (its patient's links), asked only when there are shares; the others are read."""
    tables = tuple(sorted(table for table, ids in wanted.items() if ids))
    if not tables:
        return {}
    values: dict[str, Any] = {"patient_id": patient.id}
    values.update((f"ids_{i}", list(wanted[table])) for i, table in enumerate(tables))
    shares = db.session.scalars(_marks_statement(*tables), values).all()
    if not shares:
        return {}
    names = dict(known_names()) if known_names is not None else {}
    names.update(care.names_of({s.therapist_id for s in shares} - names.keys()))
    marks: dict[str, dict[uuid.UUID, list[ShareMark]]] = {}
    for s in shares:
        marks.setdefault(s.record_table, {}).setdefault(s.record_id, []).append(
            ShareMark(
                share_id=s.id,
                therapist_name=names.get(s.therapist_id, "a therapist"),
                shared_at=s.created_at,
                last_read_at=s.therapist_read_at,
                category=s.category,
            )
        )
    return marks


@dataclass(frozen=True)
class SharedWithTherapist:
    share: Share
    item: SharedItem
    last_read_at: datetime | None


def shared_with(patient: User, udk: bytes, link: CareLink) -> list[SharedWithTherapist]:
    """Everything this therapist can read, opened with the patient's key, newest first."""
    shares = db.session.scalars(
        select(Share)
        .where(Share.patient_id == patient.id, Share.therapist_id == link.therapist_id)
        .order_by(Share.created_at.desc())
    ).all()
    records_by_id: dict[uuid.UUID, Any] = {}
    for table in {s.record_table for s in shares}:
        ids = {s.record_id for s in shares if s.record_table == table}
        adapter = shareable.adapter_for(table)
        if adapter is not None:
            records_by_id.update((r.id, r) for r in adapter.load_many(list(ids)))
    found = []
    for s in shares:
        adapter = shareable.adapter_for(s.record_table)
        record = records_by_id.get(s.record_id)
        if adapter is None or record is None:
            continue
        try:
            item = adapter.item_for_owner(record, udk)
        except (crypto.IntegrityFailure, ValueError, KeyError, TypeError):
            log_unopened(s.record_table, s.record_id)
            continue
        found.append(SharedWithTherapist(s, item, s.therapist_read_at))
    return found


# -- what the therapist sees -----------------------------------------------------------


def read_shared(
    therapist: User,
    udk: bytes,
    share: Share,
    record: Any,
    via: str,
    verifier: ShareVerifier | None = None,
    *,
    log: bool = True,
) -> SharedItem:
    """Open one record the therapist was authorised for (`access.shared_record` or
    `access.shared_records`), and log the read (unless `log` is False: the brief
    logs one row for all it opened). The caller commits.

    A share whose MAC is not the patient's raises `IntegrityFailure` (logged): it is
    never shown as the patient's words. `verifier` is for a caller checking many."""
    adapter = shareable.adapter_for(share.record_table)
    assert adapter is not None
    verifier = verifier or ShareVerifier(therapist, udk)
    if not verifier.ok(share):
        raise crypto.IntegrityFailure("shared item could not be verified")
    dek = crypto.open_with_private_key(verifier.private_key, share.sealed_dek, share_info(share))
    item = adapter.item(record, dek)
    if log:
        access_log.record_read(
            therapist, share.patient_id, share.record_table, share.record_id, via
        )
    return item


def mark_read(shares: Iterable[Share]) -> None:
    """ "Read" on both sides: the therapist opened the item on its own or marked it
    (the brief lists items without reading them for the therapist)."""
    now = utcnow()
    pairs = set()
    for share in shares:
        if share.therapist_read_at is None:
            share.therapist_read_at = now
            pairs.add((share.patient_id, share.therapist_id))
    for patient_id, therapist_id in pairs:
        changes.caseload_changed(patient_id, therapist_id)
    db.session.commit()


def share_counts(patient: User) -> dict[uuid.UUID, int]:
    """therapist id → how many of the patient's records they can open."""
    rows = db.session.execute(
        select(Share.therapist_id, func.count())
        .where(Share.patient_id == patient.id)
        .group_by(Share.therapist_id)
    ).all()
    return {tid: n for tid, n in rows}


def move_vouches(kid: str) -> int:
    """Pepper rotation: a share the server vouched for (not yet the patient's own)
    is vouched for again under `kid`, after its current MAC was checked."""
    pepper = keys.pepper_for(kid)
    moved = 0
    query = select(Share).where(Share.mac_kid.is_not(None), Share.mac_kid != kid)
    for share in db.session.scalars(query):
        patient = db.session.get(User, share.patient_id)
        if patient is None or not _vouch_matches(patient, share):
            continue
        context = _mac_context(share, patient.share_counter, "vouched-share")
        share.mac = crypto.sealed_content_mac(pepper, context, share.sealed_dek)
        share.mac_kid = kid
        moved += 1
    return moved
