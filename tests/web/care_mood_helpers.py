"""Care-team steps for mood and measures: results and check-ins made through the
services the app uses (so standing categories seal them as they are written), shared
and acknowledged over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from journal.accounts import keys
from journal.care import safety_flags
from journal.care.sharing import share_info
from journal.core import crypto
from journal.core.extensions import db
from journal.models.sharing import Share
from journal.models.users import User
from journal.mood import measures, moods
from journal.mood.moods import CheckInValues
from tests.factories import PASSWORD
from tests.pages import csrf_token
from tests.web.care_helpers import Pair
from tests.web.mood_helpers import finish_at_once

RESULTS = "measure_results"
CHECKINS = "mood_checkins"


def phq9_answers(total: int, item9: int = 0) -> dict[int, int]:
    """PHQ-9 answers adding up to `total`, with question 9 answered `item9`."""
    answers = {n: 0 for n in range(1, 10)}
    answers[9] = item9
    left = total - item9
    for n in range(1, 9):
        answers[n] = min(3, left)
        left -= answers[n]
    assert left == 0, "total too high for the answers"
    return answers


def take(client: FlaskClient, instrument: str, answers: Mapping[int, int]) -> str:
    """The patient finishes a questionnaire over HTTP; returns the result id."""
    response = finish_at_once(client, instrument, answers)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def keys_of(email: str) -> tuple[User, bytes]:
    """Inside an app context: the user and their data key, as a login unlocks it."""
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    udk = keys.check_password(user, PASSWORD)
    assert udk is not None
    return user, udk


def submit_at(
    app: Flask, email: str, instrument: str, answers: Mapping[int, int], at: datetime
) -> str:
    """A result taken at `at`, stored by the service (standing shares included)."""
    with app.app_context():
        user, udk = keys_of(email)
        result = measures.submit(user, udk, instrument, answers, {}, uuid.uuid4(), now=at)
        return str(result.id)


def check_in_on(app: Flask, email: str, day: date, mood: int, anxiety: int, note: str = "") -> str:
    """A check-in for a given day, saved by the service (standing shares included)."""
    with app.app_context():
        user, udk = keys_of(email)
        values = CheckInValues(mood=mood, anxiety=anxiety, note=note)
        checkin, _ = moods.save_checkin(user, udk, day, values)
        return str(checkin.id)


def share_record(pair: Pair, table: str, record_id: str) -> TestResponse:
    return pair.patient.post(
        "/care/share",
        data={
            "csrf_token": csrf_token(pair.patient, "/care/"),
            "link": str(pair.link),
            "record": f"{table}:{record_id}",
        },
    )


def category_url(pair: Pair, key: str) -> str:
    return f"/care/therapists/{pair.link}/categories/{key}"


def enable(pair: Pair, key: str) -> int:
    url = category_url(pair, key)
    return pair.patient.post(url, data={"csrf_token": csrf_token(pair.patient, url)}).status_code


def stop(pair: Pair, key: str) -> int:
    url = category_url(pair, key) + "/stop"
    return pair.patient.post(
        url, data={"csrf_token": csrf_token(pair.patient, "/care/")}
    ).status_code


def item_url(pair: Pair, table: str, record_id: str) -> str:
    return f"/clinic/patients/{pair.patient_id}/records/{table}/{record_id}"


def brief_url(pair: Pair) -> str:
    return f"/clinic/patients/{pair.patient_id}/brief"


def acknowledge(
    therapist: FlaskClient, patient_id: uuid.UUID | str, result_id: str, next_url: str = ""
) -> TestResponse:
    data = {"csrf_token": csrf_token(therapist, "/clinic/invite")}
    if next_url:
        data["next"] = next_url
    return therapist.post(f"/clinic/patients/{patient_id}/flags/{result_id}/acknowledge", data=data)


def therapist_dek(app: Flask, email: str, share: Share) -> bytes:
    """The record key as the therapist's own private key opens it from the share."""
    with app.app_context():
        therapist, udk = keys_of(email)
        private = keys.private_key(therapist, udk)
        return crypto.open_with_private_key(private, share.sealed_dek, share_info(share))


def acknowledge_at(app: Flask, pair: Pair, result_id: str, at: datetime, note: str = "") -> None:
    """The therapist acknowledged the flag at `at` (in the past), as the service seals
    it with their key: the time is part of what their key authenticates."""
    with app.app_context():
        therapist, udk = keys_of(pair.therapist_email)
        assert safety_flags.acknowledge_result(
            therapist, udk, pair.patient_id, uuid.UUID(result_id), note, now=at
        )
