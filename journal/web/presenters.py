"""Where each kind of record is shown and opened: the one table from a record type to
its templates and its URLs.

Services return data (a record's kind, id, session, prompt key) and never a URL or a
template path, so the same service serves a page, a job and the CLI. The templates
ask this module through the globals `init_app` adds. A new record type adds its row
to each mapping it takes part in.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask, url_for

# A shared record as the therapist (and the patient's preview) sees it.
SHARED_ITEM_TEMPLATES: dict[str, str] = {
    "entries": "care/items/_entry.html",
    "kap_sessions": "care/items/_kap_session.html",
    "intentions": "care/items/_intention.html",
    "checklists": "care/items/_checklist.html",
    "measure_results": "care/items/_measure_result.html",
    "mood_checkins": "care/items/_checkin.html",
    "prompt_answers": "care/items/_prompt_answer.html",
    "after_effects": "care/items/_after_effect.html",
}

# One item of the journal's timeline.
TIMELINE_TEMPLATES: dict[str, str] = {
    "entries": "journal/timeline/_entry.html",
    "prompt_answers": "journal/timeline/_answer.html",
    "after_effects": "journal/timeline/_after_effect.html",
    "mood_checkins": "journal/timeline/_check_in.html",
}

# The sections of a therapist's brief, by the section's key.
BRIEF_SECTION_TEMPLATES: dict[str, str] = {
    "mood_series": "clinic/sections/_mood_series.html",
    "safety_flags": "clinic/sections/_safety_flags.html",
    "safety_signals": "clinic/sections/_safety_signals.html",
    "mood_trend": "clinic/sections/_mood_trend.html",
    "scores": "clinic/sections/_scores.html",
    "checklist_status": "clinic/sections/_checklist_status.html",
}

# The form of each kind of adaptation a therapist makes for one patient.
ADAPTATION_TEMPLATES: dict[str, str] = {
    "checklist": "clinic/adaptations/_checklist.html",
    "prompts": "clinic/adaptations/_prompts.html",
}


class Located(Protocol):
    """What a timeline item or a search result carries to say where it opens."""

    @property
    def kind(self) -> str: ...
    @property
    def record_id(self) -> uuid.UUID: ...
    @property
    def session_id(self) -> uuid.UUID | None: ...
    @property
    def key(self) -> str | None: ...


def _session_url(endpoint: str, session_id: uuid.UUID | None, **args: Any) -> str:
    if session_id is None:
        return url_for("kap_sessions.index")
    return url_for(endpoint, session_id=session_id, **args)


# Where the patient opens one of their records, by kind.
_RECORD_URLS: dict[str, Callable[[Located], str]] = {
    "entries": lambda r: url_for("journal.show", entry_id=r.record_id),
    "kap_sessions": lambda r: url_for("kap_sessions.show", session_id=r.record_id),
    "intentions": lambda r: _session_url("kap_sessions.intention", r.session_id),
    "checklists": lambda r: _session_url(
        "kap_sessions.show", r.session_id, _anchor="checklist-title"
    ),
    "measure_results": lambda r: url_for("mood.result", result_id=r.record_id),
    "mood_checkins": lambda r: url_for("mood.index"),
    "prompt_answers": lambda r: _session_url(
        "kap_sessions.integration.answer", r.session_id, key=r.key
    ),
    "after_effects": lambda r: _session_url(
        "kap_sessions.integration.after_effects", r.session_id, _anchor=f"effect-{r.record_id}"
    ),
}


def record_url(located: Located) -> str | None:
    found = _RECORD_URLS.get(located.kind)
    return found(located) if found else None


class _Row:
    """A stored row seen as `Located`: rows name their session and prompt in columns."""

    def __init__(self, table: str, row: Any) -> None:
        self.kind = table
        self.record_id: uuid.UUID = row.id
        self.session_id: uuid.UUID | None = getattr(row, "kap_session_id", None)
        self.key: str | None = getattr(row, "prompt_key", None)


def owner_url(table: str, row: Any) -> str | None:
    """Where the patient opens a record they shared (the access log links it). A
    check-in has no page of its own."""
    if table == "mood_checkins":
        return None
    return record_url(_Row(table, row))


def timeline_group_url(session_id: uuid.UUID | None) -> str:
    """The whole of one timeline group, for its "N more" links."""
    group = "before" if session_id is None else str(session_id)
    return url_for("journal.journey.timeline_group", group=group)


def init_app(app: Flask) -> None:
    app.add_template_global(SHARED_ITEM_TEMPLATES.__getitem__, "shared_item_template")
    app.add_template_global(TIMELINE_TEMPLATES.__getitem__, "timeline_template")
    app.add_template_global(BRIEF_SECTION_TEMPLATES.__getitem__, "brief_section_template")
    app.add_template_global(ADAPTATION_TEMPLATES.__getitem__, "adaptation_template")
    app.add_template_global(record_url, "record_url")
    app.add_template_global(timeline_group_url, "timeline_group_url")
