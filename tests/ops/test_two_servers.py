"""Two app servers behind one address, as a load balancer would see them.

Two gunicorn servers on two ports share one PostgreSQL database and one redis-server
(started here: the rate limits on one Redis database, the job queue on another), and
`flask jobs worker` processes run beside them. PostgreSQL only (SQLite cannot be
shared by two servers); skipped without redis-server, except in CI (`CI` set), where
its absence fails. Every wait is on a condition, never a fixed time.

Only processes this module started are signalled, each by its own id.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from journal import jobs
from journal.accounts import account_mail
from journal.core import crypto
from journal.core.extensions import db
from journal.models.entries import Entry
from journal.models.jobs import MailRequest
from journal.models.reminders import ReminderSent
from journal.models.users import User
from tests.conftest import TEST_PEPPER
from tests.factories import PASSWORD, make_user
from tests.pages import csrf_token
from tests.reliability.server import CSRF_RE, Client, Server
from tests.web.care_helpers import item_url, linked_pair
from tests.web.test_reminders import (
    BrowserKeys,
    FakePushService,
    _local_now,
    _midday_zone,
    _set_daily,
    _subscribe,
)
from tests.web.test_reminders import push_service as push_service

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.ops.servers:create()"
WAIT = 30.0


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.05)


@dataclass
class Cluster:
    a: Server
    b: Server
    env: dict[str, str]
    jobs_url: str
    workdir: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self) -> subprocess.Popen[bytes]:
        flask = str(Path(sys.executable).with_name("flask"))
        log = (self.workdir / f"worker-{len(self.workers)}.log").open("ab")
        worker = subprocess.Popen(
            [flask, "--app", APP, "jobs", "worker", "--workers", "2", "--no-periodic"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(worker)
        return worker

    def stop_workers(self, workers: list[subprocess.Popen[bytes]]) -> None:
        """SIGINT: each worker finishes the jobs it is running, then exits."""
        running = [w for w in workers if w.poll() is None]
        for worker in running:
            worker.send_signal(signal.SIGINT)
        for worker in running:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(
    app: Flask,
    database_url: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Cluster]:
    if not database_url.startswith("postgresql"):
        pytest.skip("two app servers need PostgreSQL (TEST_DATABASE_URL)")
    redis_url: str = request.getfixturevalue("redis_url")  # CI: a missing one fails
    workdir = tmp_path_factory.mktemp("two-servers")
    jobs_url = redis_url.rsplit("/", 1)[0] + "/1"
    env = {
        **os.environ,
        "JOURNAL_ENV": "development",
        "SECRET_KEY": "two-servers-" + "s" * 40,  # the same on both: one CSRF token works on each
        "JOURNAL_PEPPER": TEST_PEPPER,
        "DATABASE_URL": database_url,
        "RATELIMIT_ENABLED": "1",
        "RATELIMIT_STORAGE_URI": redis_url,
        "JOBS_URL": jobs_url,
        "TRUSTED_PROXIES": "1",  # each test is its own client address (X-Forwarded-For)
        "MAIL_BACKEND": "outbox",
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "VAPID_PRIVATE_KEY": crypto.new_vapid_private_key(),
        "VAPID_SUBJECT": "mailto:operator@clinic.example",
    }
    env.pop("JOBS_EAGER", None)
    a = Server(database_url, workdir, env=env, app=APP, ready_path="/readyz")
    b = Server(database_url, workdir, env=env, app=APP, ready_path="/readyz")
    env["PUBLIC_URL"] = f"http://127.0.0.1:{a.port}"
    starters = [threading.Thread(target=s.start) for s in (a, b)]
    for thread in starters:
        thread.start()
    for thread in starters:
        thread.join()
    assert a.process is not None and b.process is not None, "a server did not start"
    found = Cluster(a, b, env, jobs_url, workdir)
    try:
        yield found
    finally:
        found.stop_workers(found.workers)
        a.stop()
        b.stop()


def _client(port: int, address: str) -> Client:
    return Client(port, headers={"X-Forwarded-For": address})


def test_a_sign_in_on_one_server_holds_on_the_other(app: Flask, cluster: Cluster) -> None:
    make_user(app, "ada@example.com")
    on_a = _client(cluster.a.port, "198.51.100.1")
    on_a.login("ada@example.com", PASSWORD)
    on_b = _client(cluster.b.port, "198.51.100.1")
    on_b.cookies, on_b.token = dict(on_a.cookies), on_a.token

    status, _, page = on_b.request("GET", "/")
    assert status == 200 and "Log in" not in page
    entry = on_b.write("Written through the second server")
    assert entry is not None
    status, _, page = on_a.request("GET", f"/journal/{entry}")
    assert status == 200 and "Written through the second server" in page
    # Logging out on A ends the session on B too.
    on_a.request("POST", "/logout", {"csrf_token": on_a.token})
    status, headers, _ = on_b.request("GET", "/journal/")
    assert status == 302 and headers["Location"].startswith("/login")


def test_the_per_ip_limit_counts_sign_ins_on_both_servers(cluster: Cluster) -> None:
    """Ten sign-in attempts a minute per address: five on each server use them up."""
    on_a, on_b = _client(cluster.a.port, "203.0.113.5"), _client(cluster.b.port, "203.0.113.5")
    for i in range(10):
        status, _, _ = (on_a if i % 2 else on_b).try_login(f"nobody{i}@example.com", "wrong")
        assert status == 422, (i, status)
    assert on_a.try_login("nobody@example.com", "wrong")[0] == 429
    assert on_b.try_login("nobody@example.com", "wrong")[0] == 429
    # Another address is not slowed down.
    assert _client(cluster.b.port, "203.0.113.6").try_login("x@example.com", "wrong")[0] == 422


def test_the_per_account_backoff_counts_wrong_passwords_on_both_servers(
    app: Flask, cluster: Cluster
) -> None:
    make_user(app, "ada@example.com")
    on_a, on_b = _client(cluster.a.port, "203.0.113.9"), _client(cluster.b.port, "203.0.113.9")
    for i in range(5):  # five free wrong passwords for one account from one client
        status, _, page = (on_a if i % 2 else on_b).try_login("ada@example.com", "wrong")
        assert status == 422 and "Too many attempts" not in page
    status, _, page = on_a.try_login("ada@example.com", PASSWORD)
    assert status == 422 and "Too many attempts for this email" in page


def test_a_share_made_on_one_server_is_read_on_the_other(
    app: Flask, cluster: Cluster, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = linked_pair(app, other_client, client)
    patient = _client(cluster.a.port, "198.51.100.2")
    patient.login(pair.patient_email, PASSWORD)
    entry = patient.write("A night of vivid dreams, shared with Dr Lee")
    assert entry is not None
    status, _, _ = patient.request(
        "POST",
        "/care/share",
        {"csrf_token": patient.token, "link": str(pair.link), "record": f"entries:{entry}"},
    )
    assert status == 302

    therapist = _client(cluster.b.port, "198.51.100.3")
    name = app.config["AUTH_COOKIE_NAME"]
    cookie = pair.therapist.get_cookie(name)
    assert cookie is not None
    therapist.cookies[name] = cookie.value
    status, _, page = therapist.request("GET", item_url(pair, entry))
    assert status == 200, status
    assert "A night of vivid dreams, shared with Dr Lee" in page


def _mail_to(cluster: Cluster, email: str) -> list[str]:
    bodies = []
    for path in (cluster.workdir / "outbox").glob("*.eml"):
        msg = message_from_bytes(path.read_bytes(), policy=default)
        if msg["To"] == email:
            body = msg.get_body()
            assert body is not None
            bodies.append(body.get_content())
    return bodies


def test_two_workers_send_each_reminder_and_each_mail_exactly_once(
    app: Flask,
    cluster: Cluster,
    push_service: FakePushService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "PUSH_ALLOW_HTTP_ENDPOINTS", True)
    monkeypatch.setitem(app.config, "PUSH_TEST_HOSTS", ("127.0.0.1",))
    people = [f"person{i}@example.com" for i in range(3)]
    zone = _midday_zone()
    for email in people:
        make_user(app, email)
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            assert user is not None
            user.time_zone = zone
            db.session.commit()
        browser = app.test_client()
        browser.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(browser)},
        )
        endpoint = f"{push_service.url}/push/{email}"
        assert _subscribe(browser, BrowserKeys.new().subscription(endpoint)) == 201
        due = _local_now(app, email) - timedelta(minutes=1)
        assert _set_daily(browser, due.strftime("%H:%M")) == 302

    # The servers' queue (Redis), seen from here.
    monkeypatch.setitem(app.config, "JOBS_URL", cluster.jobs_url)
    monkeypatch.setitem(app.config, "JOBS_EAGER", False)
    queue = jobs.Queue(app)
    queue.huey.flush()
    # A sign-up asked for on server B, with a forged Host header: B queues its mail.
    visitor = _client(cluster.b.port, "198.51.100.40")
    visitor.headers["Host"] = "attacker.example"
    match = CSRF_RE.search(visitor.request("GET", "/signup")[2])
    assert match
    form = {"email": "newcomer@example.com", "csrf_token": match.group(1)}
    assert visitor.request("POST", "/signup", form)[0] == 200
    with app.app_context():
        mail_id = db.session.scalar(select(MailRequest.id))
    assert mail_id is not None

    workers = [cluster.start_worker(), cluster.start_worker()]
    for _ in range(6):  # the scheduled run on several nodes, retries, a cron job too
        assert queue.enqueue("reminders.send")
    for _ in range(3):  # the same mail's job again: a retry, the sweep
        assert queue.enqueue(account_mail.JOB, mail_id)
    wait_until(lambda: queue.pending() == 0, "the workers to take every job")
    wait_until(lambda: len(push_service.received) >= len(people), "every reminder")
    wait_until(lambda: bool(_mail_to(cluster, "newcomer@example.com")), "the sign-up mail")
    cluster.stop_workers(workers)  # lets what is running finish

    [mail] = _mail_to(cluster, "newcomer@example.com")
    assert f"{cluster.env['PUBLIC_URL']}/signup/" in mail
    assert "attacker.example" not in mail

    paths = sorted(got.path for got in push_service.received)
    assert paths == sorted(f"/push/{email}" for email in people)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == len(people)


def test_a_server_killed_mid_request_loses_no_confirmed_write(app: Flask, cluster: Cluster) -> None:
    """Writers on both servers; server A is killed (SIGKILL, its whole process group)
    while they write. Every write either server confirmed is there, read on B."""
    make_user(app, "ada@example.com")
    confirmed: list[tuple[Client, str, str]] = []
    lock = threading.Lock()
    stop = threading.Event()
    errors: list[BaseException] = []

    signed_in: set[int] = set()

    def writer(number: int, server: Server) -> None:
        me = _client(server.port, f"198.51.100.{10 + number}")
        try:
            me.login("ada@example.com", PASSWORD)  # may wait out a "busy" (503) first
        except OSError:
            return  # cannot happen before the kill, which waits for every sign-in
        with lock:
            signed_in.add(number)
        i = 0
        while not stop.is_set():
            body = f"Writer {number} entry {i}"
            try:
                entry = me.write(body)
            except OSError:  # A was killed: that request got no answer, so nothing confirmed
                return
            except BaseException as exc:
                errors.append(exc)
                return
            if entry is not None:
                with lock:
                    confirmed.append((me, entry, body))
            i += 1

    threads = [
        threading.Thread(target=writer, args=(n, cluster.a if n % 2 else cluster.b))
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    try:
        # Every writer is in, on both servers, before A goes: a sign-in still queued on A
        # would otherwise be cut off and A's writers would have written nothing.
        wait_until(
            lambda: len(signed_in) == len(threads) and len(confirmed) >= 12,
            "every writer signed in, and the first writes",
        )
        cluster.a.kill()
        before = len(confirmed)
        wait_until(lambda: len(confirmed) >= before + 8, "writes on B after A died")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors, errors

    reader = _client(cluster.b.port, "198.51.100.30")
    reader.login("ada@example.com", PASSWORD)
    for _, entry, body in confirmed:
        status, _, page = reader.request("GET", f"/journal/{entry}")
        assert status == 200 and body in page, (entry, status)
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Entry))
    # At most one unconfirmed write per writer on A (in flight when it died) may exist.
    assert len(confirmed) <= stored <= len(confirmed) + 2
