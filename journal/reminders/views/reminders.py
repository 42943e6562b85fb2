"""Reminder settings: which devices get them (Web Push subscriptions, sent as JSON by
pwa.js), when the daily check-in reminder comes and which other reminders the
person wants (one plain form)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, jsonify, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from journal.reminders import reminder_sources, reminders  # noqa: F401  (registers its reminders)
from journal.web.identity import user
from journal.web.rendering import render

bp = Blueprint("reminders", __name__, template_folder="../templates", url_prefix="/reminders")


def _parse_time(raw: str) -> int | None:
    hours, sep, minutes = raw.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes[:2].isdigit():
        return None
    h, m = int(hours), int(minutes[:2])
    return h * 60 + m if 0 <= h < 24 and 0 <= m < 60 else None


@bp.post("/preferences")
@login_required
def save() -> ResponseReturnValue:
    """The reminders form: the daily check-in (on at a time, or off) and the chosen
    reminders (a checkbox each)."""
    me = user()
    daily_on = request.form.get("daily_on") == "on"
    minutes = _parse_time(request.form.get("daily_time", "")) if daily_on else None
    if daily_on and minutes is None:
        page = render(
            "settings/index.html",
            reminder_error=_("Enter a time of day, like 20:30."),
            reminder_time=request.form.get("daily_time", ""),
            reminder_kinds=request.form.getlist("kinds"),
        )
        return make_response(page, 422)
    reminders.set_daily_check_in(me, minutes)
    reminders.set_kinds(me, request.form.getlist("kinds"))
    if minutes is None:
        flash(_("Reminders saved. No daily check-in reminder."))
    else:
        hours, mins = divmod(minutes, 60)
        at = f"{hours:02d}:{mins:02d}"
        flash(_("Reminders saved. Daily check-in reminder at %(time)s.", time=at))
    return redirect(url_for("settings.index", _anchor="reminders"))


@bp.post("/subscriptions")
@login_required
def subscribe() -> ResponseReturnValue:
    try:
        reminders.subscribe(user(), request.get_json(silent=True))
    except reminders.SubscriptionError as exc:
        return jsonify(ok=False, error=str(exc)), 422
    return jsonify(ok=True), 201


@bp.post("/subscriptions/delete")
@login_required
def unsubscribe() -> ResponseReturnValue:
    data = request.get_json(silent=True)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str):
        return jsonify(ok=False, error="no endpoint"), 422
    reminders.unsubscribe(user(), endpoint)
    return jsonify(ok=True), 200


@bp.app_template_global()
def reminder_settings() -> dict[str, Any]:
    """What the settings page shows about reminders, for the logged-in user."""
    if not current_user.is_authenticated:
        return {"available": False}
    me = user()
    minutes = reminders.preferences(me).daily_check_in_minutes
    return {
        "available": bool(current_app.config["VAPID_PUBLIC_KEY"]),
        "public_key": current_app.config["VAPID_PUBLIC_KEY"],
        "daily_time": f"{minutes // 60:02d}:{minutes % 60:02d}" if minutes is not None else "",
        "devices": len(reminders.devices(me)),
        # Questionnaires and sessions are a patient's; a therapist has neither.
        "choices": [] if me.is_therapist else reminders.choices(),
        "chosen": reminders.enabled_kinds(me),
    }
