"""Blueprints, one per area, the error pages, and the template filters they share."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
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


def local_time(value: datetime) -> datetime:
    """Stored times are UTC; people read them in their own time zone."""
    zone = "UTC"
    if current_user and current_user.is_authenticated:
        zone = current_user.time_zone
    try:
        return value.astimezone(ZoneInfo(zone))
    except ZoneInfoNotFoundError:
        return value


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
