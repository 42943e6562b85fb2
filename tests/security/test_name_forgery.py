"""Patient names against someone who can write the database: a name sealed to the
therapist's real public key (all HPKE base mode needs) or moved from another row is
not believed; the caseload shows the patient's email instead, and the refusal is
logged without the name."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from journal.care import care
from journal.core import crypto
from journal.core.extensions import db
from journal.models.sharing import CareInvitation, CareLink
from journal.models.users import Role, User
from tests.factories import login, make_user
from tests.pages import csrf_token, words

THERAPIST = "dr.lee@example.com"
PLANTED = "Planted Name"


def _rows(therapist: FlaskClient) -> list[str]:
    page = therapist.get("/clinic/patients").get_data(as_text=True)
    return re.findall(r'class="tap-link patient-link" href="[^"]*">([^<]+)</a>', page)


def _link_with(
    app: Flask, therapist: FlaskClient, patient: FlaskClient, email: str, name: str
) -> None:
    make_user(app, email)
    login(patient, email)
    response = therapist.post(
        "/clinic/invite",
        data={"patient_name": name, "csrf_token": csrf_token(therapist, "/clinic/invite")},
    )
    code = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", words(response))
    assert code, words(response)
    accepted = patient.post(
        f"/care/join/{code.group(1)}/accept",
        data={"csrf_token": csrf_token(patient, "/care/"), "patient_name": name},
    )
    assert accepted.status_code == 302


@pytest.fixture
def therapist(app: Flask, other_client: FlaskClient) -> FlaskClient:
    make_user(app, THERAPIST, Role.THERAPIST)
    login(other_client, THERAPIST)
    return other_client


def test_a_name_sealed_to_the_therapists_real_key_is_not_believed(
    app: Flask, therapist: FlaskClient, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    _link_with(app, therapist, client, "ada@example.com", "")
    with app.app_context():
        link = db.session.scalars(select(CareLink)).one()
        owner = db.session.get(User, link.therapist_id)
        assert owner is not None
        info = crypto.hpke_info(
            "patient-name", "care_links", link.id, link.therapist_id, link.patient_id
        )
        link.sealed_name = crypto.seal_to_public_key(owner.public_key, PLANTED.encode(), info)
        db.session.commit()
    with caplog.at_level(logging.ERROR):
        assert _rows(therapist) == ["ada@example.com"]
    assert "a patient name could not be verified" in caplog.text and PLANTED not in caplog.text


def test_a_name_moved_to_another_patient_is_not_believed(
    app: Flask, therapist: FlaskClient, client: FlaskClient
) -> None:
    _link_with(app, therapist, client, "ada@example.com", "Ada Genuine")
    _link_with(app, therapist, app.test_client(), "bo@example.com", "")
    with app.app_context():
        links = {link.patient_id: link for link in db.session.scalars(select(CareLink)).all()}
        ada = next(l for l in links.values() if l.sealed_name)  # noqa: E741
        bo = next(l for l in links.values() if not l.sealed_name)  # noqa: E741
        # Copied before the therapist ever opened it: vouched, but for Ada's row.
        db.session.execute(
            update(CareLink).where(CareLink.id == bo.id).values(sealed_name=ada.sealed_name)
        )
        db.session.commit()
    assert sorted(_rows(therapist)) == ["Ada Genuine", "bo@example.com"]


def test_a_name_planted_on_an_invitation_is_not_shown(app: Flask, therapist: FlaskClient) -> None:
    therapist.post(
        "/clinic/invite",
        data={"patient_name": "", "csrf_token": csrf_token(therapist, "/clinic/invite")},
    )
    with app.app_context():
        invitation = db.session.scalars(select(CareInvitation)).one()
        owner = db.session.get(User, invitation.therapist_id)
        assert owner is not None
        info = crypto.hpke_info(
            "patient-name", "care_invitations", invitation.id, invitation.therapist_id
        )
        invitation.name_for_therapist = crypto.seal_to_public_key(
            owner.public_key, PLANTED.encode(), info
        )
        db.session.commit()
    assert PLANTED not in words(therapist.get("/clinic/invite"))


def test_names_waiting_to_be_read_move_to_a_new_pepper(
    app: Flask, therapist: FlaskClient, client: FlaskClient
) -> None:
    _link_with(app, therapist, client, "ada@example.com", "Ada Genuine")
    with app.app_context():
        old = db.session.scalars(select(CareLink.sealed_name)).one()
        assert old is not None
        app.config["JOURNAL_PEPPERS"] = {"k2": crypto.new_key(), **app.config["JOURNAL_PEPPERS"]}
        try:
            assert care.move_name_vouches("k2") == 2  # the link's and the invitation's
            db.session.commit()
            moved = db.session.scalars(select(CareLink.sealed_name)).one()
            assert moved is not None and crypto.vouched_kid(moved) == "k2"
        finally:
            peppers = dict(app.config["JOURNAL_PEPPERS"])
            del peppers["k2"]
            app.config["JOURNAL_PEPPERS"] = peppers
