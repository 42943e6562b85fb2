"""The W3C Nu HTML checker over every whole page the browser tests were served (issue
18): 0 errors. Named to run after the other browser tests, whose pages it checks; run
alone, it visits a few pages itself. `make test` installs the checker (npm vnu-jar)
into .tools/; it needs Java (Debian's default-jre-headless)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess  # nosec: a fixed command line, run on the test machine
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import SERVED_PAGES

ROOT = Path(__file__).resolve().parents[2]
VNU = Path(os.environ.get("VNU_JAR") or ROOT / ".tools/node_modules/vnu-jar/build/dist/vnu.jar")


def checker() -> list[str]:
    java = shutil.which("java")
    if java and VNU.exists():
        return [java, "-Xss1024k", "-jar", str(VNU)]
    missing = "Java (apt-get install default-jre-headless)" if not java else f"{VNU} (make vnu)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but the Nu HTML checker needs {missing}", pytrace=False)
    pytest.skip(f"the Nu HTML checker needs {missing}")


def test_every_page_the_browser_saw_is_valid_html(page: Page, tmp_path: Path) -> None:
    command = checker()
    if len(SERVED_PAGES) < 3:  # run alone: see a few pages first
        for path in ("/", "/login", "/signup", "/forgot", "/offline"):
            page.goto(path)
    assert SERVED_PAGES, "no page was recorded"
    names = {}
    for index, (path, body) in enumerate(sorted(SERVED_PAGES.items())):
        name = tmp_path / f"page-{index}.html"
        name.write_text(body, encoding="utf-8")
        names[name.as_uri()] = path
    result = subprocess.run(
        [*command, "--errors-only", "--format", "json", *map(str, sorted(tmp_path.glob("*.html")))],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    errors = [m for m in messages if m.get("type") == "error"]
    lines = []
    for m in errors:
        path = names.get(m.get("url", ""), m.get("url", "?"))
        extract = re.sub(r"\s+", " ", m.get("extract", ""))[:120]
        lines.append(f"{path}:{m.get('lastLine', '?')}: {m.get('message')}  [{extract}]")
    assert not errors, f"{len(errors)} HTML error(s) in {len(SERVED_PAGES)} pages:\n" + "\n".join(
        lines[:60]
    )
