"""Dosing sessions and their preparation: the session log, checklists, intentions,
the at-home log and the one-time self-check.

Every page works as a plain form post; ticking a checklist item is one tap with or
without JavaScript (htmx swaps the item in place, a plain post redirects back).
"""

from __future__ import annotations

from typing import Any, Final

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from journal.care import access, adaptations, checklist_adaptation
from journal.content import ROUTES, SETTINGS, route_labels, setting_labels
from journal.content import route as route_entry
from journal.dosing import (
    checklists,
    intentions,
    kap_sessions,
    preparation,
    self_check,
    session_log,
)
from journal.dosing.checklists import SITTER, UnknownItem
from journal.dosing.intentions import IntentionForm
from journal.dosing.kap_sessions import SessionError, SessionForm
from journal.dosing.session_log import LogForm
from journal.integration import integration
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.types import utcnow
from journal.web import share_marks
from journal.web.errors import error_response
from journal.web.identity import current_udk, user
from journal.web.language import current_language
from journal.web.rendering import render, wants_fragment

bp = Blueprint("kap_sessions", __name__, template_folder="../templates", url_prefix="/sessions")

# Where a plain (no JavaScript) tick returns to: a name from the form, never a URL.
TICK_PLACES: Final = ("show", "during", "home")


def _after_tick(place: str, session_id: object, key: str) -> str:
    anchor = f"item-{key}"
    if place == "home":
        return url_for("main.home", _anchor=anchor)
    if place == "during":
        return url_for("kap_sessions.during", session_id=session_id, _anchor=anchor)
    return url_for("kap_sessions.show", session_id=session_id, _anchor=anchor)


DEFAULT_CHECKLIST: Final = "default"


def _form_context(
    form: SessionForm, session: KapSession | None = None, checklist_source: str | None = None
) -> dict[str, Any]:
    # A new session's checklist may come from a list a therapist adapted for this
    # patient (the newest is chosen unless the patient picks another, or the standard).
    offers = adaptations.offered(user(), checklist_adaptation.KIND) if session is None else []
    return {
        "form": form,
        "session": session,
        "routes": [(key, route_labels(current_language())[key]) for key in ROUTES],
        "settings": [(key, setting_labels(current_language())[key]) for key in SETTINGS],
        # Where each route may be given, as its label allows: the form offers only
        # these once a route is chosen (the server checks it either way).
        "route_settings": {key: list(route_entry(key).settings) for key in ROUTES},
        "route_reasons": [route_entry(key, current_language()).settings_reason for key in ROUTES],
        "zone": user().time_zone,
        "offers": offers,
        "checklist_options": (
            [
                (str(o.id), _("The list %(name)s adapted for you", name=o.therapist_name))
                for o in offers
            ]
            + [(DEFAULT_CHECKLIST, _("The clinic's standard list"))]
            if offers
            else []
        ),
        "checklist_source": checklist_source
        or (str(offers[0].id) if offers else DEFAULT_CHECKLIST),
    }


def _owned_home_session(session_id: str) -> KapSession:
    """The at-home page and log exist only for sessions at home."""
    session = access.owned_kap_session(user(), session_id)
    if kap_sessions.read_session(session, current_udk()).details.setting != "home":
        abort(404)
    return session


@bp.get("/")
@login_required
def index() -> str:
    me, udk, now = user(), current_udk(), utcnow()
    listing = preparation.list_page(me, udk, now)
    return render(
        "kap_sessions/index.html",
        current=listing.current,
        past=listing.past,
        self_check_done=access.owned_self_check(me) is not None,
    )


@bp.get("/new")
@login_required
def new() -> str:
    status = request.args.get("status", SessionStatus.PLANNED.value)
    if status not in (SessionStatus.PLANNED.value, SessionStatus.DONE.value):
        status = SessionStatus.PLANNED.value
    form = kap_sessions.new_form(user(), current_udk(), utcnow(), status)
    return render("kap_sessions/form.html", **_form_context(form))


@bp.post("/")
@login_required
def create() -> ResponseReturnValue:
    me, udk = user(), current_udk()
    form = kap_sessions.check_form(me, udk, SessionForm.read(request.form), utcnow())
    source = request.form.get("checklist_source", DEFAULT_CHECKLIST)
    adapted = None
    if source != DEFAULT_CHECKLIST:
        try:
            adapted = checklist_adaptation.adapted_checklist(me, udk, source)
        except access.RecordNotFound:
            form.errors["checklist_source"] = (
                "That adapted checklist is no longer offered to you. Choose again."
            )
            source = DEFAULT_CHECKLIST
    if not form.valid:
        page = render("kap_sessions/form.html", **_form_context(form, None, source))
        return make_response(page, 422)
    session = preparation.plan_session(me, udk, form, adapted, current_language())
    flash(
        _("Session planned.") if session.status == SessionStatus.PLANNED else _("Session logged.")
    )
    return redirect(url_for("kap_sessions.show", session_id=session.id), 303)


@bp.get("/<session_id>")
@login_required
def show(session_id: str) -> str:
    me = user()
    found = access.owned_kap_session_with_parts(me, session_id)
    session = found.session
    now = utcnow()
    tz = kap_sessions.zone_of(me)
    udk = current_udk()
    page = preparation.session_page(session, udk, now, tz, (found.checklist, found.intention))
    # The marks under the session, its intention and its checklist, in one statement.
    share_marks.prefetch_share_marks_of(
        {
            kap_sessions.TABLE: [session.id],
            intentions.TABLE: [page.intention.id] if page.intention and page.intention.id else [],
            checklists.TABLE: [page.checklist_id] if page.checklist_id else [],
        }
    )
    return render(
        "kap_sessions/show.html",
        page=page,
        when=kap_sessions.describe_when(session.starts_at, now, tz),
        started=page.session.has_started(now),
        now=now,
        integration=integration.session_integration(session, udk, found.schedule),
        after_effect_count=found.after_effects,
    )


@bp.get("/<session_id>/edit")
@login_required
def edit(session_id: str) -> str:
    me = user()
    session = access.owned_kap_session(me, session_id)
    view = kap_sessions.read_session(session, current_udk())
    form = SessionForm.from_view(view, kap_sessions.zone_of(me))
    return render("kap_sessions/form.html", **_form_context(form, session))


@bp.post("/<session_id>")
@login_required
def update(session_id: str) -> ResponseReturnValue:
    me, udk = user(), current_udk()
    session = access.owned_kap_session(me, session_id)
    if session.status == SessionStatus.CANCELLED:
        return error_response(
            409, _("This session was cancelled"), _("A cancelled session is kept as it was.")
        )
    form = SessionForm.read(request.form)
    form = kap_sessions.check_form(me, udk, form, utcnow(), existing=session)
    if not form.valid:
        return make_response(render("kap_sessions/form.html", **_form_context(form, session)), 422)
    preparation.edit_session(session, udk, form, current_language())
    flash(_("Changes saved."))
    return redirect(url_for("kap_sessions.show", session_id=session.id), 303)


@bp.get("/<session_id>/cancel")
@login_required
def confirm_cancel(session_id: str) -> str:
    session = access.owned_kap_session(user(), session_id)
    view = kap_sessions.read_session(session, current_udk())
    return render("kap_sessions/cancel.html", session=view)


@bp.post("/<session_id>/cancel")
@login_required
def cancel(session_id: str) -> ResponseReturnValue:
    session = access.owned_kap_session(user(), session_id)
    try:
        kap_sessions.cancel_session(session, current_udk())
    except SessionError as exc:
        flash(str(exc))
    else:
        flash(_("Session cancelled. It stays in your list, marked as cancelled."))
    return redirect(url_for("kap_sessions.show", session_id=session.id), 303)


@bp.post("/<session_id>/done")
@login_required
def done(session_id: str) -> ResponseReturnValue:
    session = access.owned_kap_session(user(), session_id)
    try:
        kap_sessions.mark_done(session, current_udk(), utcnow(), current_language())
    except SessionError as exc:
        flash(str(exc))
    else:
        # Straight into the right-after questions, one at a time, in the dark.
        flash(_("Marked as done."))
        return redirect(url_for("kap_sessions.integration.after", session_id=session.id), 303)
    return redirect(url_for("kap_sessions.show", session_id=session.id), 303)


@bp.post("/<session_id>/checklist/<key>")
@login_required
def tick(session_id: str, key: str) -> ResponseReturnValue:
    me, udk = user(), current_udk()
    session = access.owned_kap_session(me, session_id)
    access.owned_checklist(me, session)
    place = request.form.get("place", "show")
    if place not in TICK_PLACES:
        place = "show"
    try:
        result = preparation.tick(
            session,
            udk,
            key,
            request.form.get("done") == "1",
            utcnow(),
            kap_sessions.zone_of(me),
        )
    except UnknownItem:
        return error_response(
            404,
            _("Not on this checklist"),
            _("That item is not on this session's checklist. Reload the page to see the list."),
        )
    if wants_fragment():
        return render(
            "kap_sessions/_tick.html",
            session_id=session.id,
            s=result.item,
            status=result.status,
            audience=result.item.item.audience,
            place=place,
        )
    return redirect(_after_tick(place, session.id, key), 303)


@bp.route("/<session_id>/intention", methods=["GET", "POST"])
@login_required
def intention(session_id: str) -> ResponseReturnValue:
    me, udk = user(), current_udk()
    session = access.owned_kap_session(me, session_id)
    existing = access.owned_intention(me, session)
    view = kap_sessions.read_session(session, udk)
    status = 200
    if request.method == "POST":
        form = IntentionForm.read(request.form)
        if form.valid:
            preparation.save_intention(session, udk, form)
            flash(_("Intention saved."))
            return redirect(url_for("kap_sessions.intention", session_id=session.id), 303)
        status = 422
    else:
        text = intentions.read_intention(existing, udk).text if existing else ""
        form = IntentionForm(text=text)
    page = render(
        "kap_sessions/intention.html",
        session=view,
        form=form,
        saved=existing is not None,
        guidance=intentions.guidance_for(view, current_language()),
        earlier=intentions.earlier_intentions(me, udk, session),
        max_chars=intentions.TEXT_MAX,
        intention_id=existing.id if existing else None,
    )
    return make_response(page, status)


def _during_page(
    session: KapSession, form: LogForm | None = None, status: int = 200
) -> ResponseReturnValue:
    me, udk, now = user(), current_udk(), utcnow()
    page = preparation.session_page(session, udk, now, kap_sessions.zone_of(me))
    html = render(
        "kap_sessions/during.html",
        page=page,
        form=form or LogForm(),
        log=session_log.log_of(session, udk),
        # The clinic's own limits, when a linked therapist set them in the checklist
        # they adapted; without one the page judges no reading.
        bp_rule=checklist_adaptation.bp_rule_for(me, udk, page.checklist),
        bounds={
            "systolic": session_log.SYSTOLIC,
            "diastolic": session_log.DIASTOLIC,
            "pulse": session_log.PULSE,
        },
        audience=SITTER,
    )
    return make_response(html, status)


@bp.get("/<session_id>/during")
@login_required
def during(session_id: str) -> ResponseReturnValue:
    return _during_page(_owned_home_session(session_id))


@bp.post("/<session_id>/log")
@login_required
def add_log(session_id: str) -> ResponseReturnValue:
    session = _owned_home_session(session_id)
    form = session_log.check_form(
        LogForm.read(request.form), kap_sessions.zone_of(user()), utcnow()
    )
    if not form.valid:
        return _during_page(session, form, 422)
    session_log.add_line(session, current_udk(), form)
    flash(_("Reading saved.") if form.kind == session_log.READING else _("Dose time saved."))
    return redirect(url_for("kap_sessions.during", session_id=session.id, _anchor="log"), 303)


@bp.post("/<session_id>/log/<line_id>/delete")
@login_required
def remove_log(session_id: str, line_id: str) -> ResponseReturnValue:
    session = _owned_home_session(session_id)
    session_log.remove_line(access.owned_log_line(user(), session, line_id))
    flash(_("Removed from the log."))
    return redirect(url_for("kap_sessions.during", session_id=session.id, _anchor="log"), 303)


@bp.route("/self-check", methods=["GET", "POST"])
@login_required
def self_check_page() -> ResponseReturnValue:
    me, udk = user(), current_udk()
    record = access.owned_self_check(me)
    saved = self_check.read_answers(record, udk) if record else None
    status = 200
    if request.method == "POST":
        form = self_check.SelfCheckForm.read(request.form)
        if form.valid:
            self_check.save_answers(me, udk, form, record)
            flash(_("Your answers are saved."))
            return redirect(url_for("kap_sessions.self_check_page"), 303)
        status = 422
    else:
        form = self_check.SelfCheckForm(answers=dict(saved.answers) if saved else {})
    page = render(
        "kap_sessions/self_check.html",
        check=self_check.content(current_language()),
        form=form,
        saved=saved,
        bring_up=self_check.to_bring_up(saved.answers, current_language()) if saved else [],
    )
    return make_response(page, status)


@bp.get("/adapted-checklists/<adaptation_id>")
@login_required
def adapted_checklist(adaptation_id: str) -> str:
    """The list a therapist adapted for this patient, before they choose it."""
    me = user()
    adapted = checklist_adaptation.adapted_checklist(me, current_udk(), adaptation_id)
    return render(
        "kap_sessions/adapted_checklist.html",
        adapted=adapted,
        groups=checklist_adaptation.by_timing(adapted.content),
        applies_to=checklist_adaptation.applies_to,
    )
