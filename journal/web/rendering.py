"""One template per page; htmx requests that want a piece get just that piece."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template
from jinja2_fragments.flask import render_block

from journal.core.extensions import htmx


def wants_fragment() -> bool:
    """A fragment only for htmx requests that are neither boosted nor a history
    restore: those two replace the whole page and need the whole page."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, block: str | None = None, **context: Any) -> str:
    if block is not None and wants_fragment():
        return render_block(template, block, **context)
    return render_template(template, **context)


def attachment(body: str | bytes, mimetype: str, filename: str) -> Response:
    """A download the browser saves under `filename` (exports, calendar files)."""
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
