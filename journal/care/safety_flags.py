"""Safety flags on shared questionnaire results: what the therapist must acknowledge.

A result answered above 0 on PHQ-9 question 9 carries a flag in its encrypted
payload. A therapist sees the flag only through a share they may read
(`access.readable_shares`), opened with their own key: it is never derived from
anything the patient did not share, and never stored in clear.

- **Acknowledging** writes who and when (`SafetyFlagAcknowledgement`, in clear) with
  the therapist's optional note, sealed under the therapist's data key with the time
  and the patient and bound to the result: a row the therapist's key did not seal
  (planted in the database, moved, or from before notes were sealed) does not count,
  so a database writer cannot make a flag look acknowledged. The read goes to the
  access log and an event to the security log.
- **Safety signals** (`journal.care.safety_signals`): a flag the patient chose to
  tell the therapist of without sharing the result counts like a flag on a shared
  result, and is acknowledged the same way.
- **Counting open flags** for the patients list would mean opening every shared
  result on every visit, each a read in the patient's access log. Instead the first
  check of a shared result is a logged read (via "safety-check") and what it found is
  kept as the therapist's own note (`SafetyCheck`), sealed under the therapist's data
  key and bound to the share and the record's revision. A note exists for every
  checked result, flagged or not, and goes with its share.
- **The brief** reads the same notes: besides the flag they keep the result's
  instrument and total, so the brief opens (and logs) only the results it shows (open
  or recent flags, each instrument's first and latest) and a patient's years of
  questionnaires do not make every brief slower. Notes written before they kept the
  instrument say only the flag; the brief opens such a result once and rewrites its note.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from flask import current_app
from flask_babel import gettext
from sqlalchemy import Select, bindparam, select

from journal.accounts import audit
from journal.care import access, care, changes, safety_signals, sharing
from journal.care.access import RecordNotFound
from journal.care.shareable import SharedItem
from journal.core import crypto, database
from journal.core.crypto import Binding
from journal.core.extensions import db
from journal.core.integrity import log_unopened
from journal.models.measures import MeasureResult
from journal.models.safety_flags import SafetyCheck, SafetyFlagAcknowledgement
from journal.models.sharing import Share
from journal.models.types import utcnow
from journal.models.users import User
from journal.mood import measures

TABLE = measures.TABLE
# What notes said before they kept the instrument and total (still read).
FLAGGED, CLEAR = b"\x01", b"\x00"
# Notes are padded to one length, so their size tells nothing of the total.
NOTE_BYTES = 64


def is_flagged(item: SharedItem) -> bool:
    """A shared questionnaire result whose safety question was answered above 0."""
    return item.table == TABLE and bool(item.content.get("safety_flag"))


@dataclass(frozen=True)
class Acknowledged:
    by: str
    at: datetime
    note: str = ""


# A note is a few words ("called, safe"), not a record of the session.
NOTE_MAX_CHARS: Final = 500


class NoteTooLong(ValueError):
    """The message is shown as it is."""


def _ack_binding(result_id: uuid.UUID, therapist_id: uuid.UUID) -> Binding:
    return Binding("flag-ack", "safety_flag_acknowledgements", result_id, therapist_id, "note")


def _open_ack(udk: bytes, row: SafetyFlagAcknowledgement) -> tuple[datetime, str] | None:
    """(when, note) as the therapist sealed them, or None for a row their key did not
    seal here (planted, moved to another result or patient, or from before notes were
    sealed): its flag stays open."""
    if row.sealed is None:
        return None
    try:
        data = json.loads(
            crypto.open_sealed(udk, row.sealed, _ack_binding(row.result_id, row.therapist_id))
        )
        if data["patient"] != str(row.patient_id):
            return None
        return datetime.fromisoformat(str(data["at"])), str(data["note"])
    except (crypto.IntegrityFailure, ValueError, KeyError, TypeError):
        return None


def acknowledgements(
    therapist: User, udk: bytes, result_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Acknowledged]:
    """result id → this therapist's acknowledgement of its flag, with their note (only
    those their own key sealed; see `_open_ack`)."""
    ids = list(result_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(SafetyFlagAcknowledgement).where(
            SafetyFlagAcknowledgement.therapist_id == therapist.id,
            SafetyFlagAcknowledgement.result_id.in_(ids),
        )
    ).all()
    name = care.display_name(therapist)
    found = {}
    for row in rows:
        opened = _open_ack(udk, row)
        if opened is None:
            current_app.logger.error(
                "integrity failure: acknowledgement %s was not sealed by its therapist", row.id
            )
            continue
        found[row.result_id] = Acknowledged(name, *opened)
    return found


def clean_note(raw: str | None) -> str:
    note = " ".join((raw or "").split())
    if len(note) > NOTE_MAX_CHARS:
        raise NoteTooLong(
            gettext("Keep the note to %(most)s characters or fewer.", most=NOTE_MAX_CHARS)
        )
    return note


def acknowledge(
    therapist: User, udk: bytes, share: Share, item: SharedItem, note: str = ""
) -> bool:
    """Record that the therapist acknowledged the flag on this result; True if new.

    `share` comes from `access.shared_record` and `item` from `sharing.read_shared`
    (the read is logged with it); a result without a flag is not found.
    """
    if not is_flagged(item):
        db.session.commit()  # the read was still a read
        raise RecordNotFound(item.record_id)
    return acknowledge_result(therapist, udk, share.patient_id, share.record_id, note)


def acknowledge_result(
    therapist: User,
    udk: bytes,
    patient_id: uuid.UUID,
    result_id: uuid.UUID,
    note: str = "",
    now: datetime | None = None,
) -> bool:
    """Record the acknowledgement of a flag the therapist may see (a flagged shared
    result, or a safety signal): who, when and the optional note, sealed under the
    therapist's data key. True if new; a row that does not open (planted, or from
    before notes were sealed) is sealed again as the therapist's own. Commits."""
    note = clean_note(note)
    row = db.session.scalar(
        select(SafetyFlagAcknowledgement).where(
            SafetyFlagAcknowledgement.therapist_id == therapist.id,
            SafetyFlagAcknowledgement.result_id == result_id,
        )
    )
    if row is not None and _open_ack(udk, row) is not None:
        db.session.commit()
        return False
    now = now or utcnow()
    if row is None:
        row = SafetyFlagAcknowledgement(
            therapist_id=therapist.id, patient_id=patient_id, result_id=result_id
        )
        db.session.add(row)
    row.patient_id = patient_id
    row.acknowledged_at = now
    plain = json.dumps({"patient": str(patient_id), "at": now.isoformat(), "note": note})
    row.sealed = crypto.seal(udk, plain.encode(), _ack_binding(result_id, therapist.id))
    audit.record(therapist.id, "safety_flag.acknowledged", f"{TABLE}:{result_id}")
    changes.caseload_changed(patient_id, therapist.id)
    db.session.commit()
    return True


# -- the therapist's sealed notes ------------------------------------------------------


def _binding(share: Share, therapist: User) -> Binding:
    return _note_binding(share.id, therapist.id, share.record_revision)


def _note_binding(share_id: uuid.UUID, therapist_id: uuid.UUID, revision: int) -> Binding:
    return Binding("safety-check", "safety_checks", share_id, therapist_id, "flag", revision)


@dataclass(frozen=True)
class Check:
    """What checking one shared result found, as its note keeps it."""

    flagged: bool
    # None in a note written before notes kept them (it says only the flag).
    instrument: str | None = None
    total: int | None = None

    @property
    def complete(self) -> bool:
        return self.instrument is not None and self.total is not None


def check_of(item: SharedItem) -> Check:
    """The note's content for a shared result the therapist opened."""
    return Check(is_flagged(item), str(item.content["instrument"]), int(item.content["total"]))


def _encode(check: Check) -> bytes:
    data = {"flagged": check.flagged, "instrument": check.instrument, "total": check.total}
    return json.dumps(data, separators=(",", ":")).encode().ljust(NOTE_BYTES)


def _decode(plain: bytes) -> Check:
    if plain in (FLAGGED, CLEAR):
        return Check(plain == FLAGGED)
    data = json.loads(plain)
    return Check(bool(data["flagged"]), str(data["instrument"]), int(data["total"]))


def remember(therapist: User, udk: bytes, share: Share, check: Check) -> None:
    """Keep what checking this shared result found, sealed under the therapist's own
    key. Callers write a note only when theirs was missing, stale, unreadable or
    from before notes kept the instrument (they have just opened it). The caller
    commits."""
    database.put(
        SafetyCheck,
        "share_id",
        share_id=share.id,
        therapist_id=therapist.id,
        record_revision=share.record_revision,
        sealed=crypto.seal(udk, _encode(check), _binding(share, therapist)),
        checked_at=utcnow(),
    )


def _open_note(
    udk: bytes, sealed: bytes, share_id: uuid.UUID, therapist_id: uuid.UUID, revision: int
) -> Check | None:
    """What the note says, or None when it cannot be opened any more (say after the
    therapist started over with new keys)."""
    try:
        binding = _note_binding(share_id, therapist_id, revision)
        return _decode(crypto.open_sealed(udk, sealed, binding))
    except (crypto.IntegrityFailure, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class OpenFlags:
    """One patient's flags still to acknowledge: how many, and when the oldest could
    first have been seen (its share, or its signal, was made): the clock of
    "overdue", `journal.care.brief.overdue`."""

    count: int = 0
    oldest_shared_at: datetime | None = None


def open_flags(
    therapist: User,
    udk: bytes,
    patient_id: uuid.UUID,
    verifier: sharing.ShareVerifier | None = None,
) -> OpenFlags:
    """Flags on the patient's shared results, and safety signals they chose to send,
    that the therapist has not acknowledged.

    Each shared result is opened at most once for this (logged, via "safety-check");
    after that its sealed note answers. Reads only the columns it needs, in one
    query, and loads a whole share only for a result it must open. A signal is not
    opened: its row (verified as the patient's) says which result and when. An
    acknowledgement counts only if the therapist's key sealed it. The caseload calls
    this only to rebuild a patient's summary (journal/care/summaries.py).
    """
    readable = (
        access.readable_shares(therapist)
        .where(Share.patient_id == patient_id, Share.record_table == TABLE)
        .subquery()
    )
    rows = db.session.execute(
        select(
            readable.c.id,
            readable.c.patient_id,
            readable.c.record_revision,
            SafetyCheck.record_revision,
            SafetyCheck.sealed,
            readable.c.record_id,
            readable.c.therapist_id,
            readable.c.sealed_dek,
            readable.c.mac,
            readable.c.mac_kid,
            readable.c.created_at,
        ).outerjoin(
            SafetyCheck,
            (SafetyCheck.share_id == readable.c.id) & (SafetyCheck.therapist_id == therapist.id),
        )
    ).all()
    flagged: dict[uuid.UUID, tuple[uuid.UUID, datetime]] = {}  # result → (patient, when)
    checked = False
    if rows and verifier is None:
        verifier = sharing.ShareVerifier(therapist, udk)
    for row in rows:
        share_id, _, revision, note_revision, sealed = row[:5]
        shown = sharing.ShareRow(
            id=share_id,
            record_table=TABLE,
            record_id=row[5],
            patient_id=patient_id,
            therapist_id=row[6],
            record_revision=revision,
            sealed_dek=row[7],
            mac=row[8],
            mac_kid=row[9],
        )
        # Only a result the patient shared counts: one planted in the database, or
        # restored from an older copy after a revoke, is left out (and logged).
        if verifier is None or not verifier.ok(shown):
            continue
        check = None
        if note_revision == revision and sealed is not None:
            check = _open_note(udk, sealed, share_id, therapist.id, revision)
        if check is None:
            share = db.session.get(Share, share_id)
            record = _current_record(share) if share is not None else None
            if share is None or record is None:
                continue
            try:
                item = sharing.read_shared(
                    therapist, udk, share, record, via="safety-check", verifier=verifier
                )
            except crypto.IntegrityFailure:
                log_unopened(TABLE, record.id)
                continue
            check = check_of(item)
            remember(therapist, udk, share, check)
            checked = True
        if check.flagged:
            flagged[row[5]] = (patient_id, row[10])
    for signal in safety_signals.signals(therapist, udk, [patient_id]):
        flagged.setdefault(signal.result_id, (signal.patient_id, signal.created_at))
    if checked:
        db.session.flush()
    done = acknowledgements(therapist, udk, flagged)
    open_at = [at for result_id, (_, at) in flagged.items() if result_id not in done]
    return OpenFlags(len(open_at), min(open_at) if open_at else None)


def _current_record(share: Share) -> Any | None:
    """The shared result, if it is still the patient's and at the shared revision
    (the same test `access.shared_record` makes)."""
    record = db.session.get(MeasureResult, share.record_id)
    if (
        record is None
        or record.user_id != share.patient_id
        or record.revision != share.record_revision
    ):
        return None
    return record


# -- what the brief and the item page show ---------------------------------------------


@dataclass(frozen=True)
class Flag:
    """A flagged result as the therapist sees it: the item, and their acknowledgement."""

    share: Share
    item: SharedItem
    acknowledged: Acknowledged | None

    @property
    def open(self) -> bool:
        return self.acknowledged is None


@database.built_once
def _notes_statement() -> Select[SafetyCheck]:
    """`therapist_id`'s notes on the shares `share_ids`."""
    return select(SafetyCheck).where(
        SafetyCheck.therapist_id == bindparam("therapist_id"),
        database.among(SafetyCheck.share_id, "share_ids"),
    )


def checks(
    therapist: User,
    udk: bytes,
    pairs: Sequence[tuple[Share, Any]],
    open_item: Callable[[Share, Any], SharedItem],
) -> list[Check]:
    """What each shared result (`pairs` from `access.shared_records`) holds, in order:
    from the therapist's notes, in one query, opening (with `open_item`, which logs
    the read) only a result whose note is missing, stale or from before notes kept
    the instrument, and noting what it held. The caller commits."""
    notes = {
        note.share_id: note
        for note in db.session.scalars(
            _notes_statement(),
            {"therapist_id": therapist.id, "share_ids": [share.id for share, _ in pairs]},
        )
    }
    found = []
    for share, record in pairs:
        note = notes.get(share.id)
        check = None
        if note is not None and note.record_revision == share.record_revision:
            check = _open_note(udk, note.sealed, share.id, therapist.id, share.record_revision)
        if check is None or not check.complete:
            check = check_of(open_item(share, record))
            remember(therapist, udk, share, check)
        found.append(check)
    return found


def in_order(flags: Iterable[Flag]) -> list[Flag]:
    """Open flags first, each group newest first."""
    ordered = sorted(flags, key=lambda f: f.item.occurred_at, reverse=True)
    return [f for f in ordered if f.open] + [f for f in ordered if not f.open]


def reseal_notes(user: User, old_udk: bytes, new_udk: bytes) -> None:
    """A therapist's notes move to the new key; one that no longer opens is dropped
    (it is only a record of a check, made again at the next read)."""
    for note in db.session.scalars(select(SafetyCheck).where(SafetyCheck.therapist_id == user.id)):
        share = db.session.get(Share, note.share_id)
        if share is None:
            continue
        try:
            plain = crypto.open_sealed(old_udk, note.sealed, _binding(share, user))
        except crypto.IntegrityFailure:
            db.session.delete(note)
            continue
        note.sealed = crypto.seal(new_udk, plain, _binding(share, user))
    for ack in db.session.scalars(
        select(SafetyFlagAcknowledgement).where(
            SafetyFlagAcknowledgement.therapist_id == user.id,
            SafetyFlagAcknowledgement.sealed.is_not(None),
        )
    ):
        binding = _ack_binding(ack.result_id, user.id)
        try:
            plain = crypto.open_sealed(old_udk, ack.sealed or b"", binding)
        except crypto.IntegrityFailure:
            continue  # never the therapist's: it stays unopenable, its flag open
        ack.sealed = crypto.seal(new_udk, plain, binding)


# -- the brief ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalFlag:
    signal: safety_signals.Signal
    acknowledged: Acknowledged | None

    @property
    def open(self) -> bool:
        return self.acknowledged is None


def signals_section(context: Any) -> dict[str, Any] | None:
    """The brief's "Safety signals": flags the patient chose to tell this therapist of
    without sharing the result (a result shared as well shows under "Safety flags"):
    open ones, and those acknowledged since the last appointment."""
    rows = safety_signals.signals(context.therapist, context.udk, [context.link.patient_id])
    shared = {s.record_id for s, _ in context.pairs if s.record_table == "measure_results"}
    rows = [row for row in rows if row.result_id not in shared]
    if not rows:
        return None
    acked = acknowledgements(context.therapist, context.udk, [row.result_id for row in rows])
    since = context.since
    flags = []
    for row in rows:
        done = acked.get(row.result_id)
        if since is not None and done is not None and max(row.created_at, done.at) < since:
            continue
        try:
            opened = safety_signals.open_signal(context.therapist, context.udk, row)
        except crypto.IntegrityFailure:
            current_app.logger.error("integrity failure: safety signal %s did not open", row.id)
            continue
        flags.append(SignalFlag(opened, done))
    if not flags:
        return None
    flags.sort(key=lambda f: (not f.open, -f.signal.flagged_at.timestamp()))
    return {
        "flags": flags,
        "open_count": sum(1 for f in flags if f.open),
        "patient_id": context.link.patient_id,
    }
