"""What integration adds to the export beyond the answers themselves: each session's
prompt set as it was scheduled, answers still being typed, and the printable pages of
answered prompts and after-effects, in the words the app showed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from journal.core import records
from journal.core.extensions import db
from journal.integration import after_effects, integration, prompt_drafts
from journal.models.integration import AfterEffect, PromptAnswer, PromptSchedule, PromptState
from journal.models.users import User
from journal.your_data import export


def export_schedules(user: User, udk: bytes) -> list[dict[str, Any]]:
    """Each done session's prompt set as it was when the session was done: the
    questions, their slots and timing, and who adapted it."""
    rows = db.session.scalars(
        select(PromptSchedule)
        .where(PromptSchedule.user_id == user.id)
        .order_by(PromptSchedule.created_at)
    )
    return [
        {
            "id": str(row.id),
            "session_id": str(row.kap_session_id),
            **export.plain(records.open_payload(udk, integration.SCHEDULE_TABLE, row)),
        }
        for row in rows
    ]


def export_answer_drafts(user: User, udk: bytes) -> list[dict[str, Any]]:
    """Answers being typed and not yet saved, with the question each belongs to."""
    rows = db.session.scalars(
        select(PromptAnswer)
        .where(PromptAnswer.user_id == user.id, PromptAnswer.state == PromptState.OPEN)
        .order_by(PromptAnswer.due_at, PromptAnswer.position)
    )
    found = []
    for row in rows:
        draft = prompt_drafts.draft_of(user, udk, row)
        if draft is None:
            continue
        found.append(
            {
                "prompt_answer_id": str(row.id),
                "session_id": str(row.kap_session_id),
                "prompt": integration.read_prompt(row, udk).text,
                "text": draft.text,
                "updated_at": export.iso(draft.updated_at),
            }
        )
    return found


def printed_answers(
    user: User, udk: bytes, start: datetime, end: datetime
) -> list[export.PrintItem]:
    """Each prompt answered within the days: the question, when it was asked
    ("Within a day"), and the answer."""
    rows = db.session.scalars(
        select(PromptAnswer).where(
            PromptAnswer.user_id == user.id,
            PromptAnswer.state == PromptState.ANSWERED,
            PromptAnswer.answered_at >= start,
            PromptAnswer.answered_at < end,
        )
    )
    items = []
    for row in rows:
        view = integration.read_prompt(row, udk)
        lines = [gettext("Asked: %(when)s", when=view.slot_label)] if view.slot_label else []
        items.append(
            export.PrintItem(
                view.answered_at or row.updated_at,
                view.text,
                [
                    *lines,
                    *view.answer.split("\n"),
                ],
            )
        )
    return items


def printed_after_effects(
    user: User, udk: bytes, start: datetime, end: datetime
) -> list[export.PrintItem]:
    """Each after-effect noted within the days, in words: "Headache, moderate", then
    the note."""
    rows = db.session.scalars(select(AfterEffect).where(AfterEffect.user_id == user.id))
    items = []
    for row in rows:
        view = after_effects.read(row, udk)
        if not start <= view.at < end:
            continue
        items.append(export.PrintItem(view.at, view.summary, [view.note] if view.note else []))
    return items
