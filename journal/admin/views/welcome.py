"""A therapist invited by the clinic's administrator opens the emailed link and
chooses a password; two-step sign-in is set up next, before anything else."""

from __future__ import annotations

from flask import Blueprint, make_response, request
from flask.typing import ResponseReturnValue

from journal.accounts import accounts
from journal.accounts.accounts import AccountError
from journal.accounts.views.auth import AUTH_LIMIT, show_recovery_key, time_zone_of_form
from journal.core.extensions import limiter
from journal.web.rendering import render

bp = Blueprint("welcome", __name__, template_folder="../templates")


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def therapist(token: str) -> ResponseReturnValue:
    email = accounts.invited_therapist_email(token)
    if email is None:
        return make_response(render("admin/welcome_expired.html"), 404)
    if request.method == "GET":
        return render("admin/welcome.html", email=email, token=token)
    password, confirm = request.form.get("password", ""), request.form.get("confirm", "")
    problems = accounts.check_new_password(password, confirm, email)
    if problems:
        page = render("admin/welcome.html", email=email, token=token, errors=problems)
        return make_response(page, 422)
    try:
        unlocked = accounts.complete_therapist_invitation(token, password, time_zone_of_form())
    except AccountError as exc:
        page = render("admin/welcome.html", email=email, token=token, errors=[str(exc)])
        return make_response(page, 422)
    return show_recovery_key(unlocked)
