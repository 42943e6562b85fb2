"""Error pages: a full page, or a fragment for htmx that lands in the alert region.

None of them shows a traceback, and a failed integrity check is logged with the
request path only, so no one ever sees text that is not theirs.

An unexpected error rolls the session back first. When the database itself is the
trouble (stopped, restarting, locked), the answer is 503 with Retry-After on a page
that needs no database (the usual layout asks who is signed in, which would fail
again); it still lists the crisis lines, which come from files.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, make_response, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound, SecurityError

from journal.care.access import RecordNotFound
from journal.core import crypto
from journal.core.extensions import db
from journal.web.identity import database_unavailable, draw_as_nobody
from journal.web.language import crisis_lines
from journal.web.rendering import render, wants_fragment

MESSAGES = {
    400: (_l("Something in that request was not right"), _l("Go back and try again.")),
    401: (_l("Please log in"), _l("Your session has ended. Log in to continue.")),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (
        _l("Not found"),
        _l("There is nothing here. It may have been deleted, or the link is wrong."),
    ),
    405: (_l("Not allowed"), _l("That action is not possible on this page.")),
    413: (_l("Too large"), _l("That was more than we can take at once. Shorten it and try again.")),
    429: (_l("Slow down"), _l("Too many attempts in a short time. Wait a minute and try again.")),
    500: (
        _l("Something went wrong"),
        _l("It is not something you did. Your saved entries are safe. Try again in a moment."),
    ),
    503: (
        _l("Busy for a moment"),
        _l(
            "Fresh Tracks cannot reach your journal just now. It is not something you did, and "
            "nothing you saved is lost. Wait a few seconds and try again; if you were writing, "
            "go back and send it again."
        ),
    ),
}
RETRY_AFTER_SECONDS = 5


def error_response(status: int, title: str | None = None, message: str | None = None) -> Response:
    default_title, default_message = MESSAGES.get(status, MESSAGES[500])
    html = render(
        "errors/error.html",
        "alert",
        status=status,
        title=title or default_title,
        message=message or default_message,
        # A failure on our side may come at the worst moment: the lines come from
        # configuration, never from the database.
        crisis=crisis_lines() if status >= 500 else None,
    )
    response = make_response(html, status)
    if wants_fragment():
        response.headers["HX-Retarget"] = "#alerts"
        response.headers["HX-Reswap"] = "innerHTML"
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Response:
        return error_response(
            400,
            _("This form has expired"),
            _(
                "For your safety, forms stop working after a while or in another tab. "
                "Reload the page and submit it again; what you typed may need to be pasted back."
            ),
        )

    @app.errorhandler(RecordNotFound)
    def record_not_found(exc: RecordNotFound) -> Response:
        return error_response(404)

    @app.errorhandler(crypto.IntegrityFailure)
    def integrity_failure(exc: crypto.IntegrityFailure) -> Response:
        current_app.logger.error("integrity failure on %s %s", request.method, request.path)
        return error_response(500)

    @app.errorhandler(crypto.KdfBusy)
    def kdf_busy(exc: crypto.KdfBusy) -> Response:
        _roll_back()
        current_app.logger.warning("key derivation busy on %s %s", request.method, request.path)
        response = error_response(
            503,
            _("Many people are signing in right now"),
            _("Wait a few seconds and try again. Nothing was changed."),
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError) -> Response:
        # A Host header that is not the public address (TRUSTED_HOSTS). No URL can be
        # built for such a request, so the answer is plain text, without the layout.
        current_app.logger.warning("request for an untrusted host refused")
        response = make_response("Bad request: this is not the address of this site.\n", 400)
        response.mimetype = "text/plain"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if isinstance(exc, NotFound):
            return error_response(404)
        return error_response(exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        _roll_back()
        if _is_database_trouble(exc) or database_unavailable():
            draw_as_nobody()
            current_app.logger.error(
                "database unavailable on %s %s (%s)",
                request.method,
                request.path,
                type(exc).__name__,
            )
            return unavailable_response()
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        try:
            return error_response(InternalServerError.code)
        except Exception:  # the layout itself failed (it asks the database who is signed in)
            _roll_back()
            current_app.logger.exception("the error page failed on %s", request.path)
            return unavailable_response(500)


def _roll_back() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: nothing to roll back
        current_app.logger.warning("rollback failed after an error", exc_info=True)


def _is_database_trouble(exc: BaseException) -> bool:
    """Operational database errors: stopped, unreachable, locked, pool exhausted."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or type(exc.orig).__name__ in (
            "OperationalError",
            "InterfaceError",
        )
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, SQLAlchemyError) and "OperationalError" in type(exc).__name__


def unavailable_response(status: int = 503) -> Response:
    """A page made without the database: no layout, no signed-in user, no session."""
    title, message = MESSAGES[status]
    try:
        crisis = crisis_lines()
    except Exception:
        crisis = None
    again = request.full_path.rstrip("?") if request.method == "GET" else request.path
    if not again.startswith("/") or again.startswith("//"):
        again = "/"
    fragment = wants_fragment()
    name = "errors/_unavailable_alert.html" if fragment else "errors/unavailable.html"
    html = current_app.jinja_env.get_template(name).render(
        title=title, message=message, again=again, crisis=crisis
    )
    response = make_response(html, status)
    if fragment:
        response.headers["HX-Retarget"] = "#alerts"
        response.headers["HX-Reswap"] = "innerHTML"
    response.headers["Cache-Control"] = "no-store"
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
