"""The per-record envelope every encrypted record shares: a DEK wrapped under the
owner's UDK, and fields sealed under the DEK, each bound to table, id, owner,
field and revision. Entries use it now; sessions, check-ins and questionnaires
(later issues) use the same three calls."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from journal.core import crypto
from journal.core.crypto import Binding


class KeyedRecord(Protocol):
    """A record with a DEK of its own (every shareable record, entries included)."""

    id: uuid.UUID
    user_id: uuid.UUID
    revision: int
    dek_wrapped: bytes


class EncryptedRecord(KeyedRecord, Protocol):
    """What `seal_payload` needs of a model: see `models.records.EncryptedPayloadMixin`."""

    payload_sealed: bytes


def dek_binding(table: str, record_id: uuid.UUID, owner_id: uuid.UUID, revision: int) -> Binding:
    return Binding("dek", table, record_id, owner_id, "dek", revision)


def field_binding(
    table: str, record_id: uuid.UUID, owner_id: uuid.UUID, field: str, revision: int
) -> Binding:
    return Binding("field", table, record_id, owner_id, field, revision)


def new_wrapped_dek(
    udk: bytes, table: str, record_id: uuid.UUID, owner_id: uuid.UUID, revision: int
) -> tuple[bytes, bytes]:
    """(dek, wrapped dek) for a new record or a new revision."""
    dek = crypto.new_key()
    return dek, crypto.wrap_key(udk, dek, dek_binding(table, record_id, owner_id, revision))


def open_dek(
    udk: bytes,
    wrapped: bytes,
    table: str,
    record_id: uuid.UUID,
    owner_id: uuid.UUID,
    revision: int,
) -> bytes:
    return crypto.unwrap_key(udk, wrapped, dek_binding(table, record_id, owner_id, revision))


def seal_payload(udk: bytes, table: str, record: EncryptedRecord, data: Mapping[str, Any]) -> None:
    """Encrypt a record's fields as one JSON payload under a DEK of its own.

    A new record (no DEK yet) gets a fresh DEK; an existing one keeps its DEK and
    revision, so a later share of it stays valid. Call `reencrypt_payload` to change both.
    """
    if record.dek_wrapped:
        dek = open_dek(udk, record.dek_wrapped, table, record.id, record.user_id, record.revision)
    else:
        dek, record.dek_wrapped = new_wrapped_dek(
            udk, table, record.id, record.user_id, record.revision
        )
    record.payload_sealed = crypto.seal(
        dek,
        json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8"),
        field_binding(table, record.id, record.user_id, "payload", record.revision),
    )


def open_payload(udk: bytes, table: str, record: EncryptedRecord) -> dict[str, Any]:
    dek = open_dek(udk, record.dek_wrapped, table, record.id, record.user_id, record.revision)
    return open_payload_with_dek(dek, table, record)


def open_payload_with_dek(dek: bytes, table: str, record: EncryptedRecord) -> dict[str, Any]:
    """For a reader who got the DEK another way (a therapist, through a share)."""
    raw = crypto.open_sealed(
        dek,
        record.payload_sealed,
        field_binding(table, record.id, record.user_id, "payload", record.revision),
    )
    data: dict[str, Any] = json.loads(raw)
    return data


def reencrypt_payload(
    udk: bytes, table: str, record: EncryptedRecord, data: Mapping[str, Any]
) -> bytes:
    """Seal `data` (the record's opened payload) under a fresh DEK at revision + 1 and
    return the new DEK, so the caller can re-seal it for the shares that remain.

    After this, a DEK someone kept from before opens nothing: the key is new and the
    revision in every binding has moved on. Used when a share is revoked.
    """
    record.revision += 1
    dek, record.dek_wrapped = new_wrapped_dek(
        udk, table, record.id, record.user_id, record.revision
    )
    record.payload_sealed = crypto.seal(
        dek,
        json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8"),
        field_binding(table, record.id, record.user_id, "payload", record.revision),
    )
    return dek


def record_dek(udk: bytes, table: str, record: KeyedRecord) -> bytes:
    """The owner's way to a record's DEK (to seal it to a therapist)."""
    return open_dek(udk, record.dek_wrapped, table, record.id, record.user_id, record.revision)
