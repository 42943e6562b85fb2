"""`Server-Timing` on every response, for the benchmark only (`BENCH_SERVER_TIMING=1`).

It reports the time the app spent on the request, from the moment the WSGI server
hands it over (so CSRF checks and session loading count) to the start of the
response, the CPU time of the process in that span (what other work on a shared
machine does not inflate), and how many SQL statements ran. `make bench` reads it to show the
server's own share of a request's latency. Off by default, and never in production:
it would tell anyone watching how long their requests take.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

_statements: ContextVar[list[int] | None] = ContextVar("timing_statements", default=None)


def _count_statement(*_args: Any) -> None:
    counter = _statements.get()
    if counter is not None:
        counter[0] += 1


class ServerTiming:
    """WSGI middleware around the whole Flask app."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started, cpu_started = time.perf_counter(), time.process_time()
        counter = [0]
        token = _statements.set(counter)

        def timed_start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
            headers.append(
                (
                    "Server-Timing",
                    f'app;dur={elapsed:.2f}, cpu;dur={cpu:.2f}, sql;desc="{counter[0]} statements"',
                )
            )
            return start_response(status, headers, *args)

        try:
            return self.wsgi_app(environ, timed_start)
        finally:
            _statements.reset(token)


def init_app(app: Flask) -> None:
    if not app.config.get("SERVER_TIMING"):
        return
    if not event.contains(Engine, "before_cursor_execute", _count_statement):
        event.listen(Engine, "before_cursor_execute", _count_statement)
    app.wsgi_app = ServerTiming(app.wsgi_app)  # type: ignore[method-assign]
