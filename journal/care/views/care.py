"""The patient's care team: accept an invitation, share after a preview, revoke, see
who read what, end a link. Therapists reach none of this (404)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    abort,
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
from sqlalchemy import select

from journal.care import (
    access,
    access_log,
    adaptations,
    care,
    safety_signals,
    shareable,
    sharing,
)
from journal.care.access import RecordNotFound
from journal.care.care import CareError, InvitationProblem
from journal.care.sharing import RecordRef, SharingError
from journal.core.extensions import db, limiter
from journal.models.users import User
from journal.web import presenters
from journal.web.identity import current_udk, safe_next, user
from journal.web.language import crisis_lines
from journal.web.rendering import render

bp = Blueprint("care", __name__, template_folder="../templates", url_prefix="/care")
# Like AUTH_LIMIT: an 8-character code must not be guessable by trying many.
INVITATION_LIMIT = "10 per minute;60 per hour"
LOG_PER_PAGE = 50


def _patient() -> User:
    me = user()
    if me.is_therapist:
        abort(404)
    return me


def _back(default: str) -> str:
    return safe_next(request.form.get("next") or request.args.get("next")) or default


# -- the care-team page ---------------------------------------------------------------


@bp.get("/links/<link_id>/appointment.ics")
@login_required
def appointment_calendar(link_id: str) -> ResponseReturnValue:
    """The next appointment this therapist set, for the patient's calendar: nothing
    but the time and "Appointment \u2014 Fresh Tracks" (no names, no health detail)."""
    me = _patient()
    link = access.patient_link(me, link_id)
    body = care.appointment_ics(link)
    if body is None:
        raise RecordNotFound(link_id)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@bp.get("/")
@login_required
def index() -> str:
    me = _patient()
    endings = sharing.settle_link_endings(me, current_udk())
    links = care.links_of_patient(me)
    names = care.names_of({link.therapist_id for link in links})
    emails = _emails({link.therapist_id for link in links})
    counts = sharing.share_counts(me)
    return render(
        "care/index.html",
        links=links,
        names=names,
        emails=emails,
        counts=counts,
        code="",
        endings=endings,
        ending_names=care.names_of({e.therapist_id for e in endings}),
        ending_emails=_emails({e.therapist_id for e in endings}),
    )


@bp.post("/endings/dismiss")
@login_required
def dismiss_endings() -> ResponseReturnValue:
    """The patient read that a link ended (the clinic closed a therapist's account)."""
    care.dismiss_link_endings(_patient())
    return redirect(url_for("care.index"))


def _emails(ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())


# -- invitations --------------------------------------------------------------------------


def _invitation_problem(problem: InvitationProblem) -> ResponseReturnValue:
    status = 404 if problem.kind == "unknown" else 410
    return make_response(render("care/invitation_problem.html", problem=problem), status)


@bp.route("/join", methods=["GET", "POST"])
@login_required
@limiter.limit(INVITATION_LIMIT, methods=["POST"])
def join() -> ResponseReturnValue:
    _patient()
    if request.method == "GET":
        return render("care/join.html", code="")
    raw = request.form.get("code", "")
    code = care.normalise_code(raw)
    if code is None:
        return make_response(render("care/join.html", code=raw, error=care.UNKNOWN.args[0]), 422)
    return redirect(url_for("care.invitation", code=code))


@bp.get("/join/<code>")
@login_required
@limiter.limit(INVITATION_LIMIT)
def invitation(code: str) -> ResponseReturnValue:
    """Who the invitation is from, before the patient decides."""
    me = _patient()
    try:
        valid = care.check_invitation(code)
    except InvitationProblem as problem:
        return _invitation_problem(problem)
    return _invitation_page(me, code, valid, valid.patient_name)


def _crisis() -> Any:
    return crisis_lines()


def _invitation_page(
    me: User,
    code: str,
    valid: care.ValidInvitation,
    name: str,
    name_error: str | None = None,
    signals_checked: bool = False,
) -> str:
    return render(
        "care/invitation.html",
        crisis=_crisis(),
        signals_checked=signals_checked,
        code=care.normalise_code(code),
        therapist_name=valid.therapist_name,
        therapist_email=valid.therapist.email,
        expires_at=valid.invitation.expires_at,
        already=care.link_between(valid.therapist.id, me.id) is not None,
        patient_name=name,
        name_error=name_error,
    )


@bp.post("/join/<code>/accept")
@login_required
@limiter.limit(INVITATION_LIMIT)
def accept(code: str) -> ResponseReturnValue:
    me = _patient()
    name = request.form.get("patient_name")
    signals_wanted = request.form.get("safety_signals") == "on"
    try:
        if name is not None:
            care.clean_patient_name(name)
    except CareError as exc:
        try:
            valid = care.check_invitation(code)
        except InvitationProblem as problem:
            return _invitation_problem(problem)
        page = _invitation_page(me, code, valid, name or "", str(exc), signals_wanted)
        return make_response(page, 422)
    try:
        link = care.accept_invitation(me, code, name)
    except InvitationProblem as problem:
        return _invitation_problem(problem)
    except CareError as exc:
        return make_response(render("care/join.html", code="", error=str(exc)), 422)
    therapist_name = care.display_name(_therapist(link.therapist_id))
    if signals_wanted:
        safety_signals.choose(me, current_udk(), link)
        flash(
            _(
                "You are now linked with %(name)s. Nothing is shared until you choose it; "
                "%(name)s will be told when a questionnaire shows a safety signal.",
                name=therapist_name,
            )
        )
    else:
        flash(
            _(
                "You are now linked with %(name)s. Nothing is shared until you choose it.",
                name=therapist_name,
            )
        )
    return redirect(url_for("care.therapist", link_id=link.id))


@bp.post("/join/<code>/decline")
@login_required
@limiter.limit(INVITATION_LIMIT)
def decline(code: str) -> ResponseReturnValue:
    me = _patient()
    try:
        valid = care.decline_invitation(me, code)
    except InvitationProblem as problem:
        return _invitation_problem(problem)
    flash(_("Invitation from %(name)s declined. Nothing was shared.", name=valid.therapist_name))
    return redirect(url_for("care.index"))


def _therapist(therapist_id: uuid.UUID) -> User:
    found = db.session.get(User, therapist_id)
    if found is None:
        raise RecordNotFound(therapist_id)
    return found


# -- one therapist: what they can read, categories, ending the link -----------------------


@bp.get("/therapists/<link_id>")
@login_required
def therapist(link_id: str) -> str:
    me = _patient()
    link = access.patient_link(me, link_id)
    therapist = _therapist(link.therapist_id)
    return render(
        "care/therapist.html",
        crisis=_crisis(),
        signals_on=safety_signals.chosen(me, current_udk(), link),
        link=link,
        therapist_name=care.display_name(therapist),
        therapist_email=therapist.email,
        shared=sharing.shared_with(me, current_udk(), link),
        categories=shareable.categories(),
        standing=sharing.standing_categories(me, link),
        adapted=[
            (adaptations.KINDS[kind].label, at, adaptations.KINDS[kind].patient_note)
            for kind, at in adaptations.updated_at_by_kind(link.therapist_id, me.id).items()
            if kind in adaptations.KINDS
        ],
    )


@bp.route("/therapists/<link_id>/end", methods=["GET", "POST"])
@login_required
def end_link(link_id: str) -> ResponseReturnValue:
    me = _patient()
    link = access.patient_link(me, link_id)
    name = care.display_name(_therapist(link.therapist_id))
    if request.method == "GET":
        return render(
            "care/end_link.html",
            link=link,
            therapist_name=name,
            share_count=sharing.share_counts(me).get(link.therapist_id, 0),
            standing=sorted(
                _(shareable.CATEGORIES[key].label) if key in shareable.CATEGORIES else key
                for key in sharing.standing_categories(me, link)
            ),
        )
    count = sharing.end_link(me, current_udk(), link)
    flash(
        ngettext(
            "Link with %(name)s ended. %(num)d shared item removed; they can no longer open "
            "any of them.",
            "Link with %(name)s ended. %(num)d shared items removed; they can no longer open "
            "any of them.",
            count,
            name=name,
        )
    )
    return redirect(url_for("care.index"))


@bp.route("/therapists/<link_id>/categories/<key>", methods=["GET", "POST"])
@login_required
def category(link_id: str, key: str) -> ResponseReturnValue:
    """Preview, then share a whole category with this therapist (new records too)."""
    me, udk = _patient(), current_udk()
    link = access.patient_link(me, link_id)
    cat = sharing.category(key)
    if request.method == "POST":
        count = sharing.enable_category(me, udk, link, key)
        flash(
            _(
                "%(what)s are now shared (%(count)s so far, and each new one as you add it).",
                what=_(cat.label),
                count=count,
            )
        )
        return redirect(url_for("care.therapist", link_id=link.id))
    adapter = shareable.adapter_for(cat.table)
    assert adapter is not None
    items = [adapter.item_for_owner(r, udk) for r in sharing.category_records(me, cat)]
    return render(
        "care/category_preview.html",
        link=link,
        category=cat,
        items=items,
        therapist_name=care.display_name(_therapist(link.therapist_id)),
    )


@bp.post("/therapists/<link_id>/categories/<key>/stop")
@login_required
def stop_category(link_id: str, key: str) -> ResponseReturnValue:
    me = _patient()
    link = access.patient_link(me, link_id)
    cat = sharing.category(key)
    sharing.disable_category(me, current_udk(), link, key)
    flash(
        _(
            "%(what)s are no longer shared. What was already read cannot be taken back.",
            what=_(cat.label),
        )
    )
    return redirect(url_for("care.therapist", link_id=link.id))


@bp.post("/therapists/<link_id>/safety-signals")
@login_required
def start_signals(link_id: str) -> ResponseReturnValue:
    me = _patient()
    link = access.patient_link(me, link_id)
    safety_signals.choose(me, current_udk(), link)
    name = care.display_name(_therapist(link.therapist_id))
    flash(_("%(name)s will be told when a questionnaire shows a safety signal.", name=name))
    return redirect(url_for("care.therapist", link_id=link.id, _anchor="safety-signals"))


@bp.post("/therapists/<link_id>/safety-signals/stop")
@login_required
def stop_signals(link_id: str) -> ResponseReturnValue:
    me = _patient()
    link = access.patient_link(me, link_id)
    safety_signals.stop(me, current_udk(), link)
    name = care.display_name(_therapist(link.therapist_id))
    flash(
        _(
            "%(name)s is no longer told of safety signals. A notice not yet sent will not be sent.",
            name=name,
        )
    )
    return redirect(url_for("care.therapist", link_id=link.id, _anchor="safety-signals"))


# -- sharing items ---------------------------------------------------------------------


def _refs(values: list[str]) -> list[RecordRef]:
    refs: list[RecordRef] = []
    for raw in values:
        ref = RecordRef.parse(raw)
        if ref not in refs:
            refs.append(ref)
    return refs


def _share_page(refs: list[RecordRef], chosen: str | None, error: str | None = None) -> str:
    me = _patient()
    links = care.links_of_patient(me)
    return render(
        "care/share.html",
        refs=refs,
        items=sharing.preview(me, current_udk(), refs),
        links=links,
        names=care.names_of({link.therapist_id for link in links}),
        chosen=chosen or (str(links[0].id) if len(links) == 1 else None),
        error=error,
        next=_back(url_for("journal.index")),
    )


@bp.get("/share")
@login_required
def share() -> ResponseReturnValue:
    """The preview: exactly what the therapist will see, and to whom it goes."""
    _patient()
    refs = _refs(request.args.getlist("record"))
    if not refs:
        flash(_("Tick the entries you want to share first."))
        return redirect(_back(url_for("journal.index")))
    return _share_page(refs, request.args.get("link"))


@bp.post("/share")
@login_required
def share_confirm() -> ResponseReturnValue:
    me = _patient()
    refs = _refs(request.form.getlist("record"))
    link_id = request.form.get("link", "")
    if not link_id:
        page = _share_page(refs, None, error=_("Choose who to share with."))
        return make_response(page, 422)
    link = access.patient_link(me, link_id)
    try:
        new = sharing.share_records(me, current_udk(), link, refs)
    except SharingError as exc:
        return make_response(_share_page(refs, link_id, error=str(exc)), 422)
    name = care.display_name(_therapist(link.therapist_id))
    if new:
        flash(
            ngettext(
                "Shared %(num)d item with %(name)s.",
                "Shared %(num)d items with %(name)s.",
                new,
                name=name,
            )
        )
    else:
        flash(_("Already shared with %(name)s; nothing changed.", name=name))
    return redirect(_back(url_for("care.therapist", link_id=link.id)))


@bp.post("/shares/<share_id>/revoke")
@login_required
def revoke(share_id: str) -> ResponseReturnValue:
    me = _patient()
    share = access.owned_share(me, share_id)
    name = care.display_name(_therapist(share.therapist_id))
    sharing.revoke_share(me, current_udk(), share)
    flash(
        _("No longer shared with %(name)s. What they already read cannot be taken back.", name=name)
    )
    return redirect(_back(url_for("care.index")))


# -- the access log -----------------------------------------------------------------------


@bp.get("/access-log")
@login_required
def access_log_page() -> str:
    me = _patient()
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    rows, pages = access_log.for_patient(me.id, page, LOG_PER_PAGE)
    names = care.names_of({r.therapist_id for r in rows if r.therapist_id})
    labels = {table: a.label for table, a in shareable.ADAPTERS.items()}
    labels[safety_signals.SIGNALS] = "Safety signal"
    urls = {}
    for row in rows:
        adapter = shareable.adapter_for(row.record_table or "")
        record = adapter.load(row.record_id) if adapter and row.record_id else None
        if record is not None and record.user_id == me.id:
            found = presenters.owner_url(row.record_table or "", record)
            if found:
                urls[row.id] = found
    return render(
        "care/access_log.html",
        rows=rows,
        names=names,
        labels=labels,
        urls=urls,
        page=min(page, pages),
        pages=pages,
    )
