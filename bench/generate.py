"""Generate the benchmark's clinic into a fresh database, through the real services.

    python -m bench.generate [--database URL] [--workers 2] [--tiny]

Every account is made by `accounts.create_user` and every entry is sealed by the
journal service with real keys, so the rows, their sizes and the work of reading
them are what production has. Only Argon2id is cheaper here (`GENERATION_KDF`,
set in the generator's own app config): the served app always runs at the
production cost, and users made cheaply are upgraded at their first login, as any
user is after a cost change. Sign-in accounts are made at the production cost,
so the sign-in scenario never pays for an upgrade.

Each patient is one task: its account, its history, one commit. Tasks run in
`--workers` processes (two on the benchmark machine: encryption and ORM work are
CPU-bound, and each process has its own database connection).

Features that other issues add get their data from the hooks below; a hook returns
None until its feature exists, and the summary prints "not yet built" for it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bench.clinic import (
    BENCH_ENV,
    DATA_DIR,
    DEFAULT_SQLITE_URL,
    HEAVY_EMAIL,
    PASSWORD,
    ClinicSpec,
    patient_email,
    signin_email,
    therapist_email,
)
from bench.text import entry_text
from journal import create_app
from journal.config import PRODUCTION_KDF, KdfParams
from journal.extensions import db
from journal.models.users import Role, User
from journal.services import accounts, entries
from journal.services.accounts import Unlocked
from journal.services.entries import EntryForm

# Lowered for generation only: about 1 ms instead of about 180 ms per account.
GENERATION_KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)
TIME_ZONES = ["Europe/Berlin", "America/New_York", "America/Los_Angeles", "Europe/London", "UTC"]


def generation_config(database_url: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "KDF_PARAMS": GENERATION_KDF,
        "RATELIMIT_ENABLED": False,
    }


# -- one patient's history ----------------------------------------------------------


@dataclass
class PatientData:
    """What a hook gets: the patient (unlocked), their therapist, a seeded random
    source, and the span of history to fill (`days` ending yesterday)."""

    user: User
    udk: bytes
    therapist: User | None
    rng: random.Random
    spec: ClinicSpec
    start: datetime
    days: int

    def moment(self, day: int, rng: random.Random | None = None) -> datetime:
        """A time of day on day `day` of the history, between 07:00 and 23:00 UTC."""
        r = rng or self.rng
        return self.start + timedelta(days=day, minutes=r.randint(7 * 60, 23 * 60))

    @property
    def years(self) -> float:
        return self.days / 365


def add_journal_entries(p: PatientData) -> int | None:
    """Free journal entries of about `entry_chars`, spread over the history."""
    count = round(p.spec.entries_per_year * p.years)
    days = sorted(p.rng.randrange(p.days) for _ in range(count))
    for day in days:
        title, body = entry_text(p.rng, p.spec.entry_chars)
        entries.add_entry(p.user, p.udk, EntryForm(title=title, body=body), at=p.moment(day))
    return count


def add_daily_checkins(p: PatientData) -> int | None:
    """Mood check-ins, `checkins_per_day` for every day of the history (mood,
    anxiety, sleep, energy, an occasional note). Filled by issue 5 (mood check-ins,
    questionnaires and charts) through its check-in service; returns None until then."""
    return None


def add_questionnaires(p: PatientData) -> int | None:
    """`questionnaires_per_year` scored questionnaires (PHQ-9 and GAD-7 alternating,
    every two weeks) with their answers. Filled by issue 5 through its questionnaire
    service and `journal.services.scoring`; returns None until then."""
    return None


def add_dosing_sessions(p: PatientData) -> int | None:
    """`dosing_sessions_per_year` dosing sessions spread over the history, each with
    its route-fitted checklist (most items ticked) and an intention. Filled by issue 3
    (dosing sessions, checklists, intentions); returns None until then."""
    return None


def add_answered_prompts(p: PatientData) -> int | None:
    """The integration prompts of each dosing session, answered (right after, within
    24 h, day 3, day 7). Filled by issue 4 (integration prompts), after issue 3's
    sessions exist; returns None until then."""
    return None


def link_to_therapist(p: PatientData) -> int | None:
    """Link the patient to `p.therapist` (an accepted invitation). Filled by issue 6
    (therapist link, sharing and brief); returns None until then."""
    return None


def share_with_therapist(p: PatientData) -> int | None:
    """Share `shared_fraction` of the patient's records (entries, check-ins,
    questionnaires, session notes) with the linked therapist. Filled by issue 6;
    returns None until then."""
    return None


# In order: later steps may use what earlier ones made (prompts need sessions,
# shares need the link and the records).
PATIENT_STEPS: list[tuple[str, Callable[[PatientData], int | None]]] = [
    ("journal entries", add_journal_entries),
    ("daily check-ins", add_daily_checkins),
    ("questionnaires", add_questionnaires),
    ("dosing sessions", add_dosing_sessions),
    ("answered prompts", add_answered_prompts),
    ("therapist links", link_to_therapist),
    ("shared records", share_with_therapist),
]


# -- accounts and tasks -------------------------------------------------------------


@contextmanager
def kdf_cost(params: KdfParams) -> Iterator[None]:
    """Make accounts at another Argon2id cost for the duration (generation only)."""
    config = current_app.config
    before = config["KDF_PARAMS"]
    config["KDF_PARAMS"] = params
    try:
        yield
    finally:
        config["KDF_PARAMS"] = before


def make_account(email: str, role: Role, time_zone: str = "UTC") -> Unlocked:
    """A user as sign-up makes one, with the recovery key confirmed (most people do)."""
    unlocked = accounts.create_user(email, PASSWORD, role, time_zone)
    assert unlocked.recovery_key is not None
    accounts.confirm_recovery_key(
        unlocked.user, unlocked.udk, unlocked.recovery_key.rsplit("-", 1)[-1]
    )
    return unlocked


@dataclass(frozen=True)
class Task:
    kind: str  # "patient" or "signin"
    email: str
    therapist_email: str | None = None
    days: int = 365


def tasks_for(spec: ClinicSpec) -> list[Task]:
    tasks = [
        Task("patient", patient_email(i), spec.therapist_of(i), spec.history_days)
        for i in range(spec.patients)
    ]
    if spec.heavy_patient:
        # First, so the longest task does not finish last on its own.
        tasks.insert(0, Task("patient", HEAVY_EMAIL, spec.therapist_of(0), 365 * spec.heavy_years))
    tasks += [Task("signin", signin_email(i)) for i in range(spec.signin_users)]
    return tasks


def run_task(task: Task, spec: ClinicSpec) -> Counter[str]:
    """One patient (account, history, one commit) or one sign-in account."""
    if task.kind == "signin":
        with kdf_cost(PRODUCTION_KDF):
            make_account(task.email, Role.PATIENT)
        return Counter(users=1)
    rng = random.Random(f"{spec.seed}:{task.email}")
    unlocked = make_account(task.email, Role.PATIENT, rng.choice(TIME_ZONES))
    therapist = (
        db.session.scalar(select(User).where(User.email == task.therapist_email))
        if task.therapist_email
        else None
    )
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    data = PatientData(
        user=unlocked.user,
        udk=unlocked.udk,
        therapist=therapist,
        rng=rng,
        spec=spec,
        start=today - timedelta(days=task.days),
        days=task.days,
    )
    counts: Counter[str] = Counter(users=1)
    for name, step in PATIENT_STEPS:
        made = step(data)
        counts[name] += 0 if made is None else made
        if made is None:
            counts[f"{name} (not yet built)"] = 1
    db.session.commit()
    return counts


def populate(spec: ClinicSpec, workers: int = 1, database_url: str | None = None) -> Counter[str]:
    """Fill the current app's (migrated, empty) database with the clinic.

    With more than one worker, patients are made in that many processes, each with
    its own app on `database_url`; with one, everything runs in this app context.
    """
    counts: Counter[str] = Counter()
    for index in range(spec.therapists):
        make_account(therapist_email(index), Role.THERAPIST)
        counts["users"] += 1
    tasks = tasks_for(spec)
    if workers <= 1:
        for task in tasks:
            counts.update(run_task(task, spec))
        return counts
    assert database_url is not None, "workers need the database URL"
    context = multiprocessing.get_context("spawn")
    with context.Pool(
        workers, initializer=_init_worker, initargs=(database_url, dict(os.environ))
    ) as pool:
        for done in pool.imap_unordered(_worker_task, [(t, spec) for t in tasks]):
            counts.update(done)
    return counts


_worker_app: Flask | None = None


def _init_worker(database_url: str, environ: dict[str, str]) -> None:
    global _worker_app
    os.environ.update(environ)
    _worker_app = create_app(generation_config(database_url))


def _worker_task(args: tuple[Task, ClinicSpec]) -> Counter[str]:
    assert _worker_app is not None
    with _worker_app.app_context():
        try:
            return run_task(*args)
        finally:
            db.session.remove()


# -- a fresh database -----------------------------------------------------------------


def wipe_database(database_url: str) -> None:
    """Remove everything from the bench database. PostgreSQL databases must have
    "bench" in their name, so a mistyped URL cannot empty a real one."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if "bench" not in (url.database or ""):
        raise SystemExit(
            f"refusing to wipe {url.database!r}: a bench database has 'bench' in its name"
        )
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def bench_app(database_url: str) -> Flask:
    os.environ.update({k: v for k, v in BENCH_ENV.items() if k not in os.environ})
    return create_app(generation_config(database_url))


def generate(database_url: str, spec: ClinicSpec, workers: int) -> tuple[Counter[str], float]:
    """Wipe, migrate and fill the database; returns the counts and the seconds taken."""
    started = time.perf_counter()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    wipe_database(database_url)
    app = bench_app(database_url)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        counts = populate(spec, workers, database_url)
        db.session.remove()
        db.engine.dispose()
    return counts, time.perf_counter() - started


def print_counts(counts: Counter[str], seconds: float) -> None:
    print(f"generated in {seconds:.1f} s:")
    for name, _step in [("users", None), *PATIENT_STEPS]:
        if counts.get(f"{name} (not yet built)"):
            print(f"  {name:18} not yet built")
        else:
            print(f"  {name:18} {counts.get(name, 0):>8,}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_SQLITE_URL,
        help="SQLAlchemy URL (default: BENCH_DATABASE_URL, else a SQLite file in bench/.data)",
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--tiny", action="store_true", help="the smoke test's tiny clinic")
    args = parser.parse_args(argv)
    spec = ClinicSpec.tiny() if args.tiny else ClinicSpec()
    print(f"generating {spec.users} accounts, {spec.entries:,} entries into {args.database}")
    counts, seconds = generate(args.database, spec, args.workers)
    print_counts(counts, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
