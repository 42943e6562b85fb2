"""What a page does with a record that would not open or verify: leave it out, say so
in its place, and log an integrity error (its kind and id, never content) once.

One forged or damaged row must never turn a whole page into an error page, nor be
shown as someone's words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import current_app, g, has_app_context

from journal.core.crypto import IntegrityFailure

R = TypeVar("R")

UNOPENED = "One item could not be opened."
UNVERIFIED = "One item could not be verified."


def log_unopened(table: str, record_id: object, why: str = "could not be opened") -> None:
    """Log once per request (or app context) for each record."""
    if not has_app_context():
        return
    seen: set[tuple[str, str]] = g.setdefault("integrity_logged", set())
    key = (table, str(record_id))
    if key in seen:
        return
    seen.add(key)
    current_app.logger.error("integrity failure: %s %s %s", table, record_id, why)


def count_phrase(count: int, what: str = "opened") -> str:
    """ "One item could not be opened." / "3 items could not be opened." """
    if count == 1:
        return f"One item could not be {what}."
    return f"{count} items could not be {what}."


def unopened_here() -> int:
    """How many records would not open while this page was made, for its notice: the
    first caller in a request gets the count, later ones 0. The page's frame asks
    first (its alerts come before the content), and a fragment's own block asks when
    the frame is not rendered, so the notice shows once either way."""
    if not has_app_context() or g.get("integrity_notice_shown"):
        return 0
    g.integrity_notice_shown = True
    return len(g.get("integrity_logged", ()))


def openable(
    rows: Iterable[Any],
    open_one: Callable[[Any], R],
    table: str,
    id_of: Callable[[Any], object] = lambda row: getattr(row, "id", "?"),
) -> list[R]:
    """`open_one(row)` for each row that opens; one that does not (forged, damaged) is
    left out and logged, so one bad row never turns a whole page into an error."""
    found = []
    for row in rows:
        try:
            found.append(open_one(row))
        except (IntegrityFailure, ValueError, KeyError, TypeError):
            log_unopened(table, id_of(row))
    return found
