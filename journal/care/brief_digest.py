"""One sealed digest per patient-therapist link: what the brief's summary needs from
many shared records, so a view of the brief does not open them all again.

The mood sparkline of the summary covers up to twelve weeks of check-ins: opening
each (an HPKE open of its key, then its own decryption) and checking each share's
MAC was most of the brief's time. So the therapist keeps, per link, a digest sealed
under their own data key (one AES-GCM open) holding what sections put in it (the
series' daily mood and anxiety); the items of the brief are still listed from the
shares and opened as before.

- **Kept fresh.** The digest names the moment its window starts and a fingerprint
  (SHA-256) of every share of the digested record type made since then, MAC
  included, verified or not, and of each one's sealed record payload. A view reads
  those ids, MACs and payloads (one query, no decryption); any share made, revoked
  or planted, and any shared record edited, changes the fingerprint and the digest
  is rebuilt from the shares (only verified ones give points). It is also bound to
  the link's `summary_generation`, which every share, revoke, read or
  acknowledgement advances.
- **Against the database writer.** Bound to ("brief-digest", the link, the
  therapist, the patient, the generation): a digest made up without the therapist's
  key does not open, one moved to another link or patient does not open, and one put
  back from an older copy names an older generation (or another fingerprint) and is
  rebuilt. A revoke deletes the link's digest at once (`forget`), so what was
  unshared does not stay sealed for the therapist until their next view.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, delete, select

from journal.care import access, shareable
from journal.core import crypto, database
from journal.core.extensions import db
from journal.models.sharing import BriefDigest, CareLink, Share
from journal.models.types import utcnow
from journal.models.users import User


@dataclass(frozen=True)
class Digest:
    """An opened digest: from when its window starts, the fingerprint of its shares
    and what each section kept (`parts`, by section key)."""

    start: datetime
    fingerprint: str
    parts: dict[str, Any]


def _binding(therapist_id: uuid.UUID, link: CareLink) -> crypto.Binding:
    return crypto.Binding(
        "brief-digest",
        "brief_digests",
        link.id,
        therapist_id,
        f"digest:{link.patient_id}",
        link.summary_generation,
    )


def fingerprint(therapist: User, link: CareLink, table: str, start: datetime) -> str:
    """SHA-256 over the ids and MACs of the readable shares of `table` made since
    `start`, and their records' sealed payloads (an edit seals the payload again,
    under the same key, without touching the share), in share id order. Clear columns
    and ciphertext only: nothing decrypted or verified."""
    adapter = shareable.adapter_for(table)
    assert adapter is not None
    model = adapter.model
    rows = db.session.execute(
        access.readable_shares(therapist)
        .where(
            Share.patient_id == link.patient_id,
            Share.record_table == table,
            Share.created_at >= start,
        )
        .outerjoin(model, (model.id == Share.record_id) & (model.user_id == Share.patient_id))
        .with_only_columns(Share.id, Share.mac, model.payload_sealed)
        .order_by(Share.id)
    ).all()
    digest = hashlib.sha256()
    for share_id, mac, payload in rows:
        digest.update(share_id.bytes)
        for blob in (mac, payload):
            digest.update(len(blob or b"").to_bytes(4, "big") + (blob or b""))
    return digest.hexdigest()


@database.built_once
def _sealed_statement() -> Select[bytes]:
    return select(BriefDigest.sealed).where(BriefDigest.link_id == bindparam("link_id"))


def load(therapist: User, udk: bytes, link: CareLink) -> Digest | None:
    """The link's digest, or None when there is none or it does not open (planted,
    moved from another link, from an older generation, or sealed under a key the
    therapist no longer has). The caller still checks its fingerprint."""
    sealed = db.session.scalar(_sealed_statement(), {"link_id": link.id})
    if sealed is None:
        return None
    try:
        start, print_, parts = json.loads(
            crypto.open_sealed(udk, sealed, _binding(therapist.id, link))
        )
        if not isinstance(parts, dict):
            return None
        return Digest(datetime.fromisoformat(start), str(print_), parts)
    except (crypto.IntegrityFailure, ValueError, TypeError):
        return None


def store(therapist: User, udk: bytes, link: CareLink, digest: Digest) -> None:
    """Seal and keep the digest (the caller commits)."""
    plain = json.dumps(
        [digest.start.isoformat(), digest.fingerprint, digest.parts], separators=(",", ":")
    ).encode()
    sealed = crypto.seal(udk, plain, _binding(therapist.id, link))
    database.put(
        BriefDigest,
        "link_id",
        link_id=link.id,
        therapist_id=therapist.id,
        sealed=sealed,
        updated_at=utcnow(),
    )


def forget(patient_id: uuid.UUID, therapist_id: uuid.UUID) -> None:
    """Drop the digest of the link (a revoke: nothing unshared stays in it)."""
    links = select(CareLink.id).where(
        CareLink.patient_id == patient_id, CareLink.therapist_id == therapist_id
    )
    db.session.execute(delete(BriefDigest).where(BriefDigest.link_id.in_(links)))


def reseal(user: User, old_udk: bytes, new_udk: bytes) -> None:
    """A therapist's new data key: their digests are dropped and made again at the
    next view of each brief (they hold nothing that cannot be read again)."""
    db.session.execute(delete(BriefDigest).where(BriefDigest.therapist_id == user.id))
