"""The therapist's side: patients, invitations, appointments, the pre-appointment
brief and single shared items.

Every route that names a patient or a record goes through `access.linked_patient`
or `access.shared_record` first; a refusal is logged and answered with 404, the same
as a record that does not exist.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from journal.care import (  # noqa: F401 (registers the checklist kind)
    access,
    adaptations,
    brief,
    care,
    checklist_adaptation,
    preparation_sharing,
    prompt_adaptation,
    shareable,
    sharing,
    summaries,
)
from journal.care.access import RecordNotFound
from journal.care.care import CareError, InvitationEmailError
from journal.core.extensions import db
from journal.dosing.kap_sessions import zone_of
from journal.models.sharing import CareLink
from journal.models.types import utcnow
from journal.models.users import User
from journal.web.identity import current_udk, safe_next, user
from journal.web.rendering import render

bp = Blueprint("clinic", __name__, url_prefix="/clinic")


def _therapist() -> User:
    me = user()
    if not me.is_therapist:
        abort(404)
    return me


@bp.get("/patients")
@login_required
def patients() -> str:
    me = _therapist()
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    found = brief.caseload(
        me,
        current_udk(),
        request.args.get("q", ""),
        page,
        overdue_hours=current_app.config["SAFETY_FLAG_OVERDUE_HOURS"],
    )
    return render("clinic/patients.html", caseload=found, patients=found.rows)


# -- invitations --------------------------------------------------------------------------


def _invite_page(issued: care.IssuedInvitation | None = None, **extra: Any) -> str:
    me = _therapist()
    invitations = care.invitations_of(me)
    return render(
        "clinic/invite.html",
        issued=issued,
        invitations=invitations,
        invitation_names=care.invitation_names(me, current_udk(), invitations),
        status=care.invitation_status,
        display_name=care.own_display_name(me),
        ttl_days=care.INVITATION_TTL.days,
        **extra,
    )


@bp.route("/invite", methods=["GET", "POST"])
@login_required
def invite() -> ResponseReturnValue:
    me = _therapist()
    if request.method == "GET":
        return _invite_page()
    raw_name = request.form.get("patient_name", "")
    raw_email = request.form.get("patient_email", "")
    try:
        issued = care.create_invitation(me, raw_name, raw_email)
    except CareError as exc:
        by_email = isinstance(exc, InvitationEmailError)
        page = _invite_page(
            patient_name_value=raw_name,
            patient_email_value=raw_email,
            email_error=str(exc) if by_email else None,
            patient_name_error=None if by_email else str(exc),
        )
        return make_response(page, 422)
    return _invite_page(issued, link=url_for("care.invitation", code=issued.code, _external=True))


@bp.post("/profile")
@login_required
def profile() -> ResponseReturnValue:
    me = _therapist()
    try:
        care.set_display_name(me, request.form.get("display_name", ""))
    except CareError as exc:
        return make_response(_invite_page(name_error=str(exc)), 422)
    flash(_("Saved. Patients see this name on your invitations."))
    return redirect(url_for("clinic.invite"))


@bp.post("/invitations/<invitation_id>/withdraw")
@login_required
def withdraw(invitation_id: str) -> ResponseReturnValue:
    me = _therapist()
    if not care.withdraw_invitation(me, access.parse_id(invitation_id)):
        raise RecordNotFound(invitation_id)
    flash(_("Invitation withdrawn: its code no longer works."))
    return redirect(url_for("clinic.invite"))


# -- one patient ---------------------------------------------------------------------------


@bp.get("/patients/<patient_id>")
@login_required
def patient(patient_id: str) -> str:
    me = _therapist()
    link = access.linked_patient(me, patient_id, via="patient")
    return _patient_page(me, link, _local_input(link.next_appointment_at, me.time_zone))


def _patient_page(
    me: User,
    link: CareLink,
    appointment_value: str,
    error: str = "",
    name_error: str = "",
    typed_name: str | None = None,
) -> str:
    """Metadata only (types and dates of shared items): nothing here is decrypted."""
    # Only shares that verify as the patient's are listed (the brief says how many
    # could not be verified).
    pairs, _unverified = sharing.verified_pairs(me, current_udk(), access.shared_records(me, link))
    shares = [share for share, _ in pairs]
    shares.sort(key=lambda s: s.created_at, reverse=True)
    return render(
        "clinic/patient.html",
        link=link,
        email=_email(link.patient_id),
        name=brief.patient_name(me, current_udk(), link),
        patient_zone=_zone_of(link.patient_id),
        shares=shares,
        labels=_labels(),
        last=care.last_appointment(link),
        upcoming=care.upcoming_appointment(link),
        summary=summaries.summary_of(me, current_udk(), link),
        next_dosing_session=brief.next_dosing_session(link.patient_id),
        kinds=adaptations.KINDS,
        adapted=adaptations.updated_at_by_kind(me.id, link.patient_id),
        appointment_value=appointment_value,
        appointment_error=error,
        name_error=name_error or None,
        typed_name=typed_name,
    )


@bp.post("/patients/<patient_id>/name")
@login_required
def rename(patient_id: str) -> ResponseReturnValue:
    me = _therapist()
    link = access.linked_patient(me, patient_id, via="patient")
    typed = request.form.get("patient_name", "")
    try:
        care.rename_patient(me, current_udk(), link, typed)
    except CareError as exc:
        value = _local_input(link.next_appointment_at, me.time_zone)
        page = _patient_page(me, link, value, name_error=str(exc), typed_name=typed)
        return make_response(page, 422)
    flash(_("Name saved."))
    return redirect(url_for("clinic.patient", patient_id=link.patient_id))


def _email(user_id: uuid.UUID) -> str:
    found = db.session.get(User, user_id)
    return found.email if found else ""


def _zone_of(user_id: uuid.UUID) -> str | None:
    found = db.session.get(User, user_id)
    return found.time_zone if found else None


def _name(me: User, patient_id: uuid.UUID) -> str:
    """The name the therapist knows the patient by, or their email."""
    link = care.link_between(me.id, patient_id)
    return brief.patient_name(me, current_udk(), link) if link else _email(patient_id)


def _labels() -> dict[str, str]:
    return {table: a.label for table, a in shareable.ADAPTERS.items()}


def _local_input(value: datetime | None, zone: str) -> str:
    """A UTC time as the value of a `datetime-local` input in the therapist's zone."""
    if value is None:
        return ""
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    return value.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


@bp.post("/patients/<patient_id>/appointment")
@login_required
def appointment(patient_id: str) -> ResponseReturnValue:
    me = _therapist()
    link = access.linked_patient(me, patient_id, via="appointment")
    raw = request.form.get("next_appointment", "")
    if request.form.get("clear") == "1":
        raw = ""
    try:
        when = care.parse_local_datetime(raw, me.time_zone)
    except CareError as exc:
        return make_response(_patient_page(me, link, raw, str(exc)), 422)
    care.set_next_appointment(me, link, when)
    flash(_("Next appointment saved.") if when else _("Next appointment cleared."))
    return redirect(url_for("clinic.patient", patient_id=link.patient_id))


@bp.get("/patients/<patient_id>/appointment.ics")
@login_required
def appointment_calendar(patient_id: str) -> ResponseReturnValue:
    """The next appointment for the therapist's calendar (nothing but the time)."""
    me = _therapist()
    link = access.linked_patient(me, patient_id, via="appointment")
    body = care.appointment_ics(link)
    if body is None:
        raise RecordNotFound(patient_id)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@bp.get("/patients/<patient_id>/brief")
@login_required
def patient_brief(patient_id: str) -> str:
    me = _therapist()
    link = access.linked_patient(me, patient_id, via="brief")
    return render(
        "clinic/brief.html",
        brief=brief.build_brief(me, current_udk(), link, show_all=request.args.get("all") == "1"),
        upcoming=care.upcoming_appointment(link),
        printed_at=utcnow(),
        # The FHIR export's default range: the past year, in the therapist's days.
        fhir_start=(utcnow().astimezone(zone_of(me)).date() - timedelta(days=365)).isoformat(),
        fhir_end=utcnow().astimezone(zone_of(me)).date().isoformat(),
    )


@bp.post("/patients/<patient_id>/brief/read")
@login_required
def mark_all_read(patient_id: str) -> ResponseReturnValue:
    """Mark the items the brief showed (their ids come with the form) as read."""
    me = _therapist()
    link = access.linked_patient(me, patient_id, via="mark-read")
    shares = []
    for raw in request.form.getlist("record"):
        table, _, record_id = raw.partition(":")
        share, _item = access.shared_record(me, link.patient_id, table, record_id, via="mark-read")
        shares.append(share)
    sharing.mark_read(shares)
    flash(ngettext("Marked %(num)d item as read.", "Marked %(num)d items as read.", len(shares)))
    return redirect(_back(link.patient_id))


def _back(patient_id: uuid.UUID) -> str:
    return safe_next(request.form.get("next")) or url_for(
        "clinic.patient_brief", patient_id=patient_id
    )


@bp.get("/patients/<patient_id>/records/<table>/<record_id>")
@login_required
def shared_item(patient_id: str, table: str, record_id: str) -> str:
    me = _therapist()
    share, record = access.shared_record(me, patient_id, table, record_id, via="item")
    item = sharing.read_shared(me, current_udk(), share, record, via="item")
    sharing.mark_read([share])  # opened on its own: read, on both sides (commits the log row)
    return render(
        "clinic/item.html",
        share=share,
        item=item,
        email=_name(me, share.patient_id),
    )


@bp.post("/patients/<patient_id>/records/<table>/<record_id>/read")
@login_required
def mark_read(patient_id: str, table: str, record_id: str) -> ResponseReturnValue:
    me = _therapist()
    share, _item = access.shared_record(me, patient_id, table, record_id, via="mark-read")
    sharing.mark_read([share])
    flash(_("Marked as read."))
    return redirect(_back(share.patient_id))


# -- adapting content for one patient ------------------------------------------------------


def _adaptation_page(
    link: CareLink,
    kind: adaptations.AdaptationKind,
    form: Any,
    saved: Any,
    route: str | None = None,
) -> str:
    return render(
        "clinic/adaptation.html",
        link=link,
        email=_name(_therapist(), link.patient_id),
        kind=kind,
        form=form,
        saved=saved,
        route=route,
    )


@bp.route("/patients/<patient_id>/adaptations/<kind>", methods=["GET", "POST"])
@login_required
def adaptation(patient_id: str, kind: str) -> ResponseReturnValue:
    """The therapist's adaptation of `kind` for this patient: the defaults, or what
    they saved before (opened from their own sealed copy)."""
    me = _therapist()
    link = access.linked_patient(me, patient_id, via="adaptation")
    found = adaptations.kind_for(kind)
    saved = access.own_adaptation(me, link, found.key)
    if request.method == "GET":
        form = (
            found.form_from_data(adaptations.open_for_therapist(me, current_udk(), saved))
            if saved
            else found.default_form()
        )
        # The checklist opens on the route of the patient's next session (if they
        # shared it); a page with errors shows every route, so no wrong row hides.
        route = None
        if found.key == checklist_adaptation.KIND:
            route = checklist_adaptation.patient_route(me, current_udk(), link)
            db.session.commit()
        return _adaptation_page(link, found, form, saved, route)
    form = found.read_form(request.form)
    if not form.valid:
        return make_response(_adaptation_page(link, found, form, saved), 422)
    adaptations.save(me, link, found.key, form.data)
    saved_words = _(
        "%(what)s saved for %(name)s.", what=_(found.label), name=_name(me, link.patient_id)
    )
    flash(f"{saved_words} {_(found.saved_note)}")
    return redirect(url_for("clinic.adaptation", patient_id=link.patient_id, kind=found.key))


@bp.post("/patients/<patient_id>/adaptations/<kind>/withdraw")
@login_required
def withdraw_adaptation(patient_id: str, kind: str) -> ResponseReturnValue:
    me = _therapist()
    link = access.linked_patient(me, patient_id, via="adaptation")
    found = adaptations.kind_for(kind)
    if adaptations.withdraw(me, link, found.key):
        flash(_("%(what)s withdrawn: %(note)s", what=_(found.label), note=_(found.withdrawn_note)))
    return redirect(url_for("clinic.patient", patient_id=link.patient_id))
