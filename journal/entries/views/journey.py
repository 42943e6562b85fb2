"""The journal seen whole: the timeline grouped by dosing session, search, and all
answers to one prompt side by side. Nested in the journal blueprint (/journal/…), so
the bottom navigation shows "Journal"; the journal's tabs link the four pages.

Search is a POST: what someone searches for is as private as what they wrote, so it
never goes into a URL (server logs, browser history).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, g, make_response, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from journal.care import access
from journal.entries import entry_meta, search, timeline
from journal.entries.entry_meta import SessionChoice
from journal.entries.search import Filters, Position, QueryProblem, SearchForm
from journal.integration import integration
from journal.models.kap_sessions import SessionStatus
from journal.web.filters import calendar_day, local_time
from journal.web.identity import current_udk, user
from journal.web.rendering import render

bp = Blueprint("journey", __name__)
GROUP_LIMIT = 200


def _page_arg() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


# -- template helpers (the journal's forms and cards use them) ------------------------


@bp.app_template_global()
def entry_session_choices() -> list[SessionChoice]:
    """The patient's sessions an entry can be about (one query per request)."""
    if not current_user.is_authenticated or current_user.is_therapist:
        return []
    if "entry_session_choices" not in g:
        g.entry_session_choices = entry_meta.session_choices(user())
    found: list[SessionChoice] = g.entry_session_choices
    return found


@dataclass(frozen=True)
class SessionOption:
    """One choice of the composer's "About a session": the session's id and its label."""

    value: str
    label: str


@bp.app_template_global()
def entry_session_options() -> list[SessionOption]:
    """The choices labelled in one go, once per request: the template's loop took
    about 20 µs an option, and five years hold sixty sessions (most of what the
    five-year patient's journal list cost more than a one-year patient's)."""
    if "entry_session_options" not in g:
        g.entry_session_options = [
            SessionOption(str(c.id), _session_label(c)) for c in entry_session_choices()
        ]
    found: list[SessionOption] = g.entry_session_options
    return found


def _session_label(choice: SessionChoice) -> str:
    day = calendar_day(local_time(choice.starts_at).date(), "EEE d MMM y")
    if choice.status is SessionStatus.PLANNED:
        return str(_("Session of %(day)s (planned)", day=day))
    return str(_("Session of %(day)s", day=day))


@bp.app_template_global()
def session_choice(session_id: uuid.UUID | None) -> SessionChoice | None:
    return next((c for c in entry_session_choices() if c.id == session_id), None)


# -- the timeline ------------------------------------------------------------------------


@bp.get("/timeline")
@login_required
def timeline_page() -> str:
    page = timeline.timeline_page(user(), current_udk(), _page_arg())
    return render("journal/timeline.html", page=page, full=False)


@bp.get("/timeline/<group>")
@login_required
def timeline_group(group: str) -> str:
    """One session's group in full (or "before": before the first session)."""
    me = user()
    session = None if group == "before" else access.owned_kap_session(me, group)
    found = timeline.session_group(me, current_udk(), session, GROUP_LIMIT)
    return render("journal/timeline_group.html", group=found, limit=GROUP_LIMIT)


# -- search ------------------------------------------------------------------------------


def _search_context(form: SearchForm, page: search.SearchPage | None) -> dict[str, Any]:
    return {
        "form": form,
        "page": page,
        "kinds": search.kinds(),
        "sessions": entry_session_choices(),
    }


@bp.get("/search")
@login_required
def search_page() -> str:
    return render("journal/search.html", **_search_context(SearchForm(), None))


@bp.post("/search")
@login_required
def search_results() -> ResponseReturnValue:
    form = SearchForm.read(request.form)
    terms: tuple[str, ...] = ()
    try:
        terms = search.parse_query(form.q)
    except QueryProblem as exc:
        form.errors["q"] = str(exc)
    if form.kind and form.kind not in dict(search.kinds()):
        form.errors["kind"] = _("Choose what to search in.")
    session_id, error = entry_meta.linkable_session(user(), form.session)
    if error:
        form.errors["session"] = error
    filters = Filters(kind=form.kind or None, tag=form.tag or None, session_id=session_id)
    if not form.errors and not terms and not filters.any:
        form.errors["q"] = _("Type a word to look for, or choose a tag, session or kind.")
    if form.errors:
        html = render("journal/search.html", "search_body", **_search_context(form, None))
        return make_response(html, 422)
    after = Position.decode(request.form.get("after", ""))
    page = search.search(user(), current_udk(), terms, filters, after)
    # "Show more" asks for the next results only: they are added below the others.
    block = "more_results" if after is not None else "search_body"
    return render("journal/search.html", block, **_search_context(form, page))


# -- one prompt across sessions ------------------------------------------------------------


@bp.get("/answers")
@login_required
def answers_index() -> str:
    return render(
        "journal/answers.html", prompts=integration.answered_prompt_keys(user(), current_udk())
    )


@bp.get("/answers/<key>")
@login_required
def answers_to(key: str) -> str:
    found = integration.answers_to(user(), current_udk(), key)
    if not found:
        raise access.RecordNotFound(key)
    return render("journal/answers_to.html", key=key, answers=found, text=found[-1].prompt.text)
