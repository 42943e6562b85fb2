"""How a test reads a page: one place for it, so every test reads pages alike."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
# Every page also hands htmx the token in the body's header attribute (which is what a
# page without a form of its own offers, now that Log out is in Settings).
HX_CSRF_RE = re.compile(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'')


def markup(response: TestResponse) -> str:
    """The HTML with entities decoded: for attributes, ids and exact markup."""
    return html.unescape(response.get_data(as_text=True))


def flat_markup(response: TestResponse) -> str:
    """The HTML with entities decoded and every run of white space as one space."""
    return " ".join(markup(response).split())


def words(response: TestResponse) -> str:
    """The page as read: tags dropped, white space collapsed, no space before
    punctuation ("12 of 27, Moderate.")."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())
    return re.sub(r"\s+([.,:;)])", r"\1", text)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The token a real browser would submit: read from a page's form, or the one
    every page gives htmx."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html) or HX_CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)
