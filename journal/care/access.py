"""Who may see what, decided in one place before anything is decrypted.

Every view that takes a record id goes through a function here. "Not found" and
"not yours" are the same answer, so ids cannot be probed for existence.

A therapist reads a patient's record only through `readable_shares`: a share row for
that therapist AND an active link with the record's owner. Every refusal on the
therapist's side is written to the access log before the 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, false, func, select

from journal.care import access_log, shareable
from journal.core.database import built_once
from journal.core.extensions import db
from journal.models.adaptations import Adaptation
from journal.models.checklists import Checklist
from journal.models.entries import Draft, Entry
from journal.models.integration import AfterEffect, PromptAnswer, PromptSchedule
from journal.models.intentions import Intention
from journal.models.kap_sessions import KapSession, SelfCheck, SessionLogEntry
from journal.models.measures import MeasureResult
from journal.models.sessions import AuthSession
from journal.models.sharing import CareLink, Share
from journal.models.users import User


class RecordNotFound(LookupError):
    """The record does not exist or the user may not see it; both answer 404."""


def parse_id(raw: str | uuid.UUID) -> uuid.UUID:
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(raw)
    except (ValueError, AttributeError, TypeError) as exc:
        raise RecordNotFound(raw) from exc


def owned_entry(user: User, entry_id: str | uuid.UUID) -> Entry:
    entry: Entry | None = db.session.scalar(
        select(Entry).where(Entry.id == parse_id(entry_id), Entry.user_id == user.id)
    )
    if entry is None:
        raise RecordNotFound(entry_id)
    return entry


def owned_draft(user: User, draft_id: str | uuid.UUID) -> Draft | None:
    """The user's draft, None if it does not exist yet; someone else's id is refused."""
    draft = db.session.get(Draft, parse_id(draft_id))
    if draft is not None and draft.user_id != user.id:
        raise RecordNotFound(draft_id)
    return draft


# -- preparation records ------------------------------------------------------------


def owned_kap_session(user: User, session_id: str | uuid.UUID) -> KapSession:
    session: KapSession | None = db.session.scalar(
        select(KapSession).where(
            KapSession.id == parse_id(session_id), KapSession.user_id == user.id
        )
    )
    if session is None:
        raise RecordNotFound(session_id)
    return session


@dataclass(frozen=True)
class SessionWithParts:
    session: KapSession
    checklist: Checklist | None
    intention: Intention | None
    schedule: PromptSchedule | None
    after_effects: int
    """How many after-effects are logged for it."""


@built_once
def _session_with_parts_statement() -> Select[
    KapSession, Checklist | None, Intention | None, PromptSchedule | None, int
]:
    """Session `id` if `user_id` owns it, with its parts and its after-effects' count."""
    logged = (
        select(func.count())
        .select_from(AfterEffect)
        .where(AfterEffect.kap_session_id == KapSession.id)
        .correlate(KapSession)
        .scalar_subquery()
    )
    return (
        select(KapSession, Checklist, Intention, PromptSchedule, logged)
        .outerjoin(Checklist, Checklist.kap_session_id == KapSession.id)
        .outerjoin(Intention, Intention.kap_session_id == KapSession.id)
        .outerjoin(PromptSchedule, PromptSchedule.kap_session_id == KapSession.id)
        .where(KapSession.id == bindparam("id"), KapSession.user_id == bindparam("user_id"))
    )


def owned_kap_session_with_parts(user: User, session_id: str | uuid.UUID) -> SessionWithParts:
    """As `owned_kap_session`, with what the session's page shows beside it read in
    the same statement: its checklist, intention and prompt schedule (None when
    there is none) and the number of after-effects logged for it."""
    row = db.session.execute(
        _session_with_parts_statement(), {"id": parse_id(session_id), "user_id": user.id}
    ).first()
    if row is None:
        raise RecordNotFound(session_id)
    return SessionWithParts(row[0], row[1], row[2], row[3], row[4])


def owned_checklist(user: User, session: KapSession) -> Checklist:
    """The checklist of a session the user owns (call `owned_kap_session` first)."""
    checklist: Checklist | None = db.session.scalar(
        select(Checklist).where(
            Checklist.kap_session_id == session.id, Checklist.user_id == user.id
        )
    )
    if checklist is None:
        raise RecordNotFound(session.id)
    return checklist


def owned_intention(user: User, session: KapSession) -> Intention | None:
    """The intention of a session the user owns, None while none is written."""
    intention: Intention | None = db.session.scalar(
        select(Intention).where(
            Intention.kap_session_id == session.id, Intention.user_id == user.id
        )
    )
    return intention


def owned_log_line(user: User, session: KapSession, line_id: str | uuid.UUID) -> SessionLogEntry:
    """One line of the at-home log, only through the session it belongs to."""
    line: SessionLogEntry | None = db.session.scalar(
        select(SessionLogEntry).where(
            SessionLogEntry.id == parse_id(line_id),
            SessionLogEntry.kap_session_id == session.id,
            SessionLogEntry.user_id == user.id,
        )
    )
    if line is None:
        raise RecordNotFound(line_id)
    return line


def owned_self_check(user: User) -> SelfCheck | None:
    found: SelfCheck | None = db.session.scalar(
        select(SelfCheck).where(SelfCheck.user_id == user.id)
    )
    return found


# -- mood and measures ---------------------------------------------------------------


def owned_measure_result(user: User, result_id: str | uuid.UUID) -> MeasureResult:
    result: MeasureResult | None = db.session.scalar(
        select(MeasureResult).where(
            MeasureResult.id == parse_id(result_id), MeasureResult.user_id == user.id
        )
    )
    if result is None:
        raise RecordNotFound(result_id)
    return result


# -- a patient's own care-team records ----------------------------------------------


def owned_record(user: User, table: str, record_id: str | uuid.UUID) -> Any:
    """Any shareable record the user owns, by its adapter's table name."""
    adapter = shareable.adapter_for(table)
    record = adapter.load(parse_id(record_id)) if adapter else None
    if record is None or record.user_id != user.id:
        raise RecordNotFound(record_id)
    return record


def owned_records(user: User, table: str, record_ids: Sequence[uuid.UUID]) -> list[Any]:
    """Shareable records of one type the user owns, in the order named, in one query;
    any one that is missing or not theirs makes it 404, as `owned_record` does."""
    adapter = shareable.adapter_for(table)
    if adapter is None:
        raise RecordNotFound(table)
    loaded = {record.id: record for record in adapter.load_many(record_ids)}
    found = []
    for record_id in record_ids:
        record = loaded.get(record_id)
        if record is None or record.user_id != user.id:
            raise RecordNotFound(record_id)
        found.append(record)
    return found


def patient_link(patient: User, link_id: str | uuid.UUID) -> CareLink:
    """The patient's own link with a therapist; a link that is not theirs is 404."""
    link = db.session.get(CareLink, parse_id(link_id))
    if link is None or link.patient_id != patient.id:
        raise RecordNotFound(link_id)
    return link


def owned_share(patient: User, share_id: str | uuid.UUID) -> Share:
    share = db.session.get(Share, parse_id(share_id))
    if share is None or share.patient_id != patient.id:
        raise RecordNotFound(share_id)
    return share


# -- adaptations: content a therapist sealed for one patient ---------------------------


def own_adaptation(therapist: User, link: CareLink, kind: str) -> Adaptation | None:
    """The therapist's own adaptation for the link's patient (`link` comes from
    `linked_patient`, so another therapist's patient never gets this far)."""
    found: Adaptation | None = db.session.scalar(
        select(Adaptation).where(
            Adaptation.therapist_id == therapist.id,
            Adaptation.patient_id == link.patient_id,
            Adaptation.kind == kind,
        )
    )
    return found


def _offered(patient: User, kind: str) -> Select[Adaptation]:
    """Adaptations for this patient from a therapist they are still linked with."""
    return (
        select(Adaptation)
        .join(
            CareLink,
            and_(
                CareLink.therapist_id == Adaptation.therapist_id,
                CareLink.patient_id == Adaptation.patient_id,
            ),
        )
        .where(Adaptation.patient_id == patient.id, Adaptation.kind == kind)
    )


def offered_adaptations(patient: User, kind: str) -> list[Adaptation]:
    """Newest first."""
    return list(db.session.scalars(_offered(patient, kind).order_by(Adaptation.updated_at.desc())))


def offered_adaptation(patient: User, adaptation_id: str | uuid.UUID, kind: str) -> Adaptation:
    """One adaptation offered to this patient, or 404: someone else's, withdrawn, or
    from a therapist the patient is no longer linked with."""
    found: Adaptation | None = db.session.scalar(
        _offered(patient, kind).where(Adaptation.id == parse_id(adaptation_id))
    )
    if found is None:
        raise RecordNotFound(adaptation_id)
    return found


# -- the therapist's side: one rule ----------------------------------------------------


def readable_shares(therapist: User) -> Select[Share]:
    """THE rule: the shares a therapist may read through. A share row counts only
    while its patient has an active link with this therapist; nothing else ever lets
    a therapist see a patient's record."""
    query = select(Share).join(
        CareLink,
        and_(CareLink.therapist_id == Share.therapist_id, CareLink.patient_id == Share.patient_id),
    )
    if not therapist.is_therapist:
        return query.where(false())
    return query.where(Share.therapist_id == therapist.id)


def _try_id(raw: str | uuid.UUID) -> uuid.UUID | None:
    try:
        return parse_id(raw)
    except RecordNotFound:
        return None


def _refuse(
    therapist: User,
    patient_id: uuid.UUID | None,
    table: str | None,
    record_id: uuid.UUID | None,
    via: str,
) -> RecordNotFound:
    access_log.record_refused(therapist, patient_id, table, record_id, via)
    return RecordNotFound(record_id or patient_id)


@built_once
def _link_statement() -> Select[CareLink]:
    return select(CareLink).where(
        CareLink.therapist_id == bindparam("therapist_id"),
        CareLink.patient_id == bindparam("patient_id"),
    )


def linked_patient(therapist: User, patient_id: str | uuid.UUID, via: str) -> CareLink:
    """The therapist's active link with this patient, or a logged refusal (404)."""
    pid = _try_id(patient_id)
    link: CareLink | None = None
    if pid is not None and therapist.is_therapist:
        link = db.session.scalar(
            _link_statement(), {"therapist_id": therapist.id, "patient_id": pid}
        )
    if link is None:
        raise _refuse(therapist, pid, None, None, via)
    return link


def shared_record(
    therapist: User,
    patient_id: str | uuid.UUID,
    table: str,
    record_id: str | uuid.UUID,
    via: str,
) -> tuple[Share, Any]:
    """One record the therapist may read: (its share, the record), or a logged 404.

    The record must still be at the revision its share was sealed for, so a key left
    over from before a revoke is never even tried.
    """
    pid, rid = _try_id(patient_id), _try_id(record_id)
    adapter = shareable.adapter_for(table)
    share = record = None
    if pid is not None and rid is not None and adapter is not None:
        share = db.session.scalar(
            readable_shares(therapist).where(
                Share.patient_id == pid, Share.record_table == table, Share.record_id == rid
            )
        )
        record = adapter.load(rid) if share is not None else None
    if (
        share is None
        or record is None
        or record.user_id != pid
        or record.revision != share.record_revision
    ):
        owner = pid
        if adapter is not None and rid is not None:
            found = adapter.load(rid)
            owner = found.user_id if found is not None else pid
        raise _refuse(therapist, owner, table if adapter else None, rid, via)
    return share, record


def shared_records(
    therapist: User, link: CareLink, narrow: ColumnElement[bool] | None = None
) -> list[tuple[Share, Any]]:
    """Every record of this link's patient the therapist may read, oldest share first;
    `narrow` (a condition on `Share`) keeps only some of them.

    `link` comes from `linked_patient`; the shares come through `readable_shares`.
    """
    query = readable_shares(therapist).where(Share.patient_id == link.patient_id)
    if narrow is not None:
        query = query.where(narrow)
    shares = db.session.scalars(query.order_by(Share.created_at, Share.id)).all()
    loaded = _load_shared(shares)
    found: list[tuple[Share, Any]] = []
    for share in shares:
        record = loaded.get((share.record_table, share.record_id))
        if (
            record is not None
            and record.user_id == link.patient_id
            and record.revision == share.record_revision
        ):
            found.append((share, record))
    return found


def _load_shared(shares: Sequence[Share]) -> dict[tuple[str, uuid.UUID], Any]:
    """The shares' records, one query per record type (not one per share)."""
    wanted: dict[str, list[uuid.UUID]] = {}
    for share in shares:
        wanted.setdefault(share.record_table, []).append(share.record_id)
    loaded: dict[tuple[str, uuid.UUID], Any] = {}
    for table, ids in wanted.items():
        adapter = shareable.adapter_for(table)
        if adapter is not None:
            loaded.update(((table, record.id), record) for record in adapter.load_many(ids))
    return loaded


# -- integration records ---------------------------------------------------------------


def owned_prompt(user: User, session: KapSession, key: str) -> PromptAnswer:
    """One prompt of a session the user owns (call `owned_kap_session` first)."""
    prompt: PromptAnswer | None = db.session.scalar(
        select(PromptAnswer).where(
            PromptAnswer.kap_session_id == session.id,
            PromptAnswer.user_id == user.id,
            PromptAnswer.prompt_key == key,
        )
    )
    if prompt is None:
        raise RecordNotFound(key)
    return prompt


def owned_after_effect(user: User, session: KapSession, effect_id: str | uuid.UUID) -> AfterEffect:
    """One line of a session's after-effects log, only through its session."""
    effect: AfterEffect | None = db.session.scalar(
        select(AfterEffect).where(
            AfterEffect.id == parse_id(effect_id),
            AfterEffect.kap_session_id == session.id,
            AfterEffect.user_id == user.id,
        )
    )
    if effect is None:
        raise RecordNotFound(effect_id)
    return effect


def owned_session(user: User, public_id: str | uuid.UUID) -> AuthSession:
    """One of the user's own logins, by the id the sessions page shows."""
    row: AuthSession | None = db.session.scalar(
        select(AuthSession).where(
            AuthSession.public_id == parse_id(public_id), AuthSession.user_id == user.id
        )
    )
    if row is None:
        raise RecordNotFound(public_id)
    return row
