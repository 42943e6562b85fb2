"""Settings: password, recovery key, time zone, language, questionnaires, logging out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import login_required

from journal.accounts import accounts, auth_sessions, preferences
from journal.accounts.accounts import AccountError
from journal.web.identity import cookie_name, user
from journal.web.rendering import render
from journal.web.step_up import requires_step_up

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.app_template_global()
def time_zone_choices() -> dict[str, Any]:
    """The zone picker's list (made once, at import): common zones, then every place."""
    return {"common": preferences.COMMON_CHOICES, "others": preferences.OTHER_CHOICES}


@bp.get("/")
@login_required
def index() -> str:
    return render("settings/index.html")


@bp.post("/time-zone")
@login_required
def time_zone() -> ResponseReturnValue:
    form = preferences.TimeZoneForm.read(request.form)
    if not form.valid:
        return make_response(render("settings/index.html", zone_form=form), 422)
    preferences.set_time_zone(user(), form.zone)
    flash(_("Time zone saved: %(zone)s.", zone=form.zone))
    return redirect(url_for("settings.index", _anchor="tz-title"))


@bp.post("/questionnaires")
@login_required
def questionnaires() -> ResponseReturnValue:
    form = preferences.QuestionnaireForm.read(request.form)
    preferences.set_advance_on_tap(user(), form.advance_on_tap)
    if form.advance_on_tap:
        flash(_("Saved. Choosing an answer moves to the next question."))
    else:
        flash(_("Saved. Choose an answer, then press Next to move on."))
    return redirect(url_for("settings.index", _anchor="questionnaires-title"))


@bp.post("/language")
@login_required
def language() -> ResponseReturnValue:
    """The app's language for this account ("" follows the browser)."""
    form = preferences.LanguageForm.read(request.form)
    if not form.valid:
        return make_response(render("settings/index.html", language_form=form), 422)
    preferences.set_language(user(), form.language)
    refresh()  # the confirmation below is already in the new language
    flash(_("Language saved."))
    return redirect(url_for("settings.index", _anchor="language-title"))


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
    # The clinic's administrator has no settings page: Home is theirs.
    return redirect(url_for("main.home" if user().is_admin else "settings.index"))
