"""A therapist's adaptation of the preparation checklist for one patient.

The therapist starts from the clinic's default list (`journal/content/checklists`):
keeps or removes each item, rewords it, moves it to another of the known timings, and
adds items of their own. What they save is sealed for the patient (`adaptations`);
when the patient next plans a session, its checklist is made from it unless they
choose the defaults. Every value is checked here, on saving and again on opening:
text is required and short, timings come from a fixed menu of the checklist's phases,
routes and settings from the known ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from journal.care import access, adaptations, care, sharing
from journal.care import adaptation_rows as rows_
from journal.care.adaptations import AdaptationKind
from journal.content import (
    AUDIENCES,
    ROUTES,
    SETTINGS,
    Checklist,
    ChecklistItem,
    route,
    route_labels,
)
from journal.content import load_checklist as load_default
from journal.core import crypto
from journal.core.integrity import log_unopened
from journal.core.translatable import N_, language
from journal.dosing import kap_sessions
from journal.dosing.checklists import ChecklistSnapshot
from journal.models.kap_sessions import SessionStatus
from journal.models.sharing import CareLink, Share
from journal.models.types import utcnow
from journal.models.users import User

KIND: Final = "checklist"
TEXT_MAX: Final = 200
DETAIL_MAX: Final = 600
MAX_ITEMS: Final = 80
MAX_ROWS: Final = 120
# Timings a therapist may choose, besides those the default list uses: (phase, minutes
# from the appointment's start). Each stays inside its phase's meaning.
_EXTRA_TIMINGS: Final = (
    ("day_before", -1440),
    ("six_hours_before", -360),
    ("two_hours_before", -120),
    ("just_before", -60),
    ("just_before", -45),
    ("just_before", -30),
    ("just_before", -15),
    ("just_before", -10),
    ("just_before", -5),
    ("after", 0),
    ("after", 30),
    ("after", 40),
    ("after", 60),
    ("after", 120),
)


def _human(minutes: int) -> str:
    """An offset in the page's language: "30 min before", "2 h after the start"."""
    if minutes == 0:
        return str(gettext("at the start"))
    size = abs(minutes)
    if size % 60 == 0:
        amount = str(gettext("%(hours)d h", hours=size // 60))
    else:
        amount = str(gettext("%(minutes)d min", minutes=size))
    if minutes < 0:
        return str(gettext("%(amount)s before", amount=amount))
    return str(gettext("%(amount)s after the start", amount=amount))


@dataclass(frozen=True)
class Timing:
    value: str
    phase: str
    offset_minutes: int
    label: str


def timings(default: Checklist | None = None) -> list[Timing]:
    """The menu: every (phase, offset) the default list uses plus the usual ones,
    earliest first, each labelled in the patient's words ("Just before: 30 min before")."""
    content = default or load_default(language=language())
    phase_keys = {p.key for p in content.phases}
    pairs = {(i.phase, i.offset_minutes) for i in content.items}
    pairs |= {p for p in _EXTRA_TIMINGS if p[0] in phase_keys}
    found = []
    for phase_key, minutes in sorted(pairs, key=lambda p: (p[1], p[0])):
        phase = content.phase(phase_key)
        human = _human(minutes)
        label = phase.label if phase.label.lower() == human else f"{phase.label}: {human}"
        found.append(Timing(f"{phase_key}:{minutes}", phase_key, minutes, label))
    return found


# -- the form -------------------------------------------------------------------------------


@dataclass
class Row:
    """One item as the form shows and posts it. `new` rows are the therapist's own."""

    key: str = ""
    keep: bool = True
    text: str = ""
    detail: str = ""
    timing: str = ""
    routes: tuple[str, ...] = ROUTES
    settings: tuple[str, ...] = SETTINGS
    audience: str = "patient"
    new: bool = False
    original: str = ""

    @property
    def blank(self) -> bool:
        return self.new and not self.text and not self.detail

    @property
    def route_labels(self) -> str:
        if set(self.routes) >= set(ROUTES):
            return str(gettext("every route"))
        labels = route_labels(language())
        return ", ".join(labels.get(r, r) for r in self.routes)

    @property
    def where(self) -> str:
        if self.audience == "sitter":
            return N_("for the sitter, at home")
        if tuple(self.settings) == ("clinic",):
            return N_("at the clinic")
        if tuple(self.settings) == ("home",):
            return N_("at home")
        return ""


# The limits a clinic may set for an at-home troche: a reading above either means
# "call us before dosing". Plausible cuff values only; the app never sets one itself.
BP_SYSTOLIC: Final = (100, 220)
BP_DIASTOLIC: Final = (60, 130)


@dataclass(frozen=True)
class BloodPressureRule:
    """The clinic's own rule for at-home readings: call before dosing above these."""

    systolic: int | None
    diastolic: int | None
    set_by: str = ""

    def beyond(self, systolic: int | None, diastolic: int | None) -> bool:
        top = self.systolic is not None and systolic is not None and systolic > self.systolic
        bottom = self.diastolic is not None and diastolic is not None and diastolic > self.diastolic
        return top or bottom

    @property
    def words(self) -> str:
        parts = []
        if self.systolic is not None:
            parts.append(f"the top number is above {self.systolic}")
        if self.diastolic is not None:
            parts.append(f"the bottom number is above {self.diastolic}")
        return " or ".join(parts)


def _bp_rule(data: Mapping[str, Any]) -> BloodPressureRule | None:
    raw = data.get("bp_rule")
    if not isinstance(raw, dict):
        return None
    values: dict[str, int | None] = {}
    for name, (low, high) in (("systolic", BP_SYSTOLIC), ("diastolic", BP_DIASTOLIC)):
        value = raw.get(name)
        values[name] = value if isinstance(value, int) and low <= value <= high else None
    if values["systolic"] is None and values["diastolic"] is None:
        return None
    return BloodPressureRule(values["systolic"], values["diastolic"])


@dataclass
class ChecklistAdaptationForm(rows_.RowsForm[Row]):
    bp_systolic: str = ""
    bp_diastolic: str = ""

    @property
    def timings(self) -> list[Timing]:
        return timings()

    @property
    def route_choices(self) -> list[tuple[str, str]]:
        labels = route_labels(language())
        return [(key, labels[key]) for key in ROUTES]

    @property
    def route_chips(self) -> list[tuple[str, str, str]]:
        """(key, label, settings it may be given in) for the page's route filter."""
        labels = route_labels(language())
        return [(key, labels[key], " ".join(route(key).settings)) for key in ROUTES]

    @classmethod
    def read(cls, posted: MultiDict[str, str]) -> ChecklistAdaptationForm:
        """Read the rows as typed, check every value, and build the data to seal."""
        menu = {t.value: t for t in timings()}
        rows, items, errors = rows_.read_rows(
            posted,
            MAX_ROWS,
            TEXT_MAX,
            lambda posted_row: _row_from(posted_row, posted),
            lambda row, p, seen, errs: _check_row(row, p, menu, seen, errs),
            Row,
        )
        if not items and "form" not in errors and not any(k.startswith("row-") for k in errors):
            errors["form"] = gettext("Keep at least one item: an empty checklist helps no one.")
        if len(items) > MAX_ITEMS:
            errors["form"] = gettext("Keep the list to %(max)s items or fewer.", max=MAX_ITEMS)
        form = cls(rows, errors)
        rule = _parse_bp_rule(posted, form)
        if form.valid:
            form.data = {"title": load_default().title, "items": items}
            if rule:
                form.data["bp_rule"] = rule
        return form


def _row_of(item: ChecklistItem | Mapping[str, Any]) -> Row:
    if isinstance(item, ChecklistItem):
        return Row(
            key=item.key,
            text=item.text,
            detail=item.detail or "",
            timing=f"{item.phase}:{item.offset_minutes}",
            routes=tuple(r for r in ROUTES if r in item.routes),
            settings=tuple(s for s in SETTINGS if s in item.settings),
            audience=item.audience,
            original=item.text,
        )
    return Row(
        key=str(item["key"]),
        text=str(item["text"]),
        detail=str(item.get("detail") or ""),
        timing=f"{item['phase']}:{item['offset_minutes']}",
        routes=tuple(r for r in ROUTES if r in item["routes"]),
        settings=tuple(s for s in SETTINGS if s in item["settings"]),
        audience=str(item["audience"]),
        original=str(item["text"]),
    )


def default_form() -> ChecklistAdaptationForm:
    return ChecklistAdaptationForm(
        rows_.with_blanks([_row_of(i) for i in load_default().items], Row)
    )


def form_from_data(data: Mapping[str, Any]) -> ChecklistAdaptationForm:
    """The saved list, then the clinic's items it left out (unticked, so one tick
    brings an item back), then empty rows."""
    saved = [_row_of(i) for i in _valid_items(data)]
    clinic = [_row_of(i) for i in load_default().items]
    rule = _bp_rule(data)
    return ChecklistAdaptationForm(
        rows_.with_blanks(rows_.with_saved_first(saved, clinic), Row),
        bp_systolic=str(rule.systolic) if rule and rule.systolic is not None else "",
        bp_diastolic=str(rule.diastolic) if rule and rule.diastolic is not None else "",
    )


def form_as_posted(form: ChecklistAdaptationForm) -> MultiDict[str, str]:
    """The form as a browser would post it unchanged (for the demo and the tests)."""
    posted = rows_.post_rows(form.rows, _own_fields)
    posted.add("bp_systolic", form.bp_systolic)
    posted.add("bp_diastolic", form.bp_diastolic)
    return posted


def _own_fields(row: Row) -> list[tuple[str, str]]:
    fields = [
        ("text", row.text),
        ("detail", row.detail),
        ("timing", row.timing),
        ("audience", row.audience),
    ]
    return fields + [("routes", r) for r in row.routes] + [("settings", s) for s in row.settings]


def _row_from(posted_row: rows_.PostedRow, posted: MultiDict[str, str]) -> Row:
    return Row(
        key=posted_row.key,
        keep=posted_row.keep,
        text=rows_.one_line(posted_row.field("text")),
        detail=rows_.one_line(posted_row.field("detail")),
        timing=posted_row.field("timing").strip(),
        routes=tuple(r for r in ROUTES if r in posted_row.fields("routes")),
        settings=tuple(s for s in SETTINGS if s in posted_row.fields("settings")),
        audience=posted.get(posted_row.prefix + "audience", "patient"),
        new=posted_row.new,
        original=posted_row.original,
    )


def _parse_bp_rule(posted: MultiDict[str, str], form: ChecklistAdaptationForm) -> dict[str, int]:
    """The optional blood-pressure limits, kept as typed; a plain message for a value
    that is not a plausible cuff reading."""
    form.bp_systolic = posted.get("bp_systolic", "").strip()[:8]
    form.bp_diastolic = posted.get("bp_diastolic", "").strip()[:8]
    rule: dict[str, int] = {}
    for name, typed, message, (low, high) in (
        (
            "systolic",
            form.bp_systolic,
            N_(
                "The top number (systolic) limit must be a whole number from %(low)s to "
                "%(high)s, or left empty for no limit."
            ),
            BP_SYSTOLIC,
        ),
        (
            "diastolic",
            form.bp_diastolic,
            N_(
                "The bottom number (diastolic) limit must be a whole number from %(low)s to "
                "%(high)s, or left empty for no limit."
            ),
            BP_DIASTOLIC,
        ),
    ):
        if not typed:
            continue
        if not typed.isdigit() or not low <= int(typed) <= high:
            form.errors[f"bp_{name}"] = gettext(message, low=low, high=high)
            continue
        rule[name] = int(typed)
    return rule


def _check_row(
    row: Row, p: str, menu: Mapping[str, Timing], seen: set[str], errors: dict[str, str]
) -> dict[str, Any] | None:
    problems_before = len(errors)
    if not row.text:
        errors[p + "text"] = (
            gettext("Write the item, or leave the whole row empty.")
            if row.new
            else gettext("Write the item, or untick “Keep” to remove it.")
        )
    elif len(row.text) > TEXT_MAX:
        errors[p + "text"] = gettext(
            "The item is %(n)s characters; keep it under %(max)s (the details can say more).",
            n=len(row.text),
            max=TEXT_MAX,
        )
    if len(row.detail) > DETAIL_MAX:
        errors[p + "detail"] = gettext(
            "The details are %(n)s characters; keep them under %(max)s.",
            n=len(row.detail),
            max=DETAIL_MAX,
        )
    timing = menu.get(row.timing)
    if timing is None:
        errors[p + "timing"] = gettext("Choose when the item is due.")
    if not row.routes:
        errors[p + "routes"] = gettext("Choose at least one way the medicine is given.")
    rows_.check_key(row, errors)
    if (
        not row.settings
        or row.audience not in AUDIENCES
        or (row.audience == "sitter" and row.settings != ("home",))
    ):
        errors.setdefault("form", gettext(rows_.DAMAGED))
    if len(errors) > problems_before or timing is None:
        return None
    key = rows_.stored_key(row, seen, errors)
    if key is None:
        return None
    return {
        "key": key,
        "text": row.text,
        "detail": row.detail or None,
        "routes": list(row.routes),
        "settings": list(row.settings),
        "audience": row.audience,
        "phase": timing.phase,
        "offset_minutes": timing.offset_minutes,
    }


def patient_route(therapist: User, udk: bytes, link: CareLink) -> str | None:
    """The route of the patient's next planned dosing session (else their latest one),
    among the sessions they shared with this therapist, so the form opens on that
    route's items; None when they shared none. Opening it is logged as a read."""
    pairs = access.shared_records(therapist, link, narrow=Share.record_table == kap_sessions.TABLE)
    if not pairs:
        return None
    since = utcnow() - kap_sessions.CURRENT_FOR
    coming = [p for p in pairs if p[1].status == SessionStatus.PLANNED and p[1].starts_at > since]
    share, record = (
        min(coming, key=lambda p: p[1].starts_at)
        if coming
        else max(pairs, key=lambda p: p[1].starts_at)
    )
    try:
        item = sharing.read_shared(therapist, udk, share, record, via="adaptation")
    except crypto.IntegrityFailure:
        log_unopened(share.record_table, share.record_id)
        return None
    key = item.content.get("route_key")
    return key if key in ROUTES else None


# -- using it -------------------------------------------------------------------------------


def _valid_items(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The items of an opened adaptation that still fit the content's phases and the
    menu of timings; anything else (an edited content file, a damaged value) is left
    out rather than shown wrong."""
    menu = {t.value for t in timings()}
    found = []
    raw_items = data.get("items")
    for raw in raw_items if isinstance(raw_items, list) else []:
        try:
            ok = (
                isinstance(raw, dict)
                and rows_.valid_key(str(raw["key"]))
                and 0 < len(str(raw["text"]).strip()) <= TEXT_MAX
                and len(str(raw.get("detail") or "")) <= DETAIL_MAX
                and f"{raw['phase']}:{int(raw['offset_minutes'])}" in menu
                and bool(set(raw["routes"]))
                and set(raw["routes"]) <= set(ROUTES)
                and bool(set(raw["settings"]))
                and set(raw["settings"]) <= set(SETTINGS)
                and raw["audience"] in AUDIENCES
            )
        except (KeyError, TypeError, ValueError):
            ok = False
        if ok:
            found.append(raw)
    return found


@dataclass(frozen=True)
class AdaptedChecklist:
    """A checklist content built from one adaptation, and who adapted it when."""

    content: Checklist
    adapted_by: str
    adaptation_id: uuid.UUID
    updated_at: datetime
    bp_rule: BloodPressureRule | None = None


def content_from_data(data: Mapping[str, Any]) -> Checklist:
    default = load_default()
    items = tuple(
        ChecklistItem(
            key=str(raw["key"]),
            text=str(raw["text"]).strip(),
            detail=(str(raw["detail"]).strip() or None) if raw.get("detail") else None,
            routes=frozenset(str(r) for r in raw["routes"]),
            settings=frozenset(str(s) for s in raw["settings"]),
            phase=str(raw["phase"]),
            offset_minutes=int(raw["offset_minutes"]),
            audience=str(raw["audience"]),
        )
        for raw in _valid_items(data)
    )
    return Checklist(
        id="adapted",
        version=default.version,
        title=default.title,
        phases=default.phases,
        items=items,
    )


def by_timing(content: Checklist) -> list[tuple[str, list[ChecklistItem]]]:
    """The items under their timing labels, earliest first (the patient's preview)."""
    labels = {(t.phase, t.offset_minutes): t.label for t in timings()}
    groups: dict[str, list[ChecklistItem]] = {}
    for item in sorted(content.items, key=lambda i: i.offset_minutes):
        label = labels.get((item.phase, item.offset_minutes), content.phase(item.phase).label)
        groups.setdefault(label, []).append(item)
    return list(groups.items())


def applies_to(item: ChecklistItem) -> str:
    """ "IV infusion, IM injection · at the clinic · for the sitter", or "" for every
    session."""
    parts = []
    if set(item.routes) != set(ROUTES):
        labels = route_labels(language())
        parts.append(", ".join(labels[r] for r in ROUTES if r in item.routes))
    if set(item.settings) != set(SETTINGS):
        parts.append(
            str(gettext("at the clinic")) if "clinic" in item.settings else str(gettext("at home"))
        )
    if item.audience == "sitter":
        parts.append(str(gettext("for the sitter")))
    return " · ".join(parts)


def adapted_checklist(patient: User, udk: bytes, adaptation_id: str) -> AdaptedChecklist:
    """The adaptation the patient chose, opened with their key; 404 if it is not
    offered to them (any more)."""
    adaptation = access.offered_adaptation(patient, adaptation_id, KIND)
    data = adaptations.open_for_patient(patient, udk, adaptation)
    names = care.names_of({adaptation.therapist_id})
    name = names.get(adaptation.therapist_id, "your therapist")
    rule = _bp_rule(data)
    return AdaptedChecklist(
        content_from_data(data),
        name,
        adaptation.id,
        adaptation.updated_at,
        BloodPressureRule(rule.systolic, rule.diastolic, name) if rule else None,
    )


def bp_rule_for(patient: User, udk: bytes, old: ChecklistSnapshot) -> BloodPressureRule | None:
    """The clinic's blood-pressure rule for a session whose list came from an
    adaptation still offered to the patient: read from it as it stands now (a
    changed rule applies at once); None without one. The app sets no rule itself."""
    adapted = for_replan(patient, udk, old)
    return adapted.bp_rule if adapted else None


def for_replan(patient: User, udk: bytes, old: ChecklistSnapshot) -> AdaptedChecklist | None:
    """When a session's route or setting changes, its list is made again from the same
    adaptation if it is still offered; otherwise from the defaults."""
    if not old.adapted_from:
        return None
    try:
        return adapted_checklist(patient, udk, old.adapted_from)
    except access.RecordNotFound:
        return None


ADAPTATION_KIND = AdaptationKind(
    key=KIND,
    label=N_("Preparation checklist"),
    description=N_(
        "The checklist each dosing session gets, timed to the appointment. Keep, "
        "reword or remove the clinic's items, move them to another time, or add "
        "your own. Your patient's next planned session uses your list (they can "
        "choose the standard one instead); lists already made stay as they are."
    ),
    default_form=default_form,
    form_from_data=form_from_data,
    read_form=ChecklistAdaptationForm.read,
)
