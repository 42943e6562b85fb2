"""One call for every change to what a caseload row shows: a share made, revoked or
read, a safety flag acknowledged. It advances the link's summary generation, so the
therapist's sealed summary (journal/care/summaries.py) is rebuilt at their next
caseload load; the patient who shares cannot rebuild it (it is sealed under the
therapist's key), and neither can anyone who can only write the database."""

from __future__ import annotations

import uuid

from sqlalchemy import update

from journal.core.extensions import db
from journal.models.sharing import CareLink


def caseload_changed(patient_id: uuid.UUID, therapist_id: uuid.UUID | None = None) -> None:
    """Advance the summary generation of the patient's link with this therapist (or
    with every therapist). One statement; the caller commits."""
    query = update(CareLink).where(CareLink.patient_id == patient_id)
    if therapist_id is not None:
        query = query.where(CareLink.therapist_id == therapist_id)
    db.session.execute(
        query.values(summary_generation=CareLink.summary_generation + 1).execution_options(
            synchronize_session=False
        )
    )
