"""Settings → your data: export everything (JSON, or a printable document for a date
range) and delete the account."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from journal.accounts import accounts
from journal.accounts.accounts import AccountError
from journal.core.extensions import db
from journal.models.types import utcnow
from journal.web.identity import clear_session_cookie, current_udk, user
from journal.web.rendering import render
from journal.web.step_up import asks_password_itself, requires_step_up
from journal.your_data import export
from journal.your_data.deletion import delete_account

bp = Blueprint("your_data", __name__, template_folder="../templates")


@bp.get("/settings/export")
@login_required
def index() -> str:
    today = utcnow().date()
    return render(
        "your_data/export.html",
        start=(today - timedelta(days=30)).isoformat(),
        end=today.isoformat(),
    )


@bp.post("/settings/export/json")
@login_required
@requires_step_up
def download() -> ResponseReturnValue:
    body = export.export_json(user(), current_udk())
    db.session.commit()  # the security log row
    response = make_response(body)
    response.mimetype = "application/json"
    name = f"fresh-tracks-export-{utcnow().date().isoformat()}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/settings/export/csv")
@login_required
@requires_step_up
def download_csv() -> ResponseReturnValue:
    """Check-ins and questionnaire scores for a spreadsheet (issue 18)."""
    body = export.export_csv(user(), current_udk())
    db.session.commit()  # the security log row
    response = make_response(body)
    response.mimetype = "text/csv"
    name = f"fresh-tracks-checkins-and-scores-{utcnow().date().isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _zone() -> ZoneInfo:
    try:
        return ZoneInfo(user().time_zone)
    except ZoneInfoNotFoundError:
        return ZoneInfo("UTC")


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/settings/export/print")
@login_required
@requires_step_up
def printable() -> ResponseReturnValue:
    start, end = _day("start"), _day("end")
    error = None
    if start is None or end is None:
        error = "Choose a first and a last day, like 2026-01-31."
    elif start > end:
        error = "The first day must come before the last day."
    if error or start is None or end is None:
        page = render(
            "your_data/export.html",
            start=request.args.get("start", ""),
            end=request.args.get("end", ""),
            error=error,
        )
        return make_response(page, 422)
    zone = _zone()
    # Whole days in the person's own time zone, the last day included.
    since = datetime.combine(start, time.min, zone)
    until = datetime.combine(end + timedelta(days=1), time.min, zone)
    sections = export.printable(user(), current_udk(), since, until)
    db.session.commit()
    return render("your_data/print.html", sections=sections, start=start, end=end)


@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
@asks_password_itself
def delete() -> ResponseReturnValue:
    me = user()
    two_step = accounts.has_second_factor(me)
    if request.method == "GET":
        return render("your_data/delete.html", two_step=two_step)
    if request.form.get("understood") != "yes":
        errors = ["Tick the box to confirm that you understand what will be deleted."]
        return make_response(render("your_data/delete.html", two_step=two_step, errors=errors), 422)
    try:
        delete_account(me, request.form.get("password", ""), request.form.get("code", ""))
    except AccountError as exc:
        page = render("your_data/delete.html", two_step=two_step, errors=[str(exc)])
        return make_response(page, 422)
    response = redirect(url_for("your_data.deleted"))
    clear_session_cookie(response)
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.get("/account-deleted")
def deleted() -> str:
    return render("your_data/deleted.html")
