"""Sharing records with a therapist, exactly as crypto.md says.

- Share: the record's DEK, opened with the patient's UDK, sealed to the therapist's
  verified public key with HPKE; one row per (record, therapist); sharing again
  changes nothing.
- Revoke: delete the row, re-encrypt the record under a fresh DEK (revision + 1),
  re-seal that DEK for the shares that remain. A key the therapist kept from before
  opens nothing new; what they already read cannot be taken back.
- Therapist read: `access` authorises first, then the key is opened with the
  therapist's private key, then the read is logged (never the content).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from journal.accounts import audit, keys
from journal.care import access, access_log, adaptations, care, shareable
from journal.care.shareable import RecordAdapter, SharedItem
from journal.core import crypto, records
from journal.core.extensions import db
from journal.models.sharing import CareLink, Share, StandingShare
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
    """HPKE `info`: share id ‖ record id ‖ patient id ‖ therapist id (crypto.md)."""
    return crypto.hpke_info(share.id, share.record_id, share.patient_id, share.therapist_id)


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
        db.session.add(share)
        existing[record.id] = share  # a record named twice is shared once
        new.append(share)
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
        raise SharingError("Choose at least one item to share.")
    therapist = _therapist_of(link)
    new = 0
    for adapter, found in _owned(patient, refs):
        for share in _seal_shares(udk, therapist, adapter, found, None):
            new += 1
            audit.record(patient.id, "share.created", f"{adapter.table}:{share.record_id}")
    db.session.commit()
    return new


def _rekey(udk: bytes, adapter: RecordAdapter, record: Any) -> None:
    """A fresh DEK for the record, sealed again for each share that remains."""
    new_dek = adapter.reencrypt(record, udk)
    remaining = db.session.scalars(
        select(Share).where(Share.record_table == adapter.table, Share.record_id == record.id)
    ).all()
    for share in remaining:
        therapist = db.session.get(User, share.therapist_id)
        assert therapist is not None  # the foreign key cascades
        share.sealed_dek = crypto.seal_to_public_key(
            keys.verified_public_key(therapist), new_dek, share_info(share)
        )
        share.record_revision = record.revision


def _revoke(patient: User, udk: bytes, shares: Iterable[Share]) -> int:
    """Delete the shares, then re-encrypt each record they covered (once)."""
    rekey: dict[tuple[str, uuid.UUID], Share] = {}
    count = 0
    for share in shares:
        rekey.setdefault((share.record_table, share.record_id), share)
        audit.record(patient.id, "share.revoked", f"{share.record_table}:{share.record_id}")
        db.session.delete(share)
        count += 1
    db.session.flush()
    for table, record_id in rekey:
        adapter = shareable.adapter_for(table)
        record = adapter.load(record_id) if adapter else None
        if adapter is not None and record is not None and record.user_id == patient.id:
            _rekey(udk, adapter, record)
    return count


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
    adaptations.forget_link(link.therapist_id, patient.id)
    audit.record(patient.id, "care.link_ended", str(link.therapist_id))
    db.session.delete(link)
    db.session.commit()
    return count


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
    new = len(_seal_shares(udk, therapist, adapter, category_records(patient, cat), key))
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
    for rule in standing:
        therapist = db.session.get(User, rule.therapist_id)
        if therapist is not None:
            _seal_shares(udk, therapist, adapter, [record], rule.category)


# -- what the patient sees -------------------------------------------------------------


@dataclass(frozen=True)
class ShareMark:
    """One "shared with … · read by … on …" line on a patient's item."""

    share_id: uuid.UUID
    therapist_name: str
    shared_at: datetime
    last_read_at: datetime | None
    category: str | None


def share_marks(
    patient: User, table: str, record_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[ShareMark]]:
    """record id → its marks, for these records of one type (a few queries, however
    many records: a page asks for the ones it shows, never for years of them)."""
    if not record_ids:
        return {}
    shares = db.session.scalars(
        select(Share)
        .where(
            Share.patient_id == patient.id,
            Share.record_table == table,
            Share.record_id.in_(record_ids),
        )
        .order_by(Share.created_at)
    ).all()
    if not shares:
        return {}
    names = care.names_of({s.therapist_id for s in shares})
    marks: dict[uuid.UUID, list[ShareMark]] = {}
    for s in shares:
        marks.setdefault(s.record_id, []).append(
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
        found.append(
            SharedWithTherapist(s, adapter.item_for_owner(record, udk), s.therapist_read_at)
        )
    return found


# -- what the therapist sees -----------------------------------------------------------


def read_shared(
    therapist: User, udk: bytes, share: Share, record: Any, via: str, *, log: bool = True
) -> SharedItem:
    """Open one record the therapist was authorised for (`access.shared_record` or
    `access.shared_records`), and log the read (unless `log` is False: the brief
    logs one row for all it opened). The caller commits."""
    adapter = shareable.adapter_for(share.record_table)
    assert adapter is not None
    private = keys.private_key(therapist, udk)
    dek = crypto.open_with_private_key(private, share.sealed_dek, share_info(share))
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
    for share in shares:
        if share.therapist_read_at is None:
            share.therapist_read_at = now
    db.session.commit()


def share_counts(patient: User) -> dict[uuid.UUID, int]:
    """therapist id → how many of the patient's records they can open."""
    rows = db.session.execute(
        select(Share.therapist_id, func.count())
        .where(Share.patient_id == patient.id)
        .group_by(Share.therapist_id)
    ).all()
    return {tid: n for tid, n in rows}
