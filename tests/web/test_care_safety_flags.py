"""Safety flags: a shared PHQ-9 result with question 9 above 0 shows the therapist a
flag to acknowledge, on the patients list, at the top of the brief and on the item;
never from a result that is not shared. Acknowledging records who and when, is
logged, and is refused (404, logged) for anyone the result is not shared with."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.care import safety_flags
from journal.core import crypto
from journal.core.extensions import db
from journal.models.audit import AuditEvent
from journal.models.safety_flags import SafetyCheck, SafetyFlagAcknowledgement
from journal.models.sharing import Share
from journal.models.types import utcnow
from journal.models.users import Role
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.care_helpers import Pair, accept, access_rows, invite, linked_pair, plain, shares
from tests.web.care_mood_helpers import (
    RESULTS,
    acknowledge,
    brief_url,
    enable,
    item_url,
    keys_of,
    phq9_answers,
    share_record,
    stop,
    take,
)
from tests.web.test_at_rest import _every_row_as_text

FLAG_COUNT = re.compile(r"Open safety flags (\d+)")


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _open_flags(therapist: FlaskClient) -> list[int]:
    return [int(n) for n in FLAG_COUNT.findall(plain(therapist.get("/clinic/patients")))]


def _acknowledgements(app: Flask) -> list[SafetyFlagAcknowledgement]:
    with app.app_context():
        rows = list(db.session.scalars(select(SafetyFlagAcknowledgement)))
        db.session.expunge_all()
    return rows


def _flagged(pair: Pair, total: int = 10) -> str:
    return take(pair.patient, "phq9", phq9_answers(total, item9=1))


def test_a_flag_shows_only_once_the_flagged_result_is_shared(app: Flask, pair: Pair) -> None:
    rid = _flagged(pair)
    # Not shared: nothing anywhere, however it is looked at.
    assert _open_flags(pair.therapist) == [0]
    assert "Open safety flags 0" in plain(pair.therapist.get(f"/clinic/patients/{pair.patient_id}"))
    assert "Safety flag" not in plain(pair.therapist.get(brief_url(pair)))
    assert access_rows(app) == []  # and nothing of the patient's was opened

    share_record(pair, RESULTS, rid)
    assert _open_flags(pair.therapist) == [1]
    assert "Open safety flags 1" in plain(pair.therapist.get(f"/clinic/patients/{pair.patient_id}"))

    brief = plain(pair.therapist.get(brief_url(pair)))
    assert "1 safety flag to acknowledge" in brief
    assert brief.index("Safety flags") < brief.index("Questionnaires") < brief.index("Shared items")
    assert "PHQ-9 question 9 answered “Several days”" in brief
    assert "Thoughts that you would be better off dead or of hurting yourself" in brief
    assert re.search(r"Taken \w{3} \d+ \w{3} \d{4}, \d\d:\d\d", brief)
    assert "showed them crisis resources at once" in brief
    assert "Fresh Tracks is not watched live" in brief
    assert "monitor" not in brief.lower()

    item = plain(pair.therapist.get(item_url(pair, RESULTS, rid)))
    assert item.index("Safety flag") < item.index("Each answer")
    assert "Acknowledge the safety flag on the PHQ-9" in item


@pytest.mark.parametrize(
    ("instrument", "answers"),
    [("phq9", phq9_answers(20, item9=0)), ("gad7", {n: 3 for n in range(1, 8)})],
    ids=["phq9-question-9-at-0", "gad7"],
)
def test_results_without_question_9_above_0_raise_no_flag(
    app: Flask, pair: Pair, instrument: str, answers: dict[int, int]
) -> None:
    share_record(pair, RESULTS, take(pair.patient, instrument, answers))
    assert _open_flags(pair.therapist) == [0]
    brief = plain(pair.therapist.get(brief_url(pair)))
    assert "Safety flag" not in brief and "Questionnaires" in brief


def test_acknowledging_records_who_and_when_and_is_logged(app: Flask, pair: Pair) -> None:
    rid = _flagged(pair)
    share_record(pair, RESULTS, rid)
    before = utcnow()
    response = acknowledge(pair.therapist, pair.patient_id, rid, next_url=brief_url(pair))
    assert response.status_code == 302
    assert response.headers["Location"] == brief_url(pair)

    (row,) = _acknowledgements(app)
    assert (row.therapist_id, row.patient_id, str(row.result_id)) == (
        pair.therapist_id,
        pair.patient_id,
        rid,
    )
    assert before - timedelta(seconds=1) <= row.acknowledged_at <= utcnow()
    read = access_rows(app)[-1]
    assert (read.outcome, read.via, str(read.record_id)) == ("read", "acknowledge", rid)
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "safety_flag.acknowledged")
        ).one()
        assert (event.user_id, event.detail) == (pair.therapist_id, f"{RESULTS}:{rid}")

    assert _open_flags(pair.therapist) == [0]
    brief = plain(pair.therapist.get(brief_url(pair)))
    assert "Every safety flag here has been acknowledged" in brief
    assert re.search(r"Acknowledged by dr\.lee@example\.com on \w{3} \d+ \w{3} \d{4}", brief)
    item = plain(pair.therapist.get(item_url(pair, RESULTS, rid)))
    assert "Acknowledged by dr.lee@example.com on" in item
    assert "Acknowledge the safety flag" not in item

    again = acknowledge(pair.therapist, pair.patient_id, rid)
    assert again.status_code == 302
    assert len(_acknowledgements(app)) == 1
    log = plain(pair.patient.get("/care/access-log"))
    assert (
        "dr.lee@example.com opened a questionnaire result and acknowledged its safety flag" in log
    )


def test_acknowledging_is_refused_and_logged_for_another_therapists_patient(
    app: Flask, pair: Pair
) -> None:
    kim = linked_pair(
        app, app.test_client(), app.test_client(), "dr.kim@example.com", "bob@example.com"
    )
    bobs = take(kim.patient, "phq9", phq9_answers(12, item9=2))
    share_record(kim, RESULTS, bobs)
    adas = _flagged(pair)
    share_record(pair, RESULTS, adas)

    for patient_id, result in (
        (kim.patient_id, bobs),
        (pair.patient_id, bobs),
        (kim.patient_id, adas),
    ):
        before = len(access_rows(app))
        response = acknowledge(pair.therapist, patient_id, result)
        assert response.status_code == 404
        rows = access_rows(app)
        assert len(rows) == before + 1
        assert (rows[-1].outcome, rows[-1].therapist_id) == ("refused", pair.therapist_id)
    assert _acknowledgements(app) == []
    assert _open_flags(kim.therapist) == [1]  # Kim's flag is untouched
    assert "tried to open" in plain(kim.patient.get("/care/access-log"))


def test_acknowledging_an_unshared_or_unflagged_result_is_not_found(app: Flask, pair: Pair) -> None:
    unshared = _flagged(pair)
    response = acknowledge(pair.therapist, pair.patient_id, unshared)
    assert response.status_code == 404
    assert access_rows(app)[-1].outcome == "refused"

    calm = take(pair.patient, "phq9", phq9_answers(4))
    share_record(pair, RESULTS, calm)
    assert acknowledge(pair.therapist, pair.patient_id, calm).status_code == 404
    assert _acknowledgements(app) == []
    # A patient cannot acknowledge anything either.
    assert acknowledge(pair.patient, pair.patient_id, unshared).status_code == 404


def test_each_therapist_acknowledges_their_own_flag(app: Flask, pair: Pair) -> None:
    make_user(app, "dr.two@example.com", Role.THERAPIST)
    two = app.test_client()
    login(two, "dr.two@example.com")
    accept(pair.patient, invite(two))
    rid = _flagged(pair)
    share_record(pair, RESULTS, rid)
    with app.app_context():
        from tests.web.care_helpers import link_id

        second = link_id(app, "dr.two@example.com", pair.patient_email)
    pair.patient.post(
        "/care/share",
        data={
            "csrf_token": csrf_token(pair.patient, "/care/"),
            "link": str(second),
            "record": f"{RESULTS}:{rid}",
        },
    )
    acknowledge(pair.therapist, pair.patient_id, rid)
    assert _open_flags(pair.therapist) == [0]
    assert _open_flags(two) == [1]
    brief = plain(two.get(f"/clinic/patients/{pair.patient_id}/brief"))
    assert "1 safety flag to acknowledge" in brief and "dr.lee@example.com" not in brief


def test_the_patients_list_checks_each_shared_result_once_and_keeps_a_sealed_note(
    app: Flask, pair: Pair
) -> None:
    flagged, calm = _flagged(pair), take(pair.patient, "phq9", phq9_answers(3))
    share_record(pair, RESULTS, flagged)
    share_record(pair, RESULTS, calm)
    assert _open_flags(pair.therapist) == [1]
    checks = [r for r in access_rows(app) if r.via == "safety-check"]
    assert sorted(str(r.record_id) for r in checks) == sorted([flagged, calm])
    assert plain(pair.patient.get("/care/access-log")).count("to check it for a safety flag") == 2

    # Later visits read the therapist's own notes: nothing of the patient's is opened.
    count = len(access_rows(app))
    assert _open_flags(pair.therapist) == [1]
    assert "Open safety flags 1" in plain(pair.therapist.get(f"/clinic/patients/{pair.patient_id}"))
    assert len(access_rows(app)) == count
    with app.app_context():
        notes = list(db.session.scalars(select(SafetyCheck)))
        assert len(notes) == 2  # one per checked result, flagged or not
        # One length whatever the result held: the size of a note tells nothing.
        assert len({len(n.sealed) for n in notes}) == 1
        columns = {c.name for c in SafetyCheck.__table__.columns}
    assert columns == {"share_id", "therapist_id", "record_revision", "sealed", "checked_at"}

    # Revoking the flagged result takes the flag and its note away.
    flagged_share = next(s for s in shares(app) if str(s.record_id) == flagged)
    pair.patient.post(
        f"/care/shares/{flagged_share.id}/revoke",
        data={"csrf_token": csrf_token(pair.patient, "/care/")},
    )
    assert _open_flags(pair.therapist) == [0]
    assert "Safety flag" not in plain(pair.therapist.get(brief_url(pair)))
    with app.app_context():
        assert len(db.session.scalars(select(SafetyCheck)).all()) == 1


def test_the_brief_keeps_the_patients_list_from_opening_results_again(
    app: Flask, pair: Pair
) -> None:
    share_record(pair, RESULTS, _flagged(pair))
    pair.therapist.get(brief_url(pair))
    count = len(access_rows(app))
    assert _open_flags(pair.therapist) == [1]
    assert len(access_rows(app)) == count


def test_a_note_that_says_only_the_flag_is_read_once_more_and_rewritten(
    app: Flask, pair: Pair
) -> None:
    """Notes written before they kept the instrument and total still count flags on
    the patients list; the brief opens such a result once and completes its note."""
    rid = _flagged(pair)
    share_record(pair, RESULTS, rid)
    assert _open_flags(pair.therapist) == [1]
    with app.app_context():
        therapist, udk = keys_of(pair.therapist_email)
        (share,) = db.session.scalars(select(Share)).all()
        note = db.session.get(SafetyCheck, share.id)
        assert note is not None
        note.sealed = crypto.seal(
            udk, safety_flags.FLAGGED, safety_flags._binding(share, therapist)
        )
        db.session.commit()
    count = len(access_rows(app))
    assert _open_flags(pair.therapist) == [1]
    assert len(access_rows(app)) == count  # the old note still answers the list

    pair.therapist.get(brief_url(pair))
    (view,) = access_rows(app)[count:]
    assert (view.via, view.item_count) == ("brief", 1)
    with app.app_context():
        therapist, udk = keys_of(pair.therapist_email)
        (share,) = db.session.scalars(select(Share)).all()
        note = db.session.get(SafetyCheck, share.id)
        assert note is not None
        kept = crypto.open_sealed(udk, note.sealed, safety_flags._binding(share, therapist))
    assert json.loads(kept) == {"flagged": True, "instrument": "phq9", "total": 10}


def test_a_flag_shared_by_the_category_goes_when_the_category_stops(app: Flask, pair: Pair) -> None:
    enable(pair, "questionnaire-results")
    rid = _flagged(pair)
    assert _open_flags(pair.therapist) == [1]
    acknowledge(pair.therapist, pair.patient_id, rid)
    stop(pair, "questionnaire-results")
    assert _open_flags(pair.therapist) == [0]
    assert "Safety flag" not in plain(pair.therapist.get(brief_url(pair)))
    # What the therapist did stays on record, with no content.
    (row,) = _acknowledgements(app)
    assert str(row.result_id) == rid


def test_acknowledgements_hold_no_content(app: Flask, pair: Pair) -> None:
    rid = _flagged(pair)
    share_record(pair, RESULTS, rid)
    acknowledge(pair.therapist, pair.patient_id, rid)
    columns = {c.name for c in SafetyFlagAcknowledgement.__table__.columns}
    # `sealed` holds the note, sealed under the therapist's key (tested elsewhere).
    assert columns == {"id", "therapist_id", "patient_id", "result_id", "acknowledged_at", "sealed"}
    dump = _every_row_as_text(app)
    for secret in ("Several days", "better off dead", '"safety_flag"'):
        assert secret not in dump


def test_the_patient_is_told_the_therapist_sees_the_flag_later_not_now(
    app: Flask, pair: Pair
) -> None:
    enable(pair, "questionnaire-results")
    flagged = plain(pair.patient.get(f"/mood/results/{_flagged(pair)}"))
    assert "Nobody watches this app live." in flagged  # the crisis card, unchanged
    assert (
        "dr.lee@example.com will see a safety flag on this result the next time they open "
        "Fresh Tracks. They are not alerted now" in flagged
    )
    calm = plain(
        pair.patient.get(f"/mood/results/{take(pair.patient, 'gad7', {n: 1 for n in range(1, 8)})}")
    )
    assert "will see a safety flag" not in calm
    stop(pair, "questionnaire-results")
    unshared = plain(pair.patient.get(f"/mood/results/{_flagged(pair)}"))
    assert "will see a safety flag" not in unshared and "Nobody watches this app live." in unshared
