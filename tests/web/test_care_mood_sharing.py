"""Sharing questionnaire results and daily check-ins: one result from its page after a
preview, the "questionnaire results" and "mood check-ins" categories that seal new
records as they are written, and revocation that re-keys the record so the key the
therapist held opens nothing of the new revision (real crypto throughout)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.core import crypto, records
from journal.core.extensions import db
from journal.models.measures import MeasureResult
from journal.models.moods import CheckIn
from journal.models.types import utcnow
from journal.mood import measures, moods
from tests.pages import csrf_token
from tests.web.care_helpers import Pair, access_rows, linked_pair, plain, shares
from tests.web.care_mood_helpers import (
    CHECKINS,
    RESULTS,
    brief_url,
    category_url,
    check_in_on,
    enable,
    item_url,
    keys_of,
    phq9_answers,
    share_record,
    stop,
    submit_at,
    take,
    therapist_dek,
)
from tests.web.mood_helpers import checkin

NOTE = "Slept badly, the dog barked at 3."


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _today(app: Flask, email: str) -> object:
    with app.app_context():
        user, _ = keys_of(email)
        return moods.local_today(user)


# -- one result, from its page ------------------------------------------------------------


def test_a_result_is_shared_from_its_page_after_a_preview(app: Flask, pair: Pair) -> None:
    rid = take(pair.patient, "phq9", phq9_answers(12))
    page = pair.patient.get(f"/mood/results/{rid}").get_data(as_text=True)
    share_link = f"/care/share?record=measure_results:{rid}&amp;next=/mood/results/{rid}"
    assert share_link in page and "Share with your therapist…" in page

    preview = plain(pair.patient.get(f"/care/share?record=measure_results:{rid}"))
    assert "What they will see" in preview
    assert "PHQ-9: 12 of 27, Moderate" in preview
    assert "Little interest or pleasure in doing things" in preview  # each answer, worded
    assert shares(app) == []  # a preview shares nothing

    assert share_record(pair, RESULTS, rid).status_code == 302
    (row,) = shares(app)
    assert (row.record_table, str(row.record_id), row.category) == (RESULTS, rid, None)
    item = plain(pair.therapist.get(item_url(pair, RESULTS, rid)))
    assert "Questionnaire result from ada@example.com" in item
    assert "PHQ-9: 12 of 27, Moderate" in item
    assert "The patient's first PHQ-9: their baseline." in item
    mark = plain(pair.patient.get(f"/mood/results/{rid}"))
    assert "Shared with dr.lee@example.com · read by dr.lee@example.com on" in mark


def test_the_share_button_needs_a_therapist(app: Flask, client: FlaskClient) -> None:
    from tests.factories import login, make_user

    make_user(app, "solo@example.com")
    login(client, "solo@example.com")
    rid = take(client, "gad7", {n: 1 for n in range(1, 8)})
    assert "Share with your therapist" not in plain(client.get(f"/mood/results/{rid}"))


def test_a_shared_result_is_sealed_to_the_therapist_and_revoking_rekeys_it(
    app: Flask, pair: Pair
) -> None:
    rid = take(pair.patient, "gad7", {n: 2 for n in range(1, 8)})
    share_record(pair, RESULTS, rid)
    (row,) = shares(app)
    old_dek = therapist_dek(app, pair.therapist_email, row)
    with app.app_context():
        record = db.session.get(MeasureResult, uuid.UUID(rid))
        assert record is not None
        assert records.open_payload_with_dek(old_dek, RESULTS, record)["total"] == 14

    revoked = pair.patient.post(
        f"/care/shares/{row.id}/revoke", data={"csrf_token": csrf_token(pair.patient, "/care/")}
    )
    assert revoked.status_code == 302
    assert shares(app) == []
    with app.app_context():
        record = db.session.get(MeasureResult, uuid.UUID(rid))
        assert record is not None and record.revision == 1
        with pytest.raises(crypto.IntegrityFailure):
            records.open_payload_with_dek(old_dek, RESULTS, record)
        _, udk = keys_of(pair.patient_email)
        assert measures.read_result(record, udk).total == 14  # the patient still reads it
    assert pair.therapist.get(item_url(pair, RESULTS, rid)).status_code == 404
    assert access_rows(app)[-1].outcome == "refused"
    # The patient's own page still works, and says nothing is shared.
    assert "Shared with" not in plain(pair.patient.get(f"/mood/results/{rid}"))


def test_a_check_in_can_be_shared_alone_and_revoking_rekeys_it(app: Flask, pair: Pair) -> None:
    checkin(pair.patient, mood="2", anxiety="4", note=NOTE)
    with app.app_context():
        (row,) = db.session.query(CheckIn).all()
        cid = str(row.id)
    assert share_record(pair, CHECKINS, cid).status_code == 302
    item = plain(pair.therapist.get(item_url(pair, CHECKINS, cid)))
    assert "Mood check-in from ada@example.com" in item
    assert "Mood 2 of 5 (Low)" in item and "Anxiety 4 of 5 (A lot)" in item and NOTE in item

    (share,) = shares(app)
    old_dek = therapist_dek(app, pair.therapist_email, share)
    pair.patient.post(
        f"/care/shares/{share.id}/revoke", data={"csrf_token": csrf_token(pair.patient, "/care/")}
    )
    with app.app_context():
        record = db.session.get(CheckIn, uuid.UUID(cid))
        assert record is not None and record.revision == 1
        with pytest.raises(crypto.IntegrityFailure):
            records.open_payload_with_dek(old_dek, CHECKINS, record)
    assert pair.therapist.get(item_url(pair, CHECKINS, cid)).status_code == 404
    # Editing today's check-in after the revoke works under its new key.
    assert checkin(pair.patient, mood="3", anxiety="3").status_code == 302


# -- the standing categories -----------------------------------------------------------------


def test_both_categories_are_offered_on_the_therapists_page(pair: Pair) -> None:
    page = plain(pair.patient.get(f"/care/therapists/{pair.link}"))
    assert "Preview and share questionnaire results" in page
    assert "Preview and share mood check-ins" in page
    assert "safety flag" in page  # the description says what question 9 shows them


def test_questionnaire_results_as_a_category_share_old_ones_and_seal_new_ones_as_written(
    app: Flask, pair: Pair
) -> None:
    old = take(pair.patient, "phq9", phq9_answers(18))
    preview = plain(pair.patient.get(category_url(pair, "questionnaire-results")))
    assert "PHQ-9: 18 of 27, Moderately severe" in preview
    assert shares(app) == []

    assert enable(pair, "questionnaire-results") == 302
    assert [(str(s.record_id), s.category) for s in shares(app)] == [(old, "questionnaire-results")]
    new = take(pair.patient, "phq9", phq9_answers(7))  # sealed as it is stored
    by_id = {str(s.record_id): s for s in shares(app)}
    assert set(by_id) == {old, new} and by_id[new].category == "questionnaire-results"
    dek = therapist_dek(app, pair.therapist_email, by_id[new])
    with app.app_context():
        record = db.session.get(MeasureResult, uuid.UUID(new))
        assert record is not None
        assert records.open_payload_with_dek(dek, RESULTS, record)["total"] == 7
    assert "PHQ-9: 7 of 27, Mild" in plain(pair.therapist.get(item_url(pair, RESULTS, new)))

    assert stop(pair, "questionnaire-results") == 302
    assert shares(app) == []
    with app.app_context():
        revisions = {str(r.id): r.revision for r in db.session.query(MeasureResult)}
    assert revisions == {old: 1, new: 1}
    assert pair.therapist.get(item_url(pair, RESULTS, new)).status_code == 404
    take(pair.patient, "gad7", {n: 0 for n in range(1, 8)})
    assert shares(app) == []  # stopped: new results stay private


def test_mood_check_ins_as_a_category_seal_each_new_day_and_edits_stay_readable(
    app: Flask, pair: Pair
) -> None:
    yesterday = _today(app, pair.patient_email) - timedelta(days=1)  # type: ignore[operator]
    old = check_in_on(app, pair.patient_email, yesterday, 3, 2)
    assert "Check-in for" in plain(pair.patient.get(category_url(pair, "mood-check-ins")))
    assert enable(pair, "mood-check-ins") == 302
    assert [str(s.record_id) for s in shares(app)] == [old]

    checkin(pair.patient, mood="4", anxiety="1", note="First note.")
    with app.app_context():
        today_id = str(db.session.query(CheckIn).filter(CheckIn.id != uuid.UUID(old)).one().id)
    assert {str(s.record_id) for s in shares(app)} == {old, today_id}
    assert "First note." in plain(pair.therapist.get(item_url(pair, CHECKINS, today_id)))
    # Checking in again the same day edits the record under the same key: still shared.
    checkin(pair.patient, mood="5", anxiety="1", note="Changed my mind.")
    item = plain(pair.therapist.get(item_url(pair, CHECKINS, today_id)))
    assert "Changed my mind." in item and "Mood 5 of 5 (Very good)" in item
    assert len(shares(app)) == 2

    assert stop(pair, "mood-check-ins") == 302
    assert shares(app) == []
    assert pair.therapist.get(item_url(pair, CHECKINS, today_id)).status_code == 404
    check_in_on(app, pair.patient_email, yesterday - timedelta(days=1), 2, 2)
    assert shares(app) == []


def test_a_category_seals_nothing_for_a_therapist_whose_link_ended(app: Flask, pair: Pair) -> None:
    enable(pair, "questionnaire-results")
    pair.patient.post(
        f"/care/therapists/{pair.link}/end", data={"csrf_token": csrf_token(pair.patient, "/care/")}
    )
    take(pair.patient, "phq9", phq9_answers(3))
    assert shares(app) == []


def test_a_result_shared_alone_survives_stopping_the_category(app: Flask, pair: Pair) -> None:
    chosen = submit_at(
        app, pair.patient_email, "phq9", phq9_answers(9), utcnow() - timedelta(days=3)
    )
    share_record(pair, RESULTS, chosen)
    enable(pair, "questionnaire-results")
    take(pair.patient, "phq9", phq9_answers(5))
    assert len(shares(app)) == 2
    stop(pair, "questionnaire-results")
    assert [str(s.record_id) for s in shares(app)] == [chosen]
    assert "PHQ-9" in plain(pair.therapist.get(brief_url(pair)))
