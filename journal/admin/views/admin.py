"""The clinic administrator's pages: therapists (invite, deactivate) and the system
(failed jobs, content in force).

This role reaches nothing else: `_admin_stays_here` answers 404 to every route but
these, its own two-step sign-in and logging out, before any view runs, so no patient
record, therapist page or patient page is one mistake away. Anyone else gets 404
here. Every state change is CSRF-protected and needs the password (and code) again:
inviting within the step-up window, closing an account every time.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from journal.accounts import step_up
from journal.accounts.accounts import AccountError
from journal.admin import system, therapists
from journal.admin.therapists import AdminError
from journal.core.extensions import htmx
from journal.core.headers import PUBLIC_REVALIDATE
from journal.models.users import User
from journal.web.identity import session_state, user
from journal.web.rendering import render
from journal.web.step_up import asks_password_itself, requires_step_up

bp = Blueprint("admin", __name__, template_folder="../templates", url_prefix="/admin")

# Besides its own pages, what a signed-in administrator may reach: the sign-in steps
# and two-step set-up, changing their password, logging out, the crisis lines (one
# tap away for everyone), and the files a browser fetches by itself. Home sends them
# to their own page.
OPEN_TO_ADMIN = frozenset(
    {
        "static",
        "main.home",
        "main.healthz",
        "main.readyz",
        "auth.login",
        "auth.logout",
        "two_factor.sign_in",
        "two_factor.setup",
        "two_factor.status",
        "two_factor.backup_codes",
        "step_up.confirm",
        "settings.password",
        "safety.crisis_card",
        "pwa.outbox_token",
        *PUBLIC_REVALIDATE,
    }
)


@bp.before_app_request
def _admin_stays_here() -> ResponseReturnValue | None:
    endpoint = request.endpoint
    if endpoint is None or endpoint.startswith("admin.") or endpoint in OPEN_TO_ADMIN:
        return None
    if current_user.is_authenticated and current_user.is_admin:
        abort(404)
    return None


F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


def admin_required(view: F) -> F:
    """Put below `login_required` and above `requires_step_up`: anyone else gets 404
    before anything (not even the step-up page) tells them the route exists."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not user().is_admin:
            abort(404)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def _admin() -> User:
    me = user()
    if not me.is_admin:
        abort(404)
    return me


def _therapists_page(status: int = 200, **extra: Any) -> ResponseReturnValue:
    page = render(
        "admin/therapists.html",
        rows=therapists.overview(),
        invitations=therapists.pending_invitations(),
        **{"email": "", **extra},
    )
    return make_response(page, status)


@bp.get("/")
@login_required
@admin_required
def therapists_index() -> ResponseReturnValue:
    _admin()
    return _therapists_page()


@bp.post("/therapists/invite")
@login_required
@admin_required
@requires_step_up
def therapists_invite() -> ResponseReturnValue:
    me = _admin()
    raw = request.form.get("email", "")[:254]
    try:
        email = therapists.invite(me, raw)
    except AdminError as exc:
        return _therapists_page(422, email=raw, invite_error=str(exc))
    flash(_("Invitation sent to %(email)s. The link works once, for 3 days.", email=email))
    return redirect(url_for("admin.therapists_index"))


def _target(therapist_id: str) -> User:
    try:
        return therapists.therapist(therapist_id)
    except LookupError:
        abort(404)


@bp.route("/therapists/<therapist_id>/deactivate", methods=["GET", "POST"])
@login_required
@admin_required
@asks_password_itself
def therapists_deactivate(therapist_id: str) -> ResponseReturnValue:
    me = _admin()
    target = _target(therapist_id)
    row = next((r for r in therapists.overview() if r.id == target.id), None)
    context: dict[str, Any] = {"row": row, "needs_code": step_up.needs_code(me)}
    if request.method == "GET" or target.deactivated_at is not None:
        return render("admin/deactivate.html", **context)
    state = session_state()
    if state is None or state.udk is None:
        abort(401)
    try:
        # The password and code every time: a cookie alone never closes an account.
        step_up.confirm(
            state.row,
            me,
            state.udk,
            request.form.get("password", ""),
            request.form.get("code", "").strip()[:40],
        )
    except AccountError as exc:
        return make_response(render("admin/deactivate.html", error=str(exc), **context), 422)
    told = therapists.deactivate(me, target)
    flash(
        f"{target.email} can no longer sign in. {told} patient"
        f"{'' if told == 1 else 's'} told the link ended; they keep all their records."
    )
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url_for("admin.therapists_index")
        return response
    return redirect(url_for("admin.therapists_index"))


@bp.get("/system")
@login_required
@admin_required
def system_index() -> ResponseReturnValue:
    _admin()
    return render(
        "admin/system.html",
        failed=system.failed_jobs(),
        content=system.content_versions(current_app.config["CRISIS_REGION"]),
    )
