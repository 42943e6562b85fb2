"""Deleting an account: what it asks for, and that every row of it goes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import ForeignKey, MetaData, Table, func, inspect, select, update
from werkzeug.test import TestResponse

from journal.care import care, safety_signals
from journal.core.extensions import db
from journal.models.audit import AuditEvent
from journal.models.jobs import MailRequest
from journal.models.reminders import PushSubscription, ReminderSent
from journal.models.sharing import CareLinkEnding, StandingShare
from journal.models.types import utcnow
from journal.models.users import AccountToken, LoginThrottle, Role
from journal.mood import measures
from tests.factories import (
    PASSWORD,
    TOTP_SECRETS,
    enrol_via_http,
    fresh_totp,
    last_link,
    login,
    make_user,
    signup_via_http,
    write_entry,
)
from tests.pages import csrf_token, markup
from tests.security.world import ADA, ADA_BODY, MALLORY, TOM, World, build_world, forms_on
from tests.web.care_mood_helpers import keys_of, phq9_answers
from tests.web.helpers import HTMX, user_id
from tests.web.mood_helpers import checkin


def _delete(client: FlaskClient, **form: str) -> TestResponse:
    data = {"understood": "yes", "csrf_token": csrf_token(client, "/settings/delete"), **form}
    return client.post("/settings/delete", data=data)


# Tables whose rows belong to no one account, with the reason.
NOT_PER_USER = {
    "login_throttle": "keyed by a peppered hash of an email; deletion clears that email's rows",
    "alembic_version": "the schema's version",
    "mail_requests": "an address and which message was asked for (sign-up, start-over); "
    "kept two days, and deletion removes that address's rows",
    "failed_jobs": "a job's name and ids, for the operator; nothing of a person",
}
# Foreign keys to users that keep their row (emptied) when that user goes, with why.
SET_NULL_ON_DELETE = {
    "access_log.therapist_id": "a patient's record of who read their entries outlives "
    "the therapist's account (the row goes with the patient)",
    "care_invitations.patient_id": "the therapist's invitation keeps its outcome, without "
    "the patient who used it",
}


def _fk_paths(table: Table, seen: frozenset[str] = frozenset()) -> Iterator[list[ForeignKey]]:
    """Every chain of foreign keys from `table` to users.id."""
    for fk in table.foreign_keys:
        parent = fk.column.table
        if parent.name == "users":
            yield [fk]
        elif parent.name not in seen and parent is not table:
            for rest in _fk_paths(parent, seen | {table.name}):
                yield [fk, *rest]


def rows_per_table(app: Flask, uid: uuid.UUID) -> dict[str, int]:
    """For every table in the schema (read from db.metadata, so tables that later
    features add are counted too): the rows that belong to this user through any
    chain of foreign keys."""
    counts: dict[str, int] = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name == "users":
                query = select(func.count()).select_from(table).where(table.c.id == uid)
                counts["users"] = db.session.scalar(query) or 0
                continue
            key = list(table.primary_key.columns)
            found: set[tuple[object, ...]] = set()
            for path in _fk_paths(table):
                query = select(*key).select_from(table)
                for fk in path[:-1]:
                    query = query.join(fk.column.table, fk.parent == fk.column)
                query = query.where(path[-1].parent == uid)
                found |= {tuple(row) for row in db.session.execute(query)}
            counts[table.name] = len(found)
    return counts


def cells_with(app: Flask, needle: str) -> list[str]:
    """Every table and column (read from the database itself, so tables that later
    features add are searched too) whose value contains `needle`, as text or bytes,
    in any letter case."""
    text_needle = needle.lower()
    byte_needles = {needle.encode(), needle.lower().encode(), needle.upper().encode()}
    found = []
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        for name in names:
            table = Table(name, MetaData(), autoload_with=db.engine)
            for row in db.session.execute(select(table)).mappings():
                for column, value in row.items():
                    as_text = isinstance(value, str) and text_needle in value.lower()
                    as_bytes = isinstance(value, bytes | memoryview) and any(
                        b in bytes(value) for b in byte_needles
                    )
                    if as_text or as_bytes:
                        found.append(f"{name}.{column}")
    return sorted(set(found))


def test_the_email_is_in_no_table_or_column_after_deletion(
    app: Flask, client: FlaskClient, outbox: Path
) -> None:
    """Signed up by an emailed link (a token that carries only the email), asked to
    start over (a token with the account's id), one wrong password (a backoff row):
    after deletion the address is nowhere in the database."""
    email = "zoe.unique@example.com"
    signup_via_http(client, outbox, email)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    other = app.test_client()
    other.post("/start-over", data={"email": email, "csrf_token": csrf_token(other, "/start-over")})
    login(other, email, "not-the-password-1")
    login(client, email)
    assert cells_with(app, email), "the search finds the address while the account exists"
    assert _delete(client, password=PASSWORD).status_code == 302
    assert cells_with(app, email) == []


def test_used_and_expired_links_are_purged(app: Flask, client: FlaskClient, outbox: Path) -> None:
    signup_via_http(client, outbox, "used@example.com")  # a used sign-up link
    asker = app.test_client()
    for email in ("late@example.com", "fresh@example.com"):
        asker.post("/signup", data={"email": email, "csrf_token": csrf_token(asker)})
    with app.app_context():
        db.session.execute(
            update(AccountToken)
            .where(AccountToken.email == "late@example.com")
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["tokens", "purge"])
    assert result.exit_code == 0, result.output
    assert "2 used or expired link(s) deleted." in result.output
    assert cells_with(app, "used@example.com") == ["users.email"]  # the account itself
    assert cells_with(app, "late@example.com") == []
    assert cells_with(app, "fresh@example.com") == ["account_tokens.email"]
    # The unused link still works.
    link = last_link(outbox, "fresh@example.com")
    assert asker.get(link).status_code == 200


def test_every_table_either_belongs_to_a_user_or_says_why_not(app: Flask) -> None:
    with app.app_context():
        orphans = [
            t.name
            for t in db.metadata.sorted_tables
            if t.name != "users" and not any(_fk_paths(t)) and t.name not in NOT_PER_USER
        ]
    assert orphans == [], (
        f"{orphans} have no foreign key to users, so deleting an account would leave their "
        "rows behind: add one (ON DELETE CASCADE) or list the table in NOT_PER_USER with why"
    )


def test_every_foreign_key_to_a_user_deletes_with_the_user(app: Flask) -> None:
    with app.app_context():
        wrong = [
            f"{t.name}.{fk.parent.name}"
            for t in db.metadata.sorted_tables
            for fk in t.foreign_keys
            if fk.ondelete != "CASCADE"
            and not (
                fk.ondelete == "SET NULL" and f"{t.name}.{fk.parent.name}" in SET_NULL_ON_DELETE
            )
        ]
    assert wrong == [], f"add ondelete='CASCADE' to {wrong} (or say why not in SET_NULL_ON_DELETE)"


def _fill_every_table(app: Flask) -> World:
    """Ada (a patient) and Tom (her therapist) with something in every table: the
    security world (entries, drafts, devices, a dosing session with its checklist and
    log, a link, a share, an invitation), plus an intention, the self-check, a
    standing category, Tom's name and his read of her entry, two-step sign-in with
    backup codes, an emailed token and a half-finished two-step login. A feature that
    adds a table adds a row for it here (the tests below name any table left empty)."""
    world = build_world(app)
    ada, tom = world.ada, world.tom
    session = world.ids["kap_session"]
    token = csrf_token(ada, "/journal/")
    ada.post(
        f"/journal/drafts/{uuid.uuid4()}",
        data={"body": "half", "entry_id": world.ids["entry"], "csrf_token": token},
        headers=HTMX,
    )
    ada.post(f"/sessions/{session}/intention", data={"text": "To rest.", "csrf_token": token})
    [check] = [f for f in forms_on(ada, "/sessions/self-check") if "self-check" in f.action]
    assert ada.post(check.action, data=check.fields).status_code in (200, 302, 303)
    tom.post(
        "/clinic/profile",
        data={"display_name": "Dr Tom", "csrf_token": csrf_token(tom, "/clinic/invite")},
    )
    item = f"/clinic/patients/{world.ids['ada']}/records/entries/{world.ids['entry']}"
    assert tom.get(item).status_code == 200
    # Tom's brief of Ada keeps its sealed digest.
    assert tom.get(f"/clinic/patients/{world.ids['ada']}/brief").status_code == 200
    with app.app_context():
        # No feature registers a standing category yet: a row made directly, so that
        # its cascade is checked all the same.
        db.session.add(
            StandingShare(
                patient_id=uuid.UUID(world.ids["ada"]),
                therapist_id=user_id(app, TOM),
                category="test",
            )
        )
        # A link the clinic ended (its administrator closed a therapist's account).
        db.session.add(
            CareLinkEnding(
                patient_id=uuid.UUID(world.ids["ada"]),
                therapist_id=user_id(app, TOM),
                ended_at=utcnow(),
                reason="therapist_deactivated",
            )
        )
        db.session.commit()
    with app.app_context():
        # Ada lets Tom be told of safety signals; a flagged PHQ-9 makes one.
        patient, udk = keys_of(ADA)
        link = care.link_between(user_id(app, TOM), patient.id)
        assert link is not None
        safety_signals.choose(patient, udk, link)
        measures.submit(patient, udk, "phq9", phq9_answers(5, item9=1), {}, uuid.uuid4())
    # Mood, the safety plan, reminders and an entry sent with an idempotency key.
    assert checkin(ada, mood="3", anxiety="2").status_code in (200, 302, 303)
    [plan] = [f for f in forms_on(ada, "/help/safety-plan") if "safety-plan" in f.action]
    ada.post(plan.action, data={**plan.fields, **dict.fromkeys(plan.free_text, "Call Sam.")})
    ada.post(
        "/reminders/preferences",
        data={"daily_on": "on", "daily_time": "09:00", "csrf_token": token},
    )
    # Integration: the world answered a prompt and logged an after-effect; a draft of
    # another answer too.
    done, key = world.ids["done_session"], "day-one-feels-different"
    ada.post(
        f"/sessions/{done}/prompts/{key}/draft",
        data={"answer": "half an answer", "csrf_token": token},
        headers=HTMX,
    )
    ada.post(
        "/journal/",
        data={
            "body": "Sent twice, kept once.",
            "idempotency_key": str(uuid.uuid4()),
            "csrf_token": token,
        },
    )
    with app.app_context():
        # A push subscription and a sent reminder, as the browser and `flask reminders
        # send` would leave them (neither can run here without a push service).
        ada_id = uuid.UUID(world.ids["ada"])
        db.session.add(
            PushSubscription(
                user_id=ada_id, endpoint="https://push.example/ada", p256dh="k", auth="a"
            )
        )
        db.session.add(ReminderSent(user_id=ada_id, kind="daily", occurrence="2026-11-22"))
        db.session.commit()
    ada.post("/start-over", data={"email": ADA, "csrf_token": csrf_token(ada, "/start-over")})
    TOTP_SECRETS[ADA] = enrol_via_http(ada)[0]
    half_way = app.test_client()
    half_way.post(
        "/login", data={"email": TOM, "password": PASSWORD, "csrf_token": csrf_token(half_way)}
    )
    return world


@pytest.mark.parametrize("who", [ADA, TOM], ids=["patient", "therapist"])
def test_deleting_an_account_removes_every_row_of_it_in_every_table(
    app: Flask, outbox: object, who: str
) -> None:
    world = _fill_every_table(app)
    ids = {email: user_id(app, email) for email in (ADA, TOM, MALLORY)}
    before = {email: rows_per_table(app, uid) for email, uid in ids.items()}
    empty = sorted(
        name
        for name in before[ADA]
        if before[ADA][name] == 0 and before[TOM][name] == 0 and name not in NOT_PER_USER
    )
    assert empty == [], f"fill these tables for Ada or Tom in _fill_every_table: {empty}"

    client = world.ada if who == ADA else world.tom
    response = _delete(client, password=PASSWORD, code=fresh_totp(app, who))
    assert response.status_code == 302
    assert response.headers["Location"] == "/account-deleted"
    assert '"cookies"' in response.headers["Clear-Site-Data"]

    after = rows_per_table(app, ids[who])
    assert {name: n for name, n in after.items() if n} == {}
    assert cells_with(app, who) == []
    # Someone with nothing to do with either is untouched.
    assert rows_per_table(app, ids[MALLORY]) == before[MALLORY]
    assert client.get("/journal/").status_code == 302
    assert "Your account is deleted" in markup(client.get("/account-deleted"))
    if who == TOM:
        # Ada keeps her journal; only what tied it to Tom is gone.
        assert ADA_BODY in markup(world.ada.get(f"/journal/{world.ids['entry']}"))


def test_the_email_can_sign_up_again_and_finds_nothing_of_before(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    write_entry(client, "Before deletion.")
    assert _delete(client, password=PASSWORD).status_code == 302
    assert login(client, "ada@example.com").status_code == 422
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    assert "Before deletion." not in markup(client.get("/journal/"))


def test_deletion_clears_the_backoff_rows_of_that_email(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com", "wrong-password-1")
    login(client, "ada@example.com")
    _delete(client, password="wrong-password-2")
    with app.app_context():
        # The deletion guess, and the login guess counted against every unknown
        # client of the account (the client's own row went with the right password).
        assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 2
    assert _delete(client, password=PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 0


def test_deletion_forgets_the_mail_asked_for_that_address(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada@example.com")
    client.post(
        "/start-over",
        data={"email": "ada@example.com", "csrf_token": csrf_token(client, "/start-over")},
    )
    login(client, "ada@example.com")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MailRequest)) == 1
    assert _delete(client, password=PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MailRequest)) == 0


def test_the_page_says_plainly_what_will_happen_before_asking(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    page = markup(client.get("/settings/delete"))
    assert "This deletes everything, at once and for good" in page
    assert "No one can undo this" in page
    assert "export your data" in page
    assert 'name="code"' not in page  # no two-step sign-in, no code asked


def test_deletion_needs_the_password_and_the_tick_and_changes_nothing_without(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    write_entry(client, "Still here.")
    wrong = _delete(client, password="not-my-password")
    assert wrong.status_code == 422
    assert "Your password is not right. Nothing was deleted." in markup(wrong)
    unticked = client.post(
        "/settings/delete",
        data={"password": PASSWORD, "csrf_token": csrf_token(client, "/settings/delete")},
    )
    assert unticked.status_code == 422
    assert "Still here." in markup(client.get("/journal/"))


def test_deletion_with_two_step_sign_in_needs_a_right_code_too(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "dr.lee@example.com", Role.THERAPIST)
    login(client, "dr.lee@example.com")
    assert 'name="code"' in client.get("/settings/delete").get_data(as_text=True)
    refused = _delete(client, password=PASSWORD, code="000000")
    assert refused.status_code == 422
    assert "That two-step code did not work. Nothing was deleted." in markup(refused)
    done = _delete(client, password=PASSWORD, code=fresh_totp(app, "dr.lee@example.com"))
    assert done.status_code == 302


def test_the_operator_log_keeps_that_an_account_was_deleted_but_not_whose(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    _delete(client, password=PASSWORD)
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.user_id, AuditEvent.detail).where(
                AuditEvent.action == "account.deleted"
            )
        ).all()
    assert [tuple(r) for r in rows] == [(None, "patient")]
