"""`make bench`: the clinic under load, held to ratios against Flask's own ceiling.

    python -m bench.run [--reuse] [--duration 10] [--only NAME ...] [--no-page-weight]

1. generates the clinic (bench/generate.py) into a fresh database, or reuses it;
2. serves the app and the ceiling (bench/ceiling.py) with gunicorn, 2 sync workers
   each, on free localhost ports, with the same settings;
3. logs in real users through the login form (real CSRF token, real cookies, the
   production Argon2id cost) and drives every scenario with wrk at 16 connections;
4. times one request of each scenario on the idle server (Server-Timing);
5. measures the page weight of Home in Chromium (bench/pageweight.py);
6. prints a table and PASS/FAIL per target, and writes bench/results/<date>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pyotp

from bench.clinic import (
    BENCH_DIR,
    BENCH_ENV,
    DEFAULT_SQLITE_URL,
    HEAVY_EMAIL,
    PASSWORD,
    RESULTS_DIR,
    WIDE_THERAPIST_EMAIL,
    ClinicSpec,
    patient_email,
    signin_email,
    therapist_email,
    totp_file,
)
from bench.text import entry_text

WORKERS = 2
GUNICORN_SETTINGS = ["--workers", str(WORKERS), "--worker-class", "sync", "--log-level", "warning"]
LUA_SCRIPT = BENCH_DIR / "wrk" / "requests.lua"
TWO_STEP = "/login/two-factor"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
TIMING_RE = re.compile(r'app;dur=([0-9.]+), cpu;dur=([0-9.]+), sql;desc="(\d+) statements"')

# Targets, all measured in this one run. Each page has a budget of server time (the
# median of single requests on the idle server, `budget_ms` below); a five-year patient's
# page stays within HEAVY_FACTOR of a one-year one's, and the caseload of 400 within
# CASELOAD_FACTOR of 20. The ratio to bare Flask is reported, not held to a goal: the
# stack's floor for a logged-in page is about 0.2 of it (docs/performance.md).
P99_MS = 100.0
HEAVY_FACTOR = 1.3
CASELOAD_FACTOR = 1.2
FIRST_LOAD_BYTES = 60 * 1024
PATIENT_PAGE_MS = 3.0
HISTORY_PAGE_MS = 5.0
THERAPIST_PAGE_MS = 6.0

ActorList = Callable[[ClinicSpec], list[str]]


def _patients(spec: ClinicSpec) -> list[str]:
    return [patient_email(i) for i in range(min(8, spec.patients))]


def writers(spec: ClinicSpec) -> list[str]:
    """Other patients than the readers', so writes never change what reads see."""
    first = 100 if spec.patients >= 108 else max(8, spec.patients - 8)
    return [patient_email(i) for i in range(first, min(first + 8, spec.patients))]


def _heavy(spec: ClinicSpec) -> list[str]:
    return [HEAVY_EMAIL]


def _therapists(spec: ClinicSpec) -> list[str]:
    return [therapist_email(i) for i in range(min(8, spec.therapists))]


def _first_therapist(spec: ClinicSpec) -> list[str]:
    """therapist-00 looks after patient-000 and the heavy patient (ClinicSpec.therapist_of)."""
    return [therapist_email(0)]


def _wide_therapist(spec: ClinicSpec) -> list[str]:
    return [WIDE_THERAPIST_EMAIL] if spec.wide_therapist else []


def _signin(spec: ClinicSpec) -> list[str]:
    return [signin_email(i) for i in range(spec.signin_users)]


def _entry_form(email: str, index: int) -> dict[str, str]:
    title, body = entry_text(random.Random(f"bench-write:{index}"), 1500)
    return {"title": title, "body": body}


def _signin_form(email: str, index: int) -> dict[str, str]:
    return {"email": email, "password": PASSWORD}


@dataclass(frozen=True)
class Scenario:
    """One page or action under load. `path` has `{subject_id}` for a page about one
    patient (`subject`); `marker` is text the page must show, so an error page or a
    redirect to the login page cannot pass for it."""

    name: str
    kind: str  # "read", "write" or "signin"
    actors: ActorList
    path: str
    method: str = "GET"
    htmx: bool = False
    form: Callable[[str, int], dict[str, str]] | None = None  # (actor, n): the fields
    csrf_from: str | None = None  # the page whose form gives the CSRF token (default: path)
    expect_status: int = 200
    marker: str = ""
    subject: str | None = None  # whose page: patient_email(0) or HEAVY_EMAIL
    heavy_of: str | None = None  # held to HEAVY_FACTOR x this scenario's server time
    wide_of: str | None = None  # held to CASELOAD_FACTOR x this scenario's server time
    budget_ms: float | None = None  # server time allowed (median of single requests)


BRIEF = "/clinic/patients/{subject_id}/brief"
# Each actor's own latest done dosing session (resolved per actor in `prepare`).
OWN_SESSION = "/sessions/{own_session}"
# Not a wrk scenario: many sign-ins at once while others write (bench/burst.py).
BURST = "sign-in burst"

SCENARIOS = [
    Scenario(
        "patient Home",
        "read",
        _patients,
        "/",
        marker="Recent entries",
        budget_ms=PATIENT_PAGE_MS,
    ),
    Scenario(
        "journal list",
        "read",
        _patients,
        "/journal/",
        marker='id="entry-list"',
        budget_ms=PATIENT_PAGE_MS,
    ),
    Scenario(
        "heavy patient Home",
        "read",
        _heavy,
        "/",
        marker="Recent entries",
        heavy_of="patient Home",
        budget_ms=PATIENT_PAGE_MS,
    ),
    Scenario(
        "heavy journal list",
        "read",
        _heavy,
        "/journal/",
        marker='id="entry-list"',
        heavy_of="journal list",
        budget_ms=PATIENT_PAGE_MS,
    ),
    Scenario(
        "check-in",
        "read",
        _patients,
        "/mood/check-in",
        marker="<h1>Check in</h1>",
        budget_ms=PATIENT_PAGE_MS,
    ),
    Scenario(
        "session page",
        "read",
        _patients,
        OWN_SESSION,
        marker="<h1>Session on ",
        budget_ms=PATIENT_PAGE_MS,
    ),
    Scenario(
        "timeline",
        "read",
        _patients,
        "/journal/timeline",
        marker="<h1>Timeline</h1>",
        budget_ms=HISTORY_PAGE_MS,
    ),
    Scenario(
        "heavy timeline",
        "read",
        _heavy,
        "/journal/timeline",
        marker="<h1>Timeline</h1>",
        heavy_of="timeline",
        budget_ms=HISTORY_PAGE_MS,
    ),
    Scenario(
        "mood charts",
        "read",
        _patients,
        "/mood/charts",
        marker="<h1>Charts</h1>",
        budget_ms=HISTORY_PAGE_MS,
    ),
    Scenario(
        "heavy mood charts",
        "read",
        _heavy,
        "/mood/charts",
        marker="<h1>Charts</h1>",
        heavy_of="mood charts",
        budget_ms=HISTORY_PAGE_MS,
    ),
    Scenario(
        "caseload, 20 patients",
        "read",
        _therapists,
        "/clinic/patients",
        marker="Your patients",
        budget_ms=THERAPIST_PAGE_MS,
    ),
    Scenario(
        "caseload, 400 patients",
        "read",
        _wide_therapist,
        "/clinic/patients",
        marker="Your patients",
        wide_of="caseload, 20 patients",
        budget_ms=THERAPIST_PAGE_MS,
    ),
    Scenario(
        "therapist brief",
        "read",
        _first_therapist,
        BRIEF,
        marker="<h1>Pre-appointment brief</h1>",
        subject=patient_email(0),
        budget_ms=THERAPIST_PAGE_MS,
    ),
    Scenario(
        "heavy therapist brief",
        "read",
        _first_therapist,
        BRIEF,
        marker="<h1>Pre-appointment brief</h1>",
        subject=HEAVY_EMAIL,
        heavy_of="therapist brief",
        budget_ms=THERAPIST_PAGE_MS,
    ),
    # The composer on the journal page posts with htmx and gets the list back.
    Scenario(
        "save an entry",
        "write",
        writers,
        "/journal/",
        method="POST",
        htmx=True,
        form=_entry_form,
        marker="Entry saved.",
        budget_ms=PATIENT_PAGE_MS,
    ),
    Scenario(
        "sign-in",
        "signin",
        _signin,
        "/login",
        method="POST",
        form=_signin_form,
        csrf_from="/login",
        expect_status=302,
    ),
]


# -- a small HTTP client that keeps cookies the way a browser would -----------------


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str


@dataclass
class Browser:
    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        reply = Reply(response.status, response.msg, response.read().decode("utf-8", "replace"))
        conn.close()
        for raw in reply.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return reply

    def csrf_token(self, path: str) -> str:
        match = CSRF_RE.search(self.request("GET", path).body)
        if not match:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1)

    def log_in(self, email: str, totp_secret: str | None = None) -> None:
        """The login form, then (therapists) the two-step code page with a code from
        the secret the generator kept. A code is taken once per 30 s step, so a
        refused one is retried with the next step's code."""
        form = {"email": email, "password": PASSWORD, "csrf_token": self.csrf_token("/login")}
        reply = self.request("POST", "/login", form)
        if reply.status != 302:
            raise RuntimeError(f"login of {email} failed: {reply.status}")
        if totp_secret is None:
            return
        for _ in range(3):
            code = pyotp.TOTP(totp_secret).now()
            token = self.csrf_token(TWO_STEP)
            reply = self.request("POST", TWO_STEP, {"code": code, "csrf_token": token})
            if reply.status == 302:
                return
            time.sleep(31 - time.time() % 30)
        raise RuntimeError(f"two-step sign-in of {email} failed: {reply.status}")


# -- servers ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def gunicorn(
    app_spec: str, env: dict[str, str], settings: list[str] | None = None
) -> Iterator[int]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *(settings or GUNICORN_SETTINGS),
        "--bind",
        f"127.0.0.1:{port}",
        app_spec,
    ]
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=BENCH_DIR.parent)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                Browser("127.0.0.1", port).request("GET", "/")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn for {app_spec} did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def server_env(database_url: str) -> dict[str, str]:
    """The served app: development mode with fixed secrets, so no TLS is needed for
    its cookies; the Argon2id cost is the production default (nothing lowers it)."""
    return {
        **BENCH_ENV,
        "JOURNAL_ENV": "development",
        "DATABASE_URL": database_url,
        # Every sign-in comes from 127.0.0.1: the per-IP limit would answer 429.
        "RATELIMIT_ENABLED": "0",
        "BENCH_SERVER_TIMING": "1",
    }


# -- measuring ----------------------------------------------------------------------


@dataclass
class Prepared:
    """A scenario's requests, ready for wrk and for the single timed requests."""

    scenario: Scenario
    requests: list[tuple[str, str, dict[str, str], str | None]]  # method, path, headers, body

    def lua(self) -> str:
        def q(value: str) -> str:
            # For ASCII, a JSON string literal is also a valid Lua one (form bodies and
            # cookies are URL-encoded, so everything here is ASCII).
            if not value.isascii():
                raise ValueError(f"not ASCII, cannot hand to wrk: {value[:40]!r}")
            return json.dumps(value)

        rows = []
        for method, path, headers, body in self.requests:
            h = ", ".join(f"[{q(k)}] = {q(v)}" for k, v in headers.items())
            b = q(body) if body is not None else "nil"
            rows.append(
                f"  {{method = {q(method)}, path = {q(path)}, headers = {{{h}}}, body = {b}}}"
            )
        return "return {\n" + ",\n".join(rows) + "\n}\n"


def prepare(
    scenario: Scenario,
    sessions: dict[str, Browser],
    subjects: dict[str, str],
    own_sessions: dict[str, str] | None = None,
) -> Prepared:
    assert scenario.path is not None
    requests: list[tuple[str, str, dict[str, str], str | None]] = []
    actors = list(sessions.items())
    rounds = max(16, len(actors))
    for i in range(rounds):
        email, browser = actors[i % len(actors)]
        path = scenario.path.format(
            subject_id=subjects.get(scenario.subject or "", ""),
            own_session=(own_sessions or {}).get(email, ""),
        )
        headers = {"Cookie": browser.cookie_header()}
        if scenario.htmx:
            headers["HX-Request"] = "true"
        body = None
        if scenario.form is not None:
            fields = scenario.form(email, i)
            fields["csrf_token"] = browser.csrf_token(scenario.csrf_from or path)
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        requests.append((scenario.method, path, headers, body))
    return Prepared(scenario, requests)


def single_request(
    port: int, method: str, path: str, headers: dict[str, str], body: str | None
) -> tuple[int, str, tuple[float, float, int] | None]:
    """Status, body and, from Server-Timing, (wall ms, CPU ms, SQL statements)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    timing = TIMING_RE.search(response.getheader("Server-Timing") or "")
    conn.close()
    if timing:
        wall, cpu, sql = timing.groups()
        return response.status, text, (float(wall), float(cpu), int(sql))
    return response.status, text, None


def check_and_time(port: int, prepared: Prepared, samples: int) -> dict[str, Any]:
    """Each request once (right status and content?), then `samples` timed ones."""
    scenario = prepared.scenario
    for method, path, headers, body in prepared.requests[: min(len(prepared.requests), 8)]:
        status, text, _ = single_request(port, method, path, headers, body)
        if status != scenario.expect_status or scenario.marker not in text:
            raise RuntimeError(
                f"{scenario.name}: {method} {path} answered {status}"
                f" (expected {scenario.expect_status} with {scenario.marker!r})"
            )
    timings = []
    for i in range(samples):
        method, path, headers, body = prepared.requests[i % len(prepared.requests)]
        _, _, timing = single_request(port, method, path, headers, body)
        if timing is not None:
            timings.append(timing)
    if not timings:
        return {"server_ms": None, "server_cpu_ms": None, "sql_statements": None}
    return {
        "server_ms": round(statistics.median(t[0] for t in timings), 2),
        "server_cpu_ms": round(statistics.median(t[1] for t in timings), 2),
        "sql_statements": max(t[2] for t in timings),
    }


def run_wrk(port: int, prepared_lua: str, duration: float, connections: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(prepared_lua)
        requests_file = fh.name
    try:
        result = subprocess.run(
            [
                "wrk",
                f"-t{WORKERS}",
                f"-c{connections}",
                f"-d{max(1, round(duration))}s",
                "--timeout",
                "10s",
                "-s",
                str(LUA_SCRIPT),
                f"http://127.0.0.1:{port}",
            ],
            env={**os.environ, "BENCH_WRK_REQUESTS": requests_file},
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(requests_file)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = raw["duration_us"] / 1e6
    return {
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "requests": raw["requests"],
        "statuses": raw["statuses"],
        "socket_errors": {k: v for k, v in raw["errors"].items() if k != "status" and v},
    }


def drain(port: int, path: str = "/") -> None:
    """Wait until requests wrk left queued are served: when wrk stops, gunicorn still
    works through the connections already accepted into its backlog, which would
    otherwise slow the start of the next measurement. Each probe queues behind them."""
    for _ in range(WORKERS):
        single_request(port, "GET", path, {}, None)


def ceiling_lua() -> str:
    return Prepared(Scenario("ceiling", "read", _patients, "/"), [("GET", "/", {}, None)]).lua()


# -- targets ------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    measured: str
    goal: str
    passed: bool | None  # None: not measured in this run


def evaluate(
    results: dict[str, dict[str, Any]], ceiling_rps: float, weight: dict[str, Any] | None
) -> list[Target]:
    targets: list[Target] = []
    for scenario in SCENARIOS:
        r = results.get(scenario.name)
        if r is None or "rps" not in r or scenario.kind == "signin":
            continue
        if scenario.budget_ms is not None and r.get("server_ms") is not None:
            targets.append(
                Target(
                    f"{scenario.name}: server time",
                    f"{r['server_ms']:.2f} ms",
                    f"<= {scenario.budget_ms:.0f} ms",
                    r["server_ms"] <= scenario.budget_ms,
                )
            )
        targets.append(
            Target(
                f"{scenario.name}: p99",
                f"{r['p99_ms']:.1f} ms",
                f"< {P99_MS:.0f} ms",
                r["p99_ms"] < P99_MS,
            )
        )
        for other, allowed in (
            (scenario.heavy_of, HEAVY_FACTOR),
            (scenario.wide_of, CASELOAD_FACTOR),
        ):
            normal = results.get(other or "", {})
            if other and normal.get("server_ms") and r.get("server_ms"):
                factor = r["server_ms"] / normal["server_ms"]
                targets.append(
                    Target(
                        f"{scenario.name}: server time vs {other}",
                        f"{factor:.2f}x",
                        f"<= {allowed:.1f}x",
                        factor <= allowed,
                    )
                )
    if weight is not None:
        first = weight["first"]["gzip_bytes"]
        targets.append(
            Target(
                "Home first load (gzip)",
                f"{first / 1024:.1f} KB",
                f"<= {FIRST_LOAD_BYTES // 1024} KB",
                first <= FIRST_LOAD_BYTES,
            )
        )
        repeat = weight["repeat"]
        targets.append(
            Target(
                "Home repeat load: only the HTML document",
                f"{repeat['requests_over_network']} request(s),"
                f" {repeat['gzip_bytes'] / 1024:.1f} KB",
                "1 request (the document)",
                bool(weight["repeat_only_document"]),
            )
        )
    return targets


# -- the run ------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kib = 0
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH_DIR
    )
    return {
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "niceness": os.nice(0),  # below 0: run ahead of the machine's other work
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "wrk": (wrk.stdout or wrk.stderr).split("\n")[0].strip(),
        "commit": commit.stdout.strip(),
    }


def reuse_ok(database_url: str, spec: ClinicSpec) -> bool:
    from sqlalchemy import func, select

    from bench.generate import bench_app
    from journal.core.extensions import db
    from journal.models.entries import Entry
    from journal.models.users import User

    try:
        app = bench_app(database_url)
        with app.app_context():
            users = db.session.scalar(select(func.count()).select_from(User))
            entries = db.session.scalar(select(func.count()).select_from(Entry)) or 0
            db.engine.dispose()
    except Exception:
        return False
    return users == spec.users and entries >= spec.entries and totp_file(database_url).exists()


def user_ids_and_costs(database_url: str, emails: list[str]) -> dict[str, tuple[str, int]]:
    from sqlalchemy import select

    from bench.generate import bench_app
    from journal.core.extensions import db
    from journal.models.users import User

    app = bench_app(database_url)
    with app.app_context():
        rows = db.session.execute(
            select(User.email, User.id, User.kdf_memory_kib).where(User.email.in_(emails))
        ).all()
        db.engine.dispose()
    return {email: (str(uid), cost) for email, uid, cost in rows}


def latest_done_sessions(database_url: str, emails: list[str]) -> dict[str, str]:
    """Each patient's latest done dosing session: the session page of the bench."""
    from sqlalchemy import select

    from bench.generate import bench_app
    from journal.core.extensions import db
    from journal.models.kap_sessions import KapSession, SessionStatus
    from journal.models.users import User

    app = bench_app(database_url)
    with app.app_context():
        rows = db.session.execute(
            select(User.email, KapSession.id)
            .join(KapSession, KapSession.user_id == User.id)
            .where(User.email.in_(emails), KapSession.status == SessionStatus.DONE)
            .order_by(KapSession.starts_at)
        ).all()
        db.engine.dispose()
    return {email: str(session_id) for email, session_id in rows}  # the latest wins


def _ms(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def print_table(ceilings: list[float], results: dict[str, dict[str, Any]]) -> None:
    """req/s and latency under wrk, the ceiling runs around it and the ratio to them;
    server and CPU ms of one request on the idle server."""
    header = (
        f"{'scenario':24} {'req/s':>7} {'ceiling':>7} {'ratio':>5} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'server ms':>9} {'cpu ms':>7} {'SQL':>3}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for scenario in SCENARIOS:
        r = results.get(scenario.name, {})
        if "rps" not in r:
            print(f"{scenario.name:24} not run")
            continue
        ceiling = r.get("ceiling_rps", statistics.mean(ceilings))
        sql = str(r["sql_statements"]) if r.get("sql_statements") is not None else "-"
        odd = {k: v for k, v in r["statuses"].items() if int(k) != scenario.expect_status}
        note = f"   unexpected statuses: {odd}" if odd else ""
        if r["socket_errors"]:
            note += f"   socket errors: {r['socket_errors']}"
        print(
            f"{scenario.name:24} {r['rps']:>7.1f} {ceiling:>7.0f} {r['rps'] / ceiling:>5.2f}"
            f" {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} {_ms(r.get('server_ms')):>9}"
            f" {_ms(r.get('server_cpu_ms')):>7} {sql:>3}{note}"
        )
    print(f"ceiling runs (req/s): {', '.join(f'{c:.0f}' for c in ceilings)}")


def sessions_for(
    scenario: Scenario,
    spec: ClinicSpec,
    port: int,
    logins: dict[str, Browser],
    totp_secrets: dict[str, str],
) -> dict[str, Browser]:
    """The scenario's actors, logged in once through the form and reused; sign-in's
    actors are anonymous visitors holding the login page's CSRF token."""
    sessions: dict[str, Browser] = {}
    for email in scenario.actors(spec):
        if scenario.kind == "signin":
            sessions[email] = Browser("127.0.0.1", port)
            sessions[email].request("GET", "/login")
            continue
        if email not in logins:
            logins[email] = Browser("127.0.0.1", port)
            logins[email].log_in(email, totp_secrets.get(email))
        sessions[email] = logins[email]
    return sessions


def measure_scenario(
    scenario: Scenario, sessions: dict[str, Browser], port: int, args: argparse.Namespace
) -> dict[str, Any]:
    subjects = user_ids_and_costs(args.database, [scenario.subject] if scenario.subject else [])
    own = (
        latest_done_sessions(args.database, list(sessions))
        if "{own_session}" in scenario.path
        else {}
    )
    prepared = prepare(scenario, sessions, {e: i for e, (i, _) in subjects.items()}, own)
    samples = 3 if scenario.kind == "signin" else args.samples
    lua = prepared.lua()
    if scenario.kind != "signin":  # Argon2id has nothing to warm up
        # One request first, alone: a caseload's first view after generation builds
        # every patient's sealed summary, once, which 16 connections would all wait on.
        single_request(port, *prepared.requests[0])
        run_wrk(port, lua, args.warmup, args.connections)
        drain(port, "/healthz")
    # One request at a time on the idle, warmed-up server (both workers have run
    # the page, so no template compiling or cold cache is in the number).
    timing = check_and_time(port, prepared, samples)
    load = run_wrk(port, lua, args.duration, args.connections)
    drain(port, "/healthz")
    print(
        f"{scenario.name}: {load['rps']:.1f} req/s, p99 {load['p99_ms']:.1f} ms,"
        f" server {timing['server_ms']} ms (CPU {timing['server_cpu_ms']}),"
        f" {timing['sql_statements']} SQL"
    )
    return {**load, **timing, "kind": scenario.kind}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_SQLITE_URL
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the generated clinic if it is complete"
    )
    parser.add_argument(
        "--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 10))
    )
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--ceiling-duration", type=float, default=5.0, help="each ceiling run (one per scenario)"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--samples", type=int, default=20, help="timed single requests per scenario"
    )
    parser.add_argument("--only", nargs="*", help="run only these scenarios (by name)")
    parser.add_argument("--no-page-weight", action="store_true")
    parser.add_argument(
        "--clinic",
        choices=("full", "small"),
        default="full",
        help="small: eight patients with two weeks each (enough for --only 'sign-in burst')",
    )
    parser.add_argument(
        "--patients",
        type=int,
        default=None,
        help="a quick clinic: the full one's kind of patients, but only this many",
    )
    parser.add_argument(
        "--burst", type=int, default=50, help="sign-ins at once in the sign-in burst"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    from bench.generate import generate, print_counts

    spec = (
        ClinicSpec.small()
        if args.clinic == "small"
        else ClinicSpec.quick(args.patients)
        if args.patients
        else ClinicSpec()
    )
    host = machine()  # before anything of ours runs: the load average says who else does
    if host["load_average_at_start"][0] > 0.5:
        print(
            f"warning: load average {host['load_average_at_start'][0]} before the run;"
            " other processes share these cores, so the numbers will be noisy"
        )
    generated: dict[str, Any] = {"reused": True}
    if args.reuse and reuse_ok(args.database, spec):
        print(f"reusing the clinic in {args.database}")
    else:
        print(f"generating the clinic into {args.database} ...")
        counts, seconds = generate(args.database, spec, workers=WORKERS)
        print_counts(counts, seconds)
        generated = {"reused": False, "seconds": round(seconds, 1), "counts": dict(counts)}

    totp_secrets: dict[str, str] = json.loads(totp_file(args.database).read_text())
    env = server_env(args.database)
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only]
    results: dict[str, dict[str, Any]] = {}
    ceilings: list[float] = []
    weight = None
    with (
        gunicorn("bench.ceiling:create_app()", {}) as ceiling_port,
        gunicorn("journal:create_app()", env) as app_port,
    ):

        def measure_ceiling() -> float:
            if not ceilings:
                run_wrk(ceiling_port, ceiling_lua(), args.warmup, args.connections)
                drain(ceiling_port)
            r = run_wrk(ceiling_port, ceiling_lua(), args.ceiling_duration, args.connections)
            drain(ceiling_port)
            ceilings.append(r["rps"])
            results.setdefault("ceiling", {"runs": []})["runs"].append(r)
            print(f"ceiling: {r['rps']:.0f} req/s, p99 {r['p99_ms']:.1f} ms")
            return float(r["rps"])

        # Each scenario sits between two ceiling runs and is compared with their mean,
        # so a neighbour's work on a shared machine weighs on both sides of a ratio.
        before = measure_ceiling() if chosen else 0.0
        logins: dict[str, Browser] = {}
        for scenario in chosen:
            if not scenario.actors(spec):
                print(f"{scenario.name}: nobody in this clinic to run it")
                continue
            sessions = sessions_for(scenario, spec, app_port, logins, totp_secrets)
            result = measure_scenario(scenario, sessions, app_port, args)
            after = measure_ceiling()
            results[scenario.name] = {**result, "ceiling_rps": round((before + after) / 2, 1)}
            before = after
        if not args.only or BURST in args.only:
            from bench.burst import measure_bursts

            results[BURST] = measure_bursts(app_port, env, spec, logins, totp_secrets, args)
        costs = user_ids_and_costs(args.database, [*logins, *_signin(spec)])
        from journal.core.crypto import PRODUCTION_KDF

        served_cost = {
            "production_memory_kib": PRODUCTION_KDF.memory_kib,
            "all_logged_in_users_at_production_cost": all(
                cost == PRODUCTION_KDF.memory_kib for _, cost in costs.values()
            ),
        }
        if not served_cost["all_logged_in_users_at_production_cost"]:
            print("warning: some logged-in account is not at the production Argon2id cost")
        if not args.no_page_weight:
            from bench.pageweight import measure_home

            weight = measure_home(f"http://127.0.0.1:{app_port}", patient_email(1), PASSWORD)

    ceiling = statistics.mean(ceilings) if ceilings else 0.0
    if ceilings:
        print_table(ceilings, results)
    if BURST in results:
        from bench.burst import print_bursts

        print_bursts(results[BURST])
    if weight is not None:
        print_weight(weight)
    targets = evaluate(results, ceiling, weight)
    print("\ntargets")
    for t in targets:
        verdict = "PASS" if t.passed else "FAIL"
        print(f"  {verdict}  {t.name}: {t.measured} (target {t.goal})")
    print(
        "  ----  sign-in: no ratio target; Argon2id at the production cost"
        f" (64 MiB, t=3) bounds it at about {WORKERS} cores / 0.18 s"
    )

    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": host,
        "database": _dialect(args.database),
        "server": {
            "gunicorn": GUNICORN_SETTINGS,
            "connections": args.connections,
            "duration_s": args.duration,
            "wrk_threads": WORKERS,
        },
        "generation": generated,
        "served_cost": served_cost,
        "ceiling_rps": round(ceiling, 1),
        "results": results,
        "page_weight": weight,
        "targets": [t.__dict__ for t in targets],
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    suffix = "" if report["database"] == "sqlite" else f"-{report['database']}"
    out = args.out or RESULTS_DIR / f"{datetime.now(UTC):%Y-%m-%d}{suffix}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {out}")
    return 0


def _dialect(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def print_weight(weight: dict[str, Any]) -> None:
    print("\npage weight of Home (gzip -6 bodies plus headers; gunicorn itself does not compress)")
    for label in ("first", "repeat"):
        load = weight[label]
        print(
            f"  {label:6} load: {load['requests_over_network']} request(s) over the network,"
            f" {load['gzip_bytes'] / 1024:.1f} KB gzip"
            f" ({load['served_bytes'] / 1024:.1f} KB as served)"
        )
        for r in load["resources"]:
            path = urllib.parse.urlsplit(r["url"]).path
            print(f"         {r['source']:14} {r['status']} {path:40} {r['gzip_bytes']:>7} B")


if __name__ == "__main__":
    sys.exit(main())
