"""The sign-in burst: many people sign in at once while other people write.

Each sign-in derives Argon2id at the production cost (64 MiB, t=3, about 0.18 s of
one core). Fifty at once used to push everyone else's write p99 from tens of
milliseconds to seconds. The app bounds key derivations per process
(`KDF_CONCURRENCY`, and after `KDF_WAIT_SECONDS` a "busy, try again" 503), which only
helps when a process can serve other requests meanwhile, i.e. with threads. So the
burst runs twice: on the bench's server (2 sync workers) and on 2 gthread workers
with 8 threads each and one derivation at a time per process.

For each: writes alone for `--duration` seconds (four people saving entries one
after another: the journal composer's htmx POST, eight patients' sessions), then the
same writes from just before `--burst` sign-ins start together (each a fresh browser
with the login page's CSRF token) until the last sign-in is answered. Every write is
timed to its full answer, including those stuck behind the burst (wrk reports only
the requests that finished inside its window, which hid exactly these). Printed: the
writes' p50, p99 and slowest alone and during the burst; how many sign-ins got in,
how many were told "busy", and how long they took.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from dataclasses import replace
from typing import Any

from bench.clinic import PASSWORD, ClinicSpec, patient_email, signin_email
from bench.run import (
    SCENARIOS,
    WORKERS,
    Browser,
    drain,
    gunicorn,
    prepare,
    sessions_for,
    single_request,
    writers,
)

WRITE_CONNECTIONS = 4
THREADS = 8
SERVERS = {
    "2 sync workers": (["--workers", str(WORKERS), "--worker-class", "sync"], {}),
    f"2 gthread x {THREADS} threads, 1 derivation/process, wait 3 s": (
        ["--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS)],
        {"KDF_CONCURRENCY": "1", "KDF_WAIT_SECONDS": "3"},
    ),
    # A sign-in that finds the derivation busy is answered "busy" at once, so its thread
    # is free again for everyone else's requests.
    f"2 gthread x {THREADS} threads, 1 derivation/process, wait 0 s": (
        ["--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS)],
        {"KDF_CONCURRENCY": "1", "KDF_WAIT_SECONDS": "0"},
    ),
}


def _writers(spec: ClinicSpec) -> list[str]:
    """The save scenario's writers, never the patients whose pages are read: a burst
    that wrote thousands of entries for the readers made the next `--reuse` run's
    timeline three times slower. The small clinic (eight patients, for the burst
    alone) has only those eight."""
    return writers(spec) or [patient_email(i) for i in range(min(8, spec.patients))]


def _sign_in(browser: Browser, email: str, start: threading.Barrier, out: list[Any]) -> None:
    token = browser.csrf_token("/login")
    start.wait()
    began = time.perf_counter()
    try:
        reply = browser.request(
            "POST", "/login", {"email": email, "password": PASSWORD, "csrf_token": token}
        )
        status = reply.status
    except OSError:
        status = 0
    out.append((status, time.perf_counter() - began))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _summary(latencies: list[float], statuses: list[int]) -> dict[str, Any]:
    ms = [t * 1000 for t in latencies]
    return {
        "writes": len(ms),
        "p50_ms": round(_percentile(ms, 0.5), 1) if ms else None,
        "p99_ms": round(_percentile(ms, 0.99), 1) if ms else None,
        "max_ms": round(max(ms), 1) if ms else None,
        "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
    }


class Writers:
    """WRITE_CONNECTIONS people saving entries one after another, each write timed
    from sending to the full answer. Unlike wrk's figures, a write stuck behind the
    burst counts with its whole wait: the run ends only when every write sent has
    been answered."""

    def __init__(self, port: int, requests: list[tuple[str, str, dict[str, str], str | None]]):
        self.port, self.requests = port, requests
        self.latencies: list[float] = []
        self.statuses: list[int] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._run, args=(n,)) for n in range(WRITE_CONNECTIONS)
        ]

    def _run(self, n: int) -> None:
        i = n
        while not self.stop.is_set():
            method, path, headers, body = self.requests[i % len(self.requests)]
            began = time.perf_counter()
            try:
                status = single_request(self.port, method, path, headers, body)[0]
            except OSError:
                status = 0
            with self.lock:
                self.latencies.append(time.perf_counter() - began)
                self.statuses.append(status)
            i += WRITE_CONNECTIONS

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def count(self) -> int:
        with self.lock:
            return len(self.latencies)

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return _summary(list(self.latencies), list(self.statuses))


def burst_once(
    port: int,
    spec: ClinicSpec,
    logins: dict[str, Browser],
    totp_secrets: dict[str, str],
    args: argparse.Namespace,
) -> dict[str, Any]:
    save = next(s for s in SCENARIOS if s.name == "save an entry")
    writes = replace(save, actors=_writers)
    prepared = prepare(writes, sessions_for(writes, spec, port, logins, totp_secrets), {})

    with Writers(port, prepared.requests):  # warm-up
        time.sleep(args.warmup)
    with Writers(port, prepared.requests) as alone_writers:
        time.sleep(args.duration)
    alone = alone_writers.summary()

    accounts = [signin_email(i % spec.signin_users) for i in range(args.burst)]
    outcomes: list[tuple[int, float]] = []
    start = threading.Barrier(len(accounts) + 1)
    threads = [
        threading.Thread(target=_sign_in, args=(Browser("127.0.0.1", port), email, start, outcomes))
        for email in accounts
    ]
    for thread in threads:
        thread.start()
    with Writers(port, prepared.requests) as burst_writers:
        # The sign-ins start together once every writer is writing.
        while burst_writers.count() < WRITE_CONNECTIONS:
            time.sleep(0.01)
        start.wait()
        for thread in threads:
            thread.join()
    during = burst_writers.summary()
    drain(port, "/healthz")

    signed_in = [t for s, t in outcomes if s == 302]
    busy = [t for s, t in outcomes if s == 503]
    return {
        "writes_alone": alone,
        "writes_during_burst": during,
        "sign_ins": len(outcomes),
        "signed_in": len(signed_in),
        "busy_503": len(busy),
        "other_statuses": sorted({s for s, _ in outcomes} - {302, 503}),
        "signed_in_p50_s": round(statistics.median(signed_in), 2) if signed_in else None,
        "signed_in_max_s": round(max(signed_in), 2) if signed_in else None,
        "busy_max_s": round(max(busy), 2) if busy else None,
    }


def measure_bursts(
    sync_port: int,
    env: dict[str, str],
    spec: ClinicSpec,
    logins: dict[str, Browser],
    totp_secrets: dict[str, str],
    args: argparse.Namespace,
) -> dict[str, Any]:
    if spec.signin_users == 0:
        raise RuntimeError("the sign-in burst needs the sign-in accounts of the clinic")
    results: dict[str, Any] = {}
    for label, (settings, extra) in SERVERS.items():
        if not extra:
            port_logins = logins
            results[label] = burst_once(sync_port, spec, port_logins, totp_secrets, args)
        else:
            with gunicorn("journal:create_app()", {**env, **extra}, settings) as port:
                results[label] = burst_once(port, spec, {}, totp_secrets, args)
        r = results[label]
        print(
            f"sign-in burst on {label}: writes p99 {r['writes_alone']['p99_ms']:.0f} ms alone,"
            f" {r['writes_during_burst']['p99_ms']:.0f} ms during {r['sign_ins']} sign-ins"
            f" ({r['signed_in']} in, {r['busy_503']} busy)"
        )
    return results


def print_bursts(results: dict[str, Any]) -> None:
    print("\nsign-in burst: other people's writes while many sign in at once")
    header = (
        f"{'server':62} {'writes p50/p99/max alone':>26} {'during burst':>22}"
        f" {'signed in':>9} {'busy':>5} {'sign-in p50/max s':>18}"
    )
    print(header + "\n" + "-" * len(header))
    for label, r in results.items():
        a, d = r["writes_alone"], r["writes_during_burst"]
        p50, top = r["signed_in_p50_s"], r["signed_in_max_s"]
        print(
            f"{label:62} {a['p50_ms']:>6.0f} /{a['p99_ms']:>6.0f} /{a['max_ms']:>6.0f} ms"
            f" {d['p50_ms']:>6.0f} /{d['p99_ms']:>6.0f} /{d['max_ms']:>6.0f} ms"
            f" {r['signed_in']:>4} of {r['sign_ins']:<2} {r['busy_503']:>5}"
            f" {p50 if p50 is not None else '-':>8} / {top if top is not None else '-':<6}"
        )
        odd = d["statuses"]
        if r["other_statuses"] or any(k != "200" for k in odd):
            print(f"{'':62} write statuses {odd}, other sign-in statuses {r['other_statuses']}")
