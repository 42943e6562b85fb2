"""No N+1 queries: each page runs the same number of SQL statements whether it shows
a few records or many, and stays within a small budget.

Statements are counted with SQLAlchemy's `before_cursor_execute` event during one
real request (session lookup included). Deterministic: nothing here is timed.

To cover a new page, add a `PageCase`: who views it, how to make `n` records for
them, and how to count the records the page shows.
"""

from __future__ import annotations

import dataclasses
import random
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from bench import generate
from bench.clinic import ClinicSpec
from bench.generate import PatientData
from journal.accounts import accounts
from journal.accounts.accounts import Unlocked
from journal.care import care, sharing
from journal.care.sharing import RecordRef
from journal.core.extensions import db
from journal.entries import entries, timeline
from journal.entries.entries import EntryForm
from journal.models.checklists import Checklist
from journal.models.intentions import Intention
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.sharing import Share
from journal.models.types import utcnow
from journal.models.users import Role, User
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token
from tests.web.helpers import entry_ids

VIEWER = "viewer@example.com"


def seed_entries(app: Flask, viewer: Unlocked, n: int) -> None:
    """`n` entries, an hour apart, each with a title and a body."""
    with app.app_context():
        user = accounts.user_by_email(VIEWER)
        assert user is not None
        start = utcnow() - timedelta(hours=n)
        for i in range(n):
            form = EntryForm(title=f"Entry {i}", body=f"Body of entry {i}. " * 20)
            entries.add_entry(user, viewer.udk, form, at=start + timedelta(hours=i))
        db.session.commit()


def _patient_data(email: str, days: int, **spec: Any) -> PatientData:
    """A patient's history as the benchmark generator makes it, `days` long."""
    unlocked = accounts.authenticate(email, PASSWORD)
    start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days)
    return PatientData(
        user=unlocked.user,
        udk=unlocked.udk,
        therapist=None,
        rng=random.Random(email),
        spec=ClinicSpec(**spec),
        start=start,
        days=days,
    )


def seed_sessions(app: Flask, viewer: Unlocked, n: int) -> None:
    """`n` done dosing sessions over a year, with checklists, intentions and every
    prompt answered (and one planned), through the generator's services."""
    with app.app_context():
        data = _patient_data(VIEWER, 365, dosing_sessions_per_year=n)
        generate.add_dosing_sessions(data)
        generate.add_answered_prompts(data)


THERAPIST = "dr.lee@example.com"


def seed_sessions_and_care_team(app: Flask, viewer: Unlocked, n: int) -> None:
    """As `seed_sessions` (`n` done sessions and one planned, five days ahead), and a
    therapist the patient is linked to, who set the next appointment and with whom
    the latest done session, its intention and its checklist are shared (so their
    marks name the therapist)."""
    make_user(app, THERAPIST, Role.THERAPIST)
    with app.app_context():
        data = _patient_data(VIEWER, 365, dosing_sessions_per_year=n)
        data.therapist = accounts.user_by_email(THERAPIST)
        generate.add_dosing_sessions(data)
        generate.add_answered_prompts(data)
        generate.link_to_therapist(data)
        session_id = latest_done_session(app)
        refs = [
            RecordRef(table, record.id)
            for table, record in (
                ("kap_sessions", db.session.get(KapSession, session_id)),
                (
                    "intentions",
                    db.session.scalar(select(Intention).filter_by(kap_session_id=session_id)),
                ),
                (
                    "checklists",
                    db.session.scalar(select(Checklist).filter_by(kap_session_id=session_id)),
                ),
            )
            if record is not None
        ]
        assert len(refs) == 3
        sharing.share_records(data.user, data.udk, care.links_of_patient(data.user)[0], refs)


def latest_done_session(app: Flask) -> uuid.UUID:
    with app.app_context():
        found = db.session.scalar(
            select(KapSession.id)
            .join(User, User.id == KapSession.user_id)
            .where(User.email == VIEWER, KapSession.status == SessionStatus.DONE)
            .order_by(KapSession.starts_at.desc())
            .limit(1)
        )
        assert found is not None
        return found


def seed_checkins(app: Flask, viewer: Unlocked, n: int) -> None:
    """A check-in on each of the last `n` days."""
    with app.app_context():
        generate.add_daily_checkins(_patient_data(VIEWER, n))


def seed_patients(app: Flask, viewer: Unlocked, n: int) -> None:
    """`n` patients who accepted the therapist's invitation."""
    for i in range(n):
        patient = make_user(app, f"patient-{i}@example.com")
        with app.app_context():
            therapist = accounts.user_by_email(VIEWER)
            assert therapist is not None
            issued = care.create_invitation(therapist)
            care.accept_invitation(db.session.merge(patient.user), issued.code)


SUBJECT = "subject@example.com"


def seed_shared_entries(app: Flask, viewer: Unlocked, n: int) -> None:
    """A linked patient who wrote `n` entries since the last appointment and took `n`
    questionnaires over the year before it, all shared with the therapist (the
    brief's subject): the brief shows the entries, its sections use the results."""
    make_user(app, SUBJECT)
    with app.app_context():
        therapist = accounts.user_by_email(VIEWER)
        assert therapist is not None
        per_year = round(n * 365 / 6)
        data = _patient_data(SUBJECT, 6, entries_per_year=per_year)
        data.therapist = therapist
        generate.add_journal_entries(data)
        history = _patient_data(SUBJECT, 365, questionnaires_per_year=n)
        generate.add_questionnaires(history)
        generate.link_to_therapist(data)
        generate.share_with_therapist(dataclasses.replace(data, spec=ClinicSpec(shared_fraction=1)))


def subject_id(app: Flask) -> str:
    with app.app_context():
        subject = accounts.user_by_email(SUBJECT)
        assert subject is not None
        return str(subject.id)


def recent_titles(html: str) -> int:
    return len(re.findall(r'<li><a href="/journal/[0-9a-f-]{36}">', html))


@dataclass(frozen=True)
class PageCase:
    name: str
    # "{subject}": the id of the patient the page is about (SUBJECT); "{session}": the
    # viewer's latest done dosing session.
    path: str
    role: Role
    seed: Callable[[Flask, Unlocked, int], None]
    sizes: tuple[int, int]  # a few records, then more
    # Counts the records on the page, proving the two sizes really differ; None
    # when the page cannot show them yet.
    shows: Callable[[str], int] | None
    budget: int  # statements the page may run at most
    shown: Callable[[int], int] = lambda n: n  # what `shows` finds for n records

    def __str__(self) -> str:
        return self.name


PAGES = [
    # 8: the session with its user; the links a clinic ended (its administrator closed
    # a therapist's account), read and settled in one; the recent entries with their
    # count; the planned sessions in one (the next, for its card and the
    # questionnaires' timing, with its checklist and intention, and those started
    # within a day but not marked done, whose right-after questions are offered
    # before Mark done); the due prompts (the latest done session a subquery); the
    # latest questionnaire results; the week's check-ins; the patient's links with
    # their therapists' names (the appointment they set).
    PageCase("home", "/", Role.PATIENT, seed_entries, (1, 3), recent_titles, budget=8),
    PageCase(
        "home with sessions and a care team",
        "/",
        Role.PATIENT,
        seed_sessions_and_care_team,
        (2, 6),
        # The next session's card and the appointment with the therapist's name.
        lambda html: html.count('class="next-when"') + html.count(f"</strong> with {THERAPIST}"),
        # The same 8: they come with the statements above.
        budget=8,
        shown=lambda n: 2,
    ),
    PageCase(
        "session page",
        "/sessions/{session}",
        Role.PATIENT,
        seed_sessions_and_care_team,
        (2, 6),
        # The marks under the session, its intention and its checklist, each naming
        # the therapist.
        lambda html: html.count(f'<span class="badge">Shared</span> with {THERAPIST}'),
        # 5: the session with its user; the dosing session with its checklist,
        # intention, prompt schedule and after-effects' count, where it is the
        # viewer's; its prompts; the patient's links with their therapists' names; the
        # share marks of the session, the intention and the checklist together.
        budget=5,
        shown=lambda n: 3,
    ),
    PageCase(
        "journal list",
        "/journal/",
        Role.PATIENT,
        seed_entries,
        (5, 20),
        lambda html: len(entry_ids(html)),
        budget=5,
    ),
    PageCase(
        "timeline",
        "/journal/timeline",
        Role.PATIENT,
        seed_sessions,
        # Pages hold three groups (timeline.GROUPS_PER_PAGE); so both sizes fill the
        # first page, and what must not grow is the cost of the sessions, prompts and
        # entries behind it. 8: the session with its user; the patient's sessions; the
        # page's intentions and checklists; one per source for all three groups (each
        # group's first rows with their count).
        (3, 8),
        lambda html: html.count('class="timeline-group"'),
        budget=8,
        shown=lambda n: timeline.GROUPS_PER_PAGE,
    ),
    PageCase(
        "mood charts",
        "/mood/charts",
        Role.PATIENT,
        seed_checkins,
        (3, 12),
        lambda html: len(re.findall(r'<tr><th scope="row">[^<]*</th><td>-?\d', html)),
        # The session; the dosing sessions; the range's results with the oldest few
        # (for the baselines); the range's check-ins.
        budget=4,
    ),
    PageCase(
        "therapist patient list",
        "/clinic/patients",
        Role.THERAPIST,
        seed_patients,
        (1, 5),
        lambda html: html.count('<tr class="patient-row'),
        # The session with its user and two-step row; the sealed order with the
        # links' count; the page's links with their people, sealed summaries and
        # next dosing sessions (issue 17: one statement for the rows).
        budget=3,
    ),
    PageCase(
        "therapist brief",
        "/clinic/patients/{subject}/brief",
        Role.THERAPIST,
        seed_shared_entries,
        (2, 8),
        lambda html: html.count('class="brief-item'),
        budget=14,
    ),
]


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(app: Flask, client: FlaskClient, case: PageCase, n: int) -> list[str]:
    """Log in a fresh viewer with `n` records and count one request's statements."""
    viewer = make_user(app, VIEWER, case.role)
    case.seed(app, viewer, n)
    assert login(client, VIEWER).status_code == 302
    path = case.path
    if "{subject}" in path:
        path = path.format(subject=subject_id(app))
    if "{session}" in path:
        path = path.format(session=latest_done_session(app))
    client.get(path)  # the first request may settle the session; count the second
    with counting_statements(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    if case.shows is not None:
        expected = case.shown(n)
        assert case.shows(response.get_data(as_text=True)) == expected, f"{case}: not {expected}"
    return statements


def _empty(app: Flask) -> None:
    """Between the two sizes: remove every row, as the per-test cleanup does."""
    from sqlalchemy import text

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(text(f"DELETE FROM {table.name}"))


@pytest.mark.parametrize("case", PAGES, ids=str)
def test_page_runs_the_same_statements_however_many_records_it_shows(
    app: Flask, case: PageCase
) -> None:
    few, many = case.sizes
    small = statements_for(app, app.test_client(), case, few)
    _empty(app)
    large = statements_for(app, app.test_client(), case, many)
    assert len(large) == len(small), (
        f"{case}: {len(small)} statements for {few} records but {len(large)} for {many}:\n"
        + "\n".join(large)
    )
    assert len(large) <= case.budget, f"{case}: {len(large)} statements:\n" + "\n".join(large)


def _statements_to_share_check_ins(app: Flask, n: int) -> list[str]:
    """A patient with `n` check-ins starts sharing them all with their therapist."""
    patient = make_user(app, VIEWER)
    seed_checkins(app, patient, n)
    therapist = make_user(app, "dr.lee@example.com", Role.THERAPIST)
    with app.app_context():
        issued = care.create_invitation(db.session.merge(therapist.user))
        link = care.accept_invitation(db.session.merge(patient.user), issued.code)
        url = f"/care/therapists/{link.id}/categories/mood-check-ins"
    client = app.test_client()
    assert login(client, VIEWER).status_code == 302
    token = csrf_token(client, "/care/")
    with counting_statements(app) as statements:
        response = client.post(url, data={"csrf_token": token})
    assert response.status_code in (302, 303), response.status_code
    with app.app_context():
        shared = db.session.scalar(select(func.count()).select_from(Share))
    assert shared == n
    return statements


def test_sharing_a_category_runs_the_same_statements_however_many_records_it_shares(
    app: Flask,
) -> None:
    """Sharing a year of check-ins at once looks up and stores them in a fixed number
    of statements (each share is still sealed on its own), not one lookup each."""
    few = _statements_to_share_check_ins(app, 3)
    _empty(app)
    many = _statements_to_share_check_ins(app, 12)
    assert len(many) == len(few), "\n".join(many)
