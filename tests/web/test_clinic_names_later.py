"""Patients linked before names were asked for show by their email: the caseload says
a name can be added, the therapist adds or changes it on the patient's page, and the
name is sealed to them as every name is. Someone holding the database file cannot
move a name to another patient or put back an older one."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.core.extensions import db
from journal.models.sharing import CareLink
from journal.models.users import Role, User
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.care_helpers import plain
from tests.web.test_at_rest import _every_row_as_text
from tests.web.test_clinic_names import PATIENT, THERAPIST, _accept, _invite

SECOND = "bo@example.com"
ADD = "No name yet: add the name you use"


def _linked(app: Flask, therapist: FlaskClient, emails: list[str]) -> dict[str, str]:
    """Each patient accepts an invitation given without a name; email → patient id."""
    make_user(app, THERAPIST, Role.THERAPIST)
    login(therapist, THERAPIST)
    ids = {}
    for email in emails:
        make_user(app, email)
        patient = app.test_client()
        login(patient, email)
        _accept(patient, _invite(therapist, ""), None)
        with app.app_context():
            ids[email] = str(db.session.scalar(select(User.id).where(User.email == email)))
    return ids


def _name(therapist: FlaskClient, pid: str, name: str) -> int:
    return therapist.post(
        f"/clinic/patients/{pid}/name",
        data={
            "patient_name": name,
            "csrf_token": csrf_token(therapist, f"/clinic/patients/{pid}"),
        },
    ).status_code


def _row(therapist: FlaskClient, pid: str) -> str:
    """The caseload row of one patient, as text."""
    html = therapist.get("/clinic/patients").get_data(as_text=True)
    row = re.search(
        rf"<tr[^>]*>(?:(?!</tr>).)*/clinic/patients/{pid}\b(?:(?!</tr>).)*</tr>", html, re.S
    )
    assert row, html
    return plain_text(row.group(0))


def plain_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_caseload_says_a_name_can_be_added_and_the_therapist_adds_then_changes_it(
    app: Flask, other_client: FlaskClient
) -> None:
    therapist = other_client
    pid = _linked(app, therapist, [PATIENT])[PATIENT]
    row = _row(therapist, pid)
    assert PATIENT in row and ADD in row
    html = therapist.get("/clinic/patients").get_data(as_text=True)
    assert f'href="/clinic/patients/{pid}#f-patient_name"' in html
    brief = therapist.get(f"/clinic/patients/{pid}/brief").get_data(as_text=True)
    assert f'href="/clinic/patients/{pid}#f-patient_name"' in brief
    assert 'id="f-patient_name"' in therapist.get(f"/clinic/patients/{pid}").get_data(as_text=True)

    assert _name(therapist, pid, "  Ada   Lovelace ") == 302
    row = _row(therapist, pid)
    assert "Ada Lovelace" in row and ADD not in row
    assert "Ada Lovelace" in plain(therapist.get(f"/clinic/patients/{pid}/brief"))
    assert "Lovelace" not in _every_row_as_text(app)

    assert _name(therapist, pid, "Ada K.") == 302
    row = _row(therapist, pid)
    assert "Ada K." in row and "Lovelace" not in row
    # Emptied: the email again, and the caseload offers to add one.
    assert _name(therapist, pid, "") == 302
    assert ADD in _row(therapist, pid)


def test_a_name_too_long_says_so_and_keeps_what_was_typed(
    app: Flask, other_client: FlaskClient
) -> None:
    therapist = other_client
    pid = _linked(app, therapist, [PATIENT])[PATIENT]
    typed = "Ada " + "x" * 130
    response = therapist.post(
        f"/clinic/patients/{pid}/name",
        data={
            "patient_name": typed,
            "csrf_token": csrf_token(therapist, f"/clinic/patients/{pid}"),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Keep the name under" in plain_text(html)
    assert f'value="{typed}"' in html
    assert 'aria-invalid="true"' in html
    assert ADD in _row(therapist, pid)


def test_another_therapist_cannot_name_the_patient_and_a_cookie_alone_cannot_either(
    app: Flask, other_client: FlaskClient
) -> None:
    therapist = other_client
    pid = _linked(app, therapist, [PATIENT])[PATIENT]
    assert _name(therapist, pid, "Ada") == 302

    make_user(app, "dr.other@example.com", Role.THERAPIST)
    stranger = app.test_client()
    login(stranger, "dr.other@example.com")
    response = stranger.post(
        f"/clinic/patients/{pid}/name",
        data={"patient_name": "Mallory", "csrf_token": csrf_token(stranger, "/clinic/invite")},
    )
    assert response.status_code == 404

    # A forged form from another site carries the session cookie but not the token.
    response = therapist.post(f"/clinic/patients/{pid}/name", data={"patient_name": "Mallory"})
    assert response.status_code == 400
    row = _row(therapist, pid)
    assert "Ada" in row and "Mallory" not in row


def _columns(app: Flask, pid: str) -> tuple[bytes | None, bytes | None, int]:
    with app.app_context():
        link = db.session.scalars(
            select(CareLink).where(CareLink.patient_id == uuid.UUID(pid))
        ).one()
        return link.sealed_name, link.own_sealed_name, link.name_version


def _put(app: Flask, pid: str, columns: tuple[bytes | None, bytes | None, int]) -> None:
    with app.app_context():
        link = db.session.scalars(
            select(CareLink).where(CareLink.patient_id == uuid.UUID(pid))
        ).one()
        link.sealed_name, link.own_sealed_name, link.name_version = columns
        db.session.commit()


def test_a_name_moved_to_another_patient_or_put_back_from_before_is_not_shown(
    app: Flask, other_client: FlaskClient
) -> None:
    therapist = other_client
    ids = _linked(app, therapist, [PATIENT, SECOND])
    assert _name(therapist, ids[PATIENT], "Ada Lovelace") == 302
    assert _name(therapist, ids[SECOND], "Bo Diddley") == 302
    assert "Ada Lovelace" in _row(therapist, ids[PATIENT])

    # Swapped between the two patients' rows, versions and all: neither opens.
    first, second = _columns(app, ids[PATIENT]), _columns(app, ids[SECOND])
    _put(app, ids[PATIENT], second)
    _put(app, ids[SECOND], first)
    for pid, email in ((ids[PATIENT], PATIENT), (ids[SECOND], SECOND)):
        row = _row(therapist, pid)
        assert "Ada Lovelace" not in row and "Bo Diddley" not in row
        assert email in row and ADD in row
    _put(app, ids[PATIENT], first)
    _put(app, ids[SECOND], second)
    assert "Bo Diddley" in _row(therapist, ids[SECOND])

    # Renamed, then the old sealed name put back into the row: not shown as the name.
    old = _columns(app, ids[PATIENT])
    assert _name(therapist, ids[PATIENT], "Ada K.") == 302
    _sealed, _own, version = _columns(app, ids[PATIENT])
    _put(app, ids[PATIENT], (old[0], old[1], version))
    row = _row(therapist, ids[PATIENT])
    assert "Ada Lovelace" not in row and "Ada K." not in row and PATIENT in row
    # Named again, it shows.
    assert _name(therapist, ids[PATIENT], "Ada K.") == 302
    assert "Ada K." in _row(therapist, ids[PATIENT])
