"""Settings: password, recovery key, time zone, language, logging out."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import Blueprint, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import login_required

from journal.accounts import accounts, auth_sessions
from journal.accounts.accounts import AccountError
from journal.core.extensions import db
from journal.web.identity import cookie_name, user
from journal.web.language import LANGUAGES
from journal.web.rendering import render
from journal.web.step_up import requires_step_up

bp = Blueprint("settings", __name__, url_prefix="/settings")

# Issue 18: zones people pick most, shown first; and no pseudo-zones in the list.
COMMON_ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Toronto", "Europe/London", "Europe/Berlin", "Europe/Paris", "Australia/Sydney",
    "Pacific/Auckland", "UTC",
)  # fmt: skip
NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})


def zone_names() -> list[str]:
    """Every real time zone, A to Z (no "Factory", "localtime" or "posixrules")."""
    return sorted(z for z in available_timezones() if z not in NOT_ZONES)


@bp.get("/")
@login_required
def index() -> str:
    return render("settings/index.html", zones=zone_names(), common_zones=COMMON_ZONES)


@bp.post("/time-zone")
@login_required
def time_zone() -> ResponseReturnValue:
    zone = request.form.get("time_zone", "")
    if zone not in available_timezones() or zone in NOT_ZONES:
        page = render(
            "settings/index.html",
            zones=zone_names(),
            common_zones=COMMON_ZONES,
            zone_error=_("Choose a time zone from the list."),
        )
        return make_response(page, 422)
    user().time_zone = zone
    user().time_zone_confirmed = True
    db.session.commit()
    flash(_("Time zone saved."))
    return redirect(url_for("settings.index"))


@bp.post("/language")
@login_required
def language() -> ResponseReturnValue:
    """The app's language for this account ("" follows the browser); mail and push
    notices use it too."""
    chosen = request.form.get("language", "")
    if chosen and chosen not in LANGUAGES:
        page = render(
            "settings/index.html",
            zones=zone_names(),
            common_zones=COMMON_ZONES,
            language_error=_("Choose a language from the list."),
        )
        return make_response(page, 422)
    user().language = chosen or None
    db.session.commit()
    refresh()  # the next words are already in the new language
    flash(_("Language saved."))
    return redirect(url_for("settings.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@requires_step_up
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
    flash(_("Password changed. Every other device has been signed out."))
    return redirect(url_for("settings.index"))
