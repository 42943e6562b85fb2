"""The crisis lines a deployment shows, read from ``journal/content/crisis/<REGION>.json``.

Which file is chosen by the ``CRISIS_REGION`` setting. The lines are data because
they differ per country and a clinic may add its own on-call number; they are
checked when the app starts (the mood blueprint loads them at registration), so a
typo in a number stops the deployment instead of showing a broken link to someone
in crisis. Pure: no Flask, no database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

__all__ = [
    "CRISIS_DIR",
    "CrisisAction",
    "CrisisConfigError",
    "CrisisLine",
    "CrisisResources",
    "load_crisis_resources",
]

CRISIS_DIR: Final = Path(__file__).resolve().parent.parent / "content" / "crisis"
_REGION: Final = re.compile(r"^[A-Z]{2}(?:-[A-Z0-9]{1,8})?$")
_NUMBER: Final = re.compile(r"^\+?[0-9]{2,15}$")
_KINDS: Final = ("tel", "sms")


class CrisisConfigError(ValueError):
    """The region is unknown or its file is malformed; raised at start-up."""


@dataclass(frozen=True)
class CrisisAction:
    kind: str
    number: str
    label: str
    body: str | None = None

    @property
    def href(self) -> str:
        """A `tel:` or `sms:` link. `sms:NUMBER?&body=...` is the form both iOS and
        Android read (each ignores the half of the separator it does not expect)."""
        if self.kind == "sms" and self.body:
            return f"sms:{self.number}?&body={quote(self.body)}"
        return f"{self.kind}:{self.number}"


@dataclass(frozen=True)
class CrisisLine:
    name: str
    description: str
    actions: tuple[CrisisAction, ...]


@dataclass(frozen=True)
class CrisisResources:
    region: str
    name: str
    lines: tuple[CrisisLine, ...]


def load_crisis_resources(region: str, language: str = "en") -> CrisisResources:
    """The region's lines for someone reading `language`: the file's own list for that
    language where it has one (lines that serve its speakers, in their words), else
    the default list."""
    if not _REGION.match(region or ""):
        raise CrisisConfigError(f"CRISIS_REGION must be a country code such as US, not {region!r}.")
    default, by_language = _load(region)
    return by_language.get(language, default)


@cache
def _load(region: str) -> tuple[CrisisResources, dict[str, CrisisResources]]:
    path = CRISIS_DIR / f"{region}.json"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in CRISIS_DIR.glob("*.json")))
        raise CrisisConfigError(
            f"No crisis lines for CRISIS_REGION={region}: add {path.name} to "
            f"journal/content/crisis/ (available: {known})."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        resources = CrisisResources(
            region=str(data["region"]),
            name=str(data["name"]),
            lines=tuple(_line(raw) for raw in data["lines"]),
        )
        by_language = {
            str(code): CrisisResources(
                region=resources.region,
                name=str(words["name"]),
                lines=tuple(_line(raw) for raw in words["lines"]),
            )
            for code, words in data.get("languages", {}).items()
        }
    except (KeyError, TypeError, ValueError) as error:
        raise CrisisConfigError(f"{path.name} is malformed: {error}") from error
    if resources.region != region:
        raise CrisisConfigError(f"{path.name} declares region {resources.region!r}.")
    if not resources.lines or not all(r.lines for r in by_language.values()):
        raise CrisisConfigError(f"{path.name} lists no crisis lines.")
    return resources, by_language


def _line(raw: dict[str, Any]) -> CrisisLine:
    actions = tuple(_action(a) for a in raw["actions"])
    if not actions:
        raise ValueError(f"{raw['name']!r} has no way to reach it")
    return CrisisLine(name=str(raw["name"]), description=str(raw["description"]), actions=actions)


def _action(raw: dict[str, Any]) -> CrisisAction:
    kind, number = str(raw["kind"]), str(raw["number"])
    if kind not in _KINDS:
        raise ValueError(f"action kind {kind!r} is not one of {', '.join(_KINDS)}")
    if not _NUMBER.match(number):
        raise ValueError(f"{number!r} is not a phone number (digits, optionally a leading +)")
    body = raw.get("body")
    if body is not None and kind != "sms":
        raise ValueError("only an sms action can carry a body")
    return CrisisAction(
        kind=kind, number=number, label=str(raw["label"]), body=None if body is None else str(body)
    )
