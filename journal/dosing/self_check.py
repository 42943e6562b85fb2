"""The one-time "talk to your provider about" self-check.

It informs a conversation with the prescriber and diagnoses nothing: the app keeps
the answers (sealed, like everything the patient writes) and lists the ones worth
bringing up, without scoring or judging them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlalchemy import select

from journal.content import SelfCheck as SelfCheckContent
from journal.content import SelfCheckItem, load_self_check
from journal.core import records
from journal.core.extensions import db
from journal.models.kap_sessions import SelfCheck
from journal.models.types import utcnow
from journal.models.users import User
from journal.your_data import export

TABLE: Final = "self_checks"
NO: Final = "no"


@dataclass(frozen=True)
class SelfCheckView:
    version: int
    answers: dict[str, str]
    updated_at: datetime


@dataclass
class SelfCheckForm:
    answers: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> SelfCheckForm:
        """Every question needs an answer ("Not sure" is one); what was chosen is kept."""
        check = content()
        allowed = {a.key for a in check.answers}
        form = cls()
        for item in check.items:
            value = str(posted.get(item.key, "") or "")
            if value in allowed:
                form.answers[item.key] = value
            else:
                form.errors[item.key] = "Choose yes, no or not sure."
        return form


def content(language: str = "en") -> SelfCheckContent:
    return load_self_check(language=language)


def read_answers(record: SelfCheck, udk: bytes) -> SelfCheckView:
    data = records.open_payload(udk, TABLE, record)
    return SelfCheckView(
        version=int(data["version"]), answers=dict(data["answers"]), updated_at=record.updated_at
    )


def save_answers(
    user: User, udk: bytes, form: SelfCheckForm, record: SelfCheck | None
) -> SelfCheck:
    """Store the answers in the user's one self-check record (``record``, or a new one)."""
    if record is None:
        record = SelfCheck(id=uuid.uuid4(), user_id=user.id, revision=0)
        db.session.add(record)
    else:
        record.updated_at = utcnow()
    records.seal_payload(
        udk, TABLE, record, {"version": content().version, "answers": form.answers}
    )
    db.session.commit()
    return record


def to_bring_up(answers: Mapping[str, str], language: str = "en") -> list[SelfCheckItem]:
    """The questions answered yes or not sure, in the order of the list."""
    return [item for item in content(language).items if answers.get(item.key, NO) != NO]


def export_self_check(user: User, udk: bytes) -> dict[str, object] | None:
    """The answers by key, and each question with its answer in words."""
    record = db.session.scalar(select(SelfCheck).where(SelfCheck.user_id == user.id))
    if record is None:
        return None
    view = read_answers(record, udk)
    labels = {a.key: a.label for a in content().answers}
    return {
        "id": str(record.id),
        **export.plain(view),
        "questions": [
            {"question": item.text, "answer": labels.get(view.answers.get(item.key, ""), "")}
            for item in content().items
        ],
    }
