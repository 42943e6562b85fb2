"""What a person sets for how the app looks and behaves: their time zone, their
language and whether a questionnaire moves on when an answer is chosen. All are kept
in clear on the user row: they are how the app is shown, not health details.

The list of time zones is read from the zone database once, at import: listing and
sorting every zone takes milliseconds, too much for every sign-in and settings page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Final
from zoneinfo import available_timezones

from flask_babel import gettext

from journal.core.extensions import db
from journal.core.forms import reader
from journal.models.users import User

# The languages the UI is translated into (journal/translations), by code, each named
# in itself.
LANGUAGES: Final = ("en", "es")
LANGUAGE_NAMES: Final = {"en": "English", "es": "Español"}

# Names in the zone database that are not places: "Factory" shows "-00", "localtime"
# and "posixrules" are the server's own files.
NOT_ZONES: Final = frozenset({"Factory", "localtime", "posixrules"})
# Every zone a browser may report (old spellings like Asia/Calcutta included).
ZONES: Final = frozenset(available_timezones()) - NOT_ZONES
# The zones people pick most, offered first.
COMMON_ZONES: Final = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Phoenix", "America/Anchorage", "Pacific/Honolulu", "America/Toronto",
    "America/Vancouver", "America/Mexico_City", "America/Sao_Paulo", "Europe/London",
    "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Amsterdam",
    "Australia/Sydney", "Australia/Melbourne", "Pacific/Auckland", "Asia/Kolkata",
    "Asia/Tokyo", "UTC",
)  # fmt: skip


def _places() -> tuple[str, ...]:
    """The places, A to Z, and UTC: the zone database's list of one zone per region of
    each country (zone.tab), so its aliases ("US/Eastern", "GB", "Etc/GMT+5",
    "Asia/Calcutta") are not offered, though they are accepted when typed."""
    try:
        table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
        listed = {line.split("\t")[2] for line in table.splitlines() if line[:1] not in "#"}
    except (OSError, IndexError, ModuleNotFoundError):
        listed = {z for z in ZONES if z.split("/", 1)[0] in AREAS}
    return (*sorted(listed & ZONES), "UTC")


AREAS: Final = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
    | {"Indian", "Pacific"}
)
PLACES: Final = _places()
MAX_SUGGESTIONS: Final = 8


@dataclass(frozen=True)
class ZoneChoice:
    value: str
    label: str  # the place in words, "New York (America)", so typing "new york" finds it


def _label(zone: str) -> str:
    area, _, rest = zone.partition("/")
    if not rest:
        return zone
    return f"{rest.replace('/', ', ').replace('_', ' ')} ({area})"


COMMON_CHOICES: Final = tuple(ZoneChoice(z, _label(z)) for z in COMMON_ZONES)
OTHER_CHOICES: Final = tuple(ZoneChoice(z, _label(z)) for z in PLACES if z not in COMMON_ZONES)


def is_zone(name: str) -> bool:
    return name in ZONES


def _folded(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("/", " / ").split()).casefold()


# The zone's own name, and the words a list shows for it ("New York (America)").
_BY_FOLDED: Final = {_folded(_label(z)): z for z in PLACES} | {_folded(z): z for z in ZONES}


def matching(typed: str) -> list[str]:
    """The zones a typed name could mean: the exact name in any case, or every place
    with a part of its name that starts with what was typed ("berlin", "new york",
    "indiana")."""
    wanted = _folded(typed)
    if not wanted:
        return []
    if wanted in _BY_FOLDED:
        return [_BY_FOLDED[wanted]]
    return [z for z in PLACES if any(_folded(part).startswith(wanted) for part in z.split("/"))]


@dataclass
class TimeZoneForm:
    """The zone as typed (or a suggestion or this device's zone, pressed as a button)."""

    typed: str = ""
    zone: str = ""
    suggestions: list[ZoneChoice] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> TimeZoneForm:
        typed = reader(posted)
        chosen = typed("pick") or typed("device_zone") or typed("time_zone")
        form = cls(typed=chosen)
        found = matching(chosen)
        if len(found) == 1:
            form.zone = found[0]
        elif not found:
            form.errors["time_zone"] = (
                gettext("Type a city or a zone from the list, like Berlin or Europe/Berlin.")
                if chosen
                else gettext("Type a city or a zone, like Berlin or Europe/Berlin.")
            )
        else:
            form.suggestions = [ZoneChoice(z, _label(z)) for z in found[:MAX_SUGGESTIONS]]
            form.errors["time_zone"] = (
                gettext("More than one zone matches: choose one below.")
                if len(found) <= MAX_SUGGESTIONS
                else gettext(
                    "%(count)s zones match: choose one of the first %(first)s below, "
                    "or type more of the name.",
                    count=len(found),
                    first=MAX_SUGGESTIONS,
                )
            )
        return form

    @property
    def valid(self) -> bool:
        return not self.errors


def set_time_zone(user: User, zone: str) -> None:
    if not is_zone(zone):
        raise ValueError(f"not a time zone: {zone!r}")
    user.time_zone = zone
    user.time_zone_confirmed = True
    db.session.commit()


@dataclass
class QuestionnaireForm:
    """One checkbox: a questionnaire moves on as soon as an answer is chosen."""

    advance_on_tap: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> QuestionnaireForm:
        return cls(advance_on_tap=reader(posted)("advance_on_tap") == "on")

    @property
    def valid(self) -> bool:
        return True


def set_advance_on_tap(user: User, on: bool) -> None:
    user.advance_on_tap = on
    db.session.commit()


@dataclass
class LanguageForm:
    """The app's language for this account: a code from `LANGUAGES`, or "" to follow
    the browser."""

    language: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, posted: Mapping[str, str]) -> LanguageForm:
        chosen = reader(posted)("language")
        errors = {}
        if chosen and chosen not in LANGUAGES:
            errors["language"] = gettext("Choose a language from the list.")
        return cls(language=chosen, errors=errors)

    @property
    def valid(self) -> bool:
        return not self.errors


def set_language(user: User, language: str) -> None:
    """A UI preference, kept in clear; mail and push text use it too."""
    user.language = language or None
    db.session.commit()
