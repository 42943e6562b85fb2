"""One question per screen, back and forward, without losing an answer.

The answers so far travel with the form (hidden fields, POSTed, never in the URL
or in browser storage), so the flow works without JavaScript and nothing is kept
on the server until the patient finishes. This module turns a submitted form into
where the patient is now; it is pure (no Flask, no database).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final, Literal

from flask_babel import gettext

from journal.mood.scoring import AnswerOption, Instrument

StepKind = Literal["item", "supplementary"]
MOVES: Final = ("back", "next", "finish")


@dataclass(frozen=True)
class Step:
    position: int  # 1-based, across items and supplementary questions
    kind: StepKind
    name: str  # the form field: "q3", or "s_difficulty"
    text: str
    options: tuple[AnswerOption, ...]
    optional: bool
    item_number: int | None


def steps_of(instrument: Instrument) -> tuple[Step, ...]:
    steps = [
        Step(n, "item", f"q{item.number}", item.text, instrument.answer_scale, False, item.number)
        for n, item in enumerate(instrument.items, start=1)
    ]
    for question in instrument.supplementary_questions:
        steps.append(
            Step(
                len(steps) + 1,
                "supplementary",
                f"s_{question.id}",
                question.text,
                question.options,
                question.optional,
                None,
            )
        )
    return tuple(steps)


@dataclass(frozen=True)
class Progress:
    instrument: Instrument
    key: uuid.UUID
    values: dict[str, int]  # field name -> answer value, for every answered step
    position: int = 1
    error: str | None = None
    bad_request: bool = False  # a value the form never offered: 422, not a hint
    steps: tuple[Step, ...] = field(default=())

    @property
    def current(self) -> Step:
        return self.steps[self.position - 1]

    @property
    def total_steps(self) -> int:
        return len(self.steps)

    @property
    def items_count(self) -> int:
        return len(self.instrument.items)

    @property
    def is_last(self) -> bool:
        return self.position == self.total_steps

    @property
    def answers(self) -> dict[int, int]:
        return {
            s.item_number: self.values[s.name]
            for s in self.steps
            if s.item_number is not None and s.name in self.values
        }

    @property
    def supplementary(self) -> dict[str, int]:
        return {
            s.name.removeprefix("s_"): self.values[s.name]
            for s in self.steps
            if s.kind == "supplementary" and s.name in self.values
        }

    @property
    def safety_positive(self) -> bool:
        """Item 9 of the PHQ-9 answered above 0: the crisis card shows from now on."""
        item = self.instrument.safety_item
        return item is not None and self.answers.get(item, 0) > 0

    def carried(self) -> list[tuple[str, int]]:
        """Hidden fields: every answer except the one on screen (its radios carry it)."""
        return [
            (s.name, self.values[s.name])
            for s in self.steps
            if s.name in self.values and s.name != self.current.name
        ]

    def at(self, position: int, error: str | None = None) -> Progress:
        return replace(self, position=min(max(1, position), self.total_steps), error=error)

    def position_of_item(self, item_number: int) -> int:
        for s in self.steps:
            if s.item_number == item_number:
                return s.position
        return 1


def start(instrument: Instrument, key: uuid.UUID | None = None) -> Progress:
    return Progress(instrument, key or uuid.uuid4(), {}, 1, steps=steps_of(instrument))


def from_form(instrument: Instrument, form: Mapping[str, str]) -> Progress:
    """Where the patient is, from what the screen posted. A value that is not one
    of the options shown is dropped and reported on its own question."""
    steps = steps_of(instrument)
    try:
        key = uuid.UUID(form.get("key", ""))
    except ValueError:
        key = uuid.uuid4()  # an old or edited form: still works, just not deduplicated
    try:
        position = int(form.get("step", "1"))
    except ValueError:
        position = 1
    progress = Progress(instrument, key, {}, 1, steps=steps).at(position)
    values: dict[str, int] = {}
    wrong: Step | None = None
    for step in steps:
        raw = form.get(step.name, "").strip()
        if raw == "":
            continue
        if raw.isdigit() and int(raw) in {o.value for o in step.options}:
            values[step.name] = int(raw)
        elif wrong is None:
            wrong = step
    progress = replace(progress, values=values)
    if wrong is not None:
        message = (
            gettext("Question %(number)s needs one of the answers shown.", number=wrong.item_number)
            if wrong.item_number is not None
            else gettext("This question needs one of the answers shown.")
        )
        return replace(progress.at(wrong.position, message), bad_request=True)
    return progress


def move(progress: Progress, direction: str) -> Progress:
    """Back never needs an answer; next needs one unless the question is optional.
    Moving on from the last screen is the caller's cue to finish."""
    if direction == "back":
        return progress.at(progress.position - 1)
    step = progress.current
    if not step.optional and step.name not in progress.values:
        return progress.at(progress.position, "Choose an answer to go on.")
    return progress.at(progress.position + 1)
