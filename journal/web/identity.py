"""Who is asking: the session row behind the cookie, read once per request.

Flask-Login's `current_user` comes from here (a request loader, never Flask's own
cookie session, which is signed but readable and so never holds identity).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Request, Response, current_app, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response as BaseResponse

from journal.accounts import auth_sessions
from journal.accounts.auth_sessions import SessionState
from journal.core import crypto
from journal.core.extensions import db, htmx, login_manager
from journal.models.users import User

# Pages that only read, and that must answer during a database outage: a request to
# them does not count as activity, so a held write lock never makes them wait.
READ_ONLY_ENDPOINTS = frozenset({"safety.crisis_card"})


def cookie_name() -> str:
    name: str = current_app.config["AUTH_COOKIE_NAME"]
    return name


def session_state() -> SessionState | None:
    """The request's session, resolved at most once (idle-expired ones included)."""
    if "auth_state" not in g:
        try:
            g.auth_state = auth_sessions.resolve_session(request.cookies.get(cookie_name()))
        except crypto.IntegrityFailure:
            current_app.logger.warning("session row failed integrity check")
            g.auth_state = None
        except DBAPIError:
            # The database is down or locked: the request goes on as nobody's, so
            # the pages that need no database (Get help, the error page) still
            # answer instead of failing again on the way to the layout.
            current_app.logger.warning("database unavailable while reading the session")
            mark_database_unavailable()
            g.auth_state = None
    state: SessionState | None = g.auth_state
    return state


def mark_database_unavailable() -> None:
    """Remember that the database failed in this request and drop what the failed
    transaction left behind (a rollback can fail too when the server is gone)."""
    g.database_unavailable = True
    try:
        db.session.rollback()
    except DBAPIError:
        current_app.logger.warning("rollback failed: database unavailable")


def database_unavailable() -> bool:
    return bool(g.get("database_unavailable"))


def draw_as_nobody() -> None:
    """After a database failure, the rest of the request (the layout, the error
    page) treats the person as logged out instead of loading them again through the
    session that just failed, which would fail the page too."""
    mark_database_unavailable()
    g._login_user = login_manager.anonymous_user()


def current_udk() -> bytes:
    """The logged-in user's data key; only called behind `login_required`."""
    state = session_state()
    if state is None or state.udk is None:
        raise crypto.IntegrityFailure("no unlocked session")
    return state.udk


def user() -> User:
    value: User = current_user._get_current_object()
    return value


def set_session_cookie(response: BaseResponse, value: str) -> None:
    config = current_app.config
    response.set_cookie(
        cookie_name(),
        value,
        max_age=config["SESSION_ABSOLUTE_SECONDS"],
        secure=config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path="/",
    )


DEVICE_COOKIE_DAYS = 400  # the longest a browser keeps a cookie


def device_token() -> str | None:
    """This browser's known-device token, if it has one."""
    value = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    return value or None


def set_device_cookie(response: BaseResponse, value: str) -> None:
    response.set_cookie(
        current_app.config["DEVICE_COOKIE_NAME"],
        value,
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path="/",
    )


def clear_session_cookie(response: BaseResponse) -> None:
    response.delete_cookie(
        cookie_name(),
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


_MAX_NEXT = 2000


def safe_next(target: str | None) -> str | None:
    """Only a path on this site, as a browser would read it; anything else is None
    (the caller goes Home), so a login link cannot bounce anyone to another site.

    Browsers drop tabs and newlines anywhere in a URL, strip leading control
    characters and spaces, and read a backslash as a slash: so `/<tab>/evil.example`
    and `/\\evil.example` both mean `//evil.example`, another host. Rather than
    mimic each rule, refuse every control character (C0, DEL and C1) and every
    backslash outright, then accept only a single leading slash with no scheme or
    host. A CR or LF never reaches a Location header.
    """
    if not target or len(target) > _MAX_NEXT:
        return None
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return target


def init_app(app: Flask) -> None:
    login_manager.session_protection = None  # nothing of ours lives in Flask's session
    login_manager.login_view = "auth.login"

    @login_manager.request_loader
    def load_user(req: Request) -> User | None:
        state = session_state()
        if state is None or not state.unlocked:
            return None
        if req.endpoint in READ_ONLY_ENDPOINTS:
            return state.user
        try:
            auth_sessions.touch(state)
        except DBAPIError:
            current_app.logger.warning("database unavailable while counting activity")
            mark_database_unavailable()
            g.auth_state = None
            return None
        return state.user

    @login_manager.unauthorized_handler
    def unauthorized() -> ResponseReturnValue:
        if database_unavailable():
            # Not "please log in": the session may be fine, the database is not.
            raise ServiceUnavailable()
        state = session_state()
        if state is not None and not state.unlocked:
            flash(_("You were away for a while, so we locked your journal. Log in to continue."))
        # A cookie that no longer opens a session: this device's session is over, and
        # the login page wipes the device outbox (pwa/_outbox.html).
        ended = 1 if request.cookies.get(cookie_name()) else None
        target = url_for("auth.login", next=request.full_path.rstrip("?"), ended=ended)
        if htmx:
            response = Response(status=401)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)
