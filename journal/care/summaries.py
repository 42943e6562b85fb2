"""One sealed summary per patient-therapist link: what the caseload row shows.

Counting a patient's unread items, open safety flags and last check-in means checking
every share's MAC and opening a note per shared result; doing that for every patient
on every caseload load cost most of the page. So the therapist keeps, per link, a
summary sealed under their own data key (AES-GCM, microseconds to open) and the
caseload opens one per row.

- **Kept fresh.** Every change to what a row shows (a share made, revoked or read,
  a flag acknowledged) advances the link's `summary_generation`
  (`changes.caseload_changed`). A summary opens only with the generation it was made
  at (it is in the binding), and also names the appointment boundary its "new" count
  started from; either changing, or no summary at all (existing links after the
  migration), makes the next caseload load rebuild it with the therapist's key.
- **Built from what verifies.** A rebuild counts only shares whose MAC is the
  patient's (`sharing.ShareVerifier`): a share planted in the database never counts
  as unread or new, never moves the last check-in and never raises a flag.
- **Against the database writer.** Bound to ("caseload-summary", the link, the
  therapist, the patient, the generation): a summary made up without the therapist's
  key does not open, one moved to another link or patient does not open, and one
  put back from an older copy names an older generation and is rebuilt. Putting
  back the link row with it (its appointments too) restores an older, consistent
  state: the limit every MAC has (docs/privacy.md#rollback).
- **The order.** Sorting needs every patient's summary; so the sorted list of patient
  ids is kept too, one blob per therapist (`CaseloadOrder`), sealed the same way and
  naming the basis it was made from: the number of links, the sum of their
  generations and the newest link. Any change to a row advances a generation, so a
  changed basis, an order put back from an older copy, or the next appointment
  passing (`expires`) makes the next load sort again. A page of 25 then opens the
  order and 25 summaries, however many patients there are.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from journal.care import access, safety_flags, sharing
from journal.core import crypto, database
from journal.core.extensions import db
from journal.models.sharing import CareLink, CaseloadOrder, CaseloadSummary, Share
from journal.models.types import utcnow
from journal.models.users import User

LastCheckInSource = Callable[
    [User, uuid.UUID, Callable[[sharing.ShareColumns], bool]], datetime | None
]
_LAST_CHECK_IN: list[LastCheckInSource] = []


def register_last_check_in(source: LastCheckInSource) -> None:
    """Where the last check-in comes from (the mood domain), asked only on a rebuild."""
    if source not in _LAST_CHECK_IN:
        _LAST_CHECK_IN.append(source)


@dataclass(frozen=True)
class Summary:
    unread: int = 0
    # Shared since the appointment boundary `since` (all, when None), or unread.
    new: int = 0
    open_flags: int = 0
    # When the oldest unacknowledged flag was shared (for an "overdue" rule).
    oldest_open_flag_at: datetime | None = None
    last_check_in: datetime | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class LinkState:
    """A link's clear columns that say whether its summary is current."""

    link_id: uuid.UUID
    patient_id: uuid.UUID
    generation: int
    since: datetime | None
    sealed: bytes | None


def since_of(
    next_appointment: datetime | None, last_appointment: datetime | None, now: datetime
) -> datetime | None:
    """Where "new since the last appointment" starts: an appointment set as the next
    one that has passed counts as the last."""
    if next_appointment is not None and next_appointment <= now:
        return next_appointment
    return last_appointment


def state_of(link: CareLink, sealed: bytes | None, now: datetime | None = None) -> LinkState:
    return LinkState(
        link.id,
        link.patient_id,
        link.summary_generation,
        since_of(link.next_appointment_at, link.last_appointment_at, now or utcnow()),
        sealed,
    )


def _binding(therapist_id: uuid.UUID, state: LinkState) -> crypto.Binding:
    return crypto.Binding(
        "caseload-summary",
        "caseload_summaries",
        state.link_id,
        therapist_id,
        f"summary:{state.patient_id}",
        state.generation,
    )


def _when(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _encode(summary: Summary) -> bytes:
    return json.dumps(
        [
            summary.unread,
            summary.new,
            summary.open_flags,
            _iso(summary.oldest_open_flag_at),
            _iso(summary.last_check_in),
            _iso(summary.since),
        ],
        separators=(",", ":"),
    ).encode()


def _open(udk: bytes, therapist_id: uuid.UUID, state: LinkState) -> Summary | None:
    """The summary, or None when it is missing, does not open (planted, moved, from
    an older generation, or sealed under a key the therapist no longer has) or counted
    "new" from another boundary."""
    if state.sealed is None:
        return None
    try:
        raw = json.loads(crypto.open_sealed(udk, state.sealed, _binding(therapist_id, state)))
        unread, new, flags, oldest, last, since = raw
        summary = Summary(
            int(unread), int(new), int(flags), _when(oldest), _when(last), _when(since)
        )
    except (crypto.IntegrityFailure, ValueError, TypeError):
        return None
    return summary if summary.since == state.since else None


def build(
    therapist: User, udk: bytes, state: LinkState, verifier: sharing.ShareVerifier
) -> Summary:
    """Count what the row shows from the shares that verify as the patient's."""
    shares: Sequence[Any] = db.session.execute(
        access.readable_shares(therapist)
        .where(Share.patient_id == state.patient_id)
        .with_only_columns(
            *sharing.SHARE_ROW_COLUMNS,
            Share.created_at,
            Share.therapist_read_at,
        )
    ).all()
    unread = new = 0
    for row in shares:
        if not verifier.ok(sharing.ShareRow(*row[:9])):
            continue
        created_at, read_at = row[9], row[10]
        unread += read_at is None
        new += read_at is None or state.since is None or created_at >= state.since
    flags = safety_flags.open_flags(therapist, udk, state.patient_id, verifier)
    last_check_in = None
    for source in _LAST_CHECK_IN:
        found = source(therapist, state.patient_id, verifier.ok)
        if found is not None and (last_check_in is None or found > last_check_in):
            last_check_in = found
    return Summary(unread, new, flags.count, flags.oldest_shared_at, last_check_in, state.since)


def _store(therapist: User, udk: bytes, state: LinkState, summary: Summary) -> None:
    sealed = crypto.seal(udk, _encode(summary), _binding(therapist.id, state))
    database.put(
        CaseloadSummary,
        "link_id",
        link_id=state.link_id,
        therapist_id=therapist.id,
        sealed=sealed,
        updated_at=utcnow(),
    )


def summaries(therapist: User, udk: bytes, states: Sequence[LinkState]) -> dict[uuid.UUID, Summary]:
    """patient id → their summary: one AES-GCM open per link, a rebuild (and a
    commit) only for those that are missing or out of date."""
    found: dict[uuid.UUID, Summary] = {}
    verifier: sharing.ShareVerifier | None = None
    rebuilt = False
    for state in states:
        summary = _open(udk, therapist.id, state)
        if summary is None:
            verifier = verifier or sharing.ShareVerifier(therapist, udk)
            summary = build(therapist, udk, state, verifier)
            _store(therapist, udk, state, summary)
            rebuilt = True
        found[state.patient_id] = summary
    if rebuilt:
        db.session.commit()
    return found


def summary_of(therapist: User, udk: bytes, link: CareLink) -> Summary:
    """One link's summary (the patient page)."""
    sealed = db.session.scalar(
        select(CaseloadSummary.sealed).where(CaseloadSummary.link_id == link.id)
    )
    return summaries(therapist, udk, [state_of(link, sealed)])[link.patient_id]


# -- the whole caseload's order -------------------------------------------------------


@dataclass(frozen=True)
class Basis:
    """What the therapist's links were when an order was made: how many, the sum of
    their summary generations (every change advances one) and the newest link."""

    links: int
    generations: int
    newest: str


@database.built_once
def _basis_statement() -> Select[int, int, datetime | None, bytes | None]:
    """The count, generations and newest link of `therapist_id`, and the sealed
    order stored for them."""
    stored = (
        select(CaseloadOrder.sealed)
        .where(CaseloadOrder.therapist_id == bindparam("therapist_id"))
        .scalar_subquery()
    )
    return select(
        func.count(CareLink.id),
        func.coalesce(func.sum(CareLink.summary_generation), 0),
        func.max(CareLink.created_at),
        stored,
    ).where(CareLink.therapist_id == bindparam("therapist_id"))


def order_basis(therapist: User) -> tuple[Basis, bytes | None]:
    """The links' basis now and the stored order, in one statement."""
    row = db.session.execute(_basis_statement(), {"therapist_id": therapist.id}).one()
    return Basis(int(row[0]), int(row[1]), str(row[2] or "")), row[3]


def _order_binding(therapist_id: uuid.UUID) -> crypto.Binding:
    return crypto.Binding("caseload-order", "caseload_orders", therapist_id, therapist_id, "order")


def stored_order(
    therapist: User, udk: bytes, sealed: bytes | None, basis: Basis, now: datetime
) -> list[str] | None:
    """The patient ids in the order of attention, or None when there is no order, it
    does not open, was made from other links or generations (something changed, or
    it was put back from an older copy) or has expired."""
    if sealed is None:
        return None
    try:
        made_from, expires, order = json.loads(
            crypto.open_sealed(udk, sealed, _order_binding(therapist.id))
        )
        until = _when(expires)
        if Basis(*made_from) != basis or (until is not None and now >= until):
            return None
        return [str(patient_id) for patient_id in order]
    except (crypto.IntegrityFailure, ValueError, TypeError):
        return None


def store_order(
    therapist: User,
    udk: bytes,
    basis: Basis,
    order: Sequence[uuid.UUID],
    expires: datetime | None,
) -> None:
    """Keep the order until `basis` changes or `expires` passes; commits."""
    plain = json.dumps(
        [[basis.links, basis.generations, basis.newest], _iso(expires), [p.hex for p in order]],
        separators=(",", ":"),
    ).encode()
    sealed = crypto.seal(udk, plain, _order_binding(therapist.id))
    database.put(
        CaseloadOrder, "therapist_id", therapist_id=therapist.id, sealed=sealed, updated_at=utcnow()
    )
    db.session.commit()


def reseal(user: User, old_udk: bytes, new_udk: bytes) -> None:
    """A therapist's new data key: their summaries and order are simply dropped and
    made again at the next caseload load (they hold nothing that cannot be counted
    again)."""
    for row in db.session.scalars(
        select(CaseloadSummary).where(CaseloadSummary.therapist_id == user.id)
    ):
        db.session.delete(row)
    order = db.session.get(CaseloadOrder, user.id)
    if order is not None:
        db.session.delete(order)
