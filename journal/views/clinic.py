"""The therapist's side. Linking and sharing arrive with the care-team issue."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

from journal.identity import user
from journal.views.rendering import render

bp = Blueprint("clinic", __name__, url_prefix="/clinic")


@bp.get("/patients")
@login_required
def patients() -> str:
    if not user().is_therapist:
        abort(404)
    return render("clinic/patients.html", patients=[])
