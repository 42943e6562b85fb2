"""Two-step sign-in: the code step of a login, and setting it up in settings.

Therapists must have it: one who has not set it up is sent to the set-up page
before anything else (`_enrol_first`).
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from journal.accounts import accounts, auth_sessions, two_factor
from journal.accounts.accounts import Throttled
from journal.accounts.two_factor import CodeRejected
from journal.accounts.views.auth import AUTH_LIMIT, device_of_request, remember_this_device
from journal.core.extensions import htmx, limiter
from journal.core.headers import PUBLIC_REVALIDATE
from journal.web.identity import cookie_name, current_udk, safe_next, set_session_cookie, user
from journal.web.rendering import render
from journal.web.step_up import asks_password_itself, requires_step_up

bp = Blueprint("two_factor", __name__)

# What a therapist without two-step sign-in may still reach: the set-up itself, logging
# out, the crisis lines (one tap away for everyone, always) and the files the browser
# fetches on its own (static files, manifest, service worker, offline page).
_OPEN_BEFORE_ENROLMENT = frozenset(
    {
        "static",
        "auth.logout",
        "main.healthz",
        "main.readyz",
        "two_factor.setup",
        "two_factor.sign_in",
        "step_up.confirm",
        "safety.crisis_card",
        *PUBLIC_REVALIDATE,
    }
)


@bp.before_app_request
def _enrol_first() -> ResponseReturnValue | None:
    if request.endpoint in _OPEN_BEFORE_ENROLMENT or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        return None
    me = user()
    if not two_factor.required(me) or accounts.has_second_factor(me):
        return None
    target = url_for("two_factor.setup")
    if htmx:
        response = Response(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _code() -> str:
    return request.form.get("code", "").strip()[:40]


def _restart(message: str) -> BaseResponse:
    flash(message)
    return redirect(url_for("auth.login"))


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def sign_in() -> ResponseReturnValue:
    next_url = safe_next(request.values.get("next"))
    cookie = request.cookies.get(cookie_name())
    pending = auth_sessions.resolve_session(cookie, auth_sessions.SECOND_FACTOR)
    if pending is None:
        return _restart(_("That sign-in took too long or was ended. Please start again."))
    if request.method == "GET":
        return render("two_factor/sign_in.html", next=next_url)
    device = device_of_request()
    try:
        two_factor.complete_sign_in(pending, _code(), auth_sessions.describe_device(device))
    except (CodeRejected, Throttled) as exc:
        if auth_sessions.resolve_session(cookie, auth_sessions.SECOND_FACTOR) is None:
            return _restart(_("Too many wrong codes. Enter your password again."))
        page = render("two_factor/sign_in.html", next=next_url, error=str(exc))
        return make_response(page, 422)
    me, udk = pending.user, pending.udk
    auth_sessions.end_row(pending.row)
    if udk is None:
        return _restart(_("That sign-in took too long or was ended. Please start again."))
    response = redirect(next_url or url_for("main.home"))
    set_session_cookie(response, auth_sessions.start_session(me, udk, device))
    remember_this_device(me, response)
    return response


@bp.get("/settings/two-factor")
@login_required
def status() -> str:
    me = user()
    return render(
        "two_factor/status.html",
        enabled=accounts.has_second_factor(me),
        required=two_factor.required(me),
        codes_left=two_factor.backup_codes_left(me),
    )


@bp.route("/settings/two-factor/setup", methods=["GET", "POST"])
@login_required
@requires_step_up
def setup() -> ResponseReturnValue:
    me, udk = user(), current_udk()
    if accounts.has_second_factor(me):
        return redirect(url_for("two_factor.status"))
    enrolment = two_factor.pending_enrolment(me, udk)
    if request.method == "GET":
        return render(
            "two_factor/setup.html", enrolment=enrolment, required=two_factor.required(me)
        )
    try:
        codes = two_factor.confirm_enrolment(me, udk, _code())
    except CodeRejected as exc:
        page = render(
            "two_factor/setup.html",
            enrolment=enrolment,
            required=two_factor.required(me),
            error=str(exc),
        )
        return make_response(page, 422)
    return render("two_factor/backup_codes.html", codes=codes, first=True)


@bp.post("/settings/two-factor/backup-codes")
@login_required
@requires_step_up
def backup_codes() -> ResponseReturnValue:
    me = user()
    try:
        codes = two_factor.regenerate_backup_codes(me)
    except CodeRejected as exc:
        page = render(
            "two_factor/status.html",
            enabled=accounts.has_second_factor(me),
            required=two_factor.required(me),
            codes_left=two_factor.backup_codes_left(me),
            codes_error=str(exc),
        )
        return make_response(page, 422)
    return render("two_factor/backup_codes.html", codes=codes, first=False)


@bp.post("/settings/two-factor/disable")
@login_required
@asks_password_itself
def disable() -> ResponseReturnValue:
    me = user()
    try:
        two_factor.disable(me, current_udk(), request.form.get("password", ""), _code())
    except (CodeRejected, Throttled) as exc:
        page = render(
            "two_factor/status.html",
            enabled=accounts.has_second_factor(me),
            required=two_factor.required(me),
            codes_left=two_factor.backup_codes_left(me),
            disable_error=str(exc),
        )
        return make_response(page, 422)
    flash(_("Two-step sign-in is off."))
    return redirect(url_for("two_factor.status"))
