"""Preparation records a patient can share with a therapist: a dosing session's
details, its checklist and its intention, each its own record with its own key; a
standing category for checklists; and the brief's "checklist for the next dosing
session".

What is shareable, and why:
- **Intentions**: one sentence the patient may want their therapist to read before
  the session; shared one by one, after the same preview as an entry.
- **A dosing session's details** (route, setting, place in the series, dose, notes):
  health details, so they stay sealed unless the patient shares that session. Its
  date and time and whether it is planned, done or cancelled are in clear anyway
  (the app schedules by them), and a linked therapist sees them as the headings of
  the brief and as "next dosing session"; route and place in the series appear in a
  heading only when the session itself is shared.
- **Checklists**: the items and which are ticked. "5 of 12 done" reveals the ticks,
  so the brief shows it only for a shared checklist. A patient shares one session's
  list, or every list with the standing category "Preparation checklists" (each new
  one sealed as it is made). The share holds the list's key, and ticking re-seals
  the list under that same key, so the therapist sees progress as it happens,
  without a new share each time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from flask_babel import gettext, ngettext
from sqlalchemy import Select, bindparam

from journal.care import brief, shareable
from journal.care.shareable import Category
from journal.core import records
from journal.core.database import built_once
from journal.core.extensions import db
from journal.core.translatable import N_
from journal.dosing import checklists, intentions, kap_sessions
from journal.dosing.checklists import PATIENT, SITTER, ChecklistSnapshot
from journal.dosing.kap_sessions import SessionDetails, SessionView
from journal.dosing.planning import DONE
from journal.models.checklists import Checklist
from journal.models.intentions import Intention
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.types import utcnow

TITLE_CHARS: Final = 80
CHECKLIST_CATEGORY: Final = "preparation-checklists"


def _session_of(record: Any) -> KapSession | None:
    session: KapSession | None = db.session.get(KapSession, record.kap_session_id)
    return session


# -- dosing sessions ---------------------------------------------------------------------


def _open_session(record: KapSession, dek: bytes) -> Mapping[str, Any]:
    data = records.open_payload_with_dek(dek, kap_sessions.TABLE, record)
    view = SessionView(
        record.id, record.starts_at, record.status, SessionDetails.from_payload(data)
    )
    return {
        "starts_at": record.starts_at,
        "status": record.status.value,
        "route": view.route_label,
        "route_key": view.details.route,
        "setting": view.setting_label,
        "series": view.series_label,
        "dose_mg": view.details.dose_mg,
        "notes": view.details.notes,
    }


def _session_title(content: Mapping[str, Any]) -> str:
    return str(
        gettext(
            "Dosing session: %(route)s, %(series)s",
            route=content["route"],
            series=content["series"],
        )
    )


SESSION_ADAPTER: Final = dataclasses.replace(
    shareable.payload_adapter(
        KapSession,
        kap_sessions.TABLE,
        N_("Dosing session"),
        occurred_at=lambda record: record.starts_at,
        title_of=_session_title,
        session_of=lambda record: record.id,
        verb="",
    ),
    open_with_dek=_open_session,
)


# -- intentions ---------------------------------------------------------------------------


def _open_intention(record: Intention, dek: bytes) -> Mapping[str, Any]:
    data = records.open_payload_with_dek(dek, intentions.TABLE, record)
    session = _session_of(record)
    return {
        "text": str(data["text"]),
        "session_starts_at": session.starts_at if session else None,
    }


def _shorten(text: str) -> str:
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


INTENTION_ADAPTER: Final = dataclasses.replace(
    shareable.payload_adapter(
        Intention,
        intentions.TABLE,
        N_("Intention"),
        occurred_at=lambda record: record.updated_at,
        title_of=lambda content: gettext(
            "Intention: %(text)s", text=_shorten(str(content["text"]))
        ),
    ),
    open_with_dek=_open_intention,
)


# -- checklists ---------------------------------------------------------------------------


def checklist_view(
    snapshot: ChecklistSnapshot, starts_at: datetime, over: bool = False
) -> dict[str, Any]:
    """What a therapist sees of a shared checklist: the counts and each item, ticked
    or not, with its due time (shown in the reader's zone by the template). `over`:
    the session is done or cancelled, so the list shows its outcome ("11 of 14
    ticked"), and nothing is "due now" any more."""
    now = utcnow()
    patient = snapshot.status(starts_at, now, UTC, PATIENT)
    sitter = snapshot.status(starts_at, now, UTC, SITTER)
    items = [
        {
            "text": s.item.text,
            "detail": s.item.detail,
            "phase": s.item.phase,
            "due_at": s.item.due_at_utc,
            "done": s.status == DONE,
            "due_now": s.status == "due now" and not over,
        }
        for s in sorted(patient.items, key=lambda s: s.item.due_at_utc)
    ]
    return {
        "title": snapshot.title,
        "adapted_by": snapshot.adapted_by,
        "session_starts_at": starts_at,
        "summary": patient.summary,
        "done": patient.done,
        "total": patient.total,
        "sitter_summary": sitter.summary if sitter.total else None,
        "items": items,
        "over": over,
        "outcome": ngettext(
            "%(done)s of %(num)d ticked",
            "%(done)s of %(num)d ticked",
            patient.total,
            done=patient.done,
        ),
    }


def _open_checklist(record: Checklist, dek: bytes) -> Mapping[str, Any]:
    snapshot = ChecklistSnapshot.from_payload(
        records.open_payload_with_dek(dek, checklists.TABLE, record)
    )
    session = _session_of(record)
    over = session is not None and session.status != SessionStatus.PLANNED
    return checklist_view(snapshot, session.starts_at if session else record.created_at, over)


CHECKLIST_ADAPTER: Final = dataclasses.replace(
    shareable.payload_adapter(
        Checklist,
        checklists.TABLE,
        N_("Preparation checklist"),
        title_of=lambda content: gettext(
            "Preparation checklist: %(summary)s", summary=content["summary"]
        ),
        verb="made",
    ),
    open_with_dek=_open_checklist,
)


SHARE_ADAPTERS = (SESSION_ADAPTER, INTENTION_ADAPTER, CHECKLIST_ADAPTER)
SHARE_CATEGORY = Category(
    key=CHECKLIST_CATEGORY,
    label=N_("Preparation checklists"),
    description=N_(
        "The checklist of each dosing session: its items and which ones you "
        "ticked, so your therapist can see how your preparation is going."
    ),
    table=checklists.TABLE,
)


# -- the brief: checklist status for the next dosing session --------------------------------


@built_once
def _next_with_checklist_statement() -> Select[KapSession, Checklist | None]:
    """`patient_id`'s next planned session (as `kap_sessions.next_session`, planned
    after `since`) with its checklist."""
    return (
        kap_sessions.planned_from(bindparam("patient_id"), bindparam("since"))
        .add_columns(Checklist)
        .outerjoin(Checklist, Checklist.kap_session_id == KapSession.id)
        .limit(1)
    )


def next_session_checklist(ctx: brief.BriefContext) -> Mapping[str, Any] | None:
    """Only when the patient shared that session's checklist (singly or through the
    category): "5 of 12 done" reveals the ticks."""
    row = db.session.execute(
        _next_with_checklist_statement(),
        {"patient_id": ctx.link.patient_id, "since": kap_sessions.current_since(utcnow())},
    ).first()
    if row is None:
        return None
    session, checklist = row
    found = ctx.shared_record(checklists.TABLE, checklist.id) if checklist else None
    if found is None:
        return None
    item = ctx.open(*found)
    return {"starts_at": session.starts_at, "checklist": item.content, "item": item}


BRIEF_SECTION = brief.BriefSection(
    key="checklist_status",
    title=N_("Checklist for the next dosing session"),
    order=40,
    build=next_session_checklist,
)
