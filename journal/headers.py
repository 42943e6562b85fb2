"""Security and caching headers on every response, errors and fragments included."""

from __future__ import annotations

from flask import Flask, Response, request

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


def _apply(response: Response) -> Response:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "same-origin"
    h["X-Frame-Options"] = "DENY"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if request.endpoint == "static" and response.status_code == 200:
        # Static files carry no user data; the service worker issue adds hashed URLs
        # and long lifetimes. Until then a short shared cache is safe.
        h["Cache-Control"] = "public, max-age=3600"
    else:
        # Every page, fragment and error may hold health data or identity.
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
        h.add("Vary", "HX-Request")
        h.add("Vary", "Cookie")
    return response


def init_app(app: Flask) -> None:
    production = app.config["JOURNAL_ENV"] == "production"

    @app.after_request
    def security_headers(response: Response) -> Response:
        if production:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return _apply(response)
