"""A therapist's adaptation of the integration prompt set for one patient.

The therapist starts from the clinic's prompt set (`journal/content/prompts`): keeps
or removes each prompt, rewords it (and its hint), moves it to another of the set's
slots ("Right after", "Within a day", ...), and adds prompts of their own. What they
save is sealed for the patient (`adaptations`); when the patient next marks a session
done, its prompts are scheduled from it (`integration.schedule_prompts`) instead of
from the defaults. Sessions already scheduled keep the prompts they were given.

Timing is by slot only: a prompt is due when its slot's prompts are due in the
clinic's set, so the therapist chooses "Day 3", never minutes. Every value is checked
here, on saving and again on opening: text is required and short, slots come from the
clinic's set, keys from the known shape.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from journal.care import access, adaptations, care
from journal.care import adaptation_rows as rows_
from journal.care.adaptations import AdaptationKind
from journal.content import Prompt, PromptSet
from journal.content import load_prompt_set as load_default
from journal.core import crypto
from journal.core.translatable import N_
from journal.models.users import User

KIND: Final = "prompts"
TEXT_MAX: Final = 200
HINT_MAX: Final = 300
MAX_PROMPTS: Final = 60
MAX_ROWS: Final = 100

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlotTiming:
    """One slot of the clinic's set and when its prompts are due (from the set)."""

    key: str
    label: str
    description: str | None
    offset_minutes: int
    window_minutes: int


def slots(default: PromptSet | None = None) -> list[SlotTiming]:
    """The menu: the clinic's slots that have prompts, in the set's order, each timed
    like its earliest prompt in the clinic's set."""
    content = default or load_default()
    found = []
    for slot in content.slots:
        inside = [p for p in content.prompts if p.slot == slot.key]
        if not inside:
            continue
        first = min(inside, key=lambda p: p.offset_minutes)
        found.append(
            SlotTiming(
                slot.key, slot.label, slot.description, first.offset_minutes, first.window_minutes
            )
        )
    return found


# -- the form -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One prompt as the form shows and posts it. `new` rows are the therapist's own."""

    key: str = ""
    keep: bool = True
    text: str = ""
    hint: str = ""
    slot: str = ""
    new: bool = False
    original: str = ""

    @property
    def blank(self) -> bool:
        return self.new and not self.text and not self.hint


@dataclass
class PromptAdaptationForm(rows_.RowsForm[Row]):
    @property
    def slots(self) -> list[SlotTiming]:
        return slots()

    @classmethod
    def read(cls, posted: MultiDict[str, str]) -> PromptAdaptationForm:
        """Read the rows as typed, check every value, and build the data to seal."""
        menu = {s.key for s in slots()}
        rows, prompts, errors = rows_.read_rows(
            posted,
            MAX_ROWS,
            TEXT_MAX,
            _row_from,
            lambda row, p, seen, errs: _check_row(row, p, menu, seen, errs),
            Row,
        )
        if not prompts and not errors:
            errors["form"] = gettext(
                "Keep at least one prompt: without any, the patient gets nothing to reflect "
                "on after a session."
            )
        if len(prompts) > MAX_PROMPTS:
            errors["form"] = gettext("Keep the set to %(max)s prompts or fewer.", max=MAX_PROMPTS)
        form = cls(rows, errors)
        if form.valid:
            form.data = {"prompts": prompts}
        return form


def _row_of(prompt: Prompt | Mapping[str, Any]) -> Row:
    if isinstance(prompt, Prompt):
        return Row(
            key=prompt.key,
            text=prompt.text,
            hint=prompt.hint or "",
            slot=prompt.slot,
            original=prompt.text,
        )
    return Row(
        key=str(prompt["key"]),
        text=str(prompt["text"]),
        hint=str(prompt.get("hint") or ""),
        slot=str(prompt["slot"]),
        original=str(prompt["text"]),
    )


def default_form() -> PromptAdaptationForm:
    return PromptAdaptationForm(
        rows_.with_blanks([_row_of(p) for p in load_default().prompts], Row)
    )


def form_from_data(data: Mapping[str, Any]) -> PromptAdaptationForm:
    """The saved set, then the clinic's prompts it left out (unticked, so one tick
    brings a prompt back), then empty rows."""
    saved = [_row_of(p) for p in _valid_prompts(data)]
    clinic = [_row_of(p) for p in load_default().prompts]
    return PromptAdaptationForm(rows_.with_blanks(rows_.with_saved_first(saved, clinic), Row))


def form_as_posted(form: PromptAdaptationForm) -> MultiDict[str, str]:
    """The form as a browser would post it unchanged (for the tests)."""
    return rows_.post_rows(
        form.rows, lambda row: [("text", row.text), ("hint", row.hint), ("slot", row.slot)]
    )


def _row_from(posted_row: rows_.PostedRow) -> Row:
    return Row(
        key=posted_row.key,
        keep=posted_row.keep,
        text=rows_.one_line(posted_row.field("text")),
        hint=rows_.one_line(posted_row.field("hint")),
        slot=posted_row.field("slot").strip(),
        new=posted_row.new,
        original=posted_row.original,
    )


def _check_row(
    row: Row, p: str, menu: set[str], seen: set[str], errors: dict[str, str]
) -> dict[str, Any] | None:
    problems_before = len(errors)
    if not row.text:
        errors[p + "text"] = (
            gettext("Write the prompt, or leave the whole row empty.")
            if row.new
            else gettext("Write the prompt, or untick “Keep” to remove it.")
        )
    elif len(row.text) > TEXT_MAX:
        errors[p + "text"] = gettext(
            "The prompt is %(n)s characters; keep it under %(max)s (the hint can say more).",
            n=len(row.text),
            max=TEXT_MAX,
        )
    if len(row.hint) > HINT_MAX:
        errors[p + "hint"] = gettext(
            "The hint is %(n)s characters; keep it under %(max)s.", n=len(row.hint), max=HINT_MAX
        )
    if row.slot not in menu:
        errors[p + "slot"] = gettext("Choose when the prompt comes.")
    rows_.check_key(row, errors)
    if len(errors) > problems_before:
        return None
    key = rows_.stored_key(row, seen, errors)
    if key is None:
        return None
    return {"key": key, "text": row.text, "hint": row.hint or None, "slot": row.slot}


# -- using it -------------------------------------------------------------------------------


def _valid_prompts(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The prompts of an opened adaptation that still fit the clinic's slots; anything
    else (an edited content file, a damaged value) is left out rather than shown wrong."""
    menu = {s.key for s in slots()}
    found = []
    seen: set[str] = set()
    raw_prompts = data.get("prompts") if isinstance(data, Mapping) else None
    for raw in raw_prompts if isinstance(raw_prompts, list) else []:
        try:
            ok = (
                isinstance(raw, dict)
                and rows_.valid_key(str(raw["key"]))
                and str(raw["key"]) not in seen
                and 0 < len(str(raw["text"]).strip()) <= TEXT_MAX
                and len(str(raw.get("hint") or "")) <= HINT_MAX
                and raw["slot"] in menu
            )
        except (KeyError, TypeError):
            ok = False
        if ok:
            seen.add(str(raw["key"]))
            found.append(raw)
    return found


def content_from_data(data: Mapping[str, Any]) -> PromptSet:
    """A prompt set like the clinic's (its slots and session length) holding the
    adapted prompts, each timed like its slot."""
    default = load_default()
    timing = {s.key: s for s in slots(default)}
    prompts = tuple(
        Prompt(
            key=str(raw["key"]),
            text=str(raw["text"]).strip(),
            hint=(str(raw["hint"]).strip() or None) if raw.get("hint") else None,
            slot=str(raw["slot"]),
            offset_minutes=timing[str(raw["slot"])].offset_minutes,
            window_minutes=timing[str(raw["slot"])].window_minutes,
        )
        for raw in _valid_prompts(data)
    )
    return PromptSet(
        id="adapted",
        version=default.version,
        anchor=default.anchor,
        session_minutes=default.session_minutes,
        slots=default.slots,
        prompts=prompts,
    )


@dataclass(frozen=True)
class AdaptedPrompts:
    """A prompt set built from one adaptation, and who adapted it."""

    content: PromptSet
    adapted_by: str
    adaptation_id: uuid.UUID


def for_patient(patient: User, udk: bytes) -> AdaptedPrompts | None:
    """The newest prompt set a therapist the patient is linked with adapted for them,
    opened with the patient's key; None when there is none. One that fails its
    integrity check (not sealed by this server) or holds no usable prompt is passed
    over, so the patient gets the clinic's prompts rather than nothing."""
    for adaptation in access.offered_adaptations(patient, KIND):
        try:
            data = adaptations.open_for_patient(patient, udk, adaptation)
        except crypto.IntegrityFailure:
            log.warning("prompt adaptation %s failed its integrity check; skipped", adaptation.id)
            continue
        content = content_from_data(data)
        if not content.prompts:
            log.warning("prompt adaptation %s holds no usable prompt; skipped", adaptation.id)
            continue
        names = care.names_of({adaptation.therapist_id})
        return AdaptedPrompts(
            content, names.get(adaptation.therapist_id, "your therapist"), adaptation.id
        )
    return None


ADAPTATION_KIND = AdaptationKind(
    key=KIND,
    label=N_("Integration prompts"),
    description=N_(
        "The reflection prompts a session brings after it is done, from right "
        "after to a week on. Keep, reword or remove the clinic's prompts, move "
        "them to another time, or add your own. Sessions your patient marks done "
        "from now on get your set; prompts already given stay as they are."
    ),
    default_form=default_form,
    form_from_data=form_from_data,
    read_form=PromptAdaptationForm.read,
    standard=N_("the clinic's standard prompts"),
    saved_note=N_("It is used for every session they mark done from now on."),
    withdraw_note=N_(
        "Sessions the patient marks done from now on then get the clinic's "
        "standard prompts. Prompts already given stay as they are."
    ),
    withdrawn_note=N_("sessions marked done from now on get the clinic's standard prompts."),
    patient_note=N_(
        "Sessions you mark done from now on get these prompts; sessions already "
        "done keep the ones they have."
    ),
)
