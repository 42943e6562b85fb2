"""Records built on the payload envelope (check-ins, questionnaires, … in later
features) re-key the same way entries do: the helper and the adapter factory,
checked with the real crypto on a record that needs no table."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from journal.care.shareable import payload_adapter
from journal.core import crypto, records

TABLE = "test_payloads"


@dataclass
class PayloadRecord:
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    user_id: uuid.UUID = field(default_factory=uuid.uuid4)
    revision: int = 0
    dek_wrapped: bytes = b""
    payload_sealed: bytes = b""
    created_at: datetime = field(default_factory=lambda: datetime(2026, 3, 2, tzinfo=UTC))


def test_reencrypt_payload_moves_to_a_new_key_and_revision() -> None:
    udk, record = crypto.new_key(), PayloadRecord()
    data = {"mood": 3, "note": "steadier"}
    records.seal_payload(udk, TABLE, record, data)
    old_dek = records.record_dek(udk, TABLE, record)

    new_dek = records.reencrypt_payload(udk, TABLE, record, data)

    assert record.revision == 1
    assert new_dek != old_dek
    assert records.open_payload(udk, TABLE, record) == data
    assert records.open_payload_with_dek(new_dek, TABLE, record) == data
    with pytest.raises(crypto.IntegrityFailure):
        records.open_payload_with_dek(old_dek, TABLE, record)


def test_an_old_share_cannot_open_the_new_revision_of_a_payload_record() -> None:
    """The whole path a therapist's key takes: sealed DEK → HPKE open → payload."""
    udk, record = crypto.new_key(), PayloadRecord()
    private, public = crypto.new_keypair()
    adapter = payload_adapter(
        PayloadRecord, TABLE, "Test payload", title_of=lambda c: str(c["note"])
    )
    records.seal_payload(udk, TABLE, record, {"note": "first"})
    info = crypto.hpke_info(uuid.uuid4(), record.id, record.user_id, uuid.uuid4())
    sealed = crypto.seal_to_public_key(public, records.record_dek(udk, TABLE, record), info)
    held = crypto.open_with_private_key(private, sealed, info)
    item = adapter.item(record, held)
    assert (item.title, item.content["note"], item.label) == ("first", "first", "Test payload")

    new_dek = adapter.reencrypt(record, udk)

    assert record.revision == 1
    with pytest.raises(crypto.IntegrityFailure):
        adapter.item(record, held)
    assert adapter.item(record, new_dek).content == {"note": "first"}
    assert adapter.item_for_owner(record, udk).content == {"note": "first"}
