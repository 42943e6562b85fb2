"""The installable app in a real Chromium on a phone: manifest and icons as Chromium
reads them, the service worker at scope `/`, an offline reload, writing offline and
sending exactly once after reconnecting (also when the first send fails halfway),
nothing readable left on the device after logout, and nothing authenticated ever in
Cache Storage."""

from __future__ import annotations

import json
import re
import sqlite3
import struct
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, Route, expect
from sqlalchemy import func, select

from journal.core.extensions import db
from journal.entries import entries
from journal.models.entries import Entry
from journal.models.moods import CheckIn
from journal.models.users import User
from journal.mood import moods
from tests.browser.conftest import wait_until
from tests.factories import PASSWORD, make_user

EMAIL = "offline.writer@example.com"

# Everything the origin keeps in IndexedDB and Cache Storage, as JSON-safe data:
# ArrayBuffers and typed arrays as hex, CryptoKeys described by their properties.
DUMP_STORAGE_JS = """
async () => {
  const hex = (buf) =>
    Array.from(new Uint8Array(buf)).map((b) => b.toString(16).padStart(2, "0")).join("");
  const plain = (value) => {
    if (value instanceof ArrayBuffer) return { hex: hex(value) };
    if (ArrayBuffer.isView(value)) return { hex: hex(value.buffer) };
    if (value instanceof CryptoKey) {
      const { extractable, algorithm, usages } = value;
      return { cryptoKey: { extractable, algorithm: algorithm.name, usages } };
    }
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
  };
  const databases = {};
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open(info.name);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const stores = {};
    for (const name of db.objectStoreNames) {
      const tx = db.transaction(name, "readonly");
      const store = tx.objectStore(name);
      const [keys, values] = await Promise.all([
        new Promise((res) => { const r = store.getAllKeys(); r.onsuccess = () => res(r.result); }),
        new Promise((res) => { const r = store.getAll(); r.onsuccess = () => res(r.result); }),
      ]);
      stores[name] = keys.map((k, i) => [plain(k), plain(values[i])]);
    }
    db.close();
    databases[info.name] = stores;
  }
  const caches_ = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    const entries = [];
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      const body = await response.text();
      entries.push({ url: request.url, type: response.headers.get("content-type"), body });
    }
    caches_[name] = entries;
  }
  return { databases, caches: caches_ };
}
"""


def storage(page: Page) -> dict[str, Any]:
    dump: dict[str, Any] = page.evaluate(DUMP_STORAGE_JS)
    return dump


def log_in(page: Page, email: str = EMAIL) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")


def wait_for_service_worker(page: Page) -> str:
    """The worker is active and controls this page; returns its scope."""
    scope: str = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    # The worker claims open pages when it activates, but on a loaded machine that can
    # race the page's own load; a page loaded after activation is always controlled.
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return scope


def bodies_in_db(app: Flask, email: str = EMAIL) -> list[str]:
    """The user's entries, decrypted the way the app does (needs their password)."""
    from journal.accounts import accounts

    with app.app_context():
        unlocked = accounts.authenticate(email, PASSWORD)
        rows = db.session.scalars(select(Entry).where(Entry.user_id == unlocked.user.id)).all()
        return [entries.read_entry(e, unlocked.udk).body for e in rows]


def entry_count(app: Flask, email: str = EMAIL) -> int:
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.email == email))
        return db.session.scalar(select(func.count()).where(Entry.user_id == uid)) or 0


@pytest.fixture
def writer(app: Flask) -> None:
    make_user(app, EMAIL)


def write_in_composer(page: Page, title: str, body: str) -> None:
    page.locator("summary", has_text="New entry").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("What is on your mind?").fill(body)
    page.get_by_role("button", name="Save entry").click()


def outbox_items(page: Page) -> list[Any]:
    dump = storage(page)
    items: list[Any] = dump["databases"].get("fresh-tracks-outbox", {}).get("items", [])
    return items


def assert_nothing_authenticated_cached(page: Page, *secrets: str) -> None:
    for name, cached in storage(page)["caches"].items():
        for item in cached:
            path = item["url"].split("://", 1)[1].split("/", 1)[1]
            assert re.fullmatch(r"static/[\w./-]+\?v=[0-9a-f]{16}", path) or path == "offline", (
                f"{item['url']} is in Cache Storage ({name})"
            )
            for secret in secrets:
                assert secret not in item["body"], f"{secret!r} cached in {item['url']}"


# -- manifest and service worker ---------------------------------------------------------


def test_chromium_reads_the_manifest_without_errors_and_its_icons_load(
    page: Page, live_server: str
) -> None:
    page.goto("/")
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == f"{live_server}/manifest.webmanifest"
    assert manifest["errors"] == [], manifest["errors"]
    parsed = json.loads(manifest["data"])
    assert parsed["display"] == "standalone"
    purposes = set()
    for icon in parsed["icons"]:
        response = page.request.get(icon["src"])
        assert response.ok
        assert response.headers["content-type"] == "image/png"
        body = response.body()
        assert body[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", body[16:24])
        assert icon["sizes"] == f"{width}x{height}"
        purposes.add((width, icon["purpose"]))
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= purposes
    # And Chromium would offer to install it (a Playwright context is always
    # incognito, where Chromium never installs; that is the one reason allowed).
    wait_for_service_worker(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == [], errors


def test_the_service_worker_registers_at_the_root_scope(page: Page, live_server: str) -> None:
    page.goto("/")
    assert wait_for_service_worker(page) == f"{live_server}/"


# -- offline ---------------------------------------------------------------------------


def test_an_offline_reload_shows_the_offline_page_and_no_page_is_ever_cached(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    log_in(page)
    page.goto("/journal/new")
    page.get_by_label("What is on your mind?").fill("A private line for the cache test.")
    page.get_by_role("button", name="Save entry").click()
    expect(page.locator(".entry-body")).to_have_text("A private line for the cache test.")
    for path in ("/", "/journal/", "/settings/"):
        page.goto(path)
    wait_for_service_worker(page)
    assert_nothing_authenticated_cached(page, "A private line", EMAIL)

    online.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_role("heading", name="What still works")).to_be_visible()
    # The stylesheet came from the cache: the page is styled, not bare.
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(247, 245, 240)"
    # Any page that cannot be reached shows the same.
    page.goto("/journal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    assert "A private line" not in page.content()


def test_an_entry_written_offline_is_kept_encrypted_and_sent_once_when_back_online(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    secret = "Written on the train, no signal at all."
    log_in(page)
    page.goto("/journal/")
    wait_for_service_worker(page)

    online.set_offline(True)
    write_in_composer(page, "Tunnel", secret)
    banner = page.locator("#outbox")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("1 item is kept on this device")
    # Kept, but not readable: ciphertext under a key that cannot be exported.
    items = outbox_items(page)
    assert len(items) == 1
    dump = json.dumps(storage(page))
    assert secret not in dump and "Tunnel" not in dump
    assert secret.encode().hex() not in dump
    keys = storage(page)["databases"]["fresh-tracks-outbox"]["meta"]
    crypto_keys = [v["cryptoKey"] for k, v in keys if k == "key"]
    assert crypto_keys == [
        {"extractable": False, "algorithm": "AES-GCM", "usages": ["encrypt", "decrypt"]}
    ]
    assert entry_count(app) == 0

    online.set_offline(False)
    expect(banner).to_contain_text("1 item was sent and saved.")
    expect(banner).not_to_contain_text("kept on this device")
    assert outbox_items(page) == []
    assert bodies_in_db(app) == [secret]


def test_the_offline_page_takes_an_entry_and_sends_it_when_the_connection_returns(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    secret = "Typed on the offline page itself."
    log_in(page)
    wait_for_service_worker(page)
    online.set_offline(True)
    page.goto("/journal/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    page.get_by_label("What is on your mind?").fill(secret)
    page.get_by_role("button", name="Keep to send later").click()
    expect(page.locator("#outbox")).to_contain_text("1 item is kept on this device")
    expect(page.get_by_label("What is on your mind?")).to_have_value("")

    online.set_offline(False)
    expect(page.locator("#outbox")).to_contain_text("1 item was sent and saved.")
    assert bodies_in_db(app) == [secret]


def test_a_send_whose_answer_is_lost_still_makes_exactly_one_entry(
    page: Page,
    app: Flask,
    writer: None,
    online: BrowserContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "The server got this, but the phone never heard back."
    log_in(page)
    page.goto("/journal/")
    wait_for_service_worker(page)
    lost: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        if route.request.method != "POST" or lost:
            route.fallback()
            return
        lost.append(route.request.url)
        route.fetch()  # the request reaches the server, which saves the entry...
        route.abort("connectionreset")  # ...and the answer never arrives

    online.route("**/journal/", lose_the_first_answer)
    write_in_composer(page, "", secret)
    # Kept on the device; the retry may already have gone through by the time the
    # banner is read (it can be sent again at once), so either state is right here.
    expect(page.locator("#outbox")).to_contain_text(
        re.compile(r"Saved on this device\.|sent and saved")
    )
    assert lost, "the first send was not intercepted"

    # The page kept the entry and sends it again (at once, by Background Sync, or at
    # the next page load, whichever comes first) until the server confirms it.
    for _ in range(10):
        if not outbox_items(page):
            break
        page.reload()
    assert outbox_items(page) == []
    posts = [r for r in caplog.records if "POST /journal/ " in r.getMessage()]
    assert len(posts) >= 2, "the entry was not sent a second time"
    assert bodies_in_db(app) == [secret]


def test_a_send_the_server_answers_503_is_kept_and_sent_once_later(
    page: Page, app: Flask, writer: None, database_url: str
) -> None:
    """The database is busy (another connection holds SQLite's write lock, as during a
    restart): the server answers 503, the page keeps the entry and sends it again."""
    if not database_url.startswith("sqlite:///"):
        pytest.skip("SQLite's write lock")
    secret = "Written while the server could not save anything."
    log_in(page)
    page.goto("/journal/")
    wait_for_service_worker(page)
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=1)
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")
    try:
        with page.expect_response(
            lambda r: r.request.method == "POST" and r.url.endswith("/journal/"), timeout=30_000
        ) as answer:
            write_in_composer(page, "", secret)
        assert answer.value.status == 503
        expect(page.locator("#outbox")).to_contain_text("Saved on this device.")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    for _ in range(10):
        if not outbox_items(page):
            break
        page.reload()
    assert outbox_items(page) == []
    assert bodies_in_db(app) == [secret]


def test_after_logout_nothing_readable_is_left_on_the_device(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    secret = "Kept offline, then the person logged out."
    log_in(page)
    page.goto("/journal/")
    wait_for_service_worker(page)
    online.set_offline(True)
    write_in_composer(page, "", secret)
    expect(page.locator("#outbox")).to_contain_text("1 item is kept")
    assert len(outbox_items(page)) == 1

    # Back online, but the send fails, so the item is still waiting at logout.
    online.route("**/outbox/token", lambda route: route.abort("connectionrefused"))
    online.set_offline(False)
    page.goto("/settings/")  # Log out is in Settings
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()

    dump = storage(page)
    text = json.dumps(dump)
    assert secret not in text
    outbox = dump["databases"].get("fresh-tracks-outbox", {})
    assert outbox.get("items", []) == [] and outbox.get("meta", []) == []
    assert_nothing_authenticated_cached(page, secret, EMAIL)


def _outbox_gone(page: Page, *secrets: str) -> None:
    """The outbox's items and its key are gone from the device, whatever is left of
    the database itself."""
    # IndexedDB answers only asynchronously, so the page checks the condition itself
    # until it holds (each check waits on IndexedDB's own events, not on a clock).
    gone = page.evaluate(
        """async () => {
          const empty = async () => {
            const names = (await indexedDB.databases()).map((d) => d.name);
            if (!names.includes("fresh-tracks-outbox")) return true;
            const db = await new Promise((res, rej) => {
              const r = indexedDB.open("fresh-tracks-outbox");
              r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error);
            });
            if (!db.objectStoreNames.contains("items")) { db.close(); return true; }
            const tx = db.transaction(["items", "meta"], "readonly");
            const count = (name) => new Promise((res) => {
              const r = tx.objectStore(name).count(); r.onsuccess = () => res(r.result);
            });
            const [items, meta] = await Promise.all([count("items"), count("meta")]);
            db.close();
            return items === 0 && meta === 0;
          };
          for (let tries = 0; tries < 200; tries++) {
            if (await empty()) return true;
            await new Promise((res) => requestAnimationFrame(res));
          }
          return false;
        }"""
    )
    assert gone, "the outbox still holds items or its key"
    text = json.dumps(storage(page))
    for secret in secrets:
        assert secret not in text


def test_when_the_server_says_the_session_is_over_the_outbox_is_wiped(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    """Not only a tapped Log out: the outbox's first send after reconnecting gets a
    401 (the session ended while the phone was offline), and everything waiting and
    its key are deleted from the device, with a plain word about it."""
    secret = "Written offline while the session ran out."
    log_in(page)
    page.goto("/journal/")
    wait_for_service_worker(page)
    online.set_offline(True)
    write_in_composer(page, "", secret)
    expect(page.locator("#outbox")).to_contain_text("1 item is kept")
    assert len(outbox_items(page)) == 1

    online.clear_cookies()  # the session ended while the phone was offline
    online.set_offline(False)
    expect(page.locator("#outbox")).to_contain_text("You were signed out")
    _outbox_gone(page, secret)
    log_in(page)
    assert entry_count(app) == 0


def test_a_401_from_any_request_wipes_the_outbox(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    """Signed out from another device while an item waits (its sends keep failing):
    the next page change, an htmx request answered 401, wipes the outbox before the
    login page shows."""
    secret = "Kept while someone signed this phone out from elsewhere."
    log_in(page)
    page.goto("/journal/")
    wait_for_service_worker(page)
    online.route("**/outbox/token", lambda route: route.abort("connectionrefused"))
    online.set_offline(True)
    write_in_composer(page, "", secret)
    expect(page.locator("#outbox")).to_contain_text("1 item is kept")
    online.set_offline(False)
    assert len(outbox_items(page)) == 1

    # Elsewhere: every session of this account ends (here, straight in the database,
    # as "Sign out everywhere" on another device does).
    from journal.accounts import auth_sessions
    from tests.web.helpers import user_id

    with app.app_context():
        auth_sessions.end_every_session(user_id(app, EMAIL))
    page.get_by_role("link", name="Mood").first.click()  # a boosted link: htmx, 401
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    _outbox_gone(page, secret)


def test_what_one_person_wrote_is_never_sent_under_another_persons_login(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    make_user(app, "someone.else@example.com")
    log_in(page)
    page.goto("/journal/")
    wait_for_service_worker(page)
    online.set_offline(True)
    write_in_composer(page, "", "Not for the next person on this phone.")
    expect(page.locator("#outbox")).to_contain_text("1 item is kept")

    online.clear_cookies()
    online.set_offline(False)
    page.goto("/login")
    log_in(page, "someone.else@example.com")
    # The page's first flush finds the item and drops it.
    wait_until(page, lambda: not outbox_items(page), "the other person's item to be dropped")
    expect(page.locator("#outbox")).to_be_hidden()
    assert entry_count(app, "someone.else@example.com") == 0
    assert entry_count(app) == 0


def test_background_sync_sends_the_outbox_with_no_page_open(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    secret = "Sent by the service worker alone."
    log_in(page)
    page.goto("/journal/")
    wait_for_service_worker(page)
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => 'sync' in r)")
    online.set_offline(True)
    write_in_composer(page, "", secret)
    expect(page.locator("#outbox")).to_contain_text("1 item is kept")
    page.goto("about:blank")  # no page of the app is open any more

    online.set_offline(False)
    wait_until(page, lambda: entry_count(app) > 0, "background sync to save the entry")
    assert bodies_in_db(app) == [secret]


# -- check-ins ---------------------------------------------------------------------------


def checkins_in_db(app: Flask, email: str = EMAIL) -> list[tuple[str, int, int, str]]:
    """The user's check-ins as (day, mood, anxiety, note), opened the way the app does."""
    from journal.accounts import accounts

    with app.app_context():
        unlocked = accounts.authenticate(email, PASSWORD)
        rows = db.session.scalars(
            select(CheckIn).where(CheckIn.user_id == unlocked.user.id).order_by(CheckIn.day)
        ).all()
        views = [moods.read_checkin(row, unlocked.udk) for row in rows]
        return [(v.day.isoformat(), v.values.mood, v.values.anxiety, v.values.note) for v in views]


def today_of(app: Flask, email: str = EMAIL) -> str:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        return moods.local_today(user).isoformat()


def test_the_check_in_shortcut_opens_the_check_in_page_online_and_offline(
    page: Page, app: Flask, writer: None, online: BrowserContext, live_server: str
) -> None:
    log_in(page)
    cdp = page.context.new_cdp_session(page)
    parsed = json.loads(cdp.send("Page.getAppManifest")["data"])
    shortcut = next(s for s in parsed["shortcuts"] if s["name"] == "Check in")
    page.goto(shortcut["url"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Check in")
    assert page.url == f"{live_server}/mood/check-in"
    expect(page.get_by_role("group", name="How is your mood today?")).to_be_visible()

    # Opened with no connection, the offline page puts its check-in first.
    wait_for_service_worker(page)
    online.set_offline(True)
    page.goto(shortcut["url"])
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    first_form = page.locator(".offline-forms > section").first
    expect(first_form.get_by_role("heading")).to_have_text("Check in while offline")


def test_a_check_in_made_offline_is_kept_encrypted_and_saved_once_when_back_online(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    note = "Slept badly, the ward was loud."
    log_in(page)
    wait_for_service_worker(page)
    online.set_offline(True)
    card = page.locator("#checkin-card")
    # Nothing chosen yet: the outbox does not keep half a check-in.
    card.get_by_role("button", name="Save check-in").click()
    banner = page.locator("#outbox")
    expect(banner).to_contain_text("Answer the questions not marked optional")
    assert outbox_items(page) == []

    card.get_by_role("radio", name="2 Low").click()
    card.get_by_role("radio", name="4 A lot").click()
    card.locator("summary", has_text="Sleep, energy and a note").click()
    card.get_by_label("A note").fill(note)
    card.get_by_role("button", name="Save check-in").click()
    expect(banner).to_contain_text("1 item is kept on this device")
    expect(banner.locator("#outbox-items")).to_contain_text("Check-in, written")
    # On a 24-hour clock, as the server writes every other time on the page.
    expect(banner.locator("#outbox-items")).to_contain_text(re.compile(r"written \w+ \d\d:\d\d$"))
    (item,) = outbox_items(page)
    assert item[1]["kind"] == "mood.check_in"
    dump = json.dumps(storage(page))
    assert note not in dump and note.encode().hex() not in dump
    assert checkins_in_db(app) == []

    online.set_offline(False)
    expect(banner).to_contain_text("1 item was sent and saved.")
    assert outbox_items(page) == []
    assert checkins_in_db(app) == [(today_of(app), 2, 4, note)]
    # Sending again (another tab, Background Sync) makes nothing more.
    page.reload()
    expect(card).to_contain_text("Low (2 of 5)")
    assert checkins_in_db(app) == [(today_of(app), 2, 4, note)]


def test_a_check_in_kept_on_the_offline_page_is_sent_with_its_day(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    log_in(page)
    wait_for_service_worker(page)
    online.set_offline(True)
    page.goto("/mood/check-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    form = page.locator("#offline-checkin-form")
    form.get_by_role("radio", name="4 Good").click()
    form.get_by_role("radio", name="1 Not at all").click()
    form.get_by_role("button", name="Keep check-in to send later").click()
    expect(page.locator("#outbox")).to_contain_text("1 item is kept on this device")

    online.set_offline(False)
    expect(page.locator("#outbox")).to_contain_text("1 item was sent and saved.")
    assert checkins_in_db(app) == [(today_of(app), 4, 1, "")]


@pytest.mark.browser_context_args(timezone_id="Pacific/Pago_Pago")
def test_a_check_in_kept_offline_is_dated_in_the_users_time_zone_not_the_phones(
    page: Page, app: Flask, writer: None, online: BrowserContext
) -> None:
    # A day apart at every hour: UTC+14 for the person, UTC-11 on the phone.
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        assert user is not None
        user.time_zone = "Pacific/Kiritimati"
        db.session.commit()
    log_in(page)
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Pacific/Pago_Pago"
    wait_for_service_worker(page)
    online.set_offline(True)
    card = page.locator("#checkin-card")
    card.get_by_role("radio", name="3 Okay").click()
    card.get_by_role("radio", name="3 Some").click()
    card.get_by_role("button", name="Save check-in").click()
    expect(page.locator("#outbox")).to_contain_text("1 item is kept on this device")
    online.set_offline(False)
    expect(page.locator("#outbox")).to_contain_text("1 item was sent and saved.")
    assert checkins_in_db(app) == [(today_of(app), 3, 3, "")]


def test_a_nav_link_tapped_offline_shows_the_offline_page(
    page: Page, writer: None, online: BrowserContext
) -> None:
    log_in(page)
    page.goto("/")
    wait_for_service_worker(page)
    online.set_offline(True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Journal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")


def test_the_outbox_banner_says_what_is_true_then_goes_away(
    page: Page, writer: None, online: BrowserContext
) -> None:
    log_in(page)
    page.goto("/journal/")
    wait_for_service_worker(page)
    online.set_offline(True)
    write_in_composer(page, "Tunnel", "Written underground.")
    banner = page.locator("#outbox")
    expect(banner.get_by_role("heading")).to_have_text("Waiting to be sent")
    online.set_offline(False)
    expect(banner).to_contain_text("1 item was sent and saved.")
    # Nothing waits any more, so the heading no longer says so.
    expect(banner.get_by_role("heading")).not_to_have_text("Waiting to be sent")
    # The next page has no news to give: the banner is gone.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Mood").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mood")
    expect(banner).to_be_hidden()
