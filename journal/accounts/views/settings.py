"""Settings: password, recovery key, time zone, logging out."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import Blueprint, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from journal.accounts import accounts, auth_sessions
from journal.accounts.accounts import AccountError
from journal.core.extensions import db
from journal.web.identity import cookie_name, user
from journal.web.rendering import render

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.get("/")
@login_required
def index() -> str:
    return render("settings/index.html", zones=sorted(available_timezones()))


@bp.post("/time-zone")
@login_required
def time_zone() -> ResponseReturnValue:
    zone = request.form.get("time_zone", "")
    if zone not in available_timezones():
        page = render(
            "settings/index.html",
            zones=sorted(available_timezones()),
            zone_error="Choose a time zone from the list.",
        )
        return make_response(page, 422)
    user().time_zone = zone
    user().time_zone_confirmed = True
    db.session.commit()
    flash("Time zone saved.")
    return redirect(url_for("settings.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    if request.method == "GET":
        return render("settings/password.html")
    row_hash = auth_sessions.cookie_row_hash(request.cookies.get(cookie_name(), ""))
    try:
        accounts.change_password(
            user(),
            request.form.get("current", ""),
            request.form.get("password", ""),
            request.form.get("confirm", ""),
            keep=row_hash or b"",
        )
    except AccountError as exc:
        return make_response(render("settings/password.html", error=str(exc)), 422)
    flash("Password changed. Every other device has been signed out.")
    return redirect(url_for("settings.index"))
