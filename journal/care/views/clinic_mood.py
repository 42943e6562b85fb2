"""The therapist's side of mood and measures: acknowledging a safety flag.

The route lives on the clinic blueprint (so the route enumeration in
tests/web/test_clinic_access.py covers it) and, like every clinic route, goes through
`access.shared_record` before anything is opened. This module also connects the
patients list's open-flag count, which needs the therapist's key from their session
(`journal.wiring` connects it).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from journal.care import access, safety_flags, sharing
from journal.care.shareable import SharedItem
from journal.care.views.clinic import _therapist, bp
from journal.core.extensions import db
from journal.models.sharing import Share
from journal.models.users import User
from journal.mood import measures
from journal.web.identity import current_udk, safe_next


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
