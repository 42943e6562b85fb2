"""Browser tests: the real app on a real port, driven by a real Chromium on a phone.

The server runs the session's `app` (same database, same outbox) in a thread. The
browser is Debian's `chromium` when it is installed, otherwise the one
`playwright install chromium` downloads. With neither, the tests are skipped with a
hint, unless `REQUIRE_BROWSER=1` (CI) turns that into a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, expect
from werkzeug.serving import make_server

# The phone and Chromium flags the benchmark's page weight uses: one browser setup.
from bench.pageweight import CHROMIUM_ARGS, PHONE

# A loaded 2-core CI machine can take longer than Playwright's 5 s default to settle
# an htmx swap; waiting longer costs nothing when the page is quick.
expect.set_options(timeout=15_000)

# The app the live server serves, for helpers that must reach its database.
_served: list[Flask] = []
# The first whole page served at each path during the run (see `live_server`).
SERVED_PAGES: dict[str, str] = {}

HERE = Path(__file__).parent
ARTIFACTS = HERE / "artifacts"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa", "best-practice"]
NO_BROWSER = (
    "No Chromium for the browser tests. Install one with `apt-get install chromium` "
    "(Debian/Ubuntu) or `playwright install chromium`, then run the tests again."
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this folder drives a browser: mark it so `-m "not browser"` works."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def keeping_pages(app: Flask) -> Any:
    """The app, keeping the first whole HTML page served at each path for the Nu HTML
    checker (test_zz_html_valid.py). Fragments (htmx swaps) are parts of a page."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen: dict[str, str] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.update((k.lower(), v) for k, v in headers)
            return start_response(status, headers, exc_info)

        result = app(environ, start)
        try:
            chunks = list(result)
        finally:
            getattr(result, "close", lambda: None)()
        if seen.get("content-type", "").startswith("text/html"):
            body = b"".join(chunks).decode("utf-8", "replace")
            if body.lstrip()[:15].lower() == "<!doctype html>":
                SERVED_PAGES.setdefault(environ.get("PATH_INFO", "/"), body)
        return chunks

    return wsgi


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The session's app served on a free localhost port; yields its base URL."""
    _served.append(app)

    server = make_server("127.0.0.1", 0, keeping_pages(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def system_chromium() -> str | None:
    """Debian's (or a distribution's) Chromium, which Playwright can drive directly."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], playwright: Playwright
) -> dict[str, Any]:
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    executable = system_chromium()
    if executable:
        return {**args, "executable_path": executable}
    if Path(playwright.chromium.executable_path).exists():
        return args  # the browser `playwright install chromium` downloaded
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but: {NO_BROWSER}", pytrace=False)
    pytest.skip(NO_BROWSER)


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright's base URL, so `page.goto("/")` reaches the live server."""
    return live_server


@pytest.fixture(scope="session")
def browser_context_args(
    browser_context_args: dict[str, Any], playwright: Playwright
) -> dict[str, Any]:
    """A phone: Pixel 7 viewport, scale, touch and user agent."""
    return {**browser_context_args, **playwright.devices[PHONE]}


def wait_until(page: Page, condition: Callable[[], object], what: str, seconds: float = 30) -> None:
    """Wait for something Playwright's `expect` cannot watch (a Python-side route
    handler, the database, IndexedDB): check it, let the page's events run, check
    again, until it holds or a generous deadline passes. The deadline only bounds a
    broken run; a passing run waits exactly as long as the condition takes."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {seconds:.0f} s: {what}")
        page.wait_for_timeout(50)  # hands control to Playwright's event loop


class Demo(NamedTuple):
    """The passwords `flask demo load` prints, as a developer reads them."""

    therapist_password: str
    patient_email: str
    patient_password: str


def load_demo(app: Flask) -> Demo:
    """`flask demo load --reset`, as a developer runs it; keeps the demo therapist's
    authenticator secret so that `finish_two_step` can type their code."""
    from journal.cli import DEMO_THERAPIST
    from tests.factories import TOTP_SECRETS

    result = app.test_cli_runner().invoke(args=["demo", "load", "--reset"])
    assert result.exit_code == 0, result.output
    therapist = re.search(rf"therapist\s+{re.escape(DEMO_THERAPIST)}\s+(\S+)", result.output)
    patient = re.search(r"patient\s+(\S+@\S+)\s+(\S+)", result.output)
    secret = re.search(r"authenticator app,\n\s+([A-Z2-7 ]+)\n", result.output)
    assert therapist and patient and secret, result.output
    TOTP_SECRETS[DEMO_THERAPIST] = secret.group(1).replace(" ", "")
    return Demo(therapist.group(1), patient.group(1), patient.group(2))


def screenshots(page: Page, name: str, *, full_page: bool = False) -> None:
    """The page as it is now, light and dark, into the artifacts for a human look."""
    ARTIFACTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{scheme}.png"), full_page=full_page)
    page.emulate_media(color_scheme="light")


def finish_two_step(page: Page, email: str) -> None:
    """After the password step, for a user made with two-step sign-in (every
    therapist from `make_user`): type the code, as from an authenticator app."""
    from tests.factories import TOTP_SECRETS, fresh_totp

    if email not in TOTP_SECRETS:
        return
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    # Each code works once, and a test may log the same therapist in twice within one
    # 30-second step: `fresh_totp` forgets the last step used, as time passing would.
    page.get_by_label("Code").fill(fresh_totp(_served[-1], email))
    page.get_by_role("button", name="Continue").click()


def assert_no_axe_violations(page: Page, label: str = "") -> None:
    """Run axe-core (WCAG 2.0-2.2 A/AA and best practices) on the page as it is now."""
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    violations = results.response["violations"]
    if not violations:
        return
    lines = [f"axe found {len(violations)} violation(s) on {label or page.url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}  [{v['helpUrl']}]")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary}")
    raise AssertionError("\n".join(lines))


@pytest.fixture
def online(context: BrowserContext) -> Iterator[BrowserContext]:
    """Whatever a test does to the network, the next test starts online."""
    yield context
    context.set_offline(False)
    context.unroute_all(behavior="ignoreErrors")


# What a failed network request logs by itself (a page fetched offline, a 422 answer
# shown on purpose, htmx reporting that a request failed or got no answer). Everything else
# a page writes to the console as an error fails the test: a CSP violation after a
# swap, an uncaught exception.
EXPECTED_CONSOLE_ERRORS = ("Failed to load resource", "htmx:sendError", "htmx:afterRequest")


@pytest.fixture(autouse=True)
def no_console_errors(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """Collect console errors from every page of every browser context the test opens
    (the `page` fixture, `new_context()`, `browser.new_context()`), and fail on any."""
    errors: list[str] = []
    if request.node.get_closest_marker("browser") is None:
        yield errors
        return
    browser: Browser = request.getfixturevalue("browser")
    original = browser.new_context

    def watch(context: BrowserContext) -> BrowserContext:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error" and not message.text.startswith(EXPECTED_CONSOLE_ERRORS):
                url = message.page.url if message.page else "?"
                errors.append(f"{url}: {message.text}")

        context.on("console", on_console)
        context.on("weberror", lambda error: errors.append(f"uncaught: {error.error}"))
        return context

    def new_context(*args: Any, **kwargs: Any) -> BrowserContext:
        return watch(original(*args, **kwargs))

    monkeypatch.setattr(browser, "new_context", new_context)
    yield errors
    if errors:
        shown = "\n".join(errors[:20])
        pytest.fail(f"{len(errors)} console error(s) in the browser:\n{shown}", pytrace=False)
