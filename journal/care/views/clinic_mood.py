"""The therapist's side of mood and measures: acknowledging a safety flag.

The route lives on the clinic blueprint (so the route enumeration in
tests/web/test_clinic_access.py covers it) and, like every clinic route, goes through
`access.shared_record` before anything is opened. This module also connects the
patients list's open-flag count, which needs the therapist's key from their session
(`journal.wiring` connects it).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from flask import flash, has_request_context, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from journal.accounts import audit
from journal.care import access, safety_flags, sharing
from journal.care.shareable import SharedItem
from journal.care.views.clinic import _therapist, bp
from journal.core.extensions import db
from journal.core.forms import DayRangeForm
from journal.dosing.kap_sessions import zone_of
from journal.models.sharing import Share
from journal.models.types import utcnow
from journal.models.users import User
from journal.mood import fhir, measures
from journal.web.identity import current_udk, safe_next
from journal.web.rendering import attachment


@bp.post("/patients/<patient_id>/flags/<record_id>/acknowledge")
@login_required
def acknowledge_flag(patient_id: str, record_id: str) -> ResponseReturnValue:
    me = _therapist()
    share, record = access.shared_record(
        me, patient_id, measures.TABLE, record_id, via="acknowledge"
    )
    item = sharing.read_shared(me, current_udk(), share, record, via="acknowledge")
    if safety_flags.acknowledge(me, share, item):
        flash("Safety flag acknowledged. Your name and the time are recorded with it.")
    else:
        flash("You had already acknowledged this safety flag.")
    back = safe_next(request.form.get("next")) or url_for(
        "clinic.patient_brief", patient_id=share.patient_id
    )
    return redirect(back)


@bp.post("/patients/<patient_id>/results.fhir")
@login_required
def download_fhir(patient_id: str) -> ResponseReturnValue:
    """The questionnaire results this patient shared, between two days, as a FHIR R4
    Bundle for the clinic's health record. One access-log row says so (issue 21).

    No step-up, unlike the patient's own exports: it carries only results the brief
    already shows this session in full, and the patient sees every download."""
    me = _therapist()
    link = access.linked_patient(me, patient_id, via=fhir.EXPORT_VIA)
    form = DayRangeForm.read(request.form)
    if not form.valid:
        flash(form.errors["range"])
        return redirect(url_for("clinic.patient_brief", patient_id=link.patient_id))
    since, until = form.bounds(zone_of(me))
    results, _unverified = fhir.shared_results(me, current_udk(), link, since, until)
    body = json.dumps(fhir.bundle(results, utcnow()), indent=2)
    audit.record(me.id, "care.fhir_export", f"{len(results)} results")
    db.session.commit()
    name = f"shared-questionnaires-{form.start}-to-{form.end}.json"
    return attachment(body, fhir.MEDIA_TYPE, name)


@bp.app_template_global()
def flag_acknowledgement(item: SharedItem) -> dict[str, Any] | None:
    """For a therapist looking at a flagged result: whether (and by whom, when) they
    acknowledged it, and where to post the acknowledgement. None for anyone else, and
    in the patient's own preview."""
    if not current_user.is_authenticated or not current_user.is_therapist:
        return None
    if not safety_flags.is_flagged(item):
        return None
    me: User = current_user._get_current_object()
    share = db.session.scalar(
        access.readable_shares(me).where(
            Share.record_table == item.table, Share.record_id == item.record_id
        )
    )
    if share is None:
        return None
    done = safety_flags.acknowledgements(me, [item.record_id]).get(item.record_id)
    return {"acknowledged": done, "patient_id": share.patient_id, "record_id": item.record_id}


def open_flags(therapist: User, patient_ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, int]:
    """The patients list's counts: they need the therapist's key, which only their
    session holds."""
    if not has_request_context() or not current_user.is_authenticated:
        return {}
    if current_user.id != therapist.id:
        return {}
    return safety_flags.open_flag_counts(therapist, current_udk(), patient_ids)
