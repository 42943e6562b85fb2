"""Questionnaire results as a FHIR R4 `Bundle`, for a clinic's EHR to take in.

One `QuestionnaireResponse` per result (every item with its LOINC answer code where
the instrument's data file gives one, and its value always), one `Observation` per
result (the total, coded with the instrument's LOINC total score and derived from the
response), and the `Questionnaire` each one answers, so the file stands on its own.

What leaves is results only: no free text of the patient, no name, email or account
id (an EHR attaches the file to the chart the clinician opened), and ids that are the
results' own random UUIDs. The patient downloads all of theirs; a linked therapist
only what the patient shared, and the access log says so (`shared_results`).
Built as plain dicts so the app needs no FHIR library; the tests validate the output
with the `fhir.resources` R4B models.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from journal.care import access_log, sharing
from journal.care.access import shared_records
from journal.core import crypto
from journal.core.integrity import log_unopened
from journal.models.sharing import CareLink, Share
from journal.models.users import User
from journal.mood import measures, scoring
from journal.mood.scoring import Instrument

MEDIA_TYPE: Final = "application/fhir+json"
# Our own namespace for what no published terminology codes: the questionnaires'
# canonical URLs, and the answers of an instrument whose file gives no LOINC answers.
CANONICAL: Final = "urn:fresh-tracks:fhir"
_IDS: Final = uuid.UUID("6f1c3f0e-2b7a-4d55-9a43-0d6f3c1e8a21")
SURVEY: Final = {
    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
    "code": "survey",
    "display": "Survey",
}
ORDINAL: Final = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
EXPORT_VIA: Final = "fhir-export"


class Answered(Protocol):
    """What the export reads of a result: the patient's own `ResultView`, or one
    rebuilt from what they shared (`_from_shared`)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def instrument_id(self) -> str: ...
    @property
    def taken_at(self) -> datetime: ...
    @property
    def answers(self) -> Mapping[int, int]: ...
    @property
    def supplementary(self) -> Mapping[str, int]: ...
    @property
    def total(self) -> int: ...
    @property
    def band(self) -> str: ...
    @property
    def language(self) -> str: ...


@dataclass(frozen=True)
class _Shared:
    id: uuid.UUID
    instrument_id: str
    taken_at: datetime
    answers: Mapping[int, int]
    supplementary: Mapping[str, int]
    total: int
    band: str
    language: str


def canonical(instrument: Instrument) -> str:
    return f"{CANONICAL}:Questionnaire:{instrument.id}"


def _answer_system(instrument: Instrument) -> str:
    return f"{CANONICAL}:CodeSystem:{instrument.id}-answers"


def _instant(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def _coding(
    instrument: Instrument, codes: Mapping[int, str], value: int, label: str
) -> dict[str, str]:
    """An answer's coding: LOINC's answer code where the file gives one, otherwise
    the value in our own per-instrument system (the ordinal is in the Questionnaire)."""
    assert instrument.codes is not None or not codes
    if value in codes and instrument.codes is not None:
        return {"system": instrument.codes.system, "code": codes[value], "display": label}
    return {"system": _answer_system(instrument), "code": str(value), "display": label}


def _options(
    instrument: Instrument, options: Sequence[scoring.AnswerOption], codes: Mapping[int, str]
) -> list[dict[str, Any]]:
    return [
        {
            "extension": [{"url": ORDINAL, "valueDecimal": option.value}],
            "valueCoding": _coding(instrument, codes, option.value, option.label),
        }
        for option in options
    ]


def _answer_codes(instrument: Instrument) -> Mapping[int, str]:
    return instrument.codes.answers if instrument.codes else {}


def _question_code(instrument: Instrument, code: str | None) -> list[dict[str, str]]:
    if code is None or instrument.codes is None:
        return []
    return [{"system": instrument.codes.system, "code": code}]


def _supplementary_codes(instrument: Instrument, qid: str) -> tuple[str | None, Mapping[int, str]]:
    if instrument.codes is None or qid not in instrument.codes.supplementary:
        return None, {}
    return instrument.codes.supplementary[qid]


def questionnaire(instrument: Instrument) -> dict[str, Any]:
    """The questionnaire as published: its wording, answers and their ordinal values."""
    items: list[dict[str, Any]] = []
    scale = _options(instrument, instrument.answer_scale, _answer_codes(instrument))
    for item in instrument.items:
        code = instrument.codes.items.get(item.number) if instrument.codes else None
        entry: dict[str, Any] = {
            "linkId": str(item.number),
            "prefix": f"{item.number}.",
            "text": item.text,
            "type": "choice",
            "required": True,
            "answerOption": scale,
        }
        if code_list := _question_code(instrument, code):
            entry["code"] = code_list
        items.append(entry)
    for question in instrument.supplementary_questions:
        code, answers = _supplementary_codes(instrument, question.id)
        entry = {
            "linkId": question.id,
            "text": question.text,
            "type": "choice",
            "required": not question.optional,
            "answerOption": _options(instrument, question.options, answers),
        }
        if code_list := _question_code(instrument, code):
            entry["code"] = code_list
        items.append(entry)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "url": canonical(instrument),
        "version": instrument.version,
        "name": instrument.short_name.replace("-", ""),
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "copyright": instrument.copyright,
        "description": instrument.instructions,
        "item": items,
    }
    if instrument.codes is not None:
        resource["code"] = [
            {
                "system": instrument.codes.system,
                "code": instrument.codes.panel.code,
                "display": instrument.codes.panel.display,
            }
        ]
    return resource


def _labels(options: Sequence[scoring.AnswerOption]) -> dict[int, str]:
    return {option.value: option.label for option in options}


def response(result: Answered) -> dict[str, Any]:
    """One completed questionnaire: every answer with its code and its ordinal value."""
    instrument = scoring.get_instrument(result.instrument_id)
    labels = _labels(instrument.answer_scale)
    items: list[dict[str, Any]] = []
    for item in instrument.items:
        value = result.answers[item.number]
        items.append(
            {
                "linkId": str(item.number),
                "text": item.text,
                "answer": [
                    {
                        "valueCoding": _coding(
                            instrument, _answer_codes(instrument), value, labels[value]
                        )
                    }
                ],
            }
        )
    for question in instrument.supplementary_questions:
        if question.id not in result.supplementary:
            continue
        value = result.supplementary[question.id]
        _code, answers = _supplementary_codes(instrument, question.id)
        items.append(
            {
                "linkId": question.id,
                "text": question.text,
                "answer": [
                    {
                        "valueCoding": _coding(
                            instrument, answers, value, _labels(question.options)[value]
                        )
                    }
                ],
            }
        )
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(result.id),
        # The language the questions were asked in (the item text below is the
        # published English wording either way; the answers mean the same).
        "language": result.language,
        "identifier": {"system": f"{CANONICAL}:result", "value": str(result.id)},
        "questionnaire": f"{canonical(instrument)}|{instrument.version}",
        "status": "completed",
        "authored": _instant(result.taken_at),
        "item": items,
    }


def _observation_id(result: Answered) -> uuid.UUID:
    return uuid.uuid5(_IDS, f"total:{result.id}")


def observation(result: Answered) -> dict[str, Any]:
    """The total score, coded as the instrument's LOINC total, from the response."""
    instrument = scoring.get_instrument(result.instrument_id)
    code: dict[str, Any] = {"text": f"{instrument.short_name} total score"}
    if instrument.codes is not None:
        code["coding"] = [
            {
                "system": instrument.codes.system,
                "code": instrument.codes.total.code,
                "display": instrument.codes.total.display,
            }
        ]
    return {
        "resourceType": "Observation",
        "id": str(_observation_id(result)),
        "status": "final",
        "category": [{"coding": [SURVEY]}],
        "code": code,
        "effectiveDateTime": _instant(result.taken_at),
        "valueInteger": result.total,
        # The band in words, as the scoring instructions name it; not a diagnosis.
        "interpretation": [{"text": result.band}],
        "derivedFrom": [{"reference": f"urn:uuid:{result.id}"}],
    }


def bundle(results: Sequence[Answered], now: datetime) -> dict[str, Any]:
    """A `collection` Bundle: the questionnaires used, then per result (oldest first)
    its response and its total."""
    ordered = sorted(results, key=lambda r: (r.taken_at, str(r.id)))
    used: dict[str, Instrument] = {}
    for result in ordered:
        used.setdefault(result.instrument_id, scoring.get_instrument(result.instrument_id))
    entries: list[dict[str, Any]] = []
    for instrument in used.values():
        key = uuid.uuid5(_IDS, f"{canonical(instrument)}|{instrument.version}")
        resource = {"id": str(key), **questionnaire(instrument)}
        entries.append({"fullUrl": f"urn:uuid:{key}", "resource": resource})
    for result in ordered:
        entries.append({"fullUrl": f"urn:uuid:{result.id}", "resource": response(result)})
        entries.append(
            {"fullUrl": f"urn:uuid:{_observation_id(result)}", "resource": observation(result)}
        )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(now),
        "entry": entries,
    }


def within(results: Sequence[Answered], start: datetime, end: datetime) -> list[Answered]:
    return [r for r in results if start <= r.taken_at < end]


def own_results(user: User, udk: bytes, start: datetime, end: datetime) -> list[Answered]:
    """The patient's own results taken in [start, end)."""
    return within(measures.results_of(user, udk), start, end)


def _from_shared(content: Mapping[str, Any], record_id: uuid.UUID) -> _Shared:
    return _Shared(
        id=record_id,
        instrument_id=str(content["instrument"]),
        taken_at=content["taken_at"],
        answers={int(a["number"]): int(a["value"]) for a in content["answers"]},
        supplementary={str(s["id"]): int(s["value"]) for s in content["supplementary"]},
        total=int(content["total"]),
        band=str(content["band"]),
        language=str(content.get("language", "en")),
    )


def shared_results(
    therapist: User, udk: bytes, link: CareLink, start: datetime, end: datetime
) -> tuple[list[Answered], int]:
    """The results this patient shared with this therapist, taken in [start, end),
    and how many shared ones could not be verified (left out, logged). One access-log
    row names the export and how many results it carried; the caller commits.

    `link` comes from `access.linked_patient`, so another therapist's patient never
    gets this far (404, logged there)."""
    pairs = shared_records(therapist, link, Share.record_table == measures.TABLE)
    verifier = sharing.ShareVerifier(therapist, udk)
    found: list[Answered] = []
    unverified = 0
    for share, record in pairs:
        if not start <= record.taken_at < end:
            continue
        try:
            item = sharing.read_shared(
                therapist, udk, share, record, via=EXPORT_VIA, verifier=verifier, log=False
            )
        except crypto.IntegrityFailure:
            log_unopened(share.record_table, share.record_id)
            unverified += 1
            continue
        found.append(_from_shared(item.content, record.id))
    access_log.record_batch(therapist, link.patient_id, len(found), EXPORT_VIA)
    return found, unverified
