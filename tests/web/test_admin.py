"""The clinic's administrator: made once from the command line, two-step sign-in
before anything, invites and closes therapists' accounts, sees counts and the
system, and reaches no patient's or therapist's data (every other route: 404)."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from journal.admin import system, therapists
from journal.admin.views.admin import OPEN_TO_ADMIN
from journal.content import CONTENT_DIR
from journal.core.extensions import db
from journal.models.jobs import FailedJob, MailRequest
from journal.models.safety_flags import SafetyFlagAcknowledgement
from journal.models.sessions import AuthSession
from journal.models.sharing import CareInvitation, CareLink, CareLinkEnding, Share
from journal.models.types import utcnow
from journal.models.users import AccountToken, Role, User
from journal.web.step_up import MARK
from tests.factories import PASSWORD, enrol_via_http, fresh_totp, last_link, login, make_user
from tests.pages import csrf_token, flat_markup, markup, words
from tests.security.world import (
    ADA,
    ADA_BODY,
    ADA_DRAFT,
    ADA_TITLE,
    NOT_RECORD_IDS,
    TOM,
    build_world,
    methods,
    rules,
    url_with_ids,
)
from tests.web.care_helpers import linked_pair, share, write
from tests.web.helpers import HTMX, auth_cookie, plant_auth_cookie, user_id

ADMIN = "admin@clinic.example"
NEW_THERAPIST = "dr.new@clinic.example"

# What a closed account is told at sign-in (accounts.DEACTIVATED, in English).
CLOSED = "This account was closed by your clinic's administrator"


def _admin(app: Flask, *, two_step: bool = True) -> FlaskClient:
    make_user(app, ADMIN, Role.ADMIN, two_step=two_step)
    client = app.test_client()
    response = login(client, ADMIN)
    assert response.status_code == 302, response.status_code
    return client


def _token(client: FlaskClient) -> str:
    return csrf_token(client, "/admin/")


def _deactivate(client: FlaskClient, app: Flask, therapist_id: uuid.UUID, **fields: str) -> object:
    url = f"/admin/therapists/{therapist_id}/deactivate"
    return client.post(url, data={"csrf_token": csrf_token(client, url), **fields})


def _step_up(app: Flask, email: str) -> dict[str, str]:
    """What the "Confirm it's you" page would carry (patients without two-step)."""
    return {"step_up_password": PASSWORD}


def _confirmation(app: Flask) -> dict[str, str]:
    return {"password": PASSWORD, "code": fresh_totp(app, ADMIN)}


# -- made once, two-step first ---------------------------------------------------------


def test_the_command_line_makes_one_administrator_and_shows_the_key_once(app: Flask) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["admin", "create", ADMIN, "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    assert "Administrator account created" in made.output
    assert re.search(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){5,}", made.output), made.output
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == ADMIN))
        assert admin is not None and admin.role == Role.ADMIN and admin.is_admin
    again = runner.invoke(args=["admin", "create", "second@clinic.example", "--password", PASSWORD])
    assert again.exit_code != 0
    assert "has an administrator already" in again.output


def test_the_administrator_reaches_nothing_before_setting_up_two_step_sign_in(
    app: Flask,
) -> None:
    client = _admin(app, two_step=False)
    for path in ("/admin/", "/admin/system", "/", "/journal/", "/clinic/patients"):
        response = client.get(path)
        assert response.status_code in (302, 404), path
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/settings/two-factor/setup"), path
    page = client.post(
        "/admin/therapists/invite",
        data={
            "email": NEW_THERAPIST,
            "csrf_token": csrf_token(client, "/settings/two-factor/setup"),
        },
    )
    assert page.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(MailRequest.id)) is None
    # Set up, signed in again with both steps: the pages open.
    enrol_via_http(client)
    assert client.get("/admin/").status_code == 200
    other = app.test_client()
    second_step = other.post(
        "/login",
        data={"email": ADMIN, "password": PASSWORD, "csrf_token": csrf_token(other)},
    )
    assert second_step.headers["Location"].startswith("/login/two-factor")
    assert other.get("/admin/").status_code == 302  # the password alone is no login


def test_home_sends_the_administrator_to_the_therapists(app: Flask) -> None:
    client = _admin(app)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    for path in ("/admin/", "/admin/system"):
        assert "no-store" in client.get(path).headers["Cache-Control"], path
    page = words(client.get("/admin/"))
    assert "Therapists" in page and "Log out" in page
    assert "Journal" not in page and "Get help" not in page


def test_the_administrator_changes_their_own_password(app: Flask) -> None:
    client = _admin(app)
    assert client.get("/settings/password").status_code == 200
    new = "orbit-willow-saffron-tundra-42"
    changed = client.post(
        "/settings/password",
        data={
            "current": PASSWORD,
            "password": new,
            "confirm": new,
            "csrf_token": csrf_token(client, "/settings/password"),
        },
    )
    assert changed.status_code == 302 and changed.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/admin/"
    assert client.get("/settings/").status_code == 404
    other = app.test_client()
    assert login(other, ADMIN, new).status_code == 302


# -- no patient's or therapist's data ------------------------------------------------------


def _path(world: object, rule: object) -> str:
    if rule.endpoint in NOT_RECORD_IDS:  # type: ignore[attr-defined]
        return re.sub(r"<[^>]+>", "forged-token", rule.rule)  # type: ignore[attr-defined]
    return url_with_ids(world, rule)  # type: ignore[arg-type]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_every_route_but_its_own_answers_404_to_the_administrator(
    app: Flask, headers: dict[str, str]
) -> None:
    world = build_world(app)
    admin = _admin(app)
    token = _token(admin)
    with app.app_context():
        before = {
            table.name: sorted(map(tuple, db.session.execute(select(table))), key=repr)
            for table in db.metadata.sorted_tables
            if table.name not in {"audit_events", "login_throttle", "access_log", "auth_sessions"}
        }
    refused, own = [], []
    for rule in rules(app):
        if rule.endpoint == "static":
            continue
        path = _path(world, rule)
        for method in methods(rule):
            if rule.endpoint.startswith("admin.") or rule.endpoint in OPEN_TO_ADMIN:
                own.append(f"{method} {path}")
                continue
            response = admin.open(
                path,
                method=method,
                data={"title": "x", "body": "x", "email": ADA, "csrf_token": token},
                headers={**headers, "X-CSRFToken": token},
            )
            label = f"{method} {path}"
            assert response.status_code == 404, (label, response.status_code)
            page = markup(response)
            for secret in (ADA_BODY, ADA_TITLE, ADA_DRAFT, ADA):
                assert secret not in page, label
            refused.append(label)
    assert len(refused) >= 100, len(refused)
    assert any("/clinic/patients/" in r for r in refused)
    assert any("/journal/" in r for r in refused)
    # Its own pages show counts, never a patient's address or words.
    for path in ("/admin/", "/admin/system", f"/admin/therapists/{world.ids['tom']}/deactivate"):
        page = markup(admin.get(path))
        assert TOM in page or path.endswith("/system")
        for secret in (ADA_BODY, ADA_TITLE, ADA_DRAFT, ADA):
            assert secret not in page, path
    with app.app_context():
        after = {
            table.name: sorted(map(tuple, db.session.execute(select(table))), key=repr)
            for table in db.metadata.sorted_tables
            if table.name in before
        }
    assert after == before


def test_nobody_else_reaches_an_administrator_page(app: Flask) -> None:
    world = build_world(app)
    admin_rules = [r for r in rules(app) if r.endpoint.startswith("admin.")]
    assert len(admin_rules) >= 4
    for attacker in (world.ada, world.mallory, world.eve, world.tom):
        token = csrf_token(attacker, "/settings/")
        for rule in admin_rules:
            path = url_with_ids(world, rule)
            for method in methods(rule):
                response = attacker.open(
                    path,
                    method=method,
                    data={"email": "x@example.com", "password": PASSWORD, "csrf_token": token},
                )
                assert response.status_code == 404, (method, path, response.status_code)
    with app.app_context():
        assert db.session.get(User, uuid.UUID(world.ids["tom"])).deactivated_at is None  # type: ignore[union-attr]


def test_every_administrator_state_change_asks_for_the_password(app: Flask) -> None:
    changes = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        and {"POST", "PUT", "PATCH", "DELETE"} & (rule.methods or set())
    ]
    assert {r.endpoint for r in changes} == {
        "admin.therapists_invite",
        "admin.therapists_deactivate",
    }
    for rule in changes:
        assert getattr(app.view_functions[rule.endpoint], MARK, None) in ("session", "inline")


# -- invitations --------------------------------------------------------------------------


def test_an_invited_therapist_sets_their_own_password_and_two_step_sign_in(
    app: Flask, outbox: Path
) -> None:
    admin = _admin(app)
    sent = admin.post(
        "/admin/therapists/invite", data={"email": NEW_THERAPIST, "csrf_token": _token(admin)}
    )
    assert sent.status_code == 302
    assert f"Invitation sent to {NEW_THERAPIST}" in words(admin.get("/admin/"))
    with app.app_context():
        request = db.session.scalar(select(MailRequest))
        assert request is not None and request.kind == "therapist_invite"
        assert request.sent_at is not None  # the queue (eager here) sent it
    link = last_link(outbox, NEW_THERAPIST)
    assert link.startswith("/welcome/")
    assert NEW_THERAPIST in words(admin.get("/admin/"))  # invitation not used yet

    therapist = app.test_client()
    page = therapist.get(link)
    assert page.status_code == 200 and NEW_THERAPIST in words(page)
    weak = therapist.post(
        link,
        data={"password": "short", "confirm": "short", "csrf_token": csrf_token(therapist, link)},
    )
    assert weak.status_code == 422
    made = therapist.post(
        link,
        data={
            "password": PASSWORD,
            "confirm": PASSWORD,
            "time_zone": "Europe/Berlin",
            "csrf_token": csrf_token(therapist, link),
        },
    )
    assert made.status_code == 200
    assert 'id="recovery-key-text"' in made.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == NEW_THERAPIST))
        assert user is not None and user.role == Role.THERAPIST
    # Two-step sign-in comes before the clinic.
    first = therapist.get("/clinic/patients")
    assert first.status_code == 302
    assert first.headers["Location"].startswith("/settings/two-factor/setup")
    enrol_via_http(therapist)
    assert therapist.get("/clinic/patients").status_code == 200
    # The link worked once.
    again = app.test_client().get(link)
    assert again.status_code == 404
    assert "no longer works" in words(again)
    assert "Invitations not used yet" not in words(admin.get("/admin/"))


def test_an_invitation_link_expires(app: Flask, outbox: Path) -> None:
    admin = _admin(app)
    admin.post(
        "/admin/therapists/invite", data={"email": NEW_THERAPIST, "csrf_token": _token(admin)}
    )
    link = last_link(outbox, NEW_THERAPIST)
    with app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    visitor = app.test_client()
    assert visitor.get(link).status_code == 404
    posted = visitor.post(
        link,
        data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf_token(visitor)},
    )
    assert posted.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == NEW_THERAPIST)) is None


def test_a_made_up_or_patient_link_is_no_invitation(app: Flask, outbox: Path) -> None:
    client = app.test_client()
    assert client.get("/welcome/made-up-token").status_code == 404
    # A patient's sign-up link does not make a therapist either.
    client.post(
        "/signup", data={"email": "pat@example.com", "csrf_token": csrf_token(client, "/signup")}
    )
    token = last_link(outbox, "pat@example.com").rsplit("/", 1)[1]
    assert client.get(f"/welcome/{token}").status_code == 404


def test_an_existing_account_is_not_invited_and_a_bad_address_is_explained(app: Flask) -> None:
    admin = _admin(app)
    make_user(app, "dr.old@example.com", Role.THERAPIST)
    for email, message in (
        ("dr.old@example.com", "already has a Fresh Tracks account"),
        ("not an address", "Enter an email address"),
    ):
        response = admin.post(
            "/admin/therapists/invite", data={"email": email, "csrf_token": _token(admin)}
        )
        assert response.status_code == 422
        assert message in words(response)
    with app.app_context():
        assert db.session.scalar(select(MailRequest.id)) is None


def test_inviting_needs_the_password_again_after_a_while_and_a_csrf_token(app: Flask) -> None:
    admin = _admin(app)
    token = _token(admin)
    forged = admin.post("/admin/therapists/invite", data={"email": NEW_THERAPIST})
    assert forged.status_code == 400
    with app.app_context():
        db.session.execute(
            update(AuthSession).values(stepped_up_at=utcnow() - timedelta(minutes=30))
        )
        db.session.commit()
    asked = admin.post(
        "/admin/therapists/invite", data={"email": NEW_THERAPIST, "csrf_token": token}
    )
    assert asked.status_code == 403
    assert "Confirm it" in words(asked)
    with app.app_context():
        assert db.session.scalar(select(MailRequest.id)) is None
    confirmed = admin.post(
        "/admin/therapists/invite",
        data={
            "email": NEW_THERAPIST,
            "csrf_token": token,
            "step_up_password": PASSWORD,
            "step_up_code": fresh_totp(app, ADMIN),
        },
    )
    assert confirmed.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(MailRequest.email)) == NEW_THERAPIST


# -- deactivation --------------------------------------------------------------------------


def test_closing_a_therapists_account_ends_their_sessions_access_and_sign_in(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = linked_pair(app, other_client, client, therapist_email=TOM)
    entry = write(pair.patient, ADA_BODY, title=ADA_TITLE)
    assert share(pair.patient, pair.link, entry).status_code in (200, 302, 303)
    item = f"/clinic/patients/{pair.patient_id}/records/entries/{entry}"
    assert ADA_BODY in markup(pair.therapist.get(item))
    laptop = app.test_client()
    login(laptop, TOM)
    admin = _admin(app)
    assert "1" in words(admin.get("/admin/")).split(TOM, 1)[1][:40]  # one patient

    response = _deactivate(admin, app, pair.therapist_id, **_confirmation(app))
    assert response.status_code == 302
    assert "told the link ended" in words(admin.get("/admin/"))

    # Both of the therapist's browsers are signed out at their next request.
    for browser in (pair.therapist, laptop):
        gone = browser.get(item)
        assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")
        assert browser.get("/clinic/patients").status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(
                select(AuthSession.id_hash).where(AuthSession.user_id == pair.therapist_id)
            )
            is None
        )
        assert db.session.scalar(select(CareLink.id)) is None
        # The share waits for Ada's key; without a link it opens nothing meanwhile.
        assert db.session.scalar(select(Share.id)) is not None
    # And cannot sign in again, with a clear answer.
    refused = app.test_client()
    answer = refused.post(
        "/login", data={"email": TOM, "password": PASSWORD, "csrf_token": csrf_token(refused)}
    )
    assert answer.status_code == 422
    assert CLOSED in flat_markup(answer)
    assert auth_cookie(app, refused) is None
    wrong = refused.post(
        "/login",
        data={"email": TOM, "password": "not-the-password-9", "csrf_token": csrf_token(refused)},
    )
    assert CLOSED not in flat_markup(wrong)  # only whoever knows the password is told

    # The patient is told, on Home and on the care-team page, and keeps everything.
    home = words(pair.patient.get("/"))
    assert "A link with your therapist ended" in home
    with app.app_context():  # Home revoked it with her key
        assert db.session.scalar(select(Share.id)) is None
        assert db.session.scalar(select(CareLinkEnding.settled_at)) is not None
    team = words(pair.patient.get("/care/"))
    assert "ended on" in team and "closed their account" in team
    assert ADA_BODY in markup(pair.patient.get(f"/journal/{entry}"))
    exported = pair.patient.post(
        "/settings/export/json",
        data={"csrf_token": csrf_token(pair.patient, "/settings/export"), **_step_up(app, ADA)},
    )
    assert exported.status_code == 200, exported.status_code
    care_team = exported.get_json()["care_team"]
    assert [e["reason"] for e in care_team["ended_by_clinic"]] == ["therapist_deactivated"]
    assert care_team["links"] == [] and care_team["shares"] == []
    dismissed = pair.patient.post(
        "/care/endings/dismiss", data={"csrf_token": csrf_token(pair.patient, "/care/")}
    )
    assert dismissed.status_code == 302
    assert "A link with your therapist ended" not in words(pair.patient.get("/"))
    assert "closed their account" not in words(pair.patient.get("/care/"))
    with app.app_context():
        ending = db.session.scalar(select(CareLinkEnding))
        assert ending is not None and ending.dismissed_at is not None


def test_old_rows_restored_after_a_closing_open_nothing(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    """The attacker with the database puts back the link, the share and the account
    as they were before the closing: the therapist signs in, and reads nothing."""
    pair = linked_pair(app, other_client, client, therapist_email=TOM)
    entry = write(pair.patient, ADA_BODY, title=ADA_TITLE)
    assert share(pair.patient, pair.link, entry).status_code in (200, 302, 303)
    item = f"/clinic/patients/{pair.patient_id}/records/entries/{entry}"
    assert ADA_BODY in markup(pair.therapist.get(item))
    with app.app_context():
        old = {
            table: [dict(row._mapping) for row in db.session.execute(select(table))]
            for table in (CareLink.__table__, Share.__table__)
        }
    admin = _admin(app)
    assert _deactivate(admin, app, pair.therapist_id, **_confirmation(app)).status_code == 302
    assert login(app.test_client(), ADA).status_code == 302  # her next sign-in revokes it
    with app.app_context():
        assert db.session.scalar(select(Share.id)) is None
        for table, rows in old.items():
            db.session.execute(table.insert(), rows)
        db.session.execute(
            update(User).where(User.id == pair.therapist_id).values(deactivated_at=None)
        )
        db.session.commit()
    again = app.test_client()
    assert login(again, TOM).status_code == 302
    response = again.get(item)
    assert response.status_code == 404
    assert ADA_BODY not in markup(response)
    assert ADA_BODY in markup(pair.patient.get(f"/journal/{entry}"))


def test_a_closed_account_cannot_come_back_through_the_recovery_key(app: Flask) -> None:
    tom = make_user(app, TOM, Role.THERAPIST)
    admin = _admin(app)
    assert _deactivate(admin, app, tom.user.id, **_confirmation(app)).status_code == 302
    client = app.test_client()
    new = "orbit-willow-saffron-tundra-42"
    response = client.post(
        "/reset",
        data={
            "email": TOM,
            "recovery_key": tom.recovery_key,
            "password": new,
            "confirm": new,
            "code": fresh_totp(app, TOM),
            "csrf_token": csrf_token(client, "/reset"),
        },
    )
    assert response.status_code == 422
    assert CLOSED in flat_markup(response)
    assert auth_cookie(app, client) is None
    assert login(app.test_client(), TOM, new).status_code == 422


def test_closing_withdraws_the_therapists_open_invitations(app: Flask) -> None:
    from tests.web.care_helpers import invite

    make_user(app, TOM, Role.THERAPIST)
    tom = app.test_client()
    login(tom, TOM)
    invite(tom)
    admin = _admin(app)
    assert _deactivate(admin, app, user_id(app, TOM), **_confirmation(app)).status_code == 302
    with app.app_context():
        invitation = db.session.scalar(select(CareInvitation))
        assert invitation is not None and invitation.outcome == "withdrawn"


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"password": "wrong-password-123"},
        {"password": PASSWORD},
        {"password": PASSWORD, "code": "000000"},
    ],
    ids=["nothing", "wrong-password", "no-code", "wrong-code"],
)
def test_closing_an_account_needs_the_password_and_code_every_time(
    app: Flask, fields: dict[str, str]
) -> None:
    make_user(app, TOM, Role.THERAPIST)
    admin = _admin(app)  # just signed in: a step-up would still be fresh
    response = _deactivate(admin, app, user_id(app, TOM), **fields)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, user_id(app, TOM)).deactivated_at is None  # type: ignore[union-attr]


def test_a_stolen_administrator_cookie_alone_closes_no_account(app: Flask) -> None:
    make_user(app, TOM, Role.THERAPIST)
    tom = app.test_client()
    login(tom, TOM)
    admin = _admin(app)
    thief = app.test_client()
    stolen = auth_cookie(app, admin)
    assert stolen
    plant_auth_cookie(app, thief, stolen)
    url = f"/admin/therapists/{user_id(app, TOM)}/deactivate"
    token = csrf_token(thief, url)
    for data in ({"csrf_token": token}, {"csrf_token": token, "code": "123456"}):
        assert thief.post(url, data=data).status_code == 422
    assert thief.post(url, data={"password": PASSWORD}).status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.get(User, user_id(app, TOM)).deactivated_at is None  # type: ignore[union-attr]
    assert tom.get("/clinic/patients").status_code == 200


def test_only_therapists_can_be_closed_here(app: Flask) -> None:
    make_user(app, ADA)
    admin = _admin(app)
    for target in (user_id(app, ADA), user_id(app, ADMIN), uuid.uuid4()):
        url = f"/admin/therapists/{target}/deactivate"
        assert admin.get(url).status_code == 404
        response = admin.post(url, data={"csrf_token": _token(admin), **_confirmation(app)})
        assert response.status_code == 404
    assert admin.get("/admin/therapists/not-an-id/deactivate").status_code == 404


# -- what the administrator sees --------------------------------------------------------


def test_the_counts_come_from_rows_in_clear(app: Flask) -> None:
    world = build_world(app)
    tom = uuid.UUID(world.ids["tom"])
    with app.app_context():
        rows = {row.email: row for row in therapists.overview()}
    assert rows[TOM].patients == 1
    assert rows[TOM].last_sign_in is not None and rows[TOM].two_step
    assert rows[TOM].waiting_results == 0  # Tom opened and acknowledged Ada's result
    assert rows["dr.eve@example.com"].patients == 0
    with app.app_context():
        # The same result, shared two days ago and neither opened nor acknowledged.
        db.session.execute(
            update(Share)
            .where(Share.therapist_id == tom, Share.record_table == "measure_results")
            .values(created_at=utcnow() - timedelta(days=2), therapist_read_at=None)
        )
        db.session.execute(
            SafetyFlagAcknowledgement.__table__.delete().where(
                SafetyFlagAcknowledgement.therapist_id == tom
            )
        )
        db.session.commit()
    with app.app_context():
        assert {r.email: r for r in therapists.overview()}[TOM].waiting_results == 1
        # Less than a day old: not counted yet.
        db.session.execute(update(Share).values(created_at=utcnow() - timedelta(hours=20)))
        db.session.commit()
        assert {r.email: r for r in therapists.overview()}[TOM].waiting_results == 0


def test_the_system_page_lists_failed_jobs_and_the_content_in_force(app: Flask) -> None:
    admin = _admin(app)
    job_id = uuid.uuid4()
    with app.app_context():
        db.session.add(
            FailedJob(
                name="accounts.mail", args=str(job_id), error="SMTPServerDisconnected", attempts=7
            )
        )
        db.session.commit()
    page = words(admin.get("/admin/system"))
    assert "accounts.mail" in page and str(job_id) in page and "SMTPServerDisconnected" in page
    checklist = (CONTENT_DIR / "checklists" / "default.json").read_bytes()
    crisis = (CONTENT_DIR / "crisis" / "US.json").read_bytes()
    assert hashlib.sha256(checklist).hexdigest()[:12] in page
    assert hashlib.sha256(crisis).hexdigest()[:12] in page
    files = system.content_versions("US")
    assert {f.kind for f in files} == {
        "Preparation checklist",
        "Integration prompts",
        "Crisis lines",
    }
    # The newest version of each file is in force; an older one kept so that what
    # was scheduled from it still reads (the prompts' v1) is listed as not in force.
    retired = {f.name for f in files if not f.in_force}
    assert retired <= {"default.v1.json"}, retired
    assert {f.kind for f in files if f.in_force} == {f.kind for f in files}


def test_a_newer_checklist_version_is_the_one_in_force(tmp_path: Path) -> None:
    for folder in ("checklists", "prompts", "crisis"):
        (tmp_path / folder).mkdir()
    (tmp_path / "checklists" / "default.v1.json").write_text('{"id": "default", "version": 1}')
    (tmp_path / "checklists" / "default.json").write_text('{"id": "default", "version": 2}')
    (tmp_path / "crisis" / "US.json").write_text('{"region": "US"}')
    (tmp_path / "crisis" / "GB.json").write_text('{"region": "GB"}')
    files = {f.name: f for f in system.content_versions("GB", tmp_path)}
    assert files["default.json"].in_force and not files["default.v1.json"].in_force
    assert files["GB.json"].in_force and not files["US.json"].in_force
