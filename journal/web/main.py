"""Home, the landing page, the liveness check (/healthz) and the readiness check (/readyz)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import text

from journal import jobs
from journal.care import sharing
from journal.core.extensions import db, limiter
from journal.dosing import kap_sessions, preparation
from journal.entries import entries
from journal.integration import integration
from journal.models.types import utcnow
from journal.mood.views.mood import home_mood_context
from journal.web.identity import current_udk, user
from journal.web.rendering import render

bp = Blueprint("main", __name__, template_folder="templates")


@bp.get("/")
def home() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return render("main/landing.html")
    me = user()
    if me.is_therapist:
        return redirect(url_for("clinic.patients"))
    if me.is_admin:
        return redirect(url_for("admin.therapists_index"))
    udk = current_udk()
    endings = sharing.settle_link_endings(me, udk)
    recent = entries.list_entries(me, udk, page=1, per_page=3, bodies=False)
    now = utcnow()
    # The next planned session (its card and the questionnaires' timing) with its
    # checklist and intention, and those started lately but not marked done.
    planned = preparation.home_sessions(me, now, integration.ENDED_WITHIN)
    upcoming = planned.upcoming
    next_session = preparation.home_card(me, udk, now, upcoming, planned.parts)
    return render(
        "main/home.html",
        recent=recent,
        next_session=next_session,
        cards=integration.home_cards(me, udk, now, kap_sessions.zone_of(me)),
        ended=integration.ended_sessions(udk, now, kap_sessions.zone_of(me), planned.started),
        now=now,
        link_endings=len(endings),
        **home_mood_context(me, udk, upcoming, now),
    )


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """For load balancers: the database answers. No user data, no version details."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """For the proxy and the operator: whether this server can do its work now. The
    database, the job queue's storage, and Redis for the rate limits when configured
    (without it the limits count in this process only: each server its own)."""
    checks = {"database": "ok", "queue": "ok" if jobs.ready() else "unreachable"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        checks["database"] = "unreachable"
    if not current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        checks["rate_limits"] = "ok" if _limits_storage_answers() else "unreachable"
    ready = all(value == "ok" for value in checks.values())
    response = jsonify(status="ok" if ready else "error", **checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503


def _limits_storage_answers() -> bool:
    try:
        return bool(limiter.storage.check())
    except Exception:
        return False
