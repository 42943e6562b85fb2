"""Care-team steps as a therapist and a patient take them, over HTTP."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.sharing import AccessLogEntry, CareLink, Share
from journal.models.users import Role
from tests.factories import login, make_user, write_entry
from tests.pages import csrf_token, flat_markup, words
from tests.web.helpers import user_id

CODE_RE = re.compile(r'id="invitation-code">([A-Z0-9]{4}-[A-Z0-9]{4})<')


# The care tests read pages through tests/pages.py under their own short names.
text = flat_markup
plain = words


def invite(therapist: FlaskClient) -> str:
    """The therapist makes an invitation; returns the code as shown (ABCD-EFGH)."""
    response = therapist.post(
        "/clinic/invite", data={"csrf_token": csrf_token(therapist, "/clinic/invite")}
    )
    assert response.status_code == 200, response.status_code
    match = CODE_RE.search(response.get_data(as_text=True))
    assert match, "no invitation code shown"
    return match.group(1)


def accept(patient: FlaskClient, code: str) -> TestResponse:
    return patient.post(
        f"/care/join/{code}/accept", data={"csrf_token": csrf_token(patient, "/care/")}
    )


def link_id(app: Flask, therapist_email: str, patient_email: str) -> uuid.UUID:
    tid, pid = user_id(app, therapist_email), user_id(app, patient_email)
    with app.app_context():
        found = db.session.scalar(
            select(CareLink.id).where(CareLink.therapist_id == tid, CareLink.patient_id == pid)
        )
    assert found is not None, "not linked"
    return found


def entry_id_from(response: TestResponse) -> str:
    assert response.status_code == 302, response.status_code
    return response.headers["Location"].removeprefix("/journal/")


def share(
    patient: FlaskClient, link: uuid.UUID, *entry_ids: str, next_url: str = ""
) -> TestResponse:
    data: dict[str, object] = {
        "csrf_token": csrf_token(patient, "/care/"),
        "link": str(link),
        "record": [f"entries:{e}" for e in entry_ids],
    }
    if next_url:
        data["next"] = next_url
    return patient.post("/care/share", data=data)


def shares(app: Flask) -> list[Share]:
    with app.app_context():
        found = list(db.session.scalars(select(Share)))
        db.session.expunge_all()
    return found


def access_rows(app: Flask) -> list[AccessLogEntry]:
    with app.app_context():
        found = list(db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.at)))
        db.session.expunge_all()
    return found


@dataclass
class Pair:
    """A therapist and a patient, linked, each logged in on their own client."""

    therapist: FlaskClient
    patient: FlaskClient
    therapist_email: str
    patient_email: str
    link: uuid.UUID
    patient_id: uuid.UUID
    therapist_id: uuid.UUID


def linked_pair(
    app: Flask,
    therapist: FlaskClient,
    patient: FlaskClient,
    therapist_email: str = "dr.lee@example.com",
    patient_email: str = "ada@example.com",
) -> Pair:
    make_user(app, therapist_email, Role.THERAPIST)
    make_user(app, patient_email)
    login(therapist, therapist_email)
    login(patient, patient_email)
    response = accept(patient, invite(therapist))
    assert response.status_code == 302, text(response)
    return Pair(
        therapist,
        patient,
        therapist_email,
        patient_email,
        link_id(app, therapist_email, patient_email),
        user_id(app, patient_email),
        user_id(app, therapist_email),
    )


def write(patient: FlaskClient, body: str, title: str = "") -> str:
    return entry_id_from(write_entry(patient, body, title=title))


def item_url(pair: Pair, entry_id: str) -> str:
    return f"/clinic/patients/{pair.patient_id}/records/entries/{entry_id}"
