"""Getting help: the crisis card (open to everyone, from every page) and the
patient's own safety plan."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, make_response, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from journal.models.users import User
from journal.mood import crisis, safety_plans
from journal.mood.safety_plans import SECTIONS, SafetyPlanForm
from journal.web.identity import (
    current_udk,
    database_unavailable,
    draw_as_nobody,
    mark_database_unavailable,
    user,
)
from journal.web.language import crisis_lines
from journal.web.rendering import render

bp = Blueprint("safety", __name__, url_prefix="/help")


@bp.record_once
def _crisis_lines_must_load(state: BlueprintSetupState) -> None:
    """Refuse to start with a CRISIS_REGION that has no (valid) crisis lines file:
    a broken number must never be found by someone in crisis."""
    crisis.load_crisis_resources(state.app.config["CRISIS_REGION"])


def crisis_context(me: User | None, udk: bytes | None) -> dict[str, Any]:
    """What the crisis card needs: the deployment's lines and, when the person is
    logged in, their own safety plan (opened once).

    The lines are configuration; only the plan needs the database, and a database
    that fails here leaves the card without the plan rather than without the lines.
    """
    plan = None
    plan_owner = me is not None and not me.is_therapist
    if me is not None and udk is not None:
        try:
            plan = safety_plans.my_plan(me, udk)
        except SQLAlchemyError:
            current_app.logger.warning("safety plan not readable: database unavailable")
            mark_database_unavailable()
            plan_owner = False
    return {
        "crisis": crisis_lines(),
        "safety_plan": plan,
        "plan_owner": plan_owner,
        "database_unavailable": database_unavailable(),
    }


@bp.app_template_filter("phone_links")
def phone_links(text: str) -> list[tuple[str, str | None]]:
    """Pieces of a safety plan's text, phone numbers with their `tel:` link."""
    return safety_plans.with_phone_links(text)


@bp.get("/")
def crisis_card() -> str:
    """No login needed: crisis lines must be one tap away, even logged out, and
    during a database outage (the user is then nobody; see `journal.web.identity`)."""
    if current_user.is_authenticated:
        context = crisis_context(user(), current_udk())
    else:
        context = crisis_context(None, None)
    if context["database_unavailable"]:
        draw_as_nobody()  # nothing more from the database, the layout included
    return render("safety/help.html", **context)


@bp.route("/safety-plan", methods=["GET", "POST"])
@login_required
def safety_plan() -> ResponseReturnValue:
    me, udk = user(), current_udk()
    if request.method == "GET":
        plan = safety_plans.my_plan(me, udk)
        form = SafetyPlanForm(plan.sections if plan else {s.key: "" for s in SECTIONS})
        return render("safety/plan.html", form=form, sections=SECTIONS, plan=plan)
    form = SafetyPlanForm.read(request.form)
    if not form.valid:
        page = render("safety/plan.html", form=form, sections=SECTIONS, plan=None)
        return make_response(page, 422)
    safety_plans.save_plan(me, udk, form)
    flash(_("Safety plan saved. It shows on the Get help page."))
    return redirect(url_for("safety.crisis_card"))
