"""The patient's own safety plan: what they wrote for a hard moment, sealed like
everything else they write, and shown on the crisis card."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from journal.core import forms, records
from journal.core.extensions import db
from journal.core.translatable import N_
from journal.models.measures import SafetyPlan
from journal.models.types import utcnow
from journal.models.users import User
from journal.your_data import export

TABLE: Final = "safety_plans"
SECTION_MAX: Final = 2000


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    hint: str


# The six steps of the Stanley-Brown Safety Planning Intervention, in the order they
# are used (notice, cope alone, be around others, ask someone, call a professional,
# make the surroundings safe), and the template's closing line: what is worth living
# for. Stored as one sealed JSON object; a plan written before a step existed simply
# has it empty.
SECTIONS: Final = (
    Section(
        "warning_signs",
        N_("My warning signs"),
        N_("Thoughts, feelings, situations or behaviour that tell me a crisis may be coming."),
    ),
    Section(
        "coping_steps",
        N_("Things I can do on my own"),
        N_(
            "What helps me take my mind off things or calm down: a walk, music, a shower, "
            "breathing."
        ),
    ),
    Section(
        "people_places",
        N_("People and places that help"),
        N_("Who I can be with, and where I can go, to feel less alone."),
    ),
    Section(
        "people_to_call",
        N_("People I can ask for help"),
        N_("Names and phone numbers of people I trust to call."),
    ),
    Section(
        "professionals",
        N_("Professionals I can call"),
        N_("My therapist, prescriber or clinic, with their numbers and hours."),
    ),
    Section(
        "safe_environment",
        N_("Making the environment safe"),
        N_(
            "What I can put away, lock up or give to someone to keep, so it is harder to act "
            "on these thoughts: medicines, weapons, anything I might use."
        ),
    ),
    Section(
        "reasons_for_living",
        N_("The one thing most important to me"),
        N_("My reasons for living: the people, hopes or things that matter most to me."),
    ),
)

# A phone number in what a patient wrote: 7 to 15 digits, maybe with spaces, dots,
# dashes, brackets or a leading +; or a three-digit short code standing alone (988,
# 911, 111). Years and doses (four digits or fewer) stay text.
_PHONE: Final = re.compile(r"(?<![\w+])(\+?\d[\d\s().-]{5,22}\d|\d{3})(?![\w])")


def with_phone_links(text: str) -> list[tuple[str, str | None]]:
    """The text in pieces, each with the `tel:` link it should be, or None: the
    template escapes every piece, so nothing the patient wrote becomes markup."""
    pieces: list[tuple[str, str | None]] = []
    last = 0
    for match in _PHONE.finditer(text):
        number = match.group(1)
        digits = re.sub(r"\D", "", number)
        if not (len(digits) == 3 or 7 <= len(digits) <= 15):
            continue
        if match.start() > last:
            pieces.append((text[last : match.start()], None))
        plus = "+" if number.startswith("+") else ""
        pieces.append((number, f"tel:{plus}{digits}"))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], None))
    return pieces


@dataclass(frozen=True)
class SafetyPlanView:
    sections: dict[str, str]
    updated_at: datetime

    @property
    def empty(self) -> bool:
        return not any(text.strip() for text in self.sections.values())

    def filled(self) -> list[tuple[Section, str]]:
        return [(s, self.sections[s.key]) for s in SECTIONS if self.sections.get(s.key, "").strip()]


@dataclass
class SafetyPlanForm:
    sections: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> SafetyPlanForm:
        typed = forms.reader(posted)
        form = cls({s.key: typed(s.key) for s in SECTIONS})
        for section in SECTIONS:
            if len(form.sections[section.key]) > SECTION_MAX:
                form.errors[section.key] = _(
                    "Keep “%(title)s” under %(most)s characters.",
                    title=_(section.title),
                    most=format_decimal(SECTION_MAX),
                )
        return form


def plan_of(user: User) -> SafetyPlan | None:
    found: SafetyPlan | None = db.session.scalar(
        select(SafetyPlan).where(SafetyPlan.user_id == user.id)
    )
    return found


def read_plan(plan: SafetyPlan, udk: bytes) -> SafetyPlanView:
    data = records.open_payload(udk, TABLE, plan)
    return SafetyPlanView(
        sections={s.key: str(data.get(s.key, "")) for s in SECTIONS}, updated_at=plan.updated_at
    )


def my_plan(user: User, udk: bytes) -> SafetyPlanView | None:
    plan = plan_of(user)
    return None if plan is None else read_plan(plan, udk)


def save_plan(user: User, udk: bytes, form: SafetyPlanForm) -> SafetyPlan:
    plan = plan_of(user)
    if plan is None:
        now = utcnow()
        plan = SafetyPlan(id=uuid.uuid4(), user_id=user.id, revision=0, created_at=now)
        db.session.add(plan)
    plan.updated_at = utcnow()
    records.seal_payload(udk, TABLE, plan, form.sections)
    try:
        db.session.commit()
    except IntegrityError:
        # Saved from two tabs at once: write over the one that got in first.
        db.session.rollback()
        return save_plan(user, udk, form)
    return plan


def export_plan(user: User, udk: bytes) -> dict[str, object] | None:
    """The plan by step key, and each step's title with what was written."""
    record = plan_of(user)
    if record is None:
        return None
    plan = read_plan(record, udk)
    return {
        "id": str(record.id),
        **export.plain(plan),
        "steps": [{"title": s.title, "text": plan.sections.get(s.key, "")} for s in SECTIONS],
    }
