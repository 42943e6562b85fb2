"""`requires_step_up`: a credential or security change needs the password (and code)
confirmed in the last few minutes, on this session's row (accounts/step_up.py).

Without a fresh confirmation the route answers with the "Confirm it's you" page
instead of acting. For a form it posts back to the same route, carrying what the
person had typed (never a password) so that one more tap finishes what they began;
for a page it confirms and then opens the page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, make_response, request, url_for
from flask.typing import ResponseReturnValue

from journal.accounts import step_up
from journal.accounts.accounts import AccountError
from journal.web.identity import session_state
from journal.web.rendering import render

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])

# Never carried over to the confirmation page: passwords, codes, the old CSRF token.
_NOT_CARRIED = frozenset(
    {"csrf_token", "password", "confirm", "current", "step_up_password", "step_up_code", "code"}
)
# How a route is protected; the url-map test reads it from the view function.
MARK = "step_up"


def _ask(error: str | None, status: int) -> ResponseReturnValue:
    state = session_state()
    if state is None:
        abort(401)
    if request.method == "POST":
        action = request.path
        carried = [
            (name, value)
            for name, value in request.form.items(multi=True)
            if name not in _NOT_CARRIED
        ]
        next_url = None
    else:
        action = url_for("step_up.confirm")
        carried = []
        next_url = request.full_path.rstrip("?")
    page = render(
        "security/step_up.html",
        action=action,
        carried=carried,
        next=next_url,
        needs_code=step_up.needs_code(state.user),
        code=request.form.get("step_up_code", "")[:40],
        error=error,
        minutes=max(1, step_up.window().seconds // 60),
    )
    return make_response(page, status)


def requires_step_up(view: F) -> F:
    """Put below `login_required`."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        state = session_state()
        if state is None or state.udk is None:
            abort(401)
        if step_up.is_fresh(state.row):
            return view(*args, **kwargs)
        if request.method == "POST" and "step_up_password" in request.form:
            try:
                step_up.confirm(
                    state.row,
                    state.user,
                    state.udk,
                    request.form.get("step_up_password", ""),
                    request.form.get("step_up_code", "").strip()[:40],
                )
            except AccountError as exc:
                return _ask(str(exc), 422)
            return view(*args, **kwargs)
        return _ask(None, 403)

    setattr(wrapped, MARK, "session")
    return cast(F, wrapped)


def asks_password_itself(view: F) -> F:
    """For a route whose own form asks the password (and code) every time, checked by
    its service (account deletion, turning two-step sign-in off)."""
    setattr(view, MARK, "inline")
    return view
