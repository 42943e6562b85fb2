"""The installable app: the web app manifest, the service worker (served from the
root so its scope is the whole site), the offline page, and the token the outbox
needs to send what was written offline.

Nothing served here depends on who is asking, except `/outbox/token`, which is
`no-store` like every authenticated response.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from journal.core import crypto
from journal.mood import moods
from journal.outbox import idempotency
from journal.web.identity import user
from journal.web.language import crisis_lines, current_language

bp = Blueprint("pwa", __name__)

THEME_COLOR = "#2f5d50"
BACKGROUND_COLOR = "#f7f5f0"
# What the service worker keeps for offline use: only versioned static files (and the
# offline page, which holds no user data). Authenticated pages are never cached.
PRECACHE = [
    "css/app.css",
    "js/htmx-2.0.11.min.js",
    "js/words.js",
    "js/app.js",
    "js/help.js",
    "js/outbox-core.js",
    "js/pwa.js",
    "icons/icon-192.png",
    "icons/icon-maskable-192.png",
]


def _icon(filename: str, size: int, purpose: str = "any") -> dict[str, str]:
    return {
        "src": url_for("static", filename=f"icons/{filename}"),
        "sizes": f"{size}x{size}",
        "type": "image/png",
        "purpose": purpose,
    }


def manifest_data() -> dict[str, Any]:
    home = url_for("main.home")
    shortcut_icon = [_icon("icon-192.png", 192)]
    return {
        "id": home,
        "name": "Fresh Tracks",
        "short_name": "Fresh Tracks",
        "description": _(
            "A private companion for ketamine-assisted therapy: prepare, "
            "reflect, track how you feel, share what you choose."
        ),
        "lang": current_language(),
        "dir": "ltr",
        "start_url": home,
        "scope": home,
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["health", "lifestyle"],
        "icons": [
            _icon("icon-192.png", 192),
            _icon("icon-512.png", 512),
            _icon("icon-maskable-192.png", 192, "maskable"),
            _icon("icon-maskable-512.png", 512, "maskable"),
        ],
        "shortcuts": [
            {
                "name": _("New entry"),
                "short_name": _("Write"),
                "description": _("Write a journal entry"),
                "url": url_for("journal.new"),
                "icons": shortcut_icon,
            },
            {
                "name": _("Check in"),
                "short_name": _("Check in"),
                "description": _("How are you today?"),
                "url": url_for("mood.checkin"),
                "icons": shortcut_icon,
            },
        ],
    }


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    body = json.dumps(manifest_data(), indent=2)
    return Response(body, mimetype="application/manifest+json")


def _offline_html() -> str:
    # The check-in's questions are the same for everyone: nothing of the user. The
    # crisis lines are the deployment's configuration, precached with this page, so
    # help shows offline too.
    return render_template(
        "pwa/offline.html",
        scales=moods.SCALES,
        crisis=crisis_lines(),
    )


def precache_urls() -> list[str]:
    return [url_for("static", filename=name) for name in PRECACHE] + [url_for("pwa.offline")]


@bp.get("/sw.js")
def service_worker() -> Response:
    urls = precache_urls()
    # A new version whenever a precached file or the offline page changes, so the
    # worker installs afresh and drops the old cache.
    version = hashlib.sha256((json.dumps(urls) + _offline_html()).encode("utf-8")).hexdigest()[:16]
    script = render_template(
        "pwa/sw.js",
        version=version,
        precache=urls,
        offline_url=url_for("pwa.offline"),
        core_url=url_for("static", filename="js/outbox-core.js"),
        token_url=url_for("pwa.outbox_token"),
        home_url=url_for("main.home"),
    )
    response = Response(script, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = url_for("main.home")
    return response


@bp.get("/offline")
def offline() -> str:
    """What the service worker shows when a page cannot be reached. The same for
    everyone (it is cached on the device), so it reads nothing of the user."""
    return _offline_html()


@bp.get("/outbox/token")
@login_required
def outbox_token() -> ResponseReturnValue:
    """What the outbox needs before it sends: a CSRF token for this session, and the
    tag that says whose items it may send (see `outbox_owner`)."""
    return jsonify(csrf_token=generate_csrf(), owner=outbox_owner())


def outbox_owner() -> str:
    return crypto.device_owner_tag(user().id)


@bp.app_template_global()
def outbox_owner_tag() -> str:
    return outbox_owner() if current_user.is_authenticated else ""


@bp.app_template_global()
def new_idempotency_key() -> uuid.UUID:
    return idempotency.new_key()
