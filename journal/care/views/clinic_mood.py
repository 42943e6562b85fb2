"""The therapist's side of mood and measures: acknowledging a safety flag.

The route lives on the clinic blueprint (so the route enumeration in
tests/web/test_clinic_access.py covers it) and, like every clinic route, goes through
`access.shared_record` before anything is opened. The caseload's open-flag counts
come from its sealed summaries (journal/care/summaries.py).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from journal.accounts import audit
from journal.care import access, access_log, safety_flags, safety_signals, sharing
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

SIGNALS_LOG = safety_signals.SIGNALS


@bp.post("/patients/<patient_id>/flags/<record_id>/acknowledge")
@login_required
def acknowledge_flag(patient_id: str, record_id: str) -> ResponseReturnValue:
    """Acknowledge the flag on a shared result, or a safety signal the patient chose
    to send (the result itself unshared), with an optional note."""
    me, udk = _therapist(), current_udk()
    try:
        note = safety_flags.clean_note(request.form.get("note"))
    except safety_flags.NoteTooLong as exc:
        flash(str(exc))
        return redirect(_back(patient_id))
    signal = _signal(me, udk, patient_id, record_id)
    if signal is not None:
        access_log.record_read(me, signal.patient_id, SIGNALS_LOG, signal.id, "acknowledge")
        new = safety_flags.acknowledge_result(me, udk, signal.patient_id, signal.result_id, note)
        patient = signal.patient_id
    else:
        share, record = access.shared_record(
            me, patient_id, measures.TABLE, record_id, via="acknowledge"
        )
        item = sharing.read_shared(me, udk, share, record, via="acknowledge")
        new = safety_flags.acknowledge(me, udk, share, item, note)
        patient = share.patient_id
    if new:
        flash(_("Safety flag acknowledged. Your name and the time are recorded with it."))
    else:
        flash(_("You had already acknowledged this safety flag."))
    return redirect(_back(str(patient)))


def _back(patient_id: str) -> str:
    fallback = url_for("clinic.patient_brief", patient_id=patient_id)
    return safe_next(request.form.get("next")) or fallback


def _signal(me: User, udk: bytes, patient_id: str, record_id: str) -> safety_signals.Signal | None:
    """The safety signal the patient sent this therapist for that result, when the
    result itself is not shared with them (a shared result goes the usual way)."""
    try:
        pid, rid = uuid.UUID(patient_id), uuid.UUID(record_id)
    except ValueError:
        return None
    shared = db.session.scalar(
        access.readable_shares(me).where(
            Share.record_table == measures.TABLE, Share.record_id == rid
        )
    )
    if shared is not None:
        return None
    for row in safety_signals.signals(me, udk, [pid]):
        if row.result_id == rid:
            return safety_signals.open_signal(me, udk, row)
    return None


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
    done = safety_flags.acknowledgements(me, current_udk(), [item.record_id]).get(item.record_id)
    # A result may show twice on one page (the brief's flags and its shared items).
    g.ack_forms = g.get("ack_forms", 0) + 1
    return {
        "acknowledged": done,
        "patient_id": share.patient_id,
        "record_id": item.record_id,
        "form_id": f"ack-{g.ack_forms}",
    }
