"""The editable rows an adaptation form is made of (checklist items, prompts).

Each row is one of the clinic's entries (its `key`, the wording it started from in
`original`, and a "Keep" tick) or a `new` row of the therapist's own. The form posts
`rows` (how many) and `row-<n>-<field>` for each. What the rows hold beyond that is
the kind's own (`checklist_adaptation`, `prompt_adaptation`); how rows are counted,
named, kept, keyed and merged with the clinic's list is the same for every kind.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Final, Generic, Protocol, TypeVar

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from journal.core.translatable import N_

BLANK_ROWS: Final = 3
DAMAGED: Final = N_("The form was damaged; reload the page and start again.")
_KEY: Final = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_KEY_MAX: Final = 64


class RowLike(Protocol):
    """A kind's row: a frozen dataclass with at least these fields."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def key(self) -> str: ...
    @property
    def keep(self) -> bool: ...
    @property
    def new(self) -> bool: ...
    @property
    def original(self) -> str: ...
    @property
    def blank(self) -> bool: ...


R = TypeVar("R", bound=RowLike)


@dataclass
class RowsForm(Generic[R]):
    """A kind's form: its rows as typed, a message per problem, and (once valid) the
    data to seal. The kinds add only what their template needs (menus)."""

    rows: list[R]
    errors: dict[str, str] = field(default_factory=dict)
    data: Mapping[str, Any] | None = None

    @property
    def valid(self) -> bool:
        return not self.errors


def with_blanks(rows: list[R], row_type: Callable[..., R]) -> list[R]:
    """The rows, then empty ones for the therapist's own entries."""
    return rows + [row_type(new=True) for _ in range(BLANK_ROWS)]


Check = Callable[[R, str, set[str], dict[str, str]], dict[str, Any] | None]


def read_rows(
    posted: MultiDict[str, str],
    max_rows: int,
    text_max: int,
    row_of: Callable[[PostedRow], R],
    check: Check[R],
    row_type: Callable[..., R],
) -> tuple[list[R], list[dict[str, Any]], dict[str, str]]:
    """Every kind's read: each posted row as typed (`row_of`), each kept, non-blank
    one checked (`check(row, prefix, seen_keys, errors)` returns the item to store or
    None), and empty rows again if none is left. Returns rows, items and errors."""
    rows: list[R] = []
    items: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for n, posted_row in enumerate(posted_rows(posted, max_rows, text_max)):
        row = row_of(posted_row)
        rows.append(row)
        if row.blank or not row.keep:
            continue
        # Errors are named by where the row now stands (the page draws it there).
        item = check(row, f"row-{n}-", seen, errors)
        if item is not None:
            items.append(item)
    if not any(r.blank for r in rows):
        rows = with_blanks(rows, row_type)
    return rows, items, errors


def one_line(raw: str) -> str:
    return " ".join(raw.split())


def valid_key(key: str) -> bool:
    """A key as the clinic's content spells them (and as a stored adaptation must)."""
    return _KEY.fullmatch(key) is not None and len(key) <= _KEY_MAX


@dataclass(frozen=True)
class PostedRow:
    """What every posted row has, whatever its kind: `field(name)` reads the rest."""

    prefix: str
    key: str
    keep: bool
    new: bool
    original: str
    posted: MultiDict[str, str]

    def field(self, name: str) -> str:
        return self.posted.get(self.prefix + name, "")

    def fields(self, name: str) -> list[str]:
        return self.posted.getlist(self.prefix + name)


def posted_rows(posted: MultiDict[str, str], max_rows: int, text_max: int) -> Iterator[PostedRow]:
    """The rows as posted, at most `max_rows` (a forged count cannot make more), in
    the order of their `position` (their place on the page when none is posted)."""
    try:
        count = int(posted.get("rows", "0"))
    except ValueError:
        count = 0
    found: list[tuple[int, int, PostedRow]] = []
    for n in range(max(0, min(count, max_rows))):
        p = f"row-{n}-"
        new = posted.get(p + "new") == "1"
        found.append(
            (
                _position(posted.get(p + "position", ""), n),
                n,
                PostedRow(
                    prefix=p,
                    key="" if new else posted.get(p + "key", "").strip(),
                    keep=new or posted.get(p + "keep") == "1",
                    new=new,
                    original=one_line(posted.get(p + "original", ""))[:text_max],
                    posted=posted,
                ),
            )
        )
    # In the order the therapist put them (moved by keyboard or pointer on the page).
    for _, _, row in sorted(found, key=lambda t: (t[0], t[1])):
        yield row


def _position(raw: str, default: int) -> int:
    try:
        return int(raw)
    except ValueError:
        return default


def post_rows(
    rows: Iterable[R], own_fields: Callable[[R], Iterable[tuple[str, str]]]
) -> MultiDict[str, str]:
    """The rows as a browser would post them unchanged; `own_fields(row)` gives the
    kind's own fields as (name, value) pairs (a name may repeat)."""
    posted: MultiDict[str, str] = MultiDict()
    listed = list(rows)
    posted["rows"] = str(len(listed))
    for n, row in enumerate(listed):
        p = f"row-{n}-"
        if row.new:
            posted[p + "new"] = "1"
        else:
            posted[p + "key"] = row.key
            posted[p + "original"] = row.original
            if row.keep:
                posted[p + "keep"] = "1"
        for name, value in own_fields(row):
            posted.add(p + name, value)
    return posted


def check_key(row: RowLike, errors: dict[str, str]) -> None:
    """A clinic row's key must be one the content could have: anything else was forged."""
    if not row.new and not valid_key(row.key):
        errors.setdefault("form", gettext(DAMAGED))


def stored_key(row: RowLike, seen: set[str], errors: dict[str, str]) -> str | None:
    """The key to store: the clinic's for one of its rows, a fresh `own-…` (saying
    nothing of the text) for a new one; None, with the form marked damaged, for a
    key posted twice."""
    key = row.key if not row.new else f"own-{uuid.uuid4().hex[:10]}"
    if key in seen:
        errors.setdefault("form", gettext(DAMAGED))
        return None
    seen.add(key)
    return key


def with_saved_first(saved: list[R], clinic: Iterable[R]) -> list[R]:
    """The saved rows, then the clinic's rows they left out, unticked (one tick brings
    one back)."""
    kept = {r.key for r in saved}
    return saved + [replace(r, keep=False) for r in clinic if r.key not in kept]
