#!/usr/bin/env python3
"""Lighthouse on the main pages of both roles, on a phone profile (its default:
an emulated mid-range phone on a throttled mobile network).

    make lighthouse

Serves the app with gunicorn on a throwaway SQLite database, loads the demo clinic,
logs in as the demo patient and the demo therapist, and runs Lighthouse on each page
with that session's cookie. Prints performance, accessibility and best practices.
Needs Node and Chromium (CHROME_PATH, default /usr/bin/chromium); the Makefile
installs Lighthouse 12 into .tools/.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
LIGHTHOUSE = Path(
    os.environ.get("LIGHTHOUSE", ROOT / ".tools" / "node_modules" / ".bin" / "lighthouse")
)
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)
CATEGORIES = ("performance", "accessibility", "best-practices")
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
ENTRY_RE = re.compile(r'href="(/journal/[0-9a-f-]{36})"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def flask(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [str(BIN / "flask"), "--app", "journal", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return out.stdout


def _post_form(session: requests.Session, url: str, fields: dict[str, str]) -> requests.Response:
    token = CSRF_RE.search(session.get(url, timeout=10).text)
    assert token, f"no CSRF token on {url}"
    response = session.post(url, data={**fields, "csrf_token": token.group(1)}, timeout=30)
    response.raise_for_status()
    return response


def log_in(
    base: str, email: str, password: str, code: str | None = None
) -> tuple[requests.Session, str]:
    """Sign in through the forms, as a browser does; `code` answers the two-step page
    (every therapist has one)."""
    session = requests.Session()
    response = _post_form(session, f"{base}/login", {"email": email, "password": password})
    if response.url.split("?")[0].endswith("/login/two-factor"):
        assert code, f"{email} needs a two-step code"
        response = _post_form(session, response.url, {"code": code})
    assert "/login" not in response.url, f"login failed for {email}"
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return session, cookie


def lighthouse(url: str, cookie: str | None) -> dict[str, int]:
    args = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if cookie:
        args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True, timeout=300)
    report = json.loads(out.stdout)
    if report.get("runtimeError"):
        raise RuntimeError(f"{url}: {report['runtimeError']}")
    return {c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES}


def main() -> int:
    if not LIGHTHOUSE.exists():
        print(f"Lighthouse not found at {LIGHTHOUSE}; run `make lighthouse`.", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'journal.sqlite3'}",
        "RATELIMIT_ENABLED": "0",
        "JOURNAL_ENV": "development",
    }
    flask(env, "db", "upgrade")
    demo = flask(env, "demo", "load", "--reset")
    logins = dict(re.findall(r"^\s+(therapist|patient)\s+\S+\s+(\S+)$", demo, re.M))
    # The demo therapist signs in with two steps: one of the printed backup codes.
    backup_codes = re.findall(r"^\s+backup code\s+(\S+)$", demo, re.M)
    assert logins.keys() == {"therapist", "patient"} and backup_codes, demo
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "journal:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                requests.get(f"{base}/healthz", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                time.sleep(0.2)
        patient, patient_cookie = log_in(base, "demo-patient@example.com", logins["patient"])
        _, therapist_cookie = log_in(
            base, "demo-therapist@example.com", logins["therapist"], backup_codes[0]
        )
        entry = ENTRY_RE.search(patient.get(f"{base}/journal/", timeout=10).text)
        assert entry, "the demo patient has no entries"
        pages = [
            ("anyone", "/", None),
            ("anyone", "/login", None),
            ("anyone", "/offline", None),
            ("patient", "/", patient_cookie),
            ("patient", "/journal/", patient_cookie),
            ("patient", "/journal/new", patient_cookie),
            ("patient", entry.group(1), patient_cookie),
            ("patient", "/settings/", patient_cookie),
            ("patient", "/sessions/", patient_cookie),
            ("patient", "/mood/", patient_cookie),
            ("patient", "/mood/check-in", patient_cookie),
            ("patient", "/mood/charts", patient_cookie),
            ("patient", "/mood/measures/phq9", patient_cookie),
            ("therapist", "/clinic/patients", therapist_cookie),
            ("therapist", "/settings/", therapist_cookie),
        ]
        print(f"{'who':<10} {'page':<52} {'perf':>5} {'a11y':>5} {'best':>5}")
        worst = dict.fromkeys(CATEGORIES, 100)
        for who, path, cookie in pages:
            scores = lighthouse(base + path, cookie)
            shown = re.sub(r"[0-9a-f-]{36}", "<id>", path)
            print(
                f"{who:<10} {shown:<52} {scores['performance']:>5} "
                f"{scores['accessibility']:>5} {scores['best-practices']:>5}",
                flush=True,
            )
            worst = {c: min(worst[c], scores[c]) for c in CATEGORIES}
        print(
            f"{'lowest':<10} {'':<52} {worst['performance']:>5} "
            f"{worst['accessibility']:>5} {worst['best-practices']:>5}"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
