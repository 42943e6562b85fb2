# ruff: noqa: F811  (the push fixtures imported from test_reminders are used as arguments)
"""Safety signals: a patient who chose it has their therapist told of a flag by email
and Web Push, through the real job queue, once per flag, without a word of content;
nobody is told without the choice or after it stops; someone who can only write the
database can neither make the choice nor plant a notice. Acknowledging takes a note
sealed to the therapist; a flag left unacknowledged too long heads the caseload.

Mail is read from the outbox the app writes; push from a stand-in push service on
this machine that decrypts each message with the subscriber's keys."""

from __future__ import annotations

import json
import os
import uuid
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from journal import jobs
from journal.admin import therapists
from journal.care import brief, care, changes, safety_flags, safety_signals
from journal.core.extensions import db
from journal.models.jobs import FailedJob
from journal.models.safety_flags import SafetyFlagAcknowledgement, SafetySignal
from journal.models.sharing import StandingShare
from journal.models.types import utcnow
from journal.models.users import Role
from journal.mood import measures
from journal.your_data import rotation
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token
from tests.web.care_helpers import Pair, accept, invite, linked_pair, plain, user_id
from tests.web.care_mood_helpers import (
    RESULTS,
    brief_url,
    keys_of,
    phq9_answers,
    share_record,
    submit_at,
    take,
)
from tests.web.test_at_rest import _every_row_as_text
from tests.web.test_reminders import (  # noqa: F401 (fixtures)
    BrowserKeys,
    FakePushService,
    http_push,
    push_service,
    stand_in_resolver,
)

NOTICE = "Something in Fresh Tracks needs your attention"
PRIVATE = ("ada", "phq", "gad", "question", "score", "dead", "flag", "several days", "nine")


@pytest.fixture(autouse=True)
def name_service(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PUSH_RESOLVER", stand_in_resolver)


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


@pytest.fixture
def phone(pair: Pair, push_service: FakePushService, http_push: None) -> BrowserKeys:
    """The therapist turned notices on for their phone (from their settings page)."""
    keys = BrowserKeys.new()
    response = pair.therapist.post(
        "/reminders/subscriptions",
        json=keys.subscription(f"{push_service.url}/push/dr-lee-phone"),
        headers={"X-CSRFToken": csrf_token(pair.therapist, "/settings/")},
    )
    assert response.status_code == 201
    return keys


def _choose(pair: Pair) -> None:
    url = f"/care/therapists/{pair.link}"
    response = pair.patient.post(
        f"{url}/safety-signals", data={"csrf_token": csrf_token(pair.patient, url)}
    )
    assert response.status_code == 302


def _stop(pair: Pair) -> None:
    url = f"/care/therapists/{pair.link}"
    response = pair.patient.post(
        f"{url}/safety-signals/stop", data={"csrf_token": csrf_token(pair.patient, url)}
    )
    assert response.status_code == 302


def _flag(pair: Pair) -> str:
    return take(pair.patient, "phq9", phq9_answers(12, item9=1))


def _mails(outbox: Path, to: str = "dr.lee@example.com") -> list[tuple[str, str]]:
    found = []
    for path in outbox.glob("*.eml"):
        msg = message_from_bytes(path.read_bytes(), policy=default)
        if msg["To"] == to:
            body = msg.get_body()
            assert body is not None
            found.append((str(msg["Subject"]), body.get_content().strip()))
    return found


def _all_mail(outbox: Path) -> list[Path]:
    return list(outbox.glob("*.eml"))


def _signals(app: Flask) -> list[SafetySignal]:
    with app.app_context():
        rows = list(db.session.scalars(select(SafetySignal)))
        db.session.expunge_all()
    return rows


def _open_flags(therapist: FlaskClient) -> str:
    return plain(therapist.get("/clinic/patients"))


# -- the notice ---------------------------------------------------------------------------


def test_a_flag_with_the_choice_sends_one_email_and_one_push_that_say_nothing(
    app: Flask,
    pair: Pair,
    outbox: Path,
    phone: BrowserKeys,
    push_service: FakePushService,
) -> None:
    _choose(pair)
    _flag(pair)

    assert _mails(outbox) == [(NOTICE, NOTICE)]
    assert len(_all_mail(outbox)) == 1  # the patient gets none
    (got,) = push_service.received
    assert got.path == "/push/dr-lee-phone"
    assert NOTICE.encode() not in got.body  # encrypted on the wire
    message = json.loads(phone.decrypt(got.body))
    assert message == {"title": "Fresh Tracks", "body": NOTICE, "url": "/clinic/patients"}
    for word in PRIVATE:
        assert word not in json.dumps(message).lower()
        assert word not in " ".join(_mails(outbox)[0]).lower()
    (signal,) = _signals(app)
    assert signal.sent_at is not None and signal.emailed_at is not None
    assert signal.pushed_at is not None

    # The worker's schedule and a duplicated job send nothing more.
    with app.app_context():
        safety_signals.sweep()
        jobs.enqueue(safety_signals.JOB, signal.id)
        jobs.queue().run_pending()
    assert len(_mails(outbox)) == 1 and len(push_service.received) == 1

    # The therapist sees the signal (which questionnaire, when), not the result.
    assert "Open safety flags 1 to acknowledge" in _open_flags(pair.therapist)
    page = plain(pair.therapist.get(brief_url(pair)))
    assert "Safety signal PHQ-9" in page
    assert "1 safety signal to acknowledge" in page
    assert "Several days" not in page and "12 of 27" not in page


def test_the_patient_is_told_on_the_result_that_the_notice_went(app: Flask, pair: Pair) -> None:
    _choose(pair)
    page = plain(pair.patient.get(f"/mood/results/{_flag(pair)}"))
    assert (
        "As you chose, dr.lee@example.com was sent a notice that says only “Something in "
        "Fresh Tracks needs your attention”" in page
    )
    assert "this is not an emergency service" in page


def test_without_the_choice_nobody_is_told(
    app: Flask,
    pair: Pair,
    outbox: Path,
    phone: BrowserKeys,
    push_service: FakePushService,
) -> None:
    _flag(pair)
    share_record(pair, RESULTS, _flag(pair))  # sharing the result itself tells no one
    assert _mails(outbox) == [] and push_service.received == []
    assert _signals(app) == []


def test_after_the_choice_stops_nobody_is_told_and_a_waiting_notice_is_not_sent(
    app: Flask,
    pair: Pair,
    outbox: Path,
    phone: BrowserKeys,
    push_service: FakePushService,
) -> None:
    queue = jobs.queue(app)
    queue.huey.flush()
    app.config["JOBS_EAGER"] = False
    try:
        _choose(pair)
        _flag(pair)
        assert queue.pending() == 1  # the notice waits for a worker
        _stop(pair)
        queue.run_pending()
    finally:
        app.config["JOBS_EAGER"] = True
        queue.huey.flush()
    _flag(pair)
    assert _mails(outbox) == [] and push_service.received == []
    assert _signals(app) == []
    assert "Open safety flags 0" in _open_flags(pair.therapist)


def test_a_failed_send_is_retried_until_delivered_and_each_goes_once(
    app: Flask,
    pair: Pair,
    outbox: Path,
    phone: BrowserKeys,
    push_service: FakePushService,
) -> None:
    _choose(pair)
    push_service.status = 500  # the push service is down: the email still goes, once
    _flag(pair)
    assert _mails(outbox) == [(NOTICE, NOTICE)]
    assert len(push_service.received) == jobs.RETRIES + 1
    with app.app_context():
        (failed,) = db.session.scalars(select(FailedJob)).all()
        assert failed.name == safety_signals.JOB
    (signal,) = _signals(app)
    assert signal.sent_at is None and signal.claimed_at is None

    # The push service is back: the operator's retry delivers the push, not the mail again.
    push_service.status = 201
    result = app.test_cli_runner().invoke(args=["jobs", "retry", str(failed.id)])
    assert result.exit_code == 0, result.output
    assert len(push_service.received) == jobs.RETRIES + 2
    assert json.loads(phone.decrypt(push_service.received[-1].body))["body"] == NOTICE
    assert len(_mails(outbox)) == 1
    (signal,) = _signals(app)
    assert signal.sent_at is not None


def test_a_failed_mail_is_retried_by_the_sweep_and_sent_once(
    app: Flask, pair: Pair, outbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _choose(pair)
    app.config.update(MAIL_BACKEND="smtp", MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=9)
    try:
        _flag(pair)  # the patient's page still answers
    finally:
        app.config["MAIL_BACKEND"] = "outbox"
    assert _mails(outbox) == []
    monkeypatch.setattr(safety_signals, "NOT_QUEUED", timedelta(0))
    with app.app_context():
        safety_signals.sweep()  # the worker's schedule queues it again
        safety_signals.sweep()
    assert _mails(outbox) == [(NOTICE, NOTICE)]


# -- what someone who can only write the database can do ---------------------------------


def test_a_choice_planted_or_restored_in_the_database_tells_no_one(
    app: Flask, pair: Pair, outbox: Path
) -> None:
    # Planted: a row with a made-up MAC.
    with app.app_context():
        db.session.add(
            StandingShare(
                patient_id=pair.patient_id,
                therapist_id=pair.therapist_id,
                category=safety_signals.SIGNALS,
                mac=os.urandom(32),
            )
        )
        db.session.commit()
    _flag(pair)
    assert _mails(outbox) == [] and _signals(app) == []
    page = plain(pair.patient.get(f"/care/therapists/{pair.link}"))
    assert "Off: dr.lee@example.com is not told" in page

    # Restored: the patient's real choice, copied back after they stopped it.
    with app.app_context():
        db.session.execute(delete(StandingShare))
        db.session.commit()
    _choose(pair)
    with app.app_context():
        (row,) = db.session.scalars(select(StandingShare)).all()
        saved = {"id": row.id, "mac": row.mac, "created_at": row.created_at}
    _stop(pair)
    with app.app_context():
        db.session.add(
            StandingShare(
                patient_id=pair.patient_id,
                therapist_id=pair.therapist_id,
                category=safety_signals.SIGNALS,
                **saved,
            )
        )
        db.session.commit()
    _flag(pair)
    assert _mails(outbox) == [] and _signals(app) == []


def test_a_notice_planted_in_the_database_is_not_sent_nor_shown(
    app: Flask, pair: Pair, outbox: Path
) -> None:
    _choose(pair)
    rid = _flag(pair)
    (real,) = _signals(app)
    outbox_before = len(_mails(outbox))
    with app.app_context():
        planted = SafetySignal(
            id=uuid.uuid4(),
            patient_id=pair.patient_id,
            therapist_id=pair.therapist_id,
            result_id=uuid.UUID(rid),
            created_at=utcnow().replace(microsecond=0),
            sealed=real.sealed,
            mac=real.mac,
            server_mac=real.server_mac,
            mac_kid=real.mac_kid,
            attempts=0,
        )
        db.session.execute(delete(SafetySignal))
        db.session.add(planted)
        db.session.commit()
        jobs.enqueue(safety_signals.JOB, planted.id)
    assert len(_mails(outbox)) == outbox_before  # its MACs name another row
    assert "Open safety flags 0" in _open_flags(pair.therapist)


def test_an_acknowledgement_planted_or_swapped_in_the_database_does_not_count(
    app: Flask, pair: Pair
) -> None:
    _choose(pair)
    first, second = _flag(pair), _flag(pair)
    assert "Open safety flags 2 to acknowledge" in _open_flags(pair.therapist)
    # Planted: rows the therapist's key did not seal leave the flags open.
    with app.app_context():
        for rid, sealed in ((first, None), (second, os.urandom(80))):
            db.session.add(
                SafetyFlagAcknowledgement(
                    therapist_id=pair.therapist_id,
                    patient_id=pair.patient_id,
                    result_id=uuid.UUID(rid),
                    acknowledged_at=utcnow(),
                    sealed=sealed,
                )
            )
        db.session.commit()
    assert "Open safety flags 2 to acknowledge" in _open_flags(pair.therapist)
    with app.app_context():
        db.session.execute(delete(SafetyFlagAcknowledgement))
        db.session.commit()

    # Swapped: two real notes, each moved to the other flag, open for neither.
    _acknowledge(pair, first, "rang at noon")
    _acknowledge(pair, second, "left a message")
    assert "Open safety flags 0" in _open_flags(pair.therapist)
    with app.app_context():
        rows = {str(r.result_id): r for r in db.session.scalars(select(SafetyFlagAcknowledgement))}
        a, b = rows[first].sealed, rows[second].sealed
        rows[first].sealed, rows[second].sealed = b, a
        # The caseload keeps a sealed summary until the link's generation moves (any
        # share, read or acknowledgement; or the attacker, who can write it too):
        # then it counts again, and a swapped note counts for nothing.
        changes.caseload_changed(pair.patient_id, pair.therapist_id)
        db.session.commit()
    assert "Open safety flags 2 to acknowledge" in _open_flags(pair.therapist)
    page = plain(pair.therapist.get(brief_url(pair)))
    assert "rang at noon" not in page and "left a message" not in page


# -- acknowledging ------------------------------------------------------------------------


def _acknowledge(pair: Pair, result_id: str, note: str = "") -> str:
    url = brief_url(pair)
    response = pair.therapist.post(
        f"/clinic/patients/{pair.patient_id}/flags/{result_id}/acknowledge",
        data={"csrf_token": csrf_token(pair.therapist, url), "note": note, "next": url},
    )
    assert response.status_code == 302, response.status_code
    return plain(pair.therapist.get(url))


def test_acknowledging_records_who_and_when_with_a_note_only_the_therapist_reads(
    app: Flask, pair: Pair
) -> None:
    _choose(pair)
    rid = _flag(pair)
    before = utcnow()
    page = _acknowledge(pair, rid, "Called,   safe\nfor now")
    assert "Acknowledged by dr.lee@example.com on" in page
    assert "Your note: Called, safe for now" in page
    assert "Open safety flags 0" in _open_flags(pair.therapist)
    with app.app_context():
        (row,) = db.session.scalars(select(SafetyFlagAcknowledgement)).all()
        assert row.therapist_id == pair.therapist_id and str(row.result_id) == rid
        assert before - timedelta(seconds=1) <= row.acknowledged_at <= utcnow()
    assert "Called" not in _every_row_as_text(app)  # sealed at rest
    # The patient's access log shows the read, and nothing of the note.
    log = plain(pair.patient.get("/care/access-log"))
    assert "dr.lee@example.com opened a safety signal and acknowledged its safety flag" in log
    assert "Called" not in log


def test_acknowledging_a_shared_flagged_result_takes_a_note_too(app: Flask, pair: Pair) -> None:
    rid = _flag(pair)
    share_record(pair, RESULTS, rid)
    page = _acknowledge(pair, rid, "called, safe")
    assert "Your note: called, safe" in page
    long = _flag(pair)
    share_record(pair, RESULTS, long)
    url = brief_url(pair)
    response = pair.therapist.post(
        f"/clinic/patients/{pair.patient_id}/flags/{long}/acknowledge",
        data={"csrf_token": csrf_token(pair.therapist, url), "note": "x" * 501},
    )
    assert response.status_code == 302
    assert "Open safety flags 1 to acknowledge" in _open_flags(pair.therapist)


def test_another_therapist_cannot_acknowledge_a_signal(
    app: Flask, pair: Pair, client: FlaskClient
) -> None:
    _choose(pair)
    rid = _flag(pair)
    other = app.test_client()
    make_user(app, "dr.ng@example.com", Role.THERAPIST)
    login(other, "dr.ng@example.com")
    response = other.post(
        f"/clinic/patients/{pair.patient_id}/flags/{rid}/acknowledge",
        data={"csrf_token": csrf_token(other, "/clinic/patients")},
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(SafetyFlagAcknowledgement)).all() == []


# -- overdue ------------------------------------------------------------------------------


def test_overdue_is_the_flag_time_against_the_setting() -> None:
    now = utcnow()
    assert brief.overdue(now - timedelta(hours=24), now, 24)
    assert not brief.overdue(now - timedelta(hours=23, minutes=59), now, 24)
    assert not brief.overdue(None, now, 24)
    assert brief.overdue(now - timedelta(hours=3), now, 2)


def test_a_flag_left_unacknowledged_too_long_heads_the_caseload_in_red(
    app: Flask, pair: Pair
) -> None:
    # A second patient, whose flag is recent, and whose name sorts first.
    aaron = app.test_client()
    make_user(app, "aaron@example.com")
    login(aaron, "aaron@example.com")
    assert accept(aaron, invite(pair.therapist)).status_code == 302
    with app.app_context():
        for email in (pair.patient_email, "aaron@example.com"):
            patient, udk = keys_of(email)
            link = care.link_between(pair.therapist_id, patient.id)
            assert link is not None
            safety_signals.choose(patient, udk, link)
    submit_at(app, pair.patient_email, "phq9", phq9_answers(9, 1), utcnow() - timedelta(hours=30))
    submit_at(app, "aaron@example.com", "phq9", phq9_answers(9, 1), utcnow() - timedelta(hours=2))

    page = pair.therapist.get("/clinic/patients").get_data(as_text=True)
    rows = page.split('<tr class="patient-row')[1:]
    assert rows[0].startswith(' overdue needs-attention">') and pair.patient_email in rows[0]
    assert "Overdue" in rows[0]
    assert rows[1].startswith(' needs-attention">') and "aaron@example.com" in rows[1]
    assert "Overdue" not in rows[1]

    # The clinic allows 48 hours: nothing is overdue, flags sort as before.
    app.config["SAFETY_FLAG_OVERDUE_HOURS"] = 48
    try:
        page = pair.therapist.get("/clinic/patients").get_data(as_text=True)
    finally:
        app.config["SAFETY_FLAG_OVERDUE_HOURS"] = 24
    assert "overdue" not in page.split("<tbody>")[1]
    # Acknowledged, the flag is no longer overdue.
    with app.app_context():
        (rid,) = db.session.scalars(
            select(SafetySignal.result_id).where(SafetySignal.patient_id == pair.patient_id)
        ).all()
    _acknowledge(pair, str(rid))
    page = pair.therapist.get("/clinic/patients").get_data(as_text=True)
    assert "Overdue" not in page.split("<tbody>")[1]


def test_ending_the_link_takes_the_choice_and_its_signals_with_it(app: Flask, pair: Pair) -> None:
    _choose(pair)
    _flag(pair)
    url = f"/care/therapists/{pair.link}/end"
    pair.patient.post(url, data={"csrf_token": csrf_token(pair.patient, url)})
    assert _signals(app) == []
    with app.app_context():
        assert db.session.scalars(select(StandingShare)).all() == []
    assert user_id(app, pair.therapist_email)  # the therapist is still there


def test_the_choice_can_be_made_on_accepting_an_invitation(
    app: Flask, client: FlaskClient, other_client: FlaskClient, outbox: Path
) -> None:
    make_user(app, "dr.lee@example.com", Role.THERAPIST)
    make_user(app, "ada@example.com")
    login(other_client, "dr.lee@example.com")
    login(client, "ada@example.com")
    code = invite(other_client)
    page = plain(client.get(f"/care/join/{code}"))
    assert "Nobody watches Fresh Tracks live." in page
    assert "This is not an emergency service." in page
    assert "If you need help now" in page  # the crisis lines, on the same page
    response = client.post(
        f"/care/join/{code}/accept",
        data={"csrf_token": csrf_token(client, "/care/"), "safety_signals": "on"},
    )
    assert response.status_code == 302
    take(client, "phq9", phq9_answers(12, item9=1))
    assert _mails(outbox) == [(NOTICE, NOTICE)]


def test_a_new_data_key_keeps_the_therapists_notes(app: Flask, pair: Pair) -> None:
    _choose(pair)
    rid = _flag(pair)
    _acknowledge(pair, rid, "rang at noon")
    with app.app_context():
        therapist, _ = keys_of(pair.therapist_email)
        rotation.rotate_udk(therapist, PASSWORD)
        therapist, udk = keys_of(pair.therapist_email)
        (done,) = safety_flags.acknowledgements(therapist, udk, [uuid.UUID(rid)]).values()
    assert done.note == "rang at noon"


def test_a_result_stored_at_question_nine_then_finished_tells_once(
    app: Flask, pair: Pair, outbox: Path
) -> None:
    """The result is stored the moment question 9 is answered (the crisis card's
    detours lose nothing), then amended by the finish: one flag, one notice."""
    _choose(pair)
    key = uuid.uuid4()
    with app.app_context():
        patient, udk = keys_of(pair.patient_email)
        answers = phq9_answers(12, item9=1)
        first = measures.submit(patient, udk, "phq9", answers, {}, key, early=True)
        again = measures.submit(patient, udk, "phq9", answers, {"difficulty": 1}, key)
        assert again.id == first.id
    assert _mails(outbox) == [(NOTICE, NOTICE)]
    assert len(_signals(app)) == 1


def test_a_therapist_turns_notices_on_for_a_device_in_their_settings(
    app: Flask, pair: Pair
) -> None:
    html = pair.therapist.get("/settings/").get_data(as_text=True)
    words = plain(pair.therapist.get("/settings/"))
    assert "data-push" in html and 'id="push-on"' in html  # the patient's push control
    assert "Send notices to this device" in words
    assert "Both say only “Something in Fresh Tracks needs your attention”" in words
    assert "To check in every day" not in words  # a therapist has no check-ins


def test_the_administrator_counts_signals_left_open_over_a_day(app: Flask, pair: Pair) -> None:
    """Exact, from rows in clear: a signal row exists only for a flag. Under a day old
    it is not counted yet; acknowledged, it is not counted any more."""

    def open_signals(days_later: int) -> int:
        with app.app_context():
            later = utcnow() + timedelta(days=days_later)
            rows = {row.id: row for row in therapists.overview(later)}
            return rows[pair.therapist_id].open_signals

    _choose(pair)
    rid = _flag(pair)
    assert open_signals(0) == 0
    assert open_signals(2) == 1
    # An acknowledgement planted without a seal leaves it open here as on the caseload.
    with app.app_context():
        planted = SafetyFlagAcknowledgement(
            therapist_id=pair.therapist_id, patient_id=pair.patient_id, result_id=uuid.UUID(rid)
        )
        db.session.add(planted)
        db.session.commit()
    assert open_signals(2) == 1
    with app.app_context():
        db.session.execute(delete(SafetyFlagAcknowledgement))
        db.session.commit()
    _acknowledge(pair, rid, "rang at noon")
    assert open_signals(2) == 0
