"""What can be shared with a therapist: one adapter per record type, and the standing
categories a patient can share as a whole.

Sharing, revoking and the therapist's views work on any registered type through its
adapter: how to load it, open it with a DEK, re-encrypt it under a fresh DEK
(revision + 1). Which template shows it and where its owner opens it is
`journal.web.presenters`' business. Each record type's service defines its
`SHARE_ADAPTER` (and, for a standing category, its `SHARE_CATEGORY`); `journal.wiring`
registers them all, in one list.

The brief groups shared items by dosing session: a record with a `kap_session_id`
column belongs to that session without anything more; others name theirs with
`session_of`, or are "free" and go under the session before them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, delete, event, select, update
from sqlalchemy.orm import Mapper

from journal.core import records
from journal.core.database import among, built_once
from journal.core.extensions import db
from journal.models.sharing import CareLink, Share


@dataclass(frozen=True)
class SharedItem:
    """One record as the therapist sees it (and as the patient's preview shows it)."""

    table: str
    record_id: uuid.UUID
    label: str
    title: str
    occurred_at: datetime
    content: Mapping[str, Any]
    # The dosing session the record belongs to (None: a free item, like an entry).
    session_id: uuid.UUID | None = None
    # How the item's moment reads: "written", "made", "planned for".
    verb: str = "written"


def _created_at(record: Any) -> datetime:
    moment: datetime = record.created_at
    return moment


def _kap_session_id(record: Any) -> uuid.UUID | None:
    found: uuid.UUID | None = getattr(record, "kap_session_id", None)
    return found


@built_once
def _records_statement(model: type[Any]) -> Select[Any]:
    """The records of `model` whose ids are in `ids`: one array parameter on
    PostgreSQL, so a brief's hundreds of ids are one prepared statement, not one per
    count."""
    return select(model).where(among(model.id, "ids"))


@dataclass(frozen=True)
class RecordAdapter:
    """How one record type takes part in sharing.

    `open_with_dek(record, dek)` returns what the template shows; `reencrypt(record,
    udk)` seals the record under a fresh DEK at revision + 1 and returns that DEK.
    `title_of(content)` names one item in lists (the label when it has no title of
    its own).
    `session_of(record)` names the dosing session it belongs to (by default its
    `kap_session_id`, if it has one). The model must have `id`, `user_id`,
    `revision`, `dek_wrapped` and `created_at`.
    """

    table: str
    model: type[Any]
    label: str
    open_with_dek: Callable[[Any, bytes], Mapping[str, Any]]
    reencrypt: Callable[[Any, bytes], bytes]
    occurred_at: Callable[[Any], datetime] = field(default=_created_at)
    title_of: Callable[[Mapping[str, Any]], str] | None = None
    session_of: Callable[[Any], uuid.UUID | None] = field(default=_kap_session_id)
    verb: str = "written"

    def load(self, record_id: uuid.UUID) -> Any | None:
        return db.session.get(self.model, record_id)

    def load_many(self, record_ids: Sequence[uuid.UUID]) -> list[Any]:
        """Those of the records that exist, in one query (a brief shows hundreds)."""
        if not record_ids:
            return []
        statement = _records_statement(self.model)
        return list(db.session.scalars(statement, {"ids": list(record_ids)}))

    def owned_by(self, user_id: uuid.UUID) -> list[Any]:
        """Every record of this type the user owns, oldest first."""
        return list(
            db.session.scalars(
                select(self.model)
                .where(self.model.user_id == user_id)
                .order_by(self.model.created_at, self.model.id)
            )
        )

    def item(self, record: Any, dek: bytes) -> SharedItem:
        content = self.open_with_dek(record, dek)
        return SharedItem(
            table=self.table,
            record_id=record.id,
            label=self.label,
            title=(self.title_of(content) if self.title_of else "") or self.label,
            occurred_at=self.occurred_at(record),
            content=content,
            session_id=self.session_of(record),
            verb=self.verb,
        )

    def item_for_owner(self, record: Any, udk: bytes) -> SharedItem:
        """What the therapist would see, opened with the owner's key (the preview)."""
        return self.item(record, records.record_dek(udk, self.table, record))


ADAPTERS: dict[str, RecordAdapter] = {}


def register_adapter(adapter: RecordAdapter) -> None:
    """Make a record type shareable; its shares go when a record of it is deleted."""
    if adapter.table in ADAPTERS:
        return
    ADAPTERS[adapter.table] = adapter

    def forget_shares(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
        gone = connection.execute(
            delete(Share).where(Share.record_table == adapter.table, Share.record_id == target.id)
        )
        if gone.rowcount:
            # What the caseload rows of this patient show may have changed.
            connection.execute(
                update(CareLink)
                .where(CareLink.patient_id == target.user_id)
                .values(summary_generation=CareLink.summary_generation + 1)
            )

    event.listen(adapter.model, "after_delete", forget_shares)


def adapter_for(table: str) -> RecordAdapter | None:
    return ADAPTERS.get(table)


def payload_adapter(
    model: type[Any],
    table: str,
    label: str,
    occurred_at: Callable[[Any], datetime] = _created_at,
    title_of: Callable[[Mapping[str, Any]], str] | None = None,
    session_of: Callable[[Any], uuid.UUID | None] = _kap_session_id,
    verb: str = "written",
) -> RecordAdapter:
    """The adapter for a record built on `EncryptedPayloadMixin` (one sealed payload)."""

    def open_with_dek(record: Any, dek: bytes) -> Mapping[str, Any]:
        return records.open_payload_with_dek(dek, table, record)

    def reencrypt(record: Any, udk: bytes) -> bytes:
        data = records.open_payload(udk, table, record)
        return records.reencrypt_payload(udk, table, record, data)

    return RecordAdapter(
        table,
        model,
        label,
        open_with_dek,
        reencrypt,
        occurred_at,
        title_of,
        session_of,
        verb,
    )


# -- standing categories ------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    """A kind of record a patient can share as a whole, new records included."""

    key: str
    label: str
    description: str
    table: str


CATEGORIES: dict[str, Category] = {}


def register_category(category: Category) -> None:
    CATEGORIES[category.key] = category


def unregister_category(key: str) -> None:
    CATEGORIES.pop(key, None)


def categories() -> list[Category]:
    return sorted(CATEGORIES.values(), key=lambda c: c.label)


def categories_for_table(table: str) -> list[Category]:
    return [c for c in CATEGORIES.values() if c.table == table]
