"""The per-record envelope every encrypted record shares: a DEK wrapped under the
owner's UDK, and fields sealed under the DEK, each bound to table, id, owner,
field and revision. Entries use it now; sessions, check-ins and questionnaires
(later issues) use the same three calls."""

from __future__ import annotations

import uuid

from journal import crypto
from journal.crypto import Binding


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
