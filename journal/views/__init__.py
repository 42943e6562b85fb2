"""Blueprints, one per area, the error pages, and the template filters they share."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, g
from flask_login import current_user

from journal.views import (
    auth,
    care,
    clinic,
    clinic_mood,  # noqa: F401 (adds the safety-flag route to the clinic blueprint)
    errors,
    journal,
    kap_sessions,
    main,
    mood,
    pwa,
    reminders,
    safety,
    security,
    settings,
    two_factor,
    your_data,
)


def _viewer_zone() -> ZoneInfo | None:
    """The viewer's zone, looked up once per request (a list shows many times)."""
    if "viewer_zone" not in g:
        zone = "UTC"
        if current_user and current_user.is_authenticated:
            zone = current_user.time_zone
        try:
            g.viewer_zone = ZoneInfo(zone)
        except ZoneInfoNotFoundError:
            g.viewer_zone = None
    found: ZoneInfo | None = g.viewer_zone
    return found


def local_time(value: datetime) -> datetime:
    """Stored times are UTC; people read them in their own time zone."""
    zone = _viewer_zone()
    return value.astimezone(zone) if zone is not None else value


def register_blueprints(app: Flask) -> None:
    for module in (
        main,
        auth,
        journal,
        mood,
        safety,
        kap_sessions,
        settings,
        clinic,
        care,
        pwa,
        reminders,
        two_factor,
        security,
        your_data,
    ):
        app.register_blueprint(module.bp)
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(lambda value, fmt: value.strftime(fmt), "strftime")


def register_error_handlers(app: Flask) -> None:
    errors.init_app(app)
