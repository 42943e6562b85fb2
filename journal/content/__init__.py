"""Preparation and integration content, read from ``journal/content`` into frozen dataclasses.

The checklists, integration prompts, self-check, intention questions and after-effect
scale are data, not code, because clinics adapt them and edit the files by hand.
Every loader therefore validates what it reads and fails with a :class:`ContentError`
(a ``ValueError``) that names the file and the item, so a typo stops the app at
start-up instead of silently dropping a fasting reminder.

Checklists and prompt sets are versioned: every JSON file in ``content/checklists``
(or ``content/prompts``) carries an ``id`` and an integer ``version``. The file name
does not matter; keeping an old version beside a new one (``default.v1.json`` next
to ``default.json`` holding version 2) lets plans made earlier be read again.
Keys starting with ``_`` are comments and are ignored.

Each file may carry its wording in other languages under ``languages``: for a code
such as ``"es"``, the same word fields (title, label, text, detail, description, hint,
intro, privacy, outro, settings_reason) with lists given as objects by ``key``. A
language must word every entry the English has; keys and values never change with
the language. The loaders take ``language`` (default ``"en"``) and hand back the
content in that language where the file has it, else in English.

Pure: no Flask, no database. Results are cached per path; call
:func:`clear_content_cache` after editing a file in a running process.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Final, TypeVar

__all__ = [
    "AFTER_EFFECT_INPUTS",
    "AUDIENCES",
    "CONTENT_DIR",
    "INTENTION_STAGES",
    "ROUTES",
    "ROUTE_LABELS",
    "SETTINGS",
    "SETTING_LABELS",
    "AfterEffectKind",
    "AfterEffects",
    "Checklist",
    "ChecklistItem",
    "ContentError",
    "IntentionQuestion",
    "IntentionQuestions",
    "IntentionStage",
    "Phase",
    "Prompt",
    "PromptSet",
    "PromptSlot",
    "Route",
    "SelfCheck",
    "SelfCheckAnswer",
    "SelfCheckItem",
    "Severity",
    "clear_content_cache",
    "load_after_effects",
    "load_checklist",
    "load_intention_questions",
    "load_prompt_set",
    "load_self_check",
    "read_checklist",
    "read_prompt_set",
    "route",
    "route_labels",
    "setting_labels",
]

CONTENT_DIR: Final = Path(__file__).resolve().parent.parent / "content"

AUDIENCES: Final = ("patient", "sitter")
INTENTION_STAGES: Final = ("early", "later", "maintenance")
AFTER_EFFECT_INPUTS: Final = ("severity", "reading", "severity_and_text")

# Checklist items sit around one appointment; a week either way catches a slipped
# sign (-14400 for -1440) without forbidding a clinic's "the week before" item.
_CHECKLIST_OFFSET_LIMIT: Final = 7 * 24 * 60
_PROMPT_OFFSET_LIMIT: Final = 90 * 24 * 60
_KEY_PATTERN: Final = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


class ContentError(ValueError):
    """A content file is missing, unreadable or breaks the shape the app relies on."""


# --- dataclasses -------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A route of administration: one entry of ``routes.json``."""

    key: str
    label: str
    settings: tuple[str, ...]
    """Where a session by this route may take place, as the label allows."""
    session_minutes: int
    """How long a session runs; the "right after" prompts count from its end."""
    settings_reason: str = ""
    """Why only those settings, in words for the patient (shown when one is refused)."""

    def allows(self, setting: str) -> bool:
        return setting in self.settings


@dataclass(frozen=True)
class Phase:
    key: str
    label: str
    window_minutes: int
    """How long before an item's due time it already counts as "due now"."""


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    text: str
    detail: str | None
    routes: frozenset[str]
    settings: frozenset[str]
    phase: str
    offset_minutes: int
    audience: str

    def applies_to(self, route: str, setting: str) -> bool:
        return route in self.routes and setting in self.settings


@dataclass(frozen=True)
class Checklist:
    id: str
    version: int
    title: str
    phases: tuple[Phase, ...]
    items: tuple[ChecklistItem, ...]
    translations: Mapping[str, Mapping[str, Any]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    """The file's ``languages``, by code (see :meth:`in_language`)."""

    def in_language(self, language: str) -> Checklist:
        """The same content worded in ``language`` where the file has it; else this one."""
        words = self.translations.get(language)
        return _worded(self, words) if words else self

    def phase(self, key: str) -> Phase:
        for phase in self.phases:
            if phase.key == key:
                return phase
        raise KeyError(key)


@dataclass(frozen=True)
class PromptSlot:
    key: str
    label: str
    description: str | None


@dataclass(frozen=True)
class Prompt:
    key: str
    text: str
    hint: str | None
    slot: str
    offset_minutes: int
    """Minutes from the session START (see :attr:`PromptSet.session_minutes`)."""
    window_minutes: int
    """How long the prompt counts as "due now"; it stays answerable afterwards."""


@dataclass(frozen=True)
class PromptSet:
    id: str
    version: int
    anchor: str
    """Always ``"session_start"``: offsets count from when the session starts."""
    session_minutes: int
    """The session length the offsets were written for; the planner shifts for others."""
    slots: tuple[PromptSlot, ...]
    prompts: tuple[Prompt, ...]
    translations: Mapping[str, Mapping[str, Any]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    """The file's ``languages``, by code (see :meth:`in_language`)."""

    def in_language(self, language: str) -> PromptSet:
        """The same content worded in ``language`` where the file has it; else this one."""
        words = self.translations.get(language)
        return _worded(self, words) if words else self

    def slot(self, key: str) -> PromptSlot:
        for slot in self.slots:
            if slot.key == key:
                return slot
        raise KeyError(key)


@dataclass(frozen=True)
class SelfCheckAnswer:
    key: str
    label: str


@dataclass(frozen=True)
class SelfCheckItem:
    key: str
    text: str
    detail: str | None


@dataclass(frozen=True)
class SelfCheck:
    version: int
    title: str
    intro: str
    privacy: str
    outro: str
    answers: tuple[SelfCheckAnswer, ...]
    items: tuple[SelfCheckItem, ...]
    translations: Mapping[str, Mapping[str, Any]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    """The file's ``languages``, by code (see :meth:`in_language`)."""

    def in_language(self, language: str) -> SelfCheck:
        """The same content worded in ``language`` where the file has it; else this one."""
        words = self.translations.get(language)
        return _worded(self, words) if words else self


@dataclass(frozen=True)
class IntentionQuestion:
    key: str
    text: str


@dataclass(frozen=True)
class IntentionStage:
    key: str
    label: str
    description: str | None
    questions: tuple[IntentionQuestion, ...]


@dataclass(frozen=True)
class IntentionQuestions:
    version: int
    intro: str
    stages: tuple[IntentionStage, ...]
    translations: Mapping[str, Mapping[str, Any]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    """The file's ``languages``, by code (see :meth:`in_language`)."""

    def in_language(self, language: str) -> IntentionQuestions:
        """The same content worded in ``language`` where the file has it; else this one."""
        words = self.translations.get(language)
        return _worded(self, words) if words else self

    def stage(self, key: str) -> IntentionStage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise KeyError(key)


@dataclass(frozen=True)
class AfterEffectKind:
    key: str
    label: str
    hint: str | None
    input: str
    """``severity``, ``reading`` (blood pressure numbers) or ``severity_and_text``."""


@dataclass(frozen=True)
class Severity:
    key: str
    label: str
    value: int
    hint: str | None


@dataclass(frozen=True)
class AfterEffects:
    version: int
    intro: str
    kinds: tuple[AfterEffectKind, ...]
    severities: tuple[Severity, ...]
    translations: Mapping[str, Mapping[str, Any]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    """The file's ``languages``, by code (see :meth:`in_language`)."""

    def in_language(self, language: str) -> AfterEffects:
        """The same content worded in ``language`` where the file has it; else this one."""
        words = self.translations.get(language)
        return _worded(self, words) if words else self


# --- public loaders ----------------------------------------------------------------


def load_checklist(
    version: int | None = None,
    *,
    checklist_id: str = "default",
    directory: Path | None = None,
    language: str = "en",
) -> Checklist:
    """The checklist ``checklist_id`` at ``version``, or its newest version."""
    folder = directory if directory is not None else CONTENT_DIR / "checklists"
    found = _pick_version(_checklists_in(folder), checklist_id, version, folder, "checklist")
    return found.in_language(language)


def load_prompt_set(
    version: int | None = None,
    *,
    prompt_set_id: str = "default",
    directory: Path | None = None,
    language: str = "en",
) -> PromptSet:
    """The prompt set ``prompt_set_id`` at ``version``, or its newest version."""
    folder = directory if directory is not None else CONTENT_DIR / "prompts"
    found = _pick_version(_prompt_sets_in(folder), prompt_set_id, version, folder, "prompt set")
    return found.in_language(language)


def load_self_check(path: Path | None = None, *, language: str = "en") -> SelfCheck:
    found = _cached_self_check(path if path is not None else CONTENT_DIR / "self_check.json")
    return found.in_language(language)


def load_intention_questions(
    path: Path | None = None, *, language: str = "en"
) -> IntentionQuestions:
    found = _cached_intentions(path if path is not None else CONTENT_DIR / "intentions.json")
    return found.in_language(language)


def load_after_effects(path: Path | None = None, *, language: str = "en") -> AfterEffects:
    found = _cached_after_effects(path if path is not None else CONTENT_DIR / "after_effects.json")
    return found.in_language(language)


def read_checklist(path: Path) -> Checklist:
    """Read and validate one checklist file, bypassing the cache."""
    return _parse_checklist(_read_json(path))


def read_prompt_set(path: Path) -> PromptSet:
    """Read and validate one prompt-set file, bypassing the cache."""
    return _parse_prompt_set(_read_json(path))


def clear_content_cache() -> None:
    for cached in (
        _checklists_in,
        _prompt_sets_in,
        _cached_self_check,
        _cached_intentions,
        _cached_after_effects,
    ):
        cached.cache_clear()


# --- caching and versions ----------------------------------------------------------


@cache
def _checklists_in(directory: Path) -> Mapping[tuple[str, int], Checklist]:
    return _index_versions(directory, read_checklist)


@cache
def _prompt_sets_in(directory: Path) -> Mapping[tuple[str, int], PromptSet]:
    return _index_versions(directory, read_prompt_set)


@cache
def _cached_self_check(path: Path) -> SelfCheck:
    return _parse_self_check(_read_json(path))


@cache
def _cached_intentions(path: Path) -> IntentionQuestions:
    return _parse_intentions(_read_json(path))


@cache
def _cached_after_effects(path: Path) -> AfterEffects:
    return _parse_after_effects(_read_json(path))


_Versioned = TypeVar("_Versioned", Checklist, PromptSet)


def _index_versions(
    directory: Path, read: Callable[[Path], _Versioned]
) -> Mapping[tuple[str, int], _Versioned]:
    if not directory.is_dir():
        raise ContentError(f"{directory}: content folder not found")
    found: dict[tuple[str, int], _Versioned] = {}
    origin: dict[tuple[str, int], Path] = {}
    for path in sorted(directory.glob("*.json")):
        content = read(path)
        ident = (content.id, content.version)
        if ident in found:
            raise ContentError(
                f"{path}: id {content.id!r} version {content.version} is also in {origin[ident]}"
            )
        found[ident] = content
        origin[ident] = path
    return types.MappingProxyType(found)


def _pick_version(
    index: Mapping[tuple[str, int], _Versioned],
    content_id: str,
    version: int | None,
    directory: Path,
    what: str,
) -> _Versioned:
    versions = sorted(v for (i, v) in index if i == content_id)
    if not versions:
        raise LookupError(f"{directory}: no {what} with id {content_id!r}")
    if version is None:
        return index[(content_id, versions[-1])]
    if version not in versions:
        raise LookupError(
            f"{directory}: {what} {content_id!r} has no version {version} "
            f"(found {', '.join(map(str, versions))})"
        )
    return index[(content_id, version)]


# --- validation --------------------------------------------------------------------


class _Fields:
    """One JSON object under validation; every error names the file and the item."""

    def __init__(self, raw: object, path: Path, where: str | None) -> None:
        self.path = path
        self.where = where
        if not isinstance(raw, dict):
            raise self.fail("expected a JSON object {...}")
        self.raw: dict[str, object] = raw

    def fail(self, problem: str) -> ContentError:
        place = f"{self.path}: {self.where}" if self.where else str(self.path)
        return ContentError(f"{place}: {problem}")

    def only(self, *allowed: str) -> None:
        unknown = sorted(k for k in self.raw if not k.startswith("_") and k not in allowed)
        if unknown:
            raise self.fail(
                f"unknown field {unknown[0]!r} (allowed: {', '.join(allowed)}; "
                "start a field with '_' for a comment)"
            )

    def text(self, name: str) -> str:
        value = self.optional_text(name)
        if value is None:
            raise self.fail(f"missing {name!r}")
        return value

    def optional_text(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{name!r} must be text")
        if not value.strip():
            raise self.fail(f"{name!r} is empty")
        return value.strip()

    def key(self, name: str = "key") -> str:
        value = self.text(name)
        if not _KEY_PATTERN.fullmatch(value):
            raise self.fail(
                f"{name} {value!r} must be lower-case letters and digits joined by - or _"
            )
        return value

    def integer(self, name: str, *, low: int, high: int) -> int:
        value = self.raw.get(name)
        if value is None:
            raise self.fail(f"missing {name!r}")
        # bool is an int in Python; "true" is never a sensible number of minutes.
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"{name!r} must be a whole number, not {value!r}")
        if not low <= value <= high:
            raise self.fail(f"{name!r} is {value}, outside {low}..{high}")
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.raw.get(name, default)
        if value not in allowed:
            raise self.fail(f"unknown {name} {value!r} (allowed: {', '.join(allowed)})")
        return str(value)

    def choices(self, name: str, allowed: tuple[str, ...], singular: str) -> frozenset[str]:
        """A list drawn from ``allowed``; absent, ``"all"`` or ``["all"]`` means all of them."""
        value = self.raw.get(name, "all")
        if value == "all" or value == ["all"]:
            return frozenset(allowed)
        if not isinstance(value, list) or not value:
            raise self.fail(f'{name!r} must be "all" or a non-empty list of {", ".join(allowed)}')
        for entry in value:
            if entry not in allowed:
                raise self.fail(f'unknown {singular} {entry!r} (use "all" or {", ".join(allowed)})')
        return frozenset(str(entry) for entry in value)

    def objects(self, name: str, label: str) -> list[_Fields]:
        value = self.raw.get(name)
        if not isinstance(value, list) or not value:
            raise self.fail(f"{name!r} must be a non-empty list")
        children = []
        for number, raw in enumerate(value, start=1):
            key = raw.get("key") if isinstance(raw, dict) else None
            where = f"{label} {key!r}" if isinstance(key, str) else f"{label} #{number}"
            if self.where:
                where = f"{self.where}, {where}"
            children.append(_Fields(raw, self.path, where))
        return children

    def unique(self, label: str, keys: Iterable[str]) -> None:
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                raise self.fail(f"duplicate {label} key {key!r}")
            seen.add(key)


def _read_json(path: Path) -> _Fields:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot read: {error}") from error
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ContentError(
            f"{path}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    return _Fields(raw, path, None)


def _version(doc: _Fields) -> int:
    return doc.integer("version", low=1, high=1_000_000)


def _parse_checklist(doc: _Fields) -> Checklist:
    doc.only("id", "version", "title", "phases", "items", "languages")
    phases = tuple(_parse_phase(f) for f in doc.objects("phases", "phase"))
    doc.unique("phase", (p.key for p in phases))
    phase_keys = tuple(p.key for p in phases)
    items = tuple(_parse_checklist_item(f, phase_keys) for f in doc.objects("items", "item"))
    doc.unique("item", (i.key for i in items))
    return _with_languages(
        doc,
        Checklist(
            id=doc.key("id"),
            version=_version(doc),
            title=doc.text("title"),
            phases=phases,
            items=items,
        ),
    )


def _parse_phase(f: _Fields) -> Phase:
    f.only("key", "label", "window_minutes")
    return Phase(
        key=f.key(),
        label=f.text("label"),
        window_minutes=f.integer("window_minutes", low=0, high=_CHECKLIST_OFFSET_LIMIT),
    )


def _parse_checklist_item(f: _Fields, phase_keys: tuple[str, ...]) -> ChecklistItem:
    f.only("key", "text", "detail", "routes", "settings", "audience", "phase", "offset_minutes")
    key = f.key()
    if "routes" not in f.raw:
        raise f.fail("missing 'routes' (\"all\" or a list of " + ", ".join(ROUTES) + ")")
    settings = f.choices("settings", SETTINGS, "setting")
    audience = f.choice("audience", AUDIENCES, default="patient")
    if audience == "sitter" and settings != {"home"}:
        raise f.fail('a sitter item needs "settings": ["home"]')
    phase = f.text("phase")
    if phase not in phase_keys:
        raise f.fail(f"unknown phase {phase!r} (phases: {', '.join(phase_keys)})")
    return ChecklistItem(
        key=key,
        text=f.text("text"),
        detail=f.optional_text("detail"),
        routes=f.choices("routes", ROUTES, "route"),
        settings=settings,
        phase=phase,
        offset_minutes=f.integer(
            "offset_minutes", low=-_CHECKLIST_OFFSET_LIMIT, high=_CHECKLIST_OFFSET_LIMIT
        ),
        audience=audience,
    )


def _parse_prompt_set(doc: _Fields) -> PromptSet:
    doc.only("id", "version", "anchor", "session_minutes", "slots", "prompts", "languages")
    anchor = doc.choice("anchor", ("session_start",), default="session_start")
    slots = tuple(_parse_prompt_slot(f) for f in doc.objects("slots", "slot"))
    doc.unique("slot", (s.key for s in slots))
    slot_keys = tuple(s.key for s in slots)
    prompts = tuple(_parse_prompt(f, slot_keys) for f in doc.objects("prompts", "prompt"))
    doc.unique("prompt", (p.key for p in prompts))
    return _with_languages(
        doc,
        PromptSet(
            id=doc.key("id"),
            version=_version(doc),
            anchor=anchor,
            session_minutes=doc.integer("session_minutes", low=1, high=24 * 60),
            slots=slots,
            prompts=prompts,
        ),
    )


def _parse_prompt_slot(f: _Fields) -> PromptSlot:
    f.only("key", "label", "description")
    return PromptSlot(
        key=f.key(), label=f.text("label"), description=f.optional_text("description")
    )


def _parse_prompt(f: _Fields, slot_keys: tuple[str, ...]) -> Prompt:
    f.only("key", "text", "hint", "slot", "offset_minutes", "window_minutes")
    key = f.key()
    slot = f.text("slot")
    if slot not in slot_keys:
        raise f.fail(f"unknown slot {slot!r} (slots: {', '.join(slot_keys)})")
    return Prompt(
        key=key,
        text=f.text("text"),
        hint=f.optional_text("hint"),
        slot=slot,
        offset_minutes=f.integer("offset_minutes", low=0, high=_PROMPT_OFFSET_LIMIT),
        window_minutes=f.integer("window_minutes", low=1, high=_PROMPT_OFFSET_LIMIT),
    )


def _parse_self_check(doc: _Fields) -> SelfCheck:
    doc.only("version", "title", "intro", "privacy", "outro", "answers", "items", "languages")
    answers = []
    for f in doc.objects("answers", "answer"):
        f.only("key", "label")
        answers.append(SelfCheckAnswer(key=f.key(), label=f.text("label")))
    doc.unique("answer", (a.key for a in answers))
    items = []
    for f in doc.objects("items", "item"):
        f.only("key", "text", "detail")
        items.append(
            SelfCheckItem(key=f.key(), text=f.text("text"), detail=f.optional_text("detail"))
        )
    doc.unique("item", (i.key for i in items))
    return _with_languages(
        doc,
        SelfCheck(
            version=_version(doc),
            title=doc.text("title"),
            intro=doc.text("intro"),
            privacy=doc.text("privacy"),
            outro=doc.text("outro"),
            answers=tuple(answers),
            items=tuple(items),
        ),
    )


def _parse_intentions(doc: _Fields) -> IntentionQuestions:
    doc.only("version", "intro", "stages", "languages")
    stages = []
    for f in doc.objects("stages", "stage"):
        f.only("key", "label", "description", "questions")
        key = f.key()
        if key not in INTENTION_STAGES:
            raise f.fail(f"unknown stage {key!r} (stages: {', '.join(INTENTION_STAGES)})")
        questions = []
        for q in f.objects("questions", "question"):
            q.only("key", "text")
            questions.append(IntentionQuestion(key=q.key(), text=q.text("text")))
        stages.append(
            IntentionStage(
                key=key,
                label=f.text("label"),
                description=f.optional_text("description"),
                questions=tuple(questions),
            )
        )
    doc.unique("stage", (s.key for s in stages))
    missing = [s for s in INTENTION_STAGES if s not in {stage.key for stage in stages}]
    if missing:
        raise doc.fail(f"missing stage {missing[0]!r}")
    doc.unique("question", (q.key for s in stages for q in s.questions))
    return _with_languages(
        doc,
        IntentionQuestions(version=_version(doc), intro=doc.text("intro"), stages=tuple(stages)),
    )


def _parse_after_effects(doc: _Fields) -> AfterEffects:
    doc.only("version", "intro", "kinds", "severity", "languages")
    kinds = []
    for f in doc.objects("kinds", "kind"):
        f.only("key", "label", "hint", "input")
        kinds.append(
            AfterEffectKind(
                key=f.key(),
                label=f.text("label"),
                hint=f.optional_text("hint"),
                input=f.choice("input", AFTER_EFFECT_INPUTS, default="severity"),
            )
        )
    doc.unique("kind", (k.key for k in kinds))
    severities = []
    for f in doc.objects("severity", "severity"):
        f.only("key", "label", "value", "hint")
        severities.append(
            Severity(
                key=f.key(),
                label=f.text("label"),
                value=f.integer("value", low=0, high=100),
                hint=f.optional_text("hint"),
            )
        )
    doc.unique("severity", (s.key for s in severities))
    values = [s.value for s in severities]
    if values != sorted(set(values)):
        raise doc.fail("severity values must be distinct and in increasing order")
    return _with_languages(
        doc,
        AfterEffects(
            version=_version(doc),
            intro=doc.text("intro"),
            kinds=tuple(kinds),
            severities=tuple(severities),
        ),
    )


# --- other languages ---------------------------------------------------------------

WORD_FIELDS: Final = (
    "title",
    "label",
    "text",
    "detail",
    "description",
    "hint",
    "intro",
    "privacy",
    "outro",
    "settings_reason",
)
# The file's name for a list where the dataclass field is named differently.
_FILE_NAMES: Final = {"severities": "severity"}
_FIELD_NAMES: Final = {file: name for name, file in _FILE_NAMES.items()}

_Worded = TypeVar("_Worded")


def _worded(content: _Worded, words: Mapping[str, Any]) -> _Worded:
    """``content`` with its word fields from ``words`` (lists given by ``key``)."""
    changes: dict[str, Any] = {}
    for name, value in words.items():
        field_name = _FIELD_NAMES.get(name, name)
        if isinstance(value, str):
            changes[field_name] = value
        else:
            changes[field_name] = tuple(
                _worded(part, value[part.key]) if part.key in value else part
                for part in getattr(content, field_name)
            )
    return replace(content, **changes)  # type: ignore[type-var]


def missing_words(content: object, words: Mapping[str, Any], where: str = "") -> list[str]:
    """The word fields of ``content`` that ``words`` leaves out, as dotted paths."""
    missing: list[str] = []
    for f in fields(content):  # type: ignore[arg-type]
        value = getattr(content, f.name)
        file_name = _FILE_NAMES.get(f.name, f.name)
        if f.name in WORD_FIELDS and isinstance(value, str) and value:
            given = words.get(file_name)
            if not isinstance(given, str) or not given.strip():
                missing.append(where + file_name)
        elif isinstance(value, tuple) and value and is_dataclass(value[0]):
            group = words.get(file_name)
            for part in value:
                part_words = group.get(part.key) if isinstance(group, Mapping) else None
                missing.extend(
                    missing_words(
                        part,
                        part_words if isinstance(part_words, Mapping) else {},
                        f"{where}{file_name}.{part.key}.",
                    )
                )
    return missing


def _languages(doc: _Fields) -> dict[str, Mapping[str, Any]]:
    raw = doc.raw.get("languages", {}) if isinstance(doc.raw, dict) else {}
    if not isinstance(raw, dict) or not all(
        isinstance(code, str) and isinstance(words, dict) for code, words in raw.items()
    ):
        raise doc.fail("'languages' must map a language code to its words")
    return raw


def _with_languages(doc: _Fields, content: _Worded) -> _Worded:
    """``content`` carrying the file's other languages, each checked complete."""
    languages = _languages(doc)
    for code, words in languages.items():
        missing = missing_words(content, words)
        if missing:
            raise doc.fail(f"{code} wording leaves out {missing[0]}")
        try:
            _worded(content, words)
        except (AttributeError, TypeError, ValueError) as error:
            raise doc.fail(f"{code} wording does not fit: {error!r}") from error
    return replace(content, translations=languages)  # type: ignore[type-var]


# --- routes of administration ------------------------------------------------------


def _parse_routes(doc: _Fields) -> tuple[tuple[Route, ...], dict[str, str]]:
    doc.only("version", "settings", "routes", "languages")
    _version(doc)
    settings: dict[str, str] = {}
    for f in doc.objects("settings", "setting"):
        f.only("key", "label")
        settings[f.key()] = f.text("label")
    doc.unique("setting", settings)
    routes = []
    for f in doc.objects("routes", "route"):
        f.only("key", "label", "settings", "session_minutes", "settings_reason")
        allowed = f.choices("settings", tuple(settings), "setting")
        if not allowed:
            raise f.fail("'settings' is empty: a route must be possible somewhere")
        routes.append(
            Route(
                key=f.key(),
                label=f.text("label"),
                # In the file's order: the first is the one the form suggests.
                settings=tuple(s for s in f.raw["settings"] if s in allowed)
                if isinstance(f.raw["settings"], list)
                else tuple(settings),
                session_minutes=f.integer("session_minutes", low=15, high=24 * 60),
                settings_reason=f.text("settings_reason") if "settings_reason" in f.raw else "",
            )
        )
    doc.unique("route", (r.key for r in routes))
    return tuple(routes), settings


# Read once at import: checklist items and prompts are validated against these keys.
_ROUTES_DOC: Final = _read_json(CONTENT_DIR / "routes.json")
_ROUTE_TABLE, SETTING_LABELS = _parse_routes(_ROUTES_DOC)
ROUTES: Final = tuple(r.key for r in _ROUTE_TABLE)
SETTINGS: Final = tuple(SETTING_LABELS)
ROUTE_LABELS: Final = {r.key: r.label for r in _ROUTE_TABLE}


@dataclass(frozen=True)
class _RouteWords:
    settings: tuple[Phase, ...]
    routes: tuple[Route, ...]
    translations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False)


_ROUTE_WORDS: Final = _with_languages(
    _ROUTES_DOC,
    _RouteWords(
        settings=tuple(Phase(key=k, label=v, window_minutes=0) for k, v in SETTING_LABELS.items()),
        routes=_ROUTE_TABLE,
    ),
)


def _route_words(language: str) -> _RouteWords:
    words = _languages(_ROUTES_DOC).get(language)
    return _worded(_ROUTE_WORDS, words) if words else _ROUTE_WORDS


def route(key: str, language: str = "en") -> Route:
    """The route `key`, worded in `language`; a KeyError for one not in routes.json."""
    for found in _route_words(language).routes:
        if found.key == key:
            return found
    raise KeyError(key)


def route_labels(language: str = "en") -> dict[str, str]:
    """Each route's label in `language` (English where routes.json has no wording)."""
    return {r.key: r.label for r in _route_words(language).routes}


def setting_labels(language: str = "en") -> dict[str, str]:
    """Each setting's label in `language` (English where routes.json has no wording)."""
    return {s.key: s.label for s in _route_words(language).settings}
