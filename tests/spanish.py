"""Reading the Spanish catalog in tests: a message's English and Spanish words, and
the English messages a page shows when it should be all Spanish."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from werkzeug.test import TestResponse

from tests.pages import markup, words

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "journal" / "translations" / "es" / "LC_MESSAGES" / "messages.po"


def _catalog() -> Catalog:
    return read_po(io.BytesIO(PO.read_bytes()))


CATALOG = _catalog()


def message_text(message: str) -> str:
    """The words of a message as a page shows them: tags dropped, spaces collapsed,
    no space before punctuation (as tests.pages.words reads a page)."""
    text = " ".join(re.sub(r"<[^>]+>", " ", message).split())
    return re.sub(r"\s+([.,:;)])", r"\1", text)


def literal(message: str) -> str:
    """The longest run of a message's text between its placeholders."""
    runs = re.split(r"%\(\w+\)\w", message_text(message))
    return max((r.strip(" ·").lstrip(",.;:) ") for r in runs), key=len)


def spanish(msgid: str) -> str:
    found = CATALOG.get(msgid)
    assert found is not None and found.string, f"no Spanish for {msgid!r}"
    string = found.string if isinstance(found.string, str) else found.string[-1]
    return literal(str(string))


def present(needle: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", text) is not None


def page_text(raw: str) -> str:
    """Visible text as tests.pages.words reads it: spaces collapsed, none before
    punctuation."""
    return re.sub(r"\s+([.,:;)])", r"\1", " ".join(raw.split()))


def english_leaks(text: str) -> list[str]:
    """Every English message of the catalog (two words or more, its Spanish different)
    whose words appear on the page."""
    leaks = []
    for message in CATALOG:
        if not message.id or not message.string:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string if isinstance(message.string, str) else message.string[0]
        english = literal(msgid)
        if len(english.split()) < 2 or english == literal(str(string)):
            continue
        if present(english, text):
            leaks.append(english)
    return leaks


# Words of English that are no words of Spanish: one on a Spanish page means a sentence
# the catalog does not know (never marked, or built in Python) was shown untranslated.
_ENGLISH_ONLY = (
    "the your you and with of is are this have has from what when will can not they "
    "their been would which should these those there than then them done today "
    "tomorrow yesterday after before session sessions it to for at by or an on in"
)
ENGLISH_ONLY_WORDS = frozenset(_ENGLISH_ONLY.split())


def english_words(text: str) -> list[str]:
    """The English-only words of a page's text, each with the words around it."""
    found = []
    # Whole words only (a code like "V7ON" holds no word), and not in capitals (codes,
    # keys and abbreviations).
    for match in re.finditer(r"(?<!\w)[^\W\d_]+(?!\w)", text):
        if not match.group().isupper() and match.group().lower() in ENGLISH_ONLY_WORDS:
            found.append(text[max(0, match.start() - 40) : match.end() + 40])
    return found


def assert_spanish(page: TestResponse, *msgids: str) -> None:
    """The page is Spanish: each message shows in Spanish and not in English, and no
    other English message of the catalog appears."""
    assert '<html lang="es">' in markup(page)
    text = words(page)
    for msgid in msgids:
        assert present(spanish(msgid), text), f"missing Spanish of {msgid!r}"
        english = literal(msgid)
        if english != spanish(msgid):
            assert not present(english, text), f"English {english!r} on the page"
    assert not english_leaks(text), english_leaks(text)
