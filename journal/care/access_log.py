"""The access log: every read of a patient's record by a therapist, and every refusal.

Rows say who, which record and when; never a word of content. The patient sees all
of it (care team → "Who read what").
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from journal.core.extensions import db
from journal.models.sharing import AccessLogEntry
from journal.models.users import User

READ = "read"
REFUSED = "refused"


def record_read(
    therapist: User, patient_id: uuid.UUID, table: str, record_id: uuid.UUID, via: str
) -> None:
    """Added to the session; the caller's commit writes it with the rest."""
    db.session.add(
        AccessLogEntry(
            therapist_id=therapist.id,
            patient_id=patient_id,
            record_table=table,
            record_id=record_id,
            outcome=READ,
            via=via,
        )
    )


def record_brief_view(therapist: User, patient_id: uuid.UUID, items: int) -> None:
    """One row for one view of the brief, however many records it opened: the
    patient reads "opened your pre-appointment brief: 7 items". The caller commits."""
    record_batch(therapist, patient_id, items, via="brief")


def record_batch(therapist: User, patient_id: uuid.UUID, items: int, via: str) -> None:
    """One row for one act that opened many records (`via` names it: the brief, the
    FHIR export), with how many. The caller commits."""
    db.session.add(
        AccessLogEntry(
            therapist_id=therapist.id,
            patient_id=patient_id,
            record_table=None,
            record_id=None,
            outcome=READ,
            via=via,
            item_count=items,
        )
    )


def record_refused(
    therapist: User,
    patient_id: uuid.UUID | None,
    table: str | None,
    record_id: uuid.UUID | None,
    via: str,
) -> None:
    """Written at once: the request ends in a 404 right after, with nothing to commit."""
    if patient_id is not None and db.session.get(User, patient_id) is None:
        patient_id = None
    db.session.add(
        AccessLogEntry(
            therapist_id=therapist.id,
            patient_id=patient_id,
            record_table=table,
            record_id=record_id,
            outcome=REFUSED,
            via=via,
        )
    )
    db.session.commit()


def for_patient(
    patient_id: uuid.UUID, page: int, per_page: int
) -> tuple[list[AccessLogEntry], int]:
    """A page of the log (newest first) and the number of pages."""
    total = (
        db.session.scalar(select(func.count()).where(AccessLogEntry.patient_id == patient_id)) or 0
    )
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.scalars(
        select(AccessLogEntry)
        .where(AccessLogEntry.patient_id == patient_id)
        .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), pages
