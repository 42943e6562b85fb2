"""Free journal entries: validate, encrypt, list a page at a time, edit, delete."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import Row, Select, bindparam, delete, func, select
from sqlalchemy.orm import defer

from journal.care import shareable, sharing
from journal.core import crypto, forms, records
from journal.core.database import built_once
from journal.core.extensions import db
from journal.core.integrity import log_unopened
from journal.core.translatable import N_
from journal.entries import entry_meta
from journal.models.entries import Draft, Entry
from journal.models.types import utcnow
from journal.models.users import User
from journal.outbox import idempotency
from journal.your_data import export

TABLE = "entries"
KIND = "journal.entry"
TITLE_MAX = 200


@dataclass(frozen=True)
class EntryView:
    id: uuid.UUID
    title: str
    body: str
    created_at: datetime
    updated_at: datetime
    tags: tuple[str, ...] = ()
    session_id: uuid.UUID | None = None


@dataclass
class EntryForm:
    """What the person typed, and what is wrong with it; kept so nothing is lost.

    `tags` and `session` are the raw fields; `tag_list` and `session_id` their
    parsed values (the session is checked against the user by `entry_meta`)."""

    title: str = ""
    body: str = ""
    tags: str = ""
    session: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    tag_list: tuple[str, ...] = ()
    session_id: uuid.UUID | None = None

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> EntryForm:
        typed = forms.reader(posted)
        # The body keeps its leading spaces (an indented first line is the writer's).
        body = str(posted.get("body", "") or "").rstrip()
        form = cls(title=typed("title"), body=body, tags=typed("tags"), session=typed("session"))
        form.tag_list, tag_error = entry_meta.parse_tags(form.tags)
        if tag_error:
            form.errors["tags"] = tag_error
        limit = current_app.config["ENTRY_MAX_CHARS"]
        if not form.body.strip():
            form.errors["body"] = _("Write something before saving.")
        elif len(form.body) > limit:
            form.errors["body"] = _(
                "This entry is %(length)s characters; the limit is %(limit)s. "
                "Split it into two entries.",
                length=format_decimal(len(form.body)),
                limit=format_decimal(limit),
            )
        if len(form.title) > TITLE_MAX:
            form.errors["title"] = _("Keep the title under %(num)d characters.", num=TITLE_MAX)
        return form

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class EntryPage:
    items: list[EntryView]
    page: int
    pages: int
    total: int
    # Entries on this page that would not open (damaged or forged rows): left out,
    # logged, and the page says so in their place.
    unopened: int = 0

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _seal_fields(
    entry: Entry,
    dek: bytes,
    title: str,
    body: str,
    tags: tuple[str, ...] = (),
    session_id: uuid.UUID | None = None,
) -> None:
    def bind(name: str) -> crypto.Binding:
        return records.field_binding(TABLE, entry.id, entry.user_id, name, entry.revision)

    entry.title_sealed = crypto.seal_text(dek, title, bind("title")) if title else None
    entry.body_sealed = crypto.seal_text(dek, body, bind("body"))
    # Sealed even when empty, so the database does not show which entries have tags.
    meta = json.dumps(entry_meta.to_payload(tags, session_id), separators=(",", ":"))
    entry.meta_sealed = crypto.seal_text(dek, meta, bind("meta"))


def create_entry(
    user: User,
    udk: bytes,
    form: EntryForm,
    draft_id: uuid.UUID | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> Entry:
    """Raises `idempotency.Replayed` when this key already made an entry."""
    idempotency.check(user, idempotency_key, KIND)
    entry = add_entry(user, udk, form)
    _discard_draft(user, draft_id)
    idempotency.commit_with_key(user, idempotency_key, KIND, entry.id)
    return entry


def add_entry(user: User, udk: bytes, form: EntryForm, at: datetime | None = None) -> Entry:
    """Seal a new entry and add it to the session without committing, so a batch (the
    benchmark's generator) can commit many at once. `at` backdates it."""
    # One timestamp for both, so a new entry does not look "edited" by a microsecond.
    now = at or utcnow()
    entry = Entry(id=uuid.uuid4(), user_id=user.id, revision=0, created_at=now, updated_at=now)
    dek, entry.dek_wrapped = records.new_wrapped_dek(udk, TABLE, entry.id, user.id, 0)
    _seal_fields(entry, dek, form.title, form.body, form.tag_list, form.session_id)
    db.session.add(entry)
    # A standing share for a category that covers entries seals the new key to the
    # therapist now.
    sharing.seal_for_standing_shares(user, udk, TABLE, entry)
    return entry


def update_entry(
    entry: Entry, udk: bytes, form: EntryForm, draft_id: uuid.UUID | None = None
) -> None:
    dek = records.open_dek(udk, entry.dek_wrapped, TABLE, entry.id, entry.user_id, entry.revision)
    _seal_fields(entry, dek, form.title, form.body, form.tag_list, form.session_id)
    entry.updated_at = utcnow()
    db.session.execute(delete(Draft).where(Draft.entry_id == entry.id))
    db.session.commit()


def delete_entry(entry: Entry) -> None:
    db.session.delete(entry)
    db.session.commit()


def _discard_draft(user: User, draft_id: uuid.UUID | None) -> None:
    if draft_id is not None:
        db.session.execute(delete(Draft).where(Draft.id == draft_id, Draft.user_id == user.id))


def read_entry(entry: Entry, udk: bytes, *, body: bool = True) -> EntryView:
    """Decrypt an entry; `body=False` opens only the title (lists that show titles)."""
    dek = records.open_dek(udk, entry.dek_wrapped, TABLE, entry.id, entry.user_id, entry.revision)
    return open_entry_with_dek(entry, dek, body=body)


def open_entry_with_dek(entry: Entry, dek: bytes, *, body: bool = True) -> EntryView:
    """For a reader who got the DEK another way (a therapist, through a share)."""

    def bind(name: str) -> crypto.Binding:
        return records.field_binding(TABLE, entry.id, entry.user_id, name, entry.revision)

    title = crypto.open_text(dek, entry.title_sealed, bind("title")) if entry.title_sealed else ""
    tags: tuple[str, ...] = ()
    session_id = None
    if entry.meta_sealed is not None:  # None: written before entries had tags
        meta = json.loads(crypto.open_text(dek, entry.meta_sealed, bind("meta")))
        tags, session_id = entry_meta.from_payload(meta)
    return EntryView(
        id=entry.id,
        title=title,
        body=crypto.open_text(dek, entry.body_sealed, bind("body")) if body else "",
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        tags=tags,
        session_id=session_id,
    )


def reencrypt_entry(entry: Entry, udk: bytes) -> bytes:
    """Seal the entry again under a fresh DEK at revision + 1; return the new DEK.

    Called when a share is revoked: a key the therapist may have kept opens nothing
    after this. The text and its dates do not change.
    """
    view = read_entry(entry, udk)
    entry.revision += 1
    dek, entry.dek_wrapped = records.new_wrapped_dek(
        udk, TABLE, entry.id, entry.user_id, entry.revision
    )
    _seal_fields(entry, dek, view.title, view.body, view.tags, view.session_id)
    return dek


@built_once
def _count_statement() -> Select[int]:
    return select(func.count()).where(Entry.user_id == bindparam("user_id"))


def count_entries(user: User) -> int:
    """How many entries the person has (from the index on user and time)."""
    return db.session.scalar(_count_statement(), {"user_id": user.id}) or 0


def list_entries(
    user: User, udk: bytes, page: int, per_page: int, *, bodies: bool = True
) -> EntryPage:
    """Newest first; only the rows on this page are fetched and decrypted.

    One statement: the page's rows with the user's total as an uncorrelated scalar
    subquery (the database counts once, from the index). `bodies=False` neither
    loads nor decrypts the bodies (Home lists titles only); `EntryView.body` is then "".
    """
    page = max(1, page)
    rows = _page_rows(user, page, per_page, bodies)
    total = rows[0][1] if rows else 0
    if not rows and page > 1:  # past the end (an old link): count, then show the last page
        total = count_entries(user)
    pages = max(1, -(-total // per_page))
    if page > pages:
        page = pages
        rows = _page_rows(user, page, per_page, bodies)
    items = []
    for entry, _rank in rows:
        try:
            items.append(read_entry(entry, udk, body=bodies))
        except (crypto.IntegrityFailure, ValueError, KeyError, TypeError):
            log_unopened(TABLE, entry.id)
    return EntryPage(items, page, pages, total, unopened=len(rows) - len(items))


@built_once
def _page_statement() -> Select[Entry, int]:
    """A page of `user_id`'s entries, newest first (`limit` from `offset`), each row
    with the user's total: an uncorrelated subquery, counted once from the index."""
    return (
        select(Entry, _count_statement().scalar_subquery())
        .where(Entry.user_id == bindparam("user_id"))
        .order_by(Entry.created_at.desc(), Entry.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@built_once
def _titles_page_statement() -> Select[Entry, int]:
    """`_page_statement` without the bodies (Home lists titles only)."""
    return _page_statement().options(defer(Entry.body_sealed))


def _page_rows(user: User, page: int, per_page: int, bodies: bool) -> list[Row[Entry, int]]:
    statement = _page_statement() if bodies else _titles_page_statement()
    values = {"user_id": user.id, "limit": per_page, "offset": (page - 1) * per_page}
    return list(db.session.execute(statement, values).all())


def _all_entries(user: User, query_filter: Any = None) -> list[Entry]:
    query = select(Entry).where(Entry.user_id == user.id)
    if query_filter is not None:
        query = query.where(query_filter)
    return list(db.session.scalars(query.order_by(Entry.created_at, Entry.id)))


def printed_entries(
    user: User, udk: bytes, start: datetime, end: datetime
) -> list[export.PrintItem]:
    rows = _all_entries(user, (Entry.created_at >= start) & (Entry.created_at < end))
    views = (read_entry(e, udk) for e in rows)
    return [
        export.PrintItem(
            v.created_at,
            v.title or "Untitled entry",
            [*v.body.split("\n"), *(["Tags: " + ", ".join(v.tags)] if v.tags else [])],
        )
        for v in views
    ]


def export_entries(user: User, udk: bytes) -> list[dict[str, Any]]:
    return [
        {
            "id": str(view.id),
            "created_at": export.iso(view.created_at),
            "updated_at": export.iso(view.updated_at),
            "title": view.title,
            "body": view.body,
            "tags": list(view.tags),
            "session_id": str(view.session_id) if view.session_id else None,
        }
        for view in (read_entry(e, udk) for e in _all_entries(user))
    ]


# -- sharing: how a shared entry is opened for the therapist --------------------------


def _open_entry(entry: Entry, dek: bytes) -> Mapping[str, Any]:
    view = open_entry_with_dek(entry, dek)
    return {"title": view.title, "body": view.body, "edited": view.updated_at > view.created_at}


def _reencrypt_entry(entry: Entry, udk: bytes) -> bytes:
    return reencrypt_entry(entry, udk)


SHARE_ADAPTER = shareable.RecordAdapter(
    table=TABLE,
    model=Entry,
    label=N_("Journal entry"),
    open_with_dek=_open_entry,
    reencrypt=_reencrypt_entry,
    title_of=lambda content: str(content["title"] or "Untitled entry"),
)
