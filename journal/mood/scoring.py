"""Scoring of the validated questionnaires (PHQ-9, GAD-7, PCL-5).

The instruments live as data in ``journal/content/instruments/*.json`` rather than
in code: their wording, answer scale and severity bands are published standards,
and a score only means what the published studies say it means when the patient
saw exactly that wording and answered on exactly that scale. Keeping the text in
one data file lets a reviewer compare it with the published form line by line,
and lets the templates, this module and the tests read the same source.

This module is pure: no Flask, no database, no clock. Views, the CLI and the
therapist's brief all call it, and it can be tested on its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Final

from flask_babel import gettext

from journal.core.translatable import N_

__all__ = [
    "RESPONSE_DROP_PERCENT",
    "AnswerOption",
    "Band",
    "Change",
    "IncompleteAnswers",
    "Instrument",
    "InstrumentDataError",
    "InvalidAnswer",
    "Item",
    "ResponseRule",
    "Score",
    "SupplementaryQuestion",
    "UnknownInstrument",
    "change_from_baseline",
    "get_instrument",
    "instrument_ids",
    "instruments",
    "load_from",
    "score",
]

INSTRUMENTS_DIR = Path(__file__).resolve().parent.parent / "content" / "instruments"
"""Every ``*.json`` file here is one questionnaire: adding one needs no code change.
``load_from`` (called by ``create_app`` with ``INSTRUMENTS_DIR`` from the config)
points it elsewhere."""

_directory = INSTRUMENTS_DIR

RESPONSE_DROP_PERCENT = 50
"""The PHQ-9's response: a fall of at least 50 % from baseline (its file cites it).

Each instrument's own file says whether it defines a response and how
(``response`` there): a percentage drop, or a drop of a number of points (the
PCL-5's 10). A whole percentage keeps the comparison in integers, so a boundary
case such as 20 to 10 cannot be lost to floating-point rounding.
"""

RESPONSE_KINDS = ("drop_percent", "drop_points")

# The app's own words about the instruments in journal/content/instruments/ (what each
# asks about, its screening note, its band names), as opposed to an instrument's
# validated wording: marked here so `make messages` finds them. Pages show them with
# `_()`; results and exports keep the English.
INSTRUMENT_WORDS: Final = (
    N_("anxiety and worry"),
    N_(
        "The GAD-7 measures how much anxiety symptoms have bothered someone; a score is "
        "not a diagnosis."
    ),
    N_("Minimal"),
    N_("Mild"),
    N_("Moderate"),
    N_("Severe"),
    N_("stress after a very stressful experience (optional, for PTSD care)"),
    N_(
        "The threshold of 33 for probable PTSD is a screening threshold, not a diagnosis;"
        " published cut-points range from about 31 to 33."
    ),
    N_("Below the screening threshold"),
    N_("Probable PTSD"),
    N_("stress after a very stressful experience, week by week (optional, for PTSD care)"),
    N_(
        "The threshold of 33 for probable PTSD is a screening threshold, not a diagnosis;"
        " published cut-points range from about 31 to 33. The threshold was established "
        "with the past-month form; on the past-week form a total is best read as change "
        "over time in the same person."
    ),
    N_("low mood and depression"),
    N_(
        "The PHQ-9 measures how much depression symptoms have bothered someone; a score "
        "is not a diagnosis."
    ),
    N_("Moderately severe"),
)


@dataclass(frozen=True)
class ResponseRule:
    """What counts as a response on this instrument, as its source defines it."""

    kind: str
    """``drop_percent`` (a fall of `value` % or more) or ``drop_points``."""
    value: int
    source: str

    def met(self, baseline_total: int, current_total: int) -> bool:
        if self.kind == "drop_points":
            return baseline_total - current_total >= self.value
        if baseline_total == 0:
            return False  # nowhere to fall: never a response
        return current_total * 100 <= baseline_total * (100 - self.value)

    @property
    def words(self) -> str:
        if self.kind == "drop_points":
            return str(
                gettext("a drop of %(points)s points or more from the baseline", points=self.value)
            )
        if self.value == 50:
            return str(gettext("a drop of half or more from the baseline"))
        return str(
            gettext("a drop of %(percent)s %% or more from the baseline", percent=self.value)
        )


class UnknownInstrument(LookupError):
    pass


class InstrumentDataError(ValueError):
    """A data file breaks the shape scoring relies on.

    Raised at load time so that a typo in a band or a missing item stops the app
    from starting instead of silently giving patients a wrong severity.
    """


class IncompleteAnswers(ValueError):
    """Some questions have no answer.

    The standard scoring has no rule for missing items, so a partial total would
    look lower (better) than the truth. The message names the questions so the
    form can send the patient straight back to them.
    """

    def __init__(self, missing: tuple[int, ...]) -> None:
        self.missing = missing
        super().__init__(_missing_message(missing))


class InvalidAnswer(ValueError):
    """An answer is not one the questionnaire offers, or names no question.

    ``item_number`` is the offending key as given (normally an int), so a form
    can mark the question. The message leaves out the value received: the
    patient only ever saw the answer labels, never the numbers behind them.
    """

    def __init__(self, message: str, item_number: object) -> None:
        self.item_number = item_number
        super().__init__(message)


@dataclass(frozen=True)
class Item:
    number: int
    text: str


@dataclass(frozen=True)
class AnswerOption:
    value: int
    label: str


@dataclass(frozen=True)
class Band:
    """A severity range, inclusive at both ends, as the published cut-points are."""

    low: int
    high: int
    label: str
    note: str | None = None

    def contains(self, total: int) -> bool:
        return self.low <= total <= self.high


@dataclass(frozen=True)
class SupplementaryQuestion:
    """A question printed on the form that is not part of the total.

    The PHQ-9's difficulty question is the example: it is clinically useful but
    adding it to the total would make the score incomparable with the norms.
    """

    id: str
    text: str
    options: tuple[AnswerOption, ...]
    scored: bool
    optional: bool


@dataclass(frozen=True)
class Coding:
    code: str
    display: str


@dataclass(frozen=True)
class Codes:
    """The instrument's codes in a terminology (LOINC) for the FHIR export, as its
    data file gives them. Scoring never reads them. An item or answer without a code
    here is exported by its number or value alone: a code we could not check is
    worse than none, since an EHR would file the answer under it."""

    system: str
    panel: Coding
    total: Coding
    items: Mapping[int, str]
    answers: Mapping[int, str]
    supplementary: Mapping[str, tuple[str, Mapping[int, str]]]
    """Supplementary question id -> (its code, its answers' codes by value)."""
    source: str


@dataclass(frozen=True)
class Instrument:
    """One questionnaire, as loaded from its data file.

    ``version`` is the revision of our data file, not of the published form;
    store it with every result so that a later correction to the file can be
    told apart from results scored before it. ``safety_item`` is the question
    whose any-above-zero answer must show the crisis card (PHQ-9 item 9), and
    ``remission_below`` the total under which a patient counts as in remission,
    for the instruments where the product defines one.
    """

    id: str
    name: str
    short_name: str
    version: str
    order: int
    topic: str
    """What it asks about, in a patient's words ("low mood and depression")."""
    reminded: bool
    """Offered on Home and by reminders when due; otherwise taken when chosen."""
    optional: bool
    """Charted and offered only for those who choose it (the PCL-5, for PTSD care)."""
    instructions: str
    stem: str | None
    items: tuple[Item, ...]
    answer_scale: tuple[AnswerOption, ...]
    bands: tuple[Band, ...]
    safety_item: int | None
    remission_below: int | None
    supplementary_questions: tuple[SupplementaryQuestion, ...]
    screening_note: str
    copyright: str
    reference: str
    window_days: int
    """The period the questions ask about ("the last 2 weeks": 14); it is never due
    again sooner (unless a clinic turns that off: QUESTIONNAIRE_RESPECT_WINDOW)."""
    response: ResponseRule | None
    """How the instrument's source defines a response; None: it defines none."""
    codes: Codes | None = None
    """Terminology codes for the FHIR export; None for an instrument without them."""
    language: str = "en"
    """The language of the wording above (`in_language` gives another)."""
    translations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Official translations from the data file (`languages`), by language code. Only
    an authorised translation belongs here: the wording of a validated questionnaire
    is part of what was validated."""

    def in_language(self, language: str) -> Instrument:
        """The same questionnaire worded in `language` where the file has an official
        translation of it; otherwise this one (English, as published). Values,
        scoring and bands never change with the language."""
        words = self.translations.get(language)
        if not words or language == self.language:
            return self
        items = {str(k): str(v) for k, v in words["items"].items()}
        scale = {str(k): str(v) for k, v in words["answer_scale"].items()}
        extra = words.get("supplementary_questions", {})
        return replace(
            self,
            language=language,
            instructions=str(words["instructions"]),
            stem=_optional_str(words.get("stem")),
            items=tuple(replace(i, text=items[str(i.number)]) for i in self.items),
            answer_scale=tuple(replace(o, label=scale[str(o.value)]) for o in self.answer_scale),
            supplementary_questions=tuple(
                _translated_question(q, extra.get(q.id)) for q in self.supplementary_questions
            ),
            copyright=str(words.get("copyright", self.copyright)),
            reference=str(words.get("source", self.reference)),
        )

    @property
    def item_numbers(self) -> tuple[int, ...]:
        return tuple(item.number for item in self.items)

    @property
    def min_answer(self) -> int:
        return self.answer_scale[0].value

    @property
    def max_answer(self) -> int:
        return self.answer_scale[-1].value

    @property
    def max_total(self) -> int:
        return self.max_answer * len(self.items)

    def band_for(self, total: int) -> Band:
        for band in self.bands:
            if band.contains(total):
                return band
        raise ValueError(f"{self.short_name} totals run from 0 to {self.max_total}, not {total}.")


@dataclass(frozen=True)
class Score:
    """The result of one completed questionnaire.

    ``safety_positive`` is always False for instruments without a safety item;
    callers must still check it first, before showing anything else.
    """

    instrument_id: str
    instrument_version: str
    total: int
    max_total: int
    band: Band
    safety_positive: bool


@dataclass(frozen=True)
class Change:
    """How a total moved from the baseline questionnaire to a later one.

    ``absolute_change`` is ``current - baseline``, so on these instruments, where
    higher means worse, a negative number is an improvement. ``percent_change``
    is None when the baseline is 0, because a change from nothing has no
    percentage. ``remission`` is None, not False, for instruments where the
    product defines no remission criterion (GAD-7, PCL-5): "not in remission"
    would claim something the numbers do not say.
    """

    instrument_id: str
    baseline_total: int
    current_total: int
    absolute_change: int
    percent_change: float | None
    response: bool | None
    """None where the instrument defines no response (the GAD-7)."""
    remission: bool | None


def get_instrument(instrument_id: str) -> Instrument:
    try:
        return _load_instruments()[instrument_id]
    except KeyError:
        raise UnknownInstrument(f"There is no questionnaire called {instrument_id!r}.") from None


def score(instrument_id: str, answers: Mapping[int, int]) -> Score:
    """Total the answers and place the total in its severity band.

    Every item must be answered: the published scoring has no rule for missing
    items. Wrong values are reported before missing ones, because a value the
    form never offered points to a bug or tampering, not to a patient who
    skipped a question.
    """
    instrument = get_instrument(instrument_id)
    _check_answers(instrument, answers)
    total = sum(answers[number] for number in instrument.item_numbers)
    safety_positive = instrument.safety_item is not None and answers[instrument.safety_item] > 0
    return Score(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        total=total,
        max_total=instrument.max_total,
        band=instrument.band_for(total),
        safety_positive=safety_positive,
    )


def change_from_baseline(baseline_total: int, current_total: int, instrument_id: str) -> Change:
    """Compare a later total with the baseline, as the therapist's brief shows it.

    Response follows the instrument's own rule (None where it has none). A
    percentage rule never counts a baseline of 0, which has nowhere to fall.
    """
    instrument = get_instrument(instrument_id)
    for label, total in (("baseline", baseline_total), ("current", current_total)):
        if isinstance(total, bool) or not isinstance(total, int):
            raise ValueError(f"The {label} {instrument.short_name} total must be a whole number.")
        if not 0 <= total <= instrument.max_total:
            raise ValueError(
                f"The {label} {instrument.short_name} total must be from 0 to "
                f"{instrument.max_total}, not {total}."
            )

    absolute_change = current_total - baseline_total
    if baseline_total == 0:
        percent_change: float | None = None
    else:
        percent_change = absolute_change / baseline_total * 100
    rule = instrument.response
    response = None if rule is None else rule.met(baseline_total, current_total)
    remission = (
        None if instrument.remission_below is None else current_total < instrument.remission_below
    )
    return Change(
        instrument_id=instrument.id,
        baseline_total=baseline_total,
        current_total=current_total,
        absolute_change=absolute_change,
        percent_change=percent_change,
        response=response,
        remission=remission,
    )


def _check_answers(instrument: Instrument, answers: Mapping[int, int]) -> None:
    known = set(instrument.item_numbers)
    for number, value in answers.items():
        if number not in known:
            raise InvalidAnswer(
                gettext(
                    "The %(name)s has no question %(number)s.",
                    name=instrument.short_name,
                    number=number,
                ),
                item_number=number,
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not instrument.min_answer <= value <= instrument.max_answer
        ):
            raise InvalidAnswer(
                gettext("Question %(number)s needs one of the answers shown.", number=number),
                item_number=number,
            )
    missing = tuple(number for number in instrument.item_numbers if number not in answers)
    if missing:
        raise IncompleteAnswers(missing)


def _missing_message(missing: tuple[int, ...]) -> str:
    if len(missing) == 1:
        return str(gettext("Question %(number)s has no answer yet.", number=missing[0]))
    return str(
        gettext(
            "Questions %(numbers)s and %(last)s have no answer yet.",
            numbers=", ".join(str(number) for number in missing[:-1]),
            last=missing[-1],
        )
    )


def load_from(directory: Path) -> None:
    """Read the questionnaires from `directory` (checked now, so a bad file stops the
    app at start-up rather than at a patient's first answer)."""
    global _directory
    _directory = Path(directory)
    _load_instruments.cache_clear()
    _load_instruments()


def instruments() -> tuple[Instrument, ...]:
    """Every questionnaire, in the order the mood page lists them."""
    return tuple(_load_instruments().values())


def instrument_ids() -> tuple[str, ...]:
    return tuple(_load_instruments())


@cache
def _load_instruments() -> dict[str, Instrument]:
    found: list[Instrument] = []
    for path in sorted(_directory.glob("*.json")):
        with path.open(encoding="utf-8") as handle:
            data = json.load(handle)
        instrument = _instrument_from_data(data)
        if instrument.id != path.stem:
            raise InstrumentDataError(f"{path.name} declares id {instrument.id!r}.")
        _check_instrument(instrument)
        found.append(instrument)
    if not found:
        raise InstrumentDataError(f"No questionnaire in {_directory}.")
    return {i.id: i for i in sorted(found, key=lambda i: (i.order, i.id))}


def _options(raw: list[dict[str, Any]]) -> tuple[AnswerOption, ...]:
    return tuple(AnswerOption(value=int(o["value"]), label=str(o["label"])) for o in raw)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _instrument_from_data(data: dict[str, Any]) -> Instrument:
    try:
        return Instrument(
            id=str(data["id"]),
            name=str(data["name"]),
            short_name=str(data["short_name"]),
            version=str(data["version"]),
            order=int(data["order"]),
            topic=str(data["topic"]),
            reminded=bool(data["reminded"]),
            optional=bool(data["optional"]),
            instructions=str(data["instructions"]),
            stem=_optional_str(data["stem"]),
            items=tuple(Item(number=int(i["number"]), text=str(i["text"])) for i in data["items"]),
            answer_scale=_options(data["answer_scale"]),
            bands=tuple(
                Band(
                    low=int(b["min"]),
                    high=int(b["max"]),
                    label=str(b["label"]),
                    note=_optional_str(b["note"]),
                )
                for b in data["bands"]
            ),
            safety_item=_optional_int(data["safety_item"]),
            remission_below=_optional_int(data["remission_below"]),
            supplementary_questions=tuple(
                SupplementaryQuestion(
                    id=str(q["id"]),
                    text=str(q["text"]),
                    options=_options(q["options"]),
                    scored=bool(q["scored"]),
                    optional=bool(q["optional"]),
                )
                for q in data["supplementary_questions"]
            ),
            screening_note=str(data["screening_note"]),
            copyright=str(data["source"]["copyright"]),
            reference=str(data["source"]["reference"]),
            window_days=int(data["window_days"]),
            response=None
            if data["response"] is None
            else ResponseRule(
                kind=str(data["response"]["kind"]),
                value=int(data["response"]["value"]),
                source=str(data["response"]["source"]),
            ),
            codes=_codes(data.get("codes")),
            translations=dict(data.get("languages", {})),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InstrumentDataError(f"Instrument data is malformed: {error!r}") from error


def _translated_question(
    question: SupplementaryQuestion, words: Mapping[str, Any] | None
) -> SupplementaryQuestion:
    if not words:
        return question
    options = {str(k): str(v) for k, v in words["options"].items()}
    return replace(
        question,
        text=str(words["text"]),
        options=tuple(replace(o, label=options[str(o.value)]) for o in question.options),
    )


def _by_number(codes: Mapping[str, Any]) -> dict[int, str]:
    return {int(key): str(code) for key, code in codes.items()}


def _codes(data: Mapping[str, Any] | None) -> Codes | None:
    if data is None:
        return None
    return Codes(
        system=str(data["system"]),
        panel=Coding(str(data["panel"]["code"]), str(data["panel"]["display"])),
        total=Coding(str(data["total"]["code"]), str(data["total"]["display"])),
        items=_by_number(data["items"]),
        answers=_by_number(data["answers"]),
        supplementary={
            str(qid): (str(q["code"]), _by_number(q["answers"]))
            for qid, q in data["supplementary"].items()
        },
        source=str(data["source"]),
    )


def _check_instrument(instrument: Instrument) -> None:
    """Refuse data that would make ``score`` give a wrong or missing band."""
    name = instrument.short_name
    if instrument.item_numbers != tuple(range(1, len(instrument.items) + 1)):
        raise InstrumentDataError(f"{name} items must be numbered 1 to {len(instrument.items)}.")
    values = tuple(option.value for option in instrument.answer_scale)
    if values != tuple(range(len(values))):
        raise InstrumentDataError(f"{name} answer values must run 0, 1, 2, ... in order.")
    expected_low = 0
    for band in instrument.bands:
        if band.low != expected_low or band.high < band.low:
            raise InstrumentDataError(f"{name} bands must be contiguous from 0 without overlap.")
        expected_low = band.high + 1
    if expected_low - 1 != instrument.max_total:
        raise InstrumentDataError(f"{name} bands must end at the maximum total.")
    if instrument.safety_item is not None and instrument.safety_item not in instrument.item_numbers:
        raise InstrumentDataError(f"{name} safety item is not one of its items.")
    if not 1 <= instrument.window_days <= 366:
        raise InstrumentDataError(f"{name} window_days must be from 1 to 366 days.")
    rule = instrument.response
    if rule is not None:
        if rule.kind not in RESPONSE_KINDS:
            raise InstrumentDataError(
                f"{name} response kind must be one of {', '.join(RESPONSE_KINDS)}."
            )
        if rule.value < 1 or (rule.kind == "drop_percent" and rule.value > 100):
            raise InstrumentDataError(f"{name} response value is out of range.")
        if not rule.source.strip():
            raise InstrumentDataError(f"{name} response needs its source.")
    for language in instrument.translations:
        try:
            worded = instrument.in_language(language)
        except (KeyError, TypeError, ValueError) as error:
            raise InstrumentDataError(
                f"{name} {language} wording is incomplete: {error!r}"
            ) from error
        if worded.language != language:
            raise InstrumentDataError(f"{name} {language} wording is empty.")
    codes = instrument.codes
    if codes is not None:
        scale = {option.value for option in instrument.answer_scale}
        questions = {q.id: q for q in instrument.supplementary_questions}
        if not set(codes.items) <= set(instrument.item_numbers) or not set(codes.answers) <= scale:
            raise InstrumentDataError(f"{name} codes name an item or answer it does not have.")
        for qid, (_code, answers) in codes.supplementary.items():
            question = questions.get(qid)
            if question is None or not set(answers) <= {o.value for o in question.options}:
                raise InstrumentDataError(f"{name} codes name a question it does not have.")
