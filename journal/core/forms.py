"""What every form's `from_mapping` starts from: the fields as typed.

A form object keeps exactly what the person typed (trimmed), so a page with an
error shows it back to them unchanged; parsing and messages come after.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


def reader(raw: Mapping[str, str]) -> Callable[[str], str]:
    """`typed(name)`: the field trimmed of surrounding spaces; a missing one is ""."""

    def typed(name: str) -> str:
        return str(raw.get(name, "") or "").strip()

    return typed
