"""Intentions: one sentence per dosing session, with guiding questions that change
as the series goes on (broad at first, then specific, then about integration)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from flask_babel import gettext as _
from sqlalchemy import Select, select

from journal.content import IntentionQuestion, load_intention_questions
from journal.core import records
from journal.core.database import among, built_once
from journal.core.extensions import db
from journal.dosing import kap_sessions
from journal.dosing.kap_sessions import SessionView
from journal.dosing.planning import IntentionStageKey, intention_questions, intention_stage
from journal.models.intentions import Intention
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.types import utcnow
from journal.models.users import User

TABLE: Final = "intentions"
TEXT_MAX: Final = 500


@dataclass(frozen=True)
class IntentionView:
    kap_session_id: uuid.UUID
    text: str
    stage: str
    updated_at: datetime
    id: uuid.UUID | None = None


@dataclass
class IntentionForm:
    text: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> IntentionForm:
        # One sentence: line breaks from a phone keyboard's "return" are dropped.
        form = cls(text=" ".join(str(posted.get("text", "") or "").split()))
        if not form.text:
            form.errors["text"] = _("Write your intention in a sentence before saving.")
        elif len(form.text) > TEXT_MAX:
            form.errors["text"] = _(
                "Your intention is %(length)s characters; keep it under %(most)s. One "
                "sentence is enough.",
                length=format(len(form.text), ","),
                most=TEXT_MAX,
            )
        return form

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Guidance:
    stage: IntentionStageKey
    label: str
    description: str | None
    intro: str
    questions: tuple[IntentionQuestion, ...]


def guidance_for(session: SessionView, language: str = "en") -> Guidance:
    d = session.details
    stage = intention_stage(d.series_position, d.is_maintenance)
    content = load_intention_questions(language=language)
    chosen = content.stage(stage)
    return Guidance(
        stage=stage,
        label=chosen.label,
        description=chosen.description,
        intro=content.intro,
        questions=intention_questions(stage, content),
    )


def intention_of(session: KapSession) -> Intention | None:
    found: Intention | None = db.session.scalar(
        select(Intention).where(Intention.kap_session_id == session.id)
    )
    return found


@built_once
def _of_sessions_statement() -> Select[Intention]:
    """The intentions of the sessions in `session_ids`."""
    return select(Intention).where(among(Intention.kap_session_id, "session_ids"))


def intentions_of(session_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Intention]:
    """The intentions of these sessions in one statement, by session id."""
    if not session_ids:
        return {}
    rows = db.session.scalars(_of_sessions_statement(), {"session_ids": list(session_ids)})
    return {row.kap_session_id: row for row in rows}


def read_intention(intention: Intention, udk: bytes) -> IntentionView:
    data = records.open_payload(udk, TABLE, intention)
    return IntentionView(
        kap_session_id=intention.kap_session_id,
        text=str(data["text"]),
        stage=str(data["stage"]),
        updated_at=intention.updated_at,
        id=intention.id,
    )


def save_intention(session: KapSession, udk: bytes, form: IntentionForm, stage: str) -> Intention:
    """Create or replace the session's intention (not committed)."""
    intention = intention_of(session)
    if intention is None:
        intention = Intention(
            id=uuid.uuid4(), user_id=session.user_id, kap_session_id=session.id, revision=0
        )
        db.session.add(intention)
    else:
        intention.updated_at = utcnow()
    records.seal_payload(udk, TABLE, intention, {"text": form.text, "stage": stage})
    return intention


@dataclass(frozen=True)
class PastIntention:
    session: SessionView
    intention: IntentionView


def earlier_intentions(user: User, udk: bytes, session: KapSession) -> list[PastIntention]:
    """Intentions of the sessions before this one (not cancelled), newest first."""
    rows = db.session.execute(
        select(KapSession, Intention)
        .join(Intention, Intention.kap_session_id == KapSession.id)
        .where(
            KapSession.user_id == user.id,
            KapSession.id != session.id,
            KapSession.starts_at < session.starts_at,
            KapSession.status != SessionStatus.CANCELLED,
        )
        .order_by(KapSession.starts_at.desc())
    ).all()
    return [
        PastIntention(kap_sessions.read_session(s, udk), read_intention(i, udk)) for s, i in rows
    ]
