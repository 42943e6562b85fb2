"""How every form is read: one way, everywhere.

Each form is a dataclass with a classmethod `read(posted)` that takes the posted
fields (a mapping of strings: `request.form`, or a dict from the CLI, the bench or a
test), keeps exactly what the person typed (trimmed), and puts a message for each
problem in `errors`, keyed by field, so a page with an error shows everything back
unchanged; `valid` is "no errors". Checks that need more than the form (whose
sessions exist, the time zone) are the service's, done on the form it read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


def reader(raw: Mapping[str, str]) -> Callable[[str], str]:
    """`typed(name)`: the field trimmed of surrounding spaces; a missing one is ""."""

    def typed(name: str) -> str:
        return str(raw.get(name, "") or "").strip()

    return typed
