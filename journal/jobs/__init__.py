"""The job queue: mail, Web Push reminders and clean-ups run outside the request.

Built on Huey. Its storage is `JOBS_URL`: a SQLite file by default
(`instance/jobs.sqlite3`, nothing to install), `redis://host:6379/0` in production.
A worker runs the jobs: `flask jobs worker` beside gunicorn in production; `make run`
starts one beside the development server.

For domains (their services call this; it is the whole API):

    jobs.enqueue("accounts.mail", mail_request.id)

A job carries ids only (UUIDs or integers), never health data, addresses or keys:
`enqueue` refuses anything else. Enqueue after the commit that made the row the job
reads. Enqueueing never fails the request: if the storage is down (Redis stopped) it
logs and returns False, and the job's own sweep (a periodic task) picks the row up.

Each job must be idempotent: run twice (a retry, a duplicate, a worker killed
mid-job) it does its work once, usually by claiming its row first.

Registration happens in `journal/wiring.py` only:

    jobs.register_task("accounts.mail", account_mail.deliver)
    jobs.register_periodic("reminders.send", reminders.send_due_job, every_minutes=5)

A job that raises is retried with backoff (RETRIES times, the delay doubling from
RETRY_DELAY seconds); after the last try it is written to `failed_jobs`, which
`flask jobs failed` lists.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import Task, TaskWrapper
from huey.signals import SIGNAL_ERROR
from sqlalchemy import select

from journal.core.extensions import db
from journal.models.jobs import FailedJob

log = logging.getLogger(__name__)

RETRIES = 6  # with RETRY_DELAY 10 s doubling: 10 s, 20 s, 40 s, ... about 10 minutes in all
RETRY_DELAY = 10
JobArg = uuid.UUID | int


@dataclass(frozen=True)
class TaskSpec:
    name: str
    run: Callable[..., None]
    retries: int = RETRIES
    every_minutes: int | None = None


_specs: dict[str, TaskSpec] = {}


def register_task(name: str, run: Callable[..., None], *, retries: int = RETRIES) -> None:
    """A job domains can enqueue by name; `run` gets the ids, as strings or ints."""
    _specs[name] = TaskSpec(name, run, retries)


def register_periodic(name: str, run: Callable[[], None], *, every_minutes: int) -> None:
    """A job the worker's scheduler starts every few minutes (on every node: the job
    must be safe to run twice at once)."""
    _specs[name] = TaskSpec(name, run, 0, every_minutes)


def registered() -> dict[str, TaskSpec]:
    return dict(_specs)


class Queue:
    """One app's Huey and its tasks (the tests build several apps in one process)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.huey = _huey(app)
        self.tasks: dict[str, TaskWrapper] = {}
        for spec in _specs.values():
            runner = _runner(app, spec)
            if spec.every_minutes is None:
                self.tasks[spec.name] = self.huey.task(
                    retries=spec.retries,
                    retry_delay=app.config["JOBS_RETRY_DELAY"],
                    retry_backoff=2,
                    name=spec.name,
                )(runner)
            else:
                self.tasks[spec.name] = self.huey.periodic_task(
                    crontab(minute=f"*/{spec.every_minutes}"), name=spec.name
                )(runner)
        self.huey.signal(SIGNAL_ERROR)(self._on_error)

    def enqueue(self, name: str, *args: JobArg) -> bool:
        plain = tuple(_plain(a) for a in args)
        try:
            self.tasks[name](*plain)
        except Exception:  # the storage is down: the job's sweep finds the row later
            log.warning("job %s could not be queued", name, exc_info=True)
            return False
        if self.app.config["JOBS_EAGER"]:
            self.run_pending()
        return True

    def run_pending(self, limit: int = 1000) -> int:
        """Run every job that is ready now, in this thread (tests, `flask jobs
        run-pending`). Retries wait for their time, as with a worker."""
        done = 0
        while done < limit:
            task = self.huey.dequeue()
            if task is None:
                break
            self.huey.execute(task)
            done += 1
        return done

    def pending(self) -> int:
        return int(self.huey.pending_count())

    def _on_error(self, signal: str, task: Task, exc: BaseException | None = None) -> None:
        if task.retries:  # it will run again
            return
        spec = _specs.get(task.name)
        with self.app.app_context():
            db.session.add(
                FailedJob(
                    name=task.name[:80],
                    args=",".join(str(a) for a in task.args)[:400],
                    error=type(exc).__name__[:120] if exc else "unknown",
                    attempts=(spec.retries if spec else 0) + 1,
                )
            )
            db.session.commit()
            db.session.remove()
        log.error("job %s failed for good (%s)", task.name, type(exc).__name__)


def _plain(arg: object) -> str | int:
    if isinstance(arg, uuid.UUID):
        return str(arg)
    if isinstance(arg, int) and not isinstance(arg, bool):
        return arg
    raise TypeError("a job carries ids only (UUIDs or integers)")


def _runner(app: Flask, spec: TaskSpec) -> Callable[..., None]:
    def run(*args: Any) -> None:
        with app.app_context():
            try:
                spec.run(*args)
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    run.__name__ = spec.name.replace(".", "_")
    return run


def _huey(app: Flask) -> Huey:
    url: str = app.config["JOBS_URL"]
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("fresh-tracks", url=url, results=False)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("fresh-tracks", filename=str(path), results=False, fsync=True)
    raise RuntimeError(f"JOBS_URL must be sqlite:///path or redis://..., got {url!r}")


def init_app(app: Flask) -> None:
    """After the wiring: every task is registered by then."""
    app.extensions["jobs"] = Queue(app)


def queue(app: Flask | None = None) -> Queue:
    found: Queue = (app or current_app).extensions["jobs"]
    return found


def enqueue(name: str, *args: JobArg) -> bool:
    """Queue the job `name` with these ids; False (and a log line) if it could not be."""
    return queue().enqueue(name, *args)


def failed(limit: int = 100) -> list[FailedJob]:
    return list(
        db.session.scalars(select(FailedJob).order_by(FailedJob.failed_at.desc()).limit(limit))
    )


def retry_failed(job_id: uuid.UUID) -> bool:
    """Queue a failed job again, by the id of its row in the list."""
    row = db.session.get(FailedJob, job_id)
    if row is None or row.name not in queue().tasks:
        return False
    args = [int(a) if a.isdigit() else uuid.UUID(a) for a in row.args.split(",") if a]
    db.session.delete(row)
    db.session.commit()
    return enqueue(row.name, *args)


def ready() -> bool:
    """Whether the queue's storage answers (for /readyz)."""
    try:
        queue().pending()
    except Exception:
        log.warning("job queue storage unreachable", exc_info=True)
        return False
    return True
