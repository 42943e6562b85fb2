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
CPU-bound, and each process has its own database connection). SQLite lets one
process write at a time, and its lock is retried by sleeping: two workers writing
one file spent half their time waiting. So on SQLite each worker fills its own copy
of the database (made after the therapists, whom every patient needs) and the copies'
new rows are then copied into the bench database, table by table in foreign-key order.
PostgreSQL takes both workers' writes at once, so there they share the database.

Each step below fills one kind of record; a new kind of record is one more step.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sqlite3
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

import pyotp
from flask import Flask, current_app
from sqlalchemy import Table, select, text
from sqlalchemy.engine import make_url

from bench.clinic import (
    BENCH_ENV,
    DATA_DIR,
    DEFAULT_SQLITE_URL,
    HEAVY_EMAIL,
    PASSWORD,
    WIDE_THERAPIST_EMAIL,
    ClinicSpec,
    patient_email,
    signin_email,
    therapist_email,
    totp_file,
)
from bench.text import entry_text
from journal import create_app
from journal.accounts import accounts, two_factor
from journal.accounts.accounts import Unlocked
from journal.care import care, shareable, sharing
from journal.care.sharing import RecordRef
from journal.content import ROUTES
from journal.content import route as route_entry
from journal.core.crypto import PRODUCTION_KDF, KdfParams
from journal.core.database import rows_kept_on_commit
from journal.core.extensions import db
from journal.dosing import checklists, preparation
from journal.dosing.intentions import IntentionForm
from journal.dosing.kap_sessions import SessionForm, check_form, zone_of
from journal.entries import entries
from journal.entries.entries import EntryForm
from journal.integration import integration
from journal.models.entries import Entry
from journal.models.integration import PromptAnswer, PromptState
from journal.models.kap_sessions import KapSession
from journal.models.sharing import Share
from journal.models.users import Role, User
from journal.mood import measures, moods, scoring
from journal.mood.moods import CheckInValues

# Lowered for generation only: about 1 ms instead of about 180 ms per account.
GENERATION_KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)
TIME_ZONES = ["Europe/Berlin", "America/New_York", "America/Los_Angeles", "Europe/London", "UTC"]


def generation_config(database_url: str) -> dict[str, Any]:
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "KDF_PARAMS": GENERATION_KDF,
        "RATELIMIT_ENABLED": False,
    }
    if make_url(database_url).get_backend_name() == "postgresql":
        # The services commit after every change, as a request does: thousands of
        # commits a patient, each waiting for its WAL flush and each followed by a
        # ping when the next statement takes the connection again. A generator that
        # stops half-way starts again from scratch anyway, so its sessions neither
        # wait for the flush nor ping (the served app keeps both).
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": False,
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    return config


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
    wide_therapist: User | None = None

    def moment(self, day: int, rng: random.Random | None = None) -> datetime:
        """A time of day on day `day` of the history, between 07:00 and 23:00 UTC."""
        r = rng or self.rng
        return self.start + timedelta(days=day, minutes=r.randint(7 * 60, 23 * 60))

    @property
    def years(self) -> float:
        return self.days / 365


def add_journal_entries(p: PatientData) -> int:
    """Free journal entries of about `entry_chars`, spread over the history."""
    count = round(p.spec.entries_per_year * p.years)
    days = sorted(p.rng.randrange(p.days) for _ in range(count))
    for day in days:
        title, body = entry_text(p.rng, p.spec.entry_chars)
        entries.add_entry(p.user, p.udk, EntryForm(title=title, body=body), at=p.moment(day))
    return count


def add_daily_checkins(p: PatientData) -> int:
    """A mood check-in for every day of the history: mood and anxiety always, sleep
    and energy most days, a short note now and then, drifting slowly as moods do.
    Each row is dated in the evening of its day, as if checked in then (the service
    stamps the moment of saving, which would put a whole year on today)."""
    mood = p.rng.randint(-1, 1)
    first = p.start.date()
    for day in range(p.days):
        mood = max(-3, min(3, mood + p.rng.choice((-1, 0, 0, 1))))
        values = CheckInValues(
            mood=mood,
            anxiety=p.rng.randint(0, 4),
            energy=p.rng.randint(0, 4) if p.rng.random() < 0.8 else None,
            sleep_hours=p.rng.choice((5.5, 6.0, 6.5, 7.0, 7.5, 8.0)),
            sleep_quality=p.rng.randint(0, 4),
            note=entry_text(p.rng, 120)[1] if p.rng.random() < 0.2 else "",
        )
        checkin, _ = moods.save_checkin(p.user, p.udk, first + timedelta(days=day), values)
        checkin.created_at = checkin.updated_at = datetime.combine(
            checkin.day, time_of_day(20), UTC
        )
    return p.days


def add_questionnaires(p: PatientData) -> int:
    """PHQ-9 and GAD-7 alternating, `questionnaires_per_year` in all, scored by the
    real scoring. Item 9 of the PHQ-9 stays 0: a generated crisis flag on every
    patient would make the brief's safety section unlike any real clinic's."""
    count = round(p.spec.questionnaires_per_year * p.years)
    for i in range(count):
        instrument = scoring.get_instrument("phq9" if i % 2 == 0 else "gad7")
        answers = {item.number: p.rng.randint(0, 2) for item in instrument.items}
        if instrument.safety_item is not None:
            answers[instrument.safety_item] = 0
        day = min(p.days - 1, (i * p.days) // max(count, 1))
        measures.submit(p.user, p.udk, instrument.id, answers, {}, uuid.uuid4(), p.moment(day))
    return count


def _session_form(p: PatientData, when: datetime, index: int, status: str) -> SessionForm:
    local = when.astimezone(zone_of(p.user))
    induction = index < 6
    route = p.rng.choice(ROUTES)
    # At home about a third of the time, where the route's label allows it (troches).
    at_home = p.rng.random() < 0.3 and route_entry(route).allows("home")
    return SessionForm(
        date=local.date().isoformat(),
        time="10:00",
        status=status,
        route=route,
        setting="home" if at_home else "clinic",
        series="induction" if induction else "maintenance",
        series_position=str(index + 1) if induction else "",
        series_total="6" if induction else "",
        dose=str(p.rng.choice((28, 42, 56, 84))),
        notes="",
    )


def add_dosing_sessions(p: PatientData) -> int:
    """`dosing_sessions_per_year` done sessions spread over the history, each with its
    route-fitted checklist (most items ticked) and an intention, and one session
    planned five days ahead (the brief shows its checklist)."""
    count = round(p.spec.dosing_sessions_per_year * p.years)
    now = datetime.now(UTC)
    planned = [(p.moment(((i * 2 + 1) * p.days) // (2 * count)), i, "done") for i in range(count)]
    planned.append((now + timedelta(days=5), count, "planned"))
    for when, index, status in planned:
        form = check_form(p.user, p.udk, _session_form(p, when, index, status), now)
        if not form.valid:
            raise RuntimeError(f"generated session rejected: {form.errors}")
        session = preparation.plan_session(p.user, p.udk, form)
        intention = IntentionForm.read({"text": entry_text(p.rng, 100)[0] + "."})
        preparation.save_intention(session, p.udk, intention)
        if status == "done":
            checklist = checklists.checklist_of(session)
            assert checklist is not None
            for key in sorted(checklists.read_checklist(checklist, p.udk).keys):
                if p.rng.random() < 0.85:
                    checklists.set_ticked(session, p.udk, key, True)
    return count + 1


def add_answered_prompts(p: PatientData) -> int:
    """Every integration prompt of each done session (scheduled when it was logged
    as done), answered an hour after it opened with a few sentences."""
    sessions = db.session.scalars(
        select(KapSession).where(KapSession.user_id == p.user.id).order_by(KapSession.starts_at)
    ).all()
    tz = zone_of(p.user)
    answered = 0
    for session in sessions:
        for row in integration.prompts_of(session):
            at = row.due_at + timedelta(hours=1)
            text = entry_text(p.rng, 400)[1]
            integration.answer_prompt(p.user, session, row, p.udk, text, at, tz, max_chars=10_000)
            answered += 1
    return answered


def link_to_therapist(p: PatientData) -> int:
    """Link the patient to `p.therapist` through an invitation they accept; the last
    appointment was a week ago and the next is in a week."""
    if p.therapist is None:
        return 0
    issued = care.create_invitation(p.therapist)
    link = care.accept_invitation(p.user, issued.code)
    now = datetime.now(UTC)
    link.last_appointment_at = now - timedelta(days=7)
    care.set_next_appointment(p.therapist, link, now + timedelta(days=7))
    return 1


def _written_at(adapter: shareable.RecordAdapter, record: Any) -> datetime:
    """When the patient wrote the record: a check-in's day (its row is stamped with
    the generation time), otherwise what the brief dates it by."""
    day = getattr(record, "day", None)
    if isinstance(day, date):
        return datetime.combine(day, time_of_day(20), UTC)
    return adapter.occurred_at(record)


def share_with_therapist(p: PatientData) -> int:
    """Mood check-ins and questionnaire results as standing categories, and
    `shared_fraction` of the journal entries and prompt answers one by one. Each
    share is dated when its record was written (as a standing share is), and the
    therapist has read everything before the last appointment."""
    links = care.links_of_patient(p.user)
    if not links:
        return 0
    link = links[0]
    sharing.enable_category(p.user, p.udk, link, moods.CATEGORY)
    sharing.enable_category(p.user, p.udk, link, measures.CATEGORY)
    entry_ids = db.session.scalars(select(Entry.id).where(Entry.user_id == p.user.id)).all()
    answer_ids = db.session.scalars(
        select(PromptAnswer.id).where(
            PromptAnswer.user_id == p.user.id, PromptAnswer.state == PromptState.ANSWERED
        )
    ).all()
    refs = [
        RecordRef(table, record_id)
        for table, ids in ((entries.TABLE, entry_ids), (integration.TABLE, answer_ids))
        for record_id in sorted(ids)
        if p.rng.random() < p.spec.shared_fraction
    ]
    if refs:
        sharing.share_records(p.user, p.udk, link, refs)
    shares = db.session.scalars(select(Share).where(Share.patient_id == p.user.id)).all()
    since = care.last_appointment(link)
    for table in {share.record_table for share in shares}:
        adapter = shareable.adapter_for(table)
        assert adapter is not None
        ids = [share.record_id for share in shares if share.record_table == table]
        written = {record.id: _written_at(adapter, record) for record in adapter.load_many(ids)}
        for share in shares:
            if share.record_table == table:
                share.created_at = written[share.record_id]
                if since is not None and share.created_at < since:
                    share.therapist_read_at = share.created_at + timedelta(days=2)
    db.session.commit()
    return len(shares)


def link_wide_therapist(p: PatientData) -> int:
    """Link the patient to the therapist who has everyone (`WIDE_THERAPIST_EMAIL`) and
    share their questionnaire results with them: the caseload of 400."""
    if p.wide_therapist is None:
        return 0
    issued = care.create_invitation(p.wide_therapist)
    link = care.accept_invitation(p.user, issued.code)
    care.set_next_appointment(
        p.wide_therapist, link, datetime.now(UTC) + timedelta(days=p.rng.randint(1, 28))
    )
    sharing.enable_category(p.user, p.udk, link, measures.CATEGORY)
    return 1


# In order: later steps may use what earlier ones made (prompts need sessions,
# shares need the link and the records).
PATIENT_STEPS: list[tuple[str, Callable[[PatientData], int]]] = [
    ("journal entries", add_journal_entries),
    ("daily check-ins", add_daily_checkins),
    ("questionnaires", add_questionnaires),
    ("dosing sessions", add_dosing_sessions),
    ("answered prompts", add_answered_prompts),
    ("therapist links", link_to_therapist),
    ("shared records", share_with_therapist),
    ("wide caseload links", link_wide_therapist),
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


# Therapists must sign in with two steps; `generate` writes their secrets to
# `totp_file(database_url)` so `make bench` can type the codes.
TOTP_SECRETS: dict[str, str] = {}


def enrol_two_step(unlocked: Unlocked) -> str:
    """Turn on two-step sign-in as the settings page does; returns the TOTP secret."""
    enrolment = two_factor.pending_enrolment(unlocked.user, unlocked.udk)
    code = pyotp.TOTP(enrolment.secret).now()
    two_factor.confirm_enrolment(unlocked.user, unlocked.udk, code)
    return enrolment.secret


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
    wide = (
        db.session.scalar(select(User).where(User.email == WIDE_THERAPIST_EMAIL))
        if spec.wide_therapist
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
        wide_therapist=wide,
    )
    counts: Counter[str] = Counter(users=1)
    # Services commit after each change, as a request should; a patient's year is
    # thousands of them, and reloading every expired row after each one was most
    # of the generation time.
    with rows_kept_on_commit(), one_transaction():
        for name, step in PATIENT_STEPS:
            counts[name] += step(data)
    return counts


@contextmanager
def one_transaction() -> Iterator[None]:
    """Commit a patient once. The services commit after every change, as a request
    must; a generated patient is thousands of changes with nobody else reading, and
    each commit costs a pool check-out and a flush to disk (on PostgreSQL also two
    round trips). Inside, a service's commit only flushes: its statements run and
    every constraint is checked, in one transaction per patient. A rollback would
    silently drop the patient's earlier changes, so it stops the generation."""
    session = db.session()

    def refuse() -> None:
        raise RuntimeError("a service rolled back while generating a patient")

    session.commit = session.flush  # type: ignore[method-assign]
    session.rollback = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        del session.commit, session.rollback
    session.commit()


def populate(spec: ClinicSpec, workers: int = 1, database_url: str | None = None) -> Counter[str]:
    """Fill the current app's (migrated, empty) database with the clinic.

    With more than one worker, patients are made in that many processes, each with
    its own app on `database_url` (on SQLite, on its own copy, merged at the end);
    with one, everything runs in this app context.
    """
    counts: Counter[str] = Counter()
    for index in range(spec.therapists):
        therapist = make_account(therapist_email(index), Role.THERAPIST)
        TOTP_SECRETS[therapist.user.email] = enrol_two_step(therapist)
        counts["users"] += 1
    if spec.wide_therapist:
        wide = make_account(WIDE_THERAPIST_EMAIL, Role.THERAPIST)
        TOTP_SECRETS[wide.user.email] = enrol_two_step(wide)
        counts["users"] += 1
    tasks = tasks_for(spec)
    if workers <= 1:
        for task in tasks:
            counts.update(run_task(task, spec))
        return counts
    assert database_url is not None, "workers need the database URL"
    db.session.commit()
    copies = SqliteCopies.of(database_url, workers)
    context = multiprocessing.get_context("spawn")
    urls = context.Queue()
    for url in copies.urls if copies else [database_url] * workers:
        urls.put(url)
    with context.Pool(workers, initializer=_init_worker, initargs=(urls, dict(os.environ))) as pool:
        for done in pool.imap_unordered(_worker_task, [(t, spec) for t in tasks]):
            counts.update(done)
        pool.close()
        pool.join()
    if copies:
        db.session.remove()
        copies.merge()
    return counts


_worker_app: Flask | None = None


def _init_worker(urls: Any, environ: dict[str, str]) -> None:
    """Each worker takes its own database URL (its own copy, on SQLite) from `urls`."""
    global _worker_app
    os.environ.update(environ)
    _worker_app = create_app(generation_config(urls.get()))


def _worker_task(args: tuple[Task, ClinicSpec]) -> Counter[str]:
    assert _worker_app is not None
    with _worker_app.app_context():
        try:
            return run_task(*args)
        except Exception as exc:
            # Database errors hold unpicklable parameters; the pool could not report them.
            raise RuntimeError(f"{args[0].email}: {exc!r}"[:2000]) from None
        finally:
            db.session.remove()


@dataclass(frozen=True)
class SqliteCopies:
    """One copy of a SQLite bench database per worker, and the base they started
    from; `merge` adds each copy's new rows to the bench database."""

    target: Path
    base: Path
    copies: list[Path]

    @classmethod
    def of(cls, database_url: str, workers: int) -> SqliteCopies | None:
        url = make_url(database_url)
        if url.get_backend_name() != "sqlite":
            return None
        target = Path(url.database or "")
        found = cls(
            target,
            target.with_suffix(".base.sqlite3"),
            [target.with_suffix(f".worker-{i}.sqlite3") for i in range(workers)],
        )
        source = sqlite3.connect(target)
        try:
            for path in [found.base, *found.copies]:
                _remove_sqlite(path)
                copy = sqlite3.connect(path)
                source.backup(copy)
                copy.close()
        finally:
            source.close()
        return found

    @property
    def urls(self) -> list[str]:
        return [f"sqlite:///{path}" for path in self.copies]

    def merge(self) -> None:
        """Every row a worker added, copied in foreign-key order, one transaction per
        copy. A row of the base that a worker changed would be lost by the copy, so
        it stops the generation instead."""
        conn = sqlite3.connect(self.target)
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("ATTACH DATABASE ? AS base", (str(self.base),))
        try:
            for path in self.copies:
                conn.execute("ATTACH DATABASE ? AS part", (str(path),))
                with conn:
                    for table in db.metadata.sorted_tables:
                        _copy_new_rows(conn, table)
                conn.execute("DETACH DATABASE part")
        finally:
            conn.close()
        for path in [self.base, *self.copies]:
            _remove_sqlite(path)


def _copy_new_rows(conn: sqlite3.Connection, table: Table) -> None:
    # Names come from our own metadata, never from input.
    name = f'"{table.name}"'
    columns = ", ".join(f'"{c.name}"' for c in table.columns)
    in_base = " AND ".join(f'b."{c.name}" = p."{c.name}"' for c in table.primary_key.columns)
    changed = conn.execute(
        f"SELECT {columns} FROM part.{name} AS p WHERE EXISTS "  # noqa: S608
        f"(SELECT 1 FROM base.{name} AS b WHERE {in_base}) "
        f"EXCEPT SELECT {columns} FROM base.{name}"
    ).fetchone()
    if changed is not None:
        raise RuntimeError(f"a worker changed a row of {table.name} made before it started")
    conn.execute(
        f"INSERT INTO main.{name} ({columns}) SELECT {columns} FROM part.{name} AS p "  # noqa: S608
        f"WHERE NOT EXISTS (SELECT 1 FROM base.{name} AS b WHERE {in_base})"
    )


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# -- a fresh database -----------------------------------------------------------------


def wipe_database(database_url: str) -> None:
    """Remove everything from the bench database. PostgreSQL databases must have
    "bench" in their name, so a mistyped URL cannot empty a real one."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_sqlite(path)
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
        totp_file(database_url).write_text(json.dumps(TOTP_SECRETS, indent=1))
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does to a database that grew over months: the planner
            # needs row counts, or it plans the served pages for empty tables.
            with db.engine.begin() as conn:
                for table in db.metadata.sorted_tables:
                    conn.execute(text(f'ANALYZE "{table.name}"'))
        db.engine.dispose()
    return counts, time.perf_counter() - started


def print_counts(counts: Counter[str], seconds: float) -> None:
    print(f"generated in {seconds:.1f} s:")
    for name, _step in [("users", None), *PATIENT_STEPS]:
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
    parser.add_argument("--patients", type=int, help="only this many patients (a quick clinic)")
    args = parser.parse_args(argv)
    spec = (
        ClinicSpec.tiny()
        if args.tiny
        else ClinicSpec.quick(args.patients)
        if args.patients
        else ClinicSpec()
    )
    print(f"generating {spec.users} accounts, {spec.entries:,} entries into {args.database}")
    counts, seconds = generate(args.database, spec, args.workers)
    print_counts(counts, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
