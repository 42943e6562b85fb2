"""Which language a page is in: the one the person chose in Settings, else the best
match for the browser's `Accept-Language`, else English.

The choice is a UI preference, stored in clear with the account (`users.language`).
Reading it never needs the database when the database is down: `current_user` is
then anonymous (web/identity.py), so the browser's language decides, and help pages
still answer.
"""

from __future__ import annotations

from typing import Any, Final

from babel.support import NullTranslations
from flask import Flask, current_app, has_request_context, request
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context
from markupsafe import Markup

from journal.accounts.preferences import LANGUAGE_NAMES, LANGUAGES
from journal.core.extensions import babel
from journal.mood.crisis import CrisisResources, load_crisis_resources
from journal.web.script_words import script_words

DEFAULT: Final = "en"


def select_language() -> str:
    if not has_request_context():
        return DEFAULT
    chosen = getattr(current_user, "language", None) if current_user.is_authenticated else None
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def current_language() -> str:
    """The page's language code ("en" or "es")."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def page_translations() -> NullTranslations:
    """The page's translations, found once per locale per request.

    Flask-Babel finds them again for every message (three trips through `g` and the
    locale's name each time): a journal list has about 240 messages, which cost
    about 1.5 ms. Kept with the locale they were found for, so a `force_locale` inside
    the request (a mail in the reader's language) still gets its own."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        outside: NullTranslations = get_translations()
        return outside
    state = app_ctx.g.__dict__
    babel_state = state.get("_flask_babel")
    locale = getattr(babel_state, "babel_locale", None)
    found = state.get("_page_translations")
    if found is not None and locale is not None and found[0] is locale:
        translations: NullTranslations = found[1]
        return translations
    translations = get_translations()
    state["_page_translations"] = (get_locale(), translations)
    return translations


# The templates' `_`, `gettext`, `ngettext`, `pgettext` and `npgettext`: Jinja's
# "newstyle" callables (the message is a format string of the keywords, escaped in an
# HTML template), taking only the evaluation context. Jinja's own take the whole
# template context, and a call inside a loop or a block with its own variables first
# copies that context, twice inside both: about ninety copies on a caseload of 20.


def _found(eval_ctx: EvalContext, message: str, variables: dict[str, Any]) -> str:
    """The message is ours (a template's text or its translation in our catalog), as
    markup in an HTML template; the keywords are escaped into it by `%`."""
    if eval_ctx.autoescape:
        return Markup(message) % variables  # noqa: S704  # nosec B704
    return message % variables


@pass_eval_context
def _gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    return _found(eval_ctx, page_translations().ugettext(string), variables)


@pass_eval_context
def _ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _found(eval_ctx, page_translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def _pgettext(eval_ctx: EvalContext, context: str, string: str, **variables: Any) -> str:
    variables.setdefault("context", context)
    return _found(eval_ctx, page_translations().upgettext(context, string), variables)


@pass_eval_context
def _npgettext(
    eval_ctx: EvalContext, context: str, singular: str, plural: str, num: int, **variables: Any
) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    found = page_translations().unpgettext(context, singular, plural, num)
    return _found(eval_ctx, found, variables)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_language)
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]
    app.jinja_env.globals.update(
        _=_gettext,
        gettext=_gettext,
        ngettext=_ngettext,
        pgettext=_pgettext,
        npgettext=_npgettext,
    )
    # `{% trans %}` blocks lose their line breaks and indentation, as `make messages`
    # reads them (babel.cfg), so a message spread over lines still finds its text.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
    app.jinja_env.globals["script_words"] = script_words


def crisis_lines() -> CrisisResources:
    """The deployment's crisis lines (configuration, never the database) for a reader
    of the page's language: lines that serve its speakers, in their words."""
    return load_crisis_resources(current_app.config["CRISIS_REGION"], current_language())
