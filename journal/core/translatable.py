"""Marking words for translation where no request, and so no language, exists yet.

Labels in registries, scales and audit tables are built once at import, before any
request has a language. `N_` only marks them so that `make messages` extracts them;
they stay English in what is stored and exported, and the page translates them with
`_()` when it shows them.
"""

from __future__ import annotations

from datetime import datetime

import flask_babel
from babel import Locale
from babel.dates import format_datetime
from flask.globals import _cv_app


def N_(message: str) -> str:
    """Return `message` unchanged; its only job is to be found by the extractor."""
    return message


def page_locale() -> Locale | None:
    """The page's locale (None outside an app context), read where Flask-Babel keeps
    it once found: `get_locale` walks three lookups to get there (2.3 µs), and a
    chart labels a hundred days. Follows `force_locale`, which sets the same place."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return None
    found = getattr(app_ctx.g.__dict__.get("_flask_babel"), "babel_locale", None)
    locale: Locale | None = found if found is not None else flask_babel.get_locale()
    return locale


def language() -> str:
    """The language code of the page being made ("en", "es"); "en" outside a request
    (jobs build their words under `flask_babel.force_locale`, which this follows)."""
    locale = page_locale()
    return locale.language if locale is not None else "en"


def local_format(moment: datetime, pattern: str) -> str:
    """An aware datetime in its own zone, as the page's language writes it (a Babel
    pattern: "EEE d MMM y, HH:mm" is "Fri 4 Dec 2026, 10:00" and "vie 4 dic 2026, 10:00")."""
    return format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=language())
