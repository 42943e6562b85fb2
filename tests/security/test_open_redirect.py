"""`next` after login: only a path on this site, as a browser reads it.

Browsers drop tabs and newlines inside a URL, ignore leading control characters
and spaces and read a backslash as a slash, so a check made on the raw string is
not enough: `/\t/evil.example` becomes `//evil.example`, another host. Every
control character and the classic payloads go Home; CR/LF never becomes a 500.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.web.identity import safe_next
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token

CONTROL = [chr(c) for c in range(0x20)] + [chr(0x7F)] + [chr(c) for c in range(0x80, 0xA0)]
CLASSIC = [
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "\\/evil.example",
    "https://evil.example",
    "http:evil.example",
    "https:/evil.example",
    "//evil.example/%2f..",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
    "/%09/evil.example",  # decoded by the server into a tab before the check
    " //evil.example",
    "//evil.example@fresh.example",
    "//\u3002evil.example",
    "/" + "a" * 5000,
]
GOOD = ["/", "/journal/", "/mood/?page=2", "/settings/sessions", "/journal/%2Fx"]


@pytest.mark.parametrize("char", CONTROL, ids=lambda c: f"U+{ord(c):04X}")
def test_every_control_character_is_refused_wherever_it_stands(char: str) -> None:
    for target in (f"/{char}/evil.example", f"{char}//evil.example", f"/journal/{char}"):
        assert safe_next(target) is None, repr(target)


@pytest.mark.parametrize("target", CLASSIC)
def test_the_classic_payloads_are_refused(target: str) -> None:
    # %09 stays literal here: the server decodes it before the check (tested below).
    assert safe_next(target.replace("%09", "\t")) is None


@pytest.mark.parametrize("target", GOOD)
def test_a_path_on_this_site_is_kept(target: str) -> None:
    assert safe_next(target) == target


@pytest.fixture
def ada(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    return client


@pytest.mark.parametrize("char", [*CONTROL[:32], "\x7f"], ids=lambda c: f"U+{ord(c):04X}")
def test_a_logged_in_login_link_with_a_control_character_goes_home(
    ada: FlaskClient, char: str
) -> None:
    response = ada.get("/login?next=" + quote(f"/{char}/evil.example", safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_crlf_in_next_is_never_a_500(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com")
    payload = "/%0d%0aSet-Cookie:%20stolen=1"
    response = client.post(
        "/login?next=" + payload,
        data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "stolen" not in str(response.headers)
    again = client.get("/login?next=" + payload)
    assert again.status_code == 302 and again.headers["Location"] == "/"


@pytest.mark.parametrize("target", CLASSIC)
def test_logging_in_with_a_classic_payload_lands_home(
    app: Flask, client: FlaskClient, target: str
) -> None:
    make_user(app, "ada@example.com")
    response = client.post(
        "/login?next=" + quote(target, safe="%"),
        data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/", target
