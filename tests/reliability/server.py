"""A real server for reliability tests: gunicorn as production runs it
(`deploy/gunicorn.conf.py`: threaded workers) with two worker processes on
127.0.0.1, on the suite's database, and small HTTP clients that keep their cookies.

Only this process's own server is ever signalled (its process group, by id).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import TEST_PEPPER

ROOT = Path(__file__).resolve().parents[2]
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """`env` adds to (or replaces) the settings below; `app` is gunicorn's app spec;
    start() returns once `ready_path` answers 200."""

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        *,
        env: dict[str, str] | None = None,
        app: str = "journal:create_app()",
        ready_path: str = "/healthz",
    ) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.port = free_port()
        self.log = workdir / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.extra_env = env or {}
        self.app = app
        self.ready_path = ready_path

    def start(self) -> None:
        env = {
            **os.environ,
            "JOURNAL_ENV": "development",
            "SECRET_KEY": "reliability-" + "s" * 40,
            "JOURNAL_PEPPER": TEST_PEPPER,
            "DATABASE_URL": self.database_url,
            "RATELIMIT_ENABLED": "0",
            "MAIL_BACKEND": "outbox",
            "MAIL_OUTBOX_DIR": str(self.workdir / "outbox"),
            **self.extra_env,
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),  # production's worker model
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                self.app,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as one, by its id
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if Client(self.port).request("GET", self.ready_path)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start; see {self.log}:\n{self.log_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL to the master and its workers: no chance to clean up."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Client:
    """One browser: a connection, its cookies, its CSRF token."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""
    # Sent with every request (e.g. X-Forwarded-For, to be one client address).
    headers: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {
            **self.headers,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            try:
                text = response.read().decode("utf-8", "replace")
            except http.client.IncompleteRead as cut:
                # Killed after the status line: the answer (and so the commit before
                # it) was already given; only the body was lost.
                text = cut.partial.decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if value and "Max-Age=0" not in header and "expires=Thu, 01 Jan 1970" not in header:
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
            return response.status, dict(response.headers), text
        finally:
            conn.close()

    def login(self, email: str, password: str) -> None:
        """Signs in as a person would: told the server is busy deriving someone else's
        key (503), they try again when `Retry-After` says."""
        for _ in range(100):
            status, headers, _ = self.try_login(email, password)
            if status != 503:
                break
            time.sleep(float(headers.get("Retry-After", "1")))
        assert status == 302 and headers["Location"] == "/", (status, headers)

    def try_login(self, email: str, password: str) -> tuple[int, dict[str, str], str]:
        if not self.token:
            _, _, page = self.request("GET", "/login")
            match = CSRF_RE.search(page)
            assert match, "no CSRF token on the login page"
            self.token = match.group(1)
        return self.request(
            "POST", "/login", {"email": email, "password": password, "csrf_token": self.token}
        )

    def write(self, body: str) -> str | None:
        """The new entry's id once the server confirmed it (302), else None."""
        status, headers, _ = self.request(
            "POST", "/journal/", {"body": body, "csrf_token": self.token}
        )
        if status != 302:
            return None
        return headers["Location"].rsplit("/", 1)[1]
