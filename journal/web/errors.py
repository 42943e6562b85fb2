"""Error pages: a full page, or a fragment for htmx that lands in the alert region.

None of them shows a traceback, and a failed integrity check is logged with the
request path only, so no one ever sees text that is not theirs.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, make_response, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound, ServiceUnavailable

from journal.care.access import RecordNotFound
from journal.core import crypto
from journal.core.extensions import db
from journal.mood import crisis
from journal.web.identity import database_unavailable, draw_as_nobody
from journal.web.rendering import render, wants_fragment

MESSAGES = {
    400: ("Something in that request was not right", "Go back and try again."),
    401: ("Please log in", "Your session has ended. Log in to continue."),
    403: ("Not allowed", "You do not have access to this page."),
    404: ("Not found", "There is nothing here. It may have been deleted, or the link is wrong."),
    405: ("Not allowed", "That action is not possible on this page."),
    413: ("Too large", "That was more than we can take at once. Shorten it and try again."),
    429: ("Slow down", "Too many attempts in a short time. Wait a minute and try again."),
    500: (
        "Something went wrong",
        "It is not something you did. Your saved entries are safe. Try again in a moment.",
    ),
    503: (
        "Fresh Tracks cannot reach your journal right now",
        "It is not something you did, and nothing you saved is lost. Try again in a few minutes.",
    ),
}


# A database that is down, unreachable, or locked by another writer for too long.
OUTAGES = (OperationalError, InterfaceError, PoolTimeout)


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
        crisis=crisis.load_crisis_resources(current_app.config["CRISIS_REGION"])
        if status >= 500
        else None,
    )
    response = make_response(html, status)
    if wants_fragment():
        response.headers["HX-Retarget"] = "#alerts"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Response:
        return error_response(
            400,
            "This form has expired",
            "For your safety, forms stop working after a while or in another tab. "
            "Reload the page and submit it again; what you typed may need to be pasted back.",
        )

    @app.errorhandler(RecordNotFound)
    def record_not_found(exc: RecordNotFound) -> Response:
        return error_response(404)

    @app.errorhandler(crypto.IntegrityFailure)
    def integrity_failure(exc: crypto.IntegrityFailure) -> Response:
        current_app.logger.error("integrity failure on %s %s", request.method, request.path)
        return error_response(500)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if isinstance(exc, NotFound):
            return error_response(404)
        return error_response(exc.code or 500)

    @app.errorhandler(SQLAlchemyError)
    def database_error(exc: SQLAlchemyError) -> Response:
        current_app.logger.exception("database error on %s %s", request.method, request.path)
        if isinstance(exc, OUTAGES):
            # Down, unreachable or locked: answer 503, with the crisis lines.
            draw_as_nobody()
            return error_response(ServiceUnavailable.code)
        try:
            db.session.rollback()  # so the layout can load the user again
        except SQLAlchemyError:
            draw_as_nobody()
        return error_response(InternalServerError.code)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if database_unavailable():
            draw_as_nobody()
            return error_response(ServiceUnavailable.code)
        return error_response(InternalServerError.code)
