"""The "Confirm it's you" page for a page that needs a recent step-up (a form posts
back to its own route instead; see journal/web/step_up.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from journal.accounts import step_up
from journal.accounts.accounts import AccountError
from journal.web.identity import safe_next, session_state
from journal.web.rendering import render

bp = Blueprint("step_up", __name__, url_prefix="/settings")


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
def confirm() -> ResponseReturnValue:
    state = session_state()
    if state is None or state.udk is None:
        abort(401)
    next_url = safe_next(request.values.get("next")) or url_for("settings.index")
    context: dict[str, Any] = {
        "action": url_for("step_up.confirm"),
        "carried": [],
        "next": next_url,
        "needs_code": step_up.needs_code(state.user),
        "minutes": max(1, step_up.window().seconds // 60),
    }
    if request.method == "GET":
        return render("security/step_up.html", code="", **context)
    code = request.form.get("step_up_code", "").strip()[:40]
    try:
        step_up.confirm(
            state.row, state.user, state.udk, request.form.get("step_up_password", ""), code
        )
    except AccountError as exc:
        return make_response(
            render("security/step_up.html", code=code, error=str(exc), **context), 422
        )
    return redirect(next_url)
