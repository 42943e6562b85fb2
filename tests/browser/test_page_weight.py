"""What a patient's phone downloads for Home (issue 19: nothing regresses): under 60 KB
gzipped on the first visit, the service worker's install included, and only the page
itself on the next. Counted in bytes by `make bench`'s own measurement
(bench/pageweight.py: real Chromium, DevTools network events), which starts its own
Playwright, so it runs in a process of its own against this test's server."""

from __future__ import annotations

import json
import subprocess
import sys

from flask import Flask

from tests.factories import PASSWORD, make_user

LIMIT = 60 * 1024
EMAIL = "weight@example.com"


def test_home_is_under_60_kb_on_a_first_visit_and_only_the_page_after(
    app: Flask, live_server: str
) -> None:
    make_user(app, EMAIL)
    code = (
        "import json, sys; from bench.pageweight import measure_home; "
        "print(json.dumps(measure_home(sys.argv[1], sys.argv[2], sys.argv[3])))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, live_server, EMAIL, PASSWORD],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    weight = json.loads(run.stdout.strip().splitlines()[-1])
    assert weight["service_worker"], "the service worker did not install"
    first = weight["first"]
    files = {
        r["url"].split("?")[0].rsplit("/", 1)[-1] or "/": r["gzip_bytes"]
        for r in first["resources"]
    }
    assert first["gzip_bytes"] <= LIMIT, (first["gzip_bytes"], files)
    assert weight["repeat_only_document"], weight["repeat"]["resources"]
