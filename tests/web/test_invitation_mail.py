"""Inviting by email: the code leaves through the job queue, once, in a message that
holds the code and how to use it and nothing else; the job carries an id; the code
waits sealed and is wiped once sent; recent invitations say for whom."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal import jobs
from journal.accounts import account_mail
from journal.core.extensions import db
from journal.models.jobs import MailRequest
from journal.models.users import Role
from tests.factories import login, make_user
from tests.pages import csrf_token, words
from tests.web.test_at_rest import _every_row_as_text

THERAPIST = "dr.lee@example.com"
PATIENT_EMAIL = "zephyrine.q@example.org"
NAME = "Zephyrine Quillfeather"


@pytest.fixture
def queued(app: Flask) -> Iterator[jobs.Queue]:
    queue = jobs.queue(app)
    queue.huey.flush()
    app.config["JOBS_EAGER"] = False
    try:
        yield queue
    finally:
        app.config["JOBS_EAGER"] = True
        queue.huey.flush()


@pytest.fixture
def therapist(app: Flask, other_client: FlaskClient) -> FlaskClient:
    make_user(app, THERAPIST, Role.THERAPIST)
    login(other_client, THERAPIST)
    return other_client


def _invite(therapist: FlaskClient, name: str, email: str) -> tuple[int, str]:
    response = therapist.post(
        "/clinic/invite",
        data={
            "patient_name": name,
            "patient_email": email,
            "csrf_token": csrf_token(therapist, "/clinic/invite"),
        },
    )
    return response.status_code, words(response)


def _messages(outbox: Path) -> list[tuple[str, str, str]]:
    found = []
    for path in outbox.glob("*.eml"):
        msg = message_from_bytes(path.read_bytes(), policy=default)
        body = msg.get_body()
        assert body is not None
        found.append((str(msg["To"]), str(msg["Subject"]), body.get_content()))
    return found


def test_the_code_is_mailed_once_through_the_queue_with_nothing_but_the_code(
    app: Flask, therapist: FlaskClient, outbox: Path, queued: jobs.Queue
) -> None:
    status, page = _invite(therapist, NAME, PATIENT_EMAIL)
    assert status == 200
    code = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", page)
    assert code
    assert f"Sent to {PATIENT_EMAIL}" in page
    assert _messages(outbox) == []  # not inside the request
    assert queued.pending() == 1

    # The job carries the request's id, never the address or the code.
    storage = Path(app.config["JOBS_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(storage) as conn:
        blobs = [bytes(row[0]) for row in conn.execute("SELECT data FROM task")]
    assert len(blobs) == 1
    assert PATIENT_EMAIL.encode() not in blobs[0] and code.group(1).encode() not in blobs[0]
    # While it waits the code is sealed: nowhere in the database in clear.
    every_row = _every_row_as_text(app)
    assert code.group(1) not in every_row and code.group(1).replace("-", "") not in every_row
    assert NAME not in every_row
    with app.app_context():
        mail_id = db.session.scalar(select(MailRequest.id))
        assert mail_id is not None and str(mail_id).encode() in blobs[0]
        jobs.enqueue(account_mail.JOB, mail_id)  # a duplicate (a retry)
    assert queued.run_pending() == 2

    (message,) = _messages(outbox)
    to, subject, body = message
    assert to == PATIENT_EMAIL
    assert code.group(1) in body
    for secret in (NAME, "Zephyrine", THERAPIST, "dr.lee", "ketamine", "KAP"):
        assert secret not in subject and secret not in body
    with app.app_context():
        row = db.session.get(MailRequest, mail_id)
        assert row is not None and row.sent_at is not None and row.secret_sealed is None

    # Recent invitations say for whom.
    assert f"For {NAME}" in words(therapist.get("/clinic/invite"))


def test_without_a_name_the_invitation_is_listed_by_its_address(
    app: Flask, therapist: FlaskClient, outbox: Path
) -> None:
    status, _ = _invite(therapist, "", PATIENT_EMAIL)
    assert status == 200
    assert f"For {PATIENT_EMAIL}" in words(therapist.get("/clinic/invite"))
    with app.app_context():
        from journal.models.sharing import CareInvitation

        invitation = db.session.scalars(select(CareInvitation)).one()
        assert invitation.name_for_therapist is not None
        assert PATIENT_EMAIL.encode() not in invitation.name_for_therapist
        assert invitation.name_for_patient is None


def test_a_mistyped_address_keeps_what_was_typed_and_sends_nothing(
    app: Flask, therapist: FlaskClient, outbox: Path
) -> None:
    status, page = _invite(therapist, NAME, "zephyrine at example")
    assert status == 422
    assert "Enter an email address like name@example.com." in page
    html = therapist.post(
        "/clinic/invite",
        data={
            "patient_name": NAME,
            "patient_email": "zephyrine at example",
            "csrf_token": csrf_token(therapist, "/clinic/invite"),
        },
    ).get_data(as_text=True)
    assert 'value="zephyrine at example"' in html and f'value="{NAME}"' in html
    assert 'aria-invalid="true"' in html
    assert _messages(outbox) == []
    with app.app_context():
        assert db.session.scalar(select(MailRequest.id)) is None
