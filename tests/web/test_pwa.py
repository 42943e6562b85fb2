"""The installable app over HTTP: manifest, service worker, offline page, static
caching, the outbox's token, and idempotent creation (a retried send makes one entry)."""

from __future__ import annotations

import re
import struct
import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from journal.core.extensions import db
from journal.models.entries import Entry
from journal.models.idempotency import IdempotencyKey
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.helpers import HTMX, user_id

STATIC_RE = re.compile(r'(/static/[^"?]+)\?v=([0-9a-f]{16})')


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# -- manifest --------------------------------------------------------------------------


def test_the_manifest_describes_an_installable_standalone_app(client: FlaskClient) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] == "Fresh Tracks"
    assert manifest["short_name"] == "Fresh Tracks"
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])


def test_every_manifest_icon_is_a_png_of_the_size_it_claims(client: FlaskClient) -> None:
    manifest = client.get("/manifest.webmanifest").get_json(force=True)
    seen = set()
    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon
        assert response.mimetype == icon["type"] == "image/png"
        width, height = _png_size(response.data)
        assert icon["sizes"] == f"{width}x{height}"
        seen.add((width, icon["purpose"]))
        response.close()
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= seen


def test_the_manifest_has_shortcuts_to_write_and_to_check_in(
    client: FlaskClient, ada: FlaskClient
) -> None:
    manifest = client.get("/manifest.webmanifest").get_json(force=True)
    shortcuts = {s["name"]: s["url"] for s in manifest["shortcuts"]}
    assert shortcuts["New entry"] == "/journal/new"
    assert ada.get(shortcuts["New entry"]).status_code == 200
    assert shortcuts["Check in"] == "/mood/check-in"


def test_every_page_links_the_manifest_and_the_service_worker_script(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'data-sw="/sw.js"' in html


# -- service worker and offline page ---------------------------------------------------


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client: FlaskClient) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    # Always revalidated, so a new version reaches every device at the next visit.
    assert response.headers["Cache-Control"] == "no-cache"


def test_the_service_worker_precaches_only_versioned_static_files_and_the_offline_page(
    client: FlaskClient,
) -> None:
    script = client.get("/sw.js").get_data(as_text=True)
    match = re.search(r"const PRECACHE = (\[.*?\]);", script)
    assert match
    urls = re.findall(r'"([^"]+)"', match.group(1))
    assert "/offline" in urls
    for url in urls:
        assert url == "/offline" or STATIC_RE.fullmatch(url), url


def test_the_service_worker_version_follows_the_static_files(client: FlaskClient) -> None:
    first = client.get("/sw.js").get_data(as_text=True)
    assert first == client.get("/sw.js").get_data(as_text=True)
    assert re.search(r'const VERSION = "[0-9a-f]{16}";', first)


def test_the_offline_page_says_what_works_and_holds_nothing_of_the_user(
    app: Flask, ada: FlaskClient
) -> None:
    response = ada.get("/offline")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "You are offline" in html
    assert "What still works" in html
    assert "ada@example.com" not in html
    assert "csrf" not in html.lower()
    assert str(user_id(app, "ada@example.com")) not in html
    # The same bytes for everyone, so caching it on a shared device leaks nothing.
    assert html == FlaskClient(app).get("/offline").get_data(as_text=True)


# -- static files ----------------------------------------------------------------------


def test_static_urls_carry_a_content_hash_and_hashed_urls_are_immutable(
    client: FlaskClient,
) -> None:
    html = client.get("/login").get_data(as_text=True)
    found = STATIC_RE.findall(html)
    assert {path for path, _ in found} >= {"/static/css/app.css", "/static/js/pwa.js"}
    for path, version in found:
        response = client.get(f"{path}?v={version}")
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        response.close()


def test_a_static_url_without_its_current_hash_is_cached_only_briefly(client: FlaskClient) -> None:
    for url in ("/static/css/app.css", "/static/css/app.css?v=0000000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=3600"
        response.close()


# -- the outbox ------------------------------------------------------------------------


def test_the_outbox_token_is_for_logged_in_users_only_and_never_cached(
    client: FlaskClient,
) -> None:
    response = client.get("/outbox/token", headers=HTMX)
    assert response.status_code == 401


def test_the_outbox_token_gives_a_csrf_token_and_an_opaque_owner_tag(
    app: Flask, ada: FlaskClient
) -> None:
    response = ada.get("/outbox/token", headers=HTMX)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert re.fullmatch(r"[0-9a-f]{32}", data["owner"])
    assert data["owner"] not in str(user_id(app, "ada@example.com")).replace("-", "")
    # The page carries the same tag for the outbox banner.
    assert f'data-owner="{data["owner"]}"' in ada.get("/journal/").get_data(as_text=True)
    # The token works for a write.
    key = str(uuid.uuid4())
    sent = ada.post(
        "/journal/",
        data={"body": "From the outbox.", "idempotency_key": key},
        headers={**HTMX, "X-CSRFToken": data["csrf_token"]},
    )
    assert sent.status_code == 200


def _count_entries(app: Flask, email: str) -> int:
    with app.app_context():
        uid = user_id(app, email)
        return db.session.scalar(select(func.count()).where(Entry.user_id == uid)) or 0


def test_the_same_idempotency_key_twice_makes_one_entry(app: Flask, ada: FlaskClient) -> None:
    key = str(uuid.uuid4())
    form = {"title": "Once", "body": "Only once, please.", "idempotency_key": key}
    first = ada.post("/journal/", data={**form, "csrf_token": csrf_token(ada, "/journal/")})
    again = ada.post("/journal/", data={**form, "csrf_token": csrf_token(ada, "/journal/")})
    assert first.status_code == again.status_code == 302
    # The repeat answers exactly as the first did: the same entry.
    assert first.headers["Location"] == again.headers["Location"]
    fragment = ada.post(
        "/journal/", data={**form, "csrf_token": csrf_token(ada, "/journal/")}, headers=HTMX
    )
    assert fragment.status_code == 200
    assert "Entry saved." in fragment.get_data(as_text=True)
    assert _count_entries(app, "ada@example.com") == 1


def test_different_keys_make_different_entries(app: Flask, ada: FlaskClient) -> None:
    for _ in range(2):
        ada.post(
            "/journal/",
            data={
                "body": "Same words, new entry.",
                "idempotency_key": str(uuid.uuid4()),
                "csrf_token": csrf_token(ada, "/journal/"),
            },
        )
    assert _count_entries(app, "ada@example.com") == 2


def test_a_key_is_per_person_so_one_user_cannot_block_anothers_write(
    app: Flask, ada: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "bo@example.com")
    login(other_client, "bo@example.com")
    key = str(uuid.uuid4())
    for client in (ada, other_client):
        client.post(
            "/journal/",
            data={"body": "Mine.", "idempotency_key": key, "csrf_token": csrf_token(client, "/")},
        )
    assert _count_entries(app, "ada@example.com") == 1
    assert _count_entries(app, "bo@example.com") == 1


def test_a_refused_entry_does_not_use_up_its_key(app: Flask, ada: FlaskClient) -> None:
    key = str(uuid.uuid4())
    empty = ada.post(
        "/journal/",
        data={"body": "  ", "idempotency_key": key, "csrf_token": csrf_token(ada, "/journal/")},
    )
    assert empty.status_code == 422
    fixed = ada.post(
        "/journal/",
        data={"body": "Now.", "idempotency_key": key, "csrf_token": csrf_token(ada, "/journal/")},
    )
    assert fixed.status_code == 302
    assert _count_entries(app, "ada@example.com") == 1


def test_every_new_entry_form_carries_a_fresh_idempotency_key(ada: FlaskClient) -> None:
    keys = []
    for path in ("/journal/", "/journal/", "/journal/new"):
        html = ada.get(path).get_data(as_text=True)
        match = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', html)
        assert match, path
        keys.append(match.group(1))
        assert 'data-outbox="journal.entry"' in html
    assert len(set(keys)) == 3


def test_the_key_records_say_nothing_about_the_entry(app: Flask, ada: FlaskClient) -> None:
    key = uuid.uuid4()
    ada.post(
        "/journal/",
        data={
            "body": "Private words.",
            "idempotency_key": str(key),
            "csrf_token": csrf_token(ada, "/journal/"),
        },
    )
    with app.app_context():
        row = db.session.scalar(select(IdempotencyKey))
        assert row is not None
        assert (row.key, row.kind) == (key, "journal.entry")
        assert db.session.get(Entry, row.record_id) is not None
