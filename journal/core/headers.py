"""Security and caching headers on every response, errors and fragments included."""

from __future__ import annotations

from typing import Any, Final

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

from journal.core.static_urls import static_version

# Endpoints whose response is the same for every visitor (see views/pwa.py).
PUBLIC_REVALIDATE = frozenset({"pwa.manifest", "pwa.service_worker", "pwa.offline"})

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)


# A stylesheet or a script is never a document: the policy, framing, opener and
# permission headers govern documents (and workers, whose script is not a static file
# here), and a browser ignores them on CSS and JavaScript. Left off those, they no
# longer weigh on a phone's first load (about 400 bytes on each of six files).
SUBRESOURCE_TYPES: Final = ("text/css", "text/javascript", "application/javascript")


def _apply(response: Response) -> Response:
    h = response.headers
    if not (request.endpoint == "static" and response.mimetype in SUBRESOURCE_TYPES):
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Frame-Options"] = "DENY"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    # What a subresource still obeys: its declared type, and the referrer its own
    # fetches (a stylesheet's url()) send.
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "same-origin"
    if request.endpoint == "static" and response.status_code == 200:
        # Static files carry no user data. A URL with the file's current hash
        # (static_urls.py) never changes content, so it is cached for good; any other
        # static URL only briefly.
        filename = (request.view_args or {}).get("filename", "")
        version = request.args.get("v")
        if version and version == static_version(filename):
            h["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            h["Cache-Control"] = "public, max-age=3600"
    elif request.endpoint in PUBLIC_REVALIDATE and response.status_code == 200:
        # The same for everyone, no user data: a cache may keep it but must ask first
        # (a new service worker or manifest is picked up at the next visit).
        h["Cache-Control"] = "no-cache"
    else:
        # Every page, fragment and error may hold health data or identity.
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
        h.add("Vary", "HX-Request")
        h.add("Vary", "Cookie")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except that the files that are the same for
    everyone do not vary on the cookie. Flask-Login reads the session after every
    request, and a session read adds `Vary: Cookie`: on a static file that keeps a
    shared cache (the TLS proxy's, a CDN) from serving one copy to everyone."""

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        super().save_session(app, session, response)
        if request.endpoint == "static" or request.endpoint in PUBLIC_REVALIDATE:
            response.vary.discard("Cookie")


def init_app(app: Flask) -> None:
    production = app.config["JOURNAL_ENV"] == "production"
    app.session_interface = SessionInterface()

    @app.after_request
    def security_headers(response: Response) -> Response:
        if production:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return _apply(response)
