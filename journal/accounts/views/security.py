"""Settings → devices (the user's active sessions) and the security log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from journal.accounts import accounts, audit, auth_sessions, step_up
from journal.accounts.accounts import AccountError
from journal.accounts.views.auth import device_of_request
from journal.care import access
from journal.core.extensions import db
from journal.web.identity import (
    clear_session_cookie,
    session_state,
    set_device_cookie,
    set_session_cookie,
    user,
)
from journal.web.rendering import render
from journal.web.step_up import asks_password_itself, requires_step_up
from journal.your_data import rotation

bp = Blueprint("security", __name__, url_prefix="/settings")


def _signed_out() -> BaseResponse:
    """Like logging out (no flash message: Clear-Site-Data drops that cookie too)."""
    response = redirect(url_for("auth.login", logged_out=1))
    clear_session_cookie(response)
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.get("/sessions")
@login_required
def sessions() -> str:
    state = session_state()
    if state is None:
        abort(401)
    rows = auth_sessions.active_sessions(user())
    return render(
        "security/sessions.html",
        "session_list",
        sessions=[
            {
                "public_id": row.public_id,
                "device": auth_sessions.describe_device(row.device),
                "created_at": row.created_at,
                "last_seen_at": row.last_seen_at,
                "current": row.id_hash == state.row.id_hash,
            }
            for row in rows
        ],
    )


@bp.post("/sessions/<device_id>/end")
@login_required
@requires_step_up
def end_session(device_id: str) -> ResponseReturnValue:
    me = user()
    row = access.owned_session(me, device_id)
    state = session_state()
    current = state is not None and row.id_hash == state.row.id_hash
    audit.record(me.id, "session.ended", auth_sessions.describe_device(row.device))
    auth_sessions.end_row(row)
    if current:
        return _signed_out()
    flash(_("That device is signed out."))
    return redirect(url_for("security.sessions"))


@bp.post("/sessions/end-all")
@login_required
@requires_step_up
def end_all() -> ResponseReturnValue:
    me = user()
    audit.record(me.id, "sessions.ended_everywhere")
    db.session.commit()
    auth_sessions.end_every_session(me.id)
    return _signed_out()


@bp.route("/secure", methods=["GET", "POST"])
@login_required
@asks_password_itself
def secure() -> ResponseReturnValue:
    """For someone who thinks another person had their password or phone."""
    me = user()
    state = session_state()
    if state is None or state.udk is None:
        abort(401)
    needs_code = step_up.needs_code(me)
    if request.method == "GET":
        return render("security/secure.html", needs_code=needs_code, code="")
    password, code = request.form.get("password", ""), request.form.get("code", "").strip()[:40]
    try:
        # Asked every time, not only when the last confirmation is old: the new data
        # key is wrapped under the password, so it is needed here anyway.
        step_up.confirm(state.row, me, state.udk, password, code)
        secured = rotation.secure_account(me, password)
    except (AccountError, rotation.RotationError) as exc:
        db.session.rollback()
        failed = render("security/secure.html", needs_code=needs_code, code=code, error=str(exc))
        return make_response(failed, 422)
    page = make_response(
        render(
            "auth/recovery_key.html", recovery_key=secured.recovery_key, replaced=True, secured=True
        )
    )
    # Every session ended with the old key; this browser starts a new one.
    set_session_cookie(page, auth_sessions.start_session(me, secured.udk, device_of_request()))
    set_device_cookie(page, accounts.remember_device(me, None))
    return page


def _page_arg() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


@bp.get("/activity")
@login_required
def activity() -> str:
    return render("security/activity.html", events=audit.events_of(user().id, _page_arg()))
