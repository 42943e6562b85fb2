"""Invitations: a therapist's single-use, expiring code; the patient sees who it is
from and accepts or declines; used, expired and forged codes say so plainly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from journal.care import care
from journal.core.extensions import db, limiter
from journal.models.sharing import CareInvitation, CareLink
from journal.models.types import utcnow
from journal.models.users import Role
from tests.factories import login, make_user, sibling_app
from tests.pages import csrf_token
from tests.web.care_helpers import accept, invite, text
from tests.web.test_at_rest import _every_row_as_text

THERAPIST = "dr.lee@example.com"
PATIENT = "ada@example.com"


@pytest.fixture
def therapist(app: Flask, other_client: FlaskClient) -> FlaskClient:
    make_user(app, THERAPIST, Role.THERAPIST)
    login(other_client, THERAPIST)
    return other_client


@pytest.fixture
def patient(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, PATIENT)
    login(client, PATIENT)
    return client


def _links(app: Flask) -> list[CareLink]:
    with app.app_context():
        return list(db.session.scalars(select(CareLink)))


def test_a_patient_sees_who_invited_them_before_accepting(
    app: Flask, therapist: FlaskClient, patient: FlaskClient
) -> None:
    therapist.post(
        "/clinic/profile",
        data={
            "display_name": "Dr Sam Lee",
            "csrf_token": csrf_token(therapist, "/clinic/invite"),
        },
    )
    code = invite(therapist)
    page = patient.get(f"/care/join/{code}")
    assert page.status_code == 200
    body = text(page)
    assert "Invitation from Dr Sam Lee" in body
    assert THERAPIST in body
    assert "They will not see anything you write" in body
    assert "the dates and times of your dosing sessions" in body  # said before accepting
    assert _links(app) == []  # looking is not accepting

    accepted = accept(patient, code)
    assert accepted.status_code == 302
    assert "Dr Sam Lee" in text(patient.get(accepted.headers["Location"]))
    assert len(_links(app)) == 1


def test_the_code_is_typed_forgivingly_through_the_form(
    app: Flask, therapist: FlaskClient, patient: FlaskClient
) -> None:
    code = invite(therapist)
    typed = " " + code.lower().replace("-", " ") + " "
    response = patient.post(
        "/care/join", data={"code": typed, "csrf_token": csrf_token(patient, "/care/join")}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/care/join/{code.replace('-', '')}"
    assert accept(patient, code).status_code == 302


def test_a_used_invitation_cannot_be_used_again(
    app: Flask, therapist: FlaskClient, patient: FlaskClient
) -> None:
    code = invite(therapist)
    assert accept(patient, code).status_code == 302
    make_user(app, "bob@example.com")
    bob = app.test_client()
    login(bob, "bob@example.com")
    again = accept(bob, code)
    assert again.status_code == 410
    assert "already used" in text(again)
    assert bob.get(f"/care/join/{code}").status_code == 410
    assert len(_links(app)) == 1


def test_an_expired_invitation_says_so(
    app: Flask, therapist: FlaskClient, patient: FlaskClient
) -> None:
    code = invite(therapist)
    with app.app_context():
        db.session.execute(update(CareInvitation).values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()
    page = patient.get(f"/care/join/{code}")
    assert page.status_code == 410
    assert "has expired" in text(page)
    assert accept(patient, code).status_code == 410
    assert _links(app) == []


def test_an_invitation_lasts_seven_days(app: Flask, therapist: FlaskClient) -> None:
    invite(therapist)
    with app.app_context():
        invitation = db.session.scalars(select(CareInvitation)).one()
        lifetime = invitation.expires_at - invitation.created_at
    assert timedelta(days=7) - timedelta(minutes=1) < lifetime <= timedelta(days=7)


@pytest.mark.parametrize("code", ["AAAA-AAAA", "ACDE2345", "not-a-code", "'; DROP TABLE--"])
def test_a_forged_code_is_not_found(
    app: Flask, therapist: FlaskClient, patient: FlaskClient, code: str
) -> None:
    invite(therapist)
    page = patient.get(f"/care/join/{code}")
    assert page.status_code == 404
    assert "There is no invitation with that code" in text(page)
    assert accept(patient, code).status_code == 404
    assert _links(app) == []


def test_declining_uses_the_invitation_up_and_links_no_one(
    app: Flask, therapist: FlaskClient, patient: FlaskClient
) -> None:
    code = invite(therapist)
    declined = patient.post(
        f"/care/join/{code}/decline", data={"csrf_token": csrf_token(patient, "/care/")}
    )
    assert declined.status_code == 302
    assert "declined" in text(patient.get("/care/"))
    assert _links(app) == []
    assert accept(patient, code).status_code == 410
    assert "Declined" in text(therapist.get("/clinic/invite"))


def test_a_withdrawn_invitation_stops_working(
    app: Flask, therapist: FlaskClient, patient: FlaskClient
) -> None:
    code = invite(therapist)
    with app.app_context():
        invitation_id = db.session.scalars(select(CareInvitation.id)).one()
    response = therapist.post(
        f"/clinic/invitations/{invitation_id}/withdraw",
        data={"csrf_token": csrf_token(therapist, "/clinic/invite")},
    )
    assert response.status_code == 302
    assert accept(patient, code).status_code == 410


def test_a_therapist_cannot_withdraw_another_therapists_invitation(
    app: Flask, therapist: FlaskClient, patient: FlaskClient
) -> None:
    code = invite(therapist)
    make_user(app, "dr.other@example.com", Role.THERAPIST)
    other = app.test_client()
    login(other, "dr.other@example.com")
    with app.app_context():
        invitation_id = db.session.scalars(select(CareInvitation.id)).one()
    response = other.post(
        f"/clinic/invitations/{invitation_id}/withdraw",
        data={"csrf_token": csrf_token(other, "/clinic/invite")},
    )
    assert response.status_code == 404
    assert accept(patient, code).status_code == 302


def test_only_the_code_hash_is_stored(app: Flask, therapist: FlaskClient) -> None:
    code = invite(therapist)
    dump = _every_row_as_text(app)
    assert code not in dump
    assert code.replace("-", "") not in dump
    with app.app_context():
        stored = db.session.scalars(select(CareInvitation.code_hash)).one()
        assert stored in care._code_hashes(code.replace("-", ""))


def test_a_code_is_shown_only_once(app: Flask, therapist: FlaskClient) -> None:
    code = invite(therapist)
    assert code not in text(therapist.get("/clinic/invite"))


def test_codes_use_an_alphabet_without_lookalikes(app: Flask, therapist: FlaskClient) -> None:
    for _ in range(20):
        code = invite(therapist).replace("-", "")
        assert len(code) == 8
        assert not set(code) & set("01OILB8SZ")


def test_accepting_twice_from_two_invitations_keeps_one_link(
    app: Flask, therapist: FlaskClient, patient: FlaskClient
) -> None:
    assert accept(patient, invite(therapist)).status_code == 302
    second = invite(therapist)
    assert "already linked" in text(patient.get(f"/care/join/{second}"))
    assert accept(patient, second).status_code == 302
    assert len(_links(app)) == 1


def test_a_patient_may_link_with_two_therapists(
    app: Flask, therapist: FlaskClient, patient: FlaskClient
) -> None:
    make_user(app, "dr.two@example.com", Role.THERAPIST)
    two = app.test_client()
    login(two, "dr.two@example.com")
    assert accept(patient, invite(therapist)).status_code == 302
    assert accept(patient, invite(two)).status_code == 302
    page = text(patient.get("/care/"))
    assert THERAPIST in page and "dr.two@example.com" in page
    assert len(_links(app)) == 2


def test_a_therapist_cannot_accept_an_invitation(
    app: Flask, therapist: FlaskClient, patient: FlaskClient
) -> None:
    code = invite(therapist)
    make_user(app, "dr.two@example.com", Role.THERAPIST)
    two = app.test_client()
    login(two, "dr.two@example.com")
    assert two.get(f"/care/join/{code}").status_code == 404
    assert accept(two, code).status_code == 404
    assert _links(app) == []
    assert accept(patient, code).status_code == 302  # still unused


def test_an_invitation_link_asks_a_logged_out_patient_to_log_in_first(
    app: Flask, therapist: FlaskClient
) -> None:
    code = invite(therapist)
    response = app.test_client().get(f"/care/join/{code}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert code in response.headers["Location"]


def test_a_patient_cannot_invite(app: Flask, patient: FlaskClient) -> None:
    assert patient.get("/clinic/invite").status_code == 404
    response = patient.post("/clinic/invite", data={"csrf_token": csrf_token(patient, "/care/")})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(CareInvitation)).all() == []


@pytest.fixture
def limited_app(app: Flask) -> Iterator[Flask]:
    """The same app with per-IP limits on, as in production; the shared limiter is
    switched back off afterwards."""
    limited = sibling_app(app, RATELIMIT_ENABLED=True)
    limiter.reset()
    yield limited
    limiter.reset()
    limiter.enabled = False
    with limited.app_context():
        db.engine.dispose()


def test_guessing_codes_is_rate_limited(limited_app: Flask) -> None:
    make_user(limited_app, PATIENT)
    guesser = limited_app.test_client()
    login(guesser, PATIENT)
    token = csrf_token(guesser, "/care/")
    answers = [
        guesser.post(f"/care/join/ACDE{n:04d}/accept", data={"csrf_token": token}).status_code
        for n in range(2000, 2012)
    ]
    assert answers[:10] == [404] * 10
    assert answers[10:] == [429, 429]
