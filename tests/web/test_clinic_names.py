"""Patients known by name: the therapist names the patient when inviting, the patient
sees the name and may correct it on accepting, and the name is stored sealed to the
therapist only: nowhere in the database in clear, and no other therapist reads it."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from journal.models.users import Role
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.care_helpers import CODE_RE, plain
from tests.web.test_at_rest import _every_row_as_text

THERAPIST = "dr.lee@example.com"
PATIENT = "ada@example.com"
NAME = "Zephyrine Quillfeather"


def _invite(therapist: FlaskClient, name: str) -> str:
    response = therapist.post(
        "/clinic/invite",
        data={"patient_name": name, "csrf_token": csrf_token(therapist, "/clinic/invite")},
    )
    assert response.status_code == 200
    match = CODE_RE.search(response.get_data(as_text=True))
    assert match
    return match.group(1)


def _accept(patient: FlaskClient, code: str, name: str | None) -> None:
    data = {"csrf_token": csrf_token(patient, "/care/")}
    if name is not None:
        data["patient_name"] = name
    response = patient.post(f"/care/join/{code}/accept", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def _pair(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> tuple[FlaskClient, FlaskClient]:
    make_user(app, THERAPIST, Role.THERAPIST)
    make_user(app, PATIENT)
    login(other_client, THERAPIST)
    login(client, PATIENT)
    return other_client, client


def test_the_name_given_at_invitation_is_shown_to_the_patient_and_kept_sealed(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    therapist, patient = _pair(app, client, other_client)
    code = _invite(therapist, NAME)
    assert f"For {NAME}" in plain(therapist.get("/clinic/invite"))
    page = patient.get(f"/care/join/{code}").get_data(as_text=True)
    assert f'value="{NAME}"' in page
    _accept(patient, code, None)

    listing = plain(therapist.get("/clinic/patients"))
    assert NAME in listing

    dump = _every_row_as_text(app)
    assert PATIENT in dump  # the dump shows what is in clear
    assert NAME not in dump
    assert NAME.encode().hex() not in dump
    assert "Quillfeather" not in dump


def test_the_patient_corrects_the_name_on_accepting(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    therapist, patient = _pair(app, client, other_client)
    code = _invite(therapist, NAME)
    _accept(patient, code, "Zee Quill")
    listing = plain(therapist.get("/clinic/patients"))
    assert "Zee Quill" in listing
    assert NAME not in listing
    assert "Zee Quill" not in _every_row_as_text(app)


def test_a_too_long_name_keeps_what_was_typed(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    therapist, _ = _pair(app, client, other_client)
    long = "A" * 130
    response = therapist.post(
        "/clinic/invite",
        data={"patient_name": long, "csrf_token": csrf_token(therapist, "/clinic/invite")},
    )
    assert response.status_code == 422
    assert "Keep the name under 120 characters" in response.get_data(as_text=True)
    assert f'value="{long}"' in response.get_data(as_text=True)


def test_another_therapist_never_sees_the_name(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    therapist, patient = _pair(app, client, other_client)
    _accept(patient, _invite(therapist, NAME), None)
    make_user(app, "dr.other@example.com", Role.THERAPIST)
    therapist.post("/logout", data={"csrf_token": csrf_token(therapist, "/clinic/invite")})
    login(therapist, "dr.other@example.com")
    _accept(patient, _invite(therapist, ""), None)
    listing = plain(therapist.get("/clinic/patients"))
    assert PATIENT in listing
    assert NAME not in listing


def test_the_therapist_renames_a_patient(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    therapist, patient = _pair(app, client, other_client)
    _accept(patient, _invite(therapist, ""), None)
    listing = therapist.get("/clinic/patients").get_data(as_text=True)
    assert PATIENT in listing
    pid = listing.split("/clinic/patients/")[1].split('"')[0]
    response = therapist.post(
        f"/clinic/patients/{pid}/name",
        data={
            "patient_name": "Ada L.",
            "csrf_token": csrf_token(therapist, f"/clinic/patients/{pid}"),
        },
    )
    assert response.status_code == 302
    assert "Ada L." in plain(therapist.get(f"/clinic/patients/{pid}"))
    assert "Ada L." in plain(therapist.get(f"/clinic/patients/{pid}/brief"))
    assert "Ada L." not in _every_row_as_text(app)
