"""Settings → devices (the user's active sessions) and the security log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from journal.accounts import audit, auth_sessions
from journal.care import access
from journal.core.extensions import db
from journal.web.identity import clear_session_cookie, session_state, user
from journal.web.rendering import render
from journal.web.step_up import requires_step_up

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
    flash("That device is signed out.")
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


def _page_arg() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


@bp.get("/activity")
@login_required
def activity() -> str:
    return render("security/activity.html", events=audit.events_of(user().id, _page_arg()))
