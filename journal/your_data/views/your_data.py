"""Settings → your data: export everything (JSON, or a printable document for a date
range) and delete the account."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from journal.accounts import accounts, audit
from journal.accounts.accounts import AccountError
from journal.core.extensions import db
from journal.core.forms import DayRangeForm
from journal.dosing.kap_sessions import zone_of
from journal.models.types import utcnow
from journal.mood import fhir
from journal.web.identity import clear_session_cookie, current_udk, user
from journal.web.rendering import attachment, render
from journal.web.step_up import asks_password_itself, requires_step_up
from journal.your_data import export
from journal.your_data.deletion import delete_account

bp = Blueprint("your_data", __name__, template_folder="../templates")


@bp.get("/settings/export")
@login_required
def index() -> ResponseReturnValue:
    return _export_page()


@bp.post("/settings/export/json")
@login_required
@requires_step_up
def download() -> ResponseReturnValue:
    body = export.export_json(user(), current_udk())
    db.session.commit()  # the security log row
    name = f"fresh-tracks-export-{utcnow().date().isoformat()}.json"
    return attachment(body, "application/json", name)


@bp.post("/settings/export/csv")
@login_required
@requires_step_up
def download_csv() -> ResponseReturnValue:
    """Check-ins and questionnaire scores for a spreadsheet (issue 18)."""
    body = export.export_csv(user(), current_udk())
    db.session.commit()  # the security log row
    name = f"fresh-tracks-checkins-and-scores-{utcnow().date().isoformat()}.csv"
    return attachment(body, "text/csv", name)


def _export_page(status: int = 200, **shown: str) -> ResponseReturnValue:
    """The export page. Both date-range forms start on the last 30 days; a form sent
    back with an error passes what was typed (and the message) in `shown`."""
    today = utcnow().date()
    days = {"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat()}
    fhir_days = {f"fhir_{name}": value for name, value in days.items()}
    context = {**days, **fhir_days, **shown}
    return make_response(render("your_data/export.html", **context), status)


@bp.get("/settings/export/print")
@login_required
@requires_step_up
def printable() -> ResponseReturnValue:
    form = DayRangeForm.read(request.args)
    if not form.valid:
        return _export_page(422, start=form.start, end=form.end, error=form.errors["range"])
    since, until = form.bounds(zone_of(user()))
    sections = export.printable(user(), current_udk(), since, until)
    db.session.commit()
    first, last = form.days
    return render("your_data/print.html", sections=sections, start=first, end=last)


@bp.post("/settings/export/fhir")
@login_required
@requires_step_up
def download_fhir() -> ResponseReturnValue:
    """Questionnaire results between two days as a FHIR R4 Bundle (issue 21), for
    the patient to hand to a clinic whose health record takes FHIR."""
    form = DayRangeForm.read(request.form)
    if not form.valid:
        error = form.errors["range"]
        return _export_page(422, fhir_start=form.start, fhir_end=form.end, fhir_error=error)
    me = user()
    since, until = form.bounds(zone_of(me))
    results = fhir.own_results(me, current_udk(), since, until)
    body = json.dumps(fhir.bundle(results, utcnow()), indent=2)
    audit.record(me.id, "export.fhir", f"{form.start}..{form.end}")
    db.session.commit()  # the security log row
    name = f"fresh-tracks-questionnaires-{form.start}-to-{form.end}.json"
    return attachment(body, fhir.MEDIA_TYPE, name)


@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
@asks_password_itself
def delete() -> ResponseReturnValue:
    me = user()
    two_step = accounts.has_second_factor(me)
    if request.method == "GET":
        return render("your_data/delete.html", two_step=two_step)
    if request.form.get("understood") != "yes":
        errors = [_("Tick the box to confirm that you understand what will be deleted.")]
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
