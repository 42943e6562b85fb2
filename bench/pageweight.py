"""Page weight of Home, measured in a real Chromium through the DevTools protocol.

First load: a fresh browser context (empty cache) carrying a logged-in session
opens Home; every response that came over the network is counted, and so is what
the service worker fetched to install itself (its script, its precache, the offline
page), until it is ready: that is downloaded on the first visit too. Repeat load:
Home again in the same context; only responses that did not come from a cache or
the service worker's cache count, and any fetch the worker makes of its own.

gunicorn does not compress, so the bytes are measured as a compressing proxy would
send them: each text body gzipped at level 6 here (images as they are), plus the
response headers as the browser received them.
"""

from __future__ import annotations

import base64
import gzip
import mimetypes
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, CDPSession, Page, Request, sync_playwright

# Also the browser tests' flags and phone (tests/browser/conftest.py).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
PHONE = "Pixel 7"


@dataclass
class Resource:
    url: str
    mime_type: str
    status: int
    served_bytes: int  # as gunicorn sent it (uncompressed), headers included
    body_bytes: int
    gzip_bytes: int  # headers + gzip -6 body (text types) or the body as it is
    # "network", "network via service worker", "cache" or "service worker"
    source: str


@dataclass
class Load:
    resources: list[Resource] = field(default_factory=list)

    @property
    def network(self) -> list[Resource]:
        return [r for r in self.resources if r.source.startswith("network")]

    def summary(self) -> dict[str, Any]:
        net = self.network
        return {
            "requests_over_network": len(net),
            "gzip_bytes": sum(r.gzip_bytes for r in net),
            "served_bytes": sum(r.served_bytes for r in net),
            "resources": [asdict(r) for r in self.resources],
        }


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise SystemExit("page weight needs Chromium: apt-get install -y chromium")
    return found


def _gzip_size(body: bytes, mime_type: str) -> int:
    if mime_type.startswith(TEXT_TYPES):
        return len(gzip.compress(body, compresslevel=6))
    return len(body)


def record_load(page: Page, cdp: CDPSession, url: str) -> Load:
    seen: dict[str, dict[str, Any]] = {}

    def on_response(params: dict[str, Any]) -> None:
        response = params["response"]
        entry = seen.setdefault(params["requestId"], {})
        entry.update(
            url=response["url"],
            mime=response.get("mimeType", ""),
            status=response["status"],
            disk=response.get("fromDiskCache", False),
            worker=response.get("fromServiceWorker", False),
            # Where the worker got it: "network" for a network-first page, or
            # "cache-storage" for what it keeps.
            worker_source=response.get("serviceWorkerResponseSource", ""),
            header_bytes=sum(len(k) + len(v) + 4 for k, v in response["headers"].items()),
        )

    def on_cached(params: dict[str, Any]) -> None:
        seen.setdefault(params["requestId"], {})["memory"] = True

    def on_finished(params: dict[str, Any]) -> None:
        seen.setdefault(params["requestId"], {})["encoded"] = int(params["encodedDataLength"])

    def on_failed(params: dict[str, Any]) -> None:
        seen.setdefault(params["requestId"], {})["failed"] = True

    def settled() -> bool:
        return all(
            "encoded" in entry or entry.get("memory") or entry.get("failed")
            for entry in seen.values()
            if "url" in entry
        )

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.requestServedFromCache", on_cached)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.loadingFailed", on_failed)
    page.goto(url, wait_until="networkidle")
    _poll(page, settled)  # each response's last event, which may trail "network idle"
    cdp.remove_listener("Network.responseReceived", on_response)
    cdp.remove_listener("Network.requestServedFromCache", on_cached)
    cdp.remove_listener("Network.loadingFinished", on_finished)
    cdp.remove_listener("Network.loadingFailed", on_failed)

    load = Load()
    for request_id, entry in seen.items():
        if "url" not in entry or entry["url"].startswith("data:"):
            continue
        try:
            raw = cdp.send("Network.getResponseBody", {"requestId": request_id})
            body = base64.b64decode(raw["body"]) if raw["base64Encoded"] else raw["body"].encode()
        except Exception:  # a redirect or an empty response has no body to fetch
            body = b""
        if entry.get("worker") and entry.get("worker_source") == "network":
            # Fetched over the network by the service worker (the page sees only its
            # answer, so the bytes on the wire are the body and its headers).
            source = "network via service worker"
            served = len(body) + entry.get("header_bytes", 0)
        elif entry.get("worker"):
            source = "service worker"
            served = 0
        elif entry.get("disk") or entry.get("memory"):
            source = "cache"
            served = 0
        else:
            source = "network"
            served = entry.get("encoded", 0)
        headers = max(0, served - len(body))
        load.resources.append(
            Resource(
                url=entry["url"],
                mime_type=entry["mime"],
                status=entry["status"],
                served_bytes=served,
                body_bytes=len(body),
                gzip_bytes=(headers + _gzip_size(body, entry["mime"])) if served else 0,
                source=source,
            )
        )
    return load


def _worker_fetch(context: BrowserContext, request: Request) -> Resource:
    """A request the service worker made itself (Playwright reports these only with
    its service-worker network events on). What came over the wire is its headers
    and body sizes; a sum of 0 or less is how Chromium reports a copy from the HTTP
    cache. A revalidated copy (304) costs its headers; a body, gzipped, on top."""
    sizes = request.sizes()
    response = request.response()
    headers = max(0, sizes["responseHeadersSize"])
    wire = sizes["responseHeadersSize"] + sizes["responseBodySize"]
    over_wire = response is not None and wire > 0
    mime = mimetypes.guess_type(urlsplit(request.url).path)[0] or "text/html"
    body = b""
    if over_wire and response is not None:
        try:
            body = response.body()
        except Exception:  # some worker responses keep no body for the inspector
            body = b""
        if not body and sizes["responseBodySize"] > 0:
            body = context.request.get(request.url).body()
    return Resource(
        url=request.url,
        mime_type=mime,
        status=response.status if response else 0,
        served_bytes=headers + len(body) if over_wire else 0,
        body_bytes=len(body),
        gzip_bytes=headers + _gzip_size(body, mime) if over_wire else 0,
        source="network, the service worker's own fetch" if over_wire else "cache",
    )


def _own_fetches(load: Load, context: BrowserContext, fetched: list[Request]) -> None:
    """Add the worker's own fetches to a load, except the pages it fetched for the
    page (network first), which the page's side already counted."""
    counted = {r.url for r in load.resources if r.source == "network via service worker"}
    load.resources += [_worker_fetch(context, r) for r in fetched if r.url not in counted]
    fetched.clear()


def _wait_for_service_worker(page: Page) -> bool:
    """True when the app registered a service worker and it is ready."""
    registered = page.evaluate(
        "async () => 'serviceWorker' in navigator"
        " && (await navigator.serviceWorker.getRegistrations()).length > 0"
    )
    if registered:
        page.evaluate(
            "() => Promise.race([navigator.serviceWorker.ready,"
            " new Promise(r => setTimeout(r, 5000))])"
        )
    return bool(registered)


def _poll(page: Page, done: Callable[[], bool], seconds: float = 10) -> None:
    """Until `done()`, or `seconds` at most: a slow machine then counts what had
    arrived, which can only make a load look lighter, never fail it."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        page.wait_for_timeout(25)  # hands control to Playwright's event loop


def _wait_for_precache_fetches(page: Page, fetched: list[Request]) -> None:
    """Until Playwright has reported the worker's own fetch of everything it keeps:
    the worker is ready only once its cache is full, but the events can trail it."""
    kept = page.evaluate(
        "async () => { const urls = [];"
        " for (const name of await caches.keys()) {"
        "  for (const r of await (await caches.open(name)).keys()) { urls.push(r.url); } }"
        " return urls; }"
    )
    _poll(page, lambda: set(kept) <= {request.url for request in fetched})


def _logged_in_context(browser: Any, devices: Any, base_url: str, email: str, password: str) -> Any:
    """Log in through the form in one context; return a fresh context with its cookies."""
    login: BrowserContext = browser.new_context(**devices[PHONE])
    page = login.new_page()
    page.goto(f"{base_url}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    cookies = login.cookies()
    login.close()
    fresh: BrowserContext = browser.new_context(**devices[PHONE])
    fresh.add_cookies(cookies)  # type: ignore[arg-type]
    return fresh


def measure_home(base_url: str, email: str, password: str) -> dict[str, Any]:
    # Read by Playwright's driver when it starts: report the worker's own requests.
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            context = _logged_in_context(browser, p.devices, base_url, email, password)
            fetched: list[Request] = []

            def by_worker(request: Request) -> None:
                if request.service_worker is not None:
                    fetched.append(request)

            context.on("requestfinished", by_worker)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            first = record_load(page, cdp, f"{base_url}/")
            worker = _wait_for_service_worker(page)
            if worker:
                _wait_for_precache_fetches(page, fetched)
            _own_fetches(first, context, fetched)
            repeat = record_load(page, cdp, f"{base_url}/")
            _own_fetches(repeat, context, fetched)
        finally:
            browser.close()
    return {
        "service_worker": worker,
        "first": first.summary(),
        "repeat": repeat.summary(),
        "repeat_only_document": [r.mime_type for r in repeat.network] == ["text/html"],
    }
