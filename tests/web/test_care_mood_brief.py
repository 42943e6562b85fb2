"""What mood and measures add to the brief and the patients list, from shared records
only: the mood trend since the last appointment (averages, an SVG line, a table), the
latest PHQ-9/GAD-7 with the change from the first shared result, response and
remission, and the last check-in date. An unshared record changes nothing the
therapist sees; check-in notes stay text."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from journal.core.extensions import db
from journal.models.moods import CheckIn
from journal.models.sharing import CareLink, Share
from journal.models.types import utcnow
from journal.mood import moods
from tests.web.care_helpers import Pair, access_rows, linked_pair, plain, shares
from tests.web.care_mood_helpers import (
    CHECKINS,
    RESULTS,
    acknowledge_at,
    brief_url,
    check_in_on,
    enable,
    keys_of,
    phq9_answers,
    share_record,
    submit_at,
)
from tests.web.helpers import without_csrf

XSS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
]


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _today(app: Flask, pair: Pair) -> date:
    with app.app_context():
        user, _ = keys_of(pair.patient_email)
        return moods.local_today(user)


def _brief(pair: Pair) -> str:
    response = pair.therapist.get(brief_url(pair))
    assert response.status_code == 200
    return plain(response)


def _section(page: str, title: str, end: str) -> str:
    return page[page.index(title) : page.index(end)]


def _last_appointment(app: Flask, days_ago: int) -> None:
    with app.app_context():
        db.session.execute(
            update(CareLink).values(next_appointment_at=utcnow() - timedelta(days=days_ago))
        )
        db.session.commit()


def _days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


# -- the mood trend ----------------------------------------------------------------------------


def test_the_mood_trend_comes_from_shared_check_ins_only(app: Flask, pair: Pair) -> None:
    today = _today(app, pair)
    shared_values = {5: (2, 4), 4: (3, 3), 2: (4, 2)}
    for days, (mood, anxiety) in shared_values.items():
        cid = check_in_on(
            app,
            pair.patient_email,
            today - timedelta(days=days),
            mood,
            anxiety,
            note=f"Shared note {days}.",
        )
        share_record(pair, CHECKINS, cid)
    for days in (3, 1):  # private days, far from the shared ones
        check_in_on(
            app, pair.patient_email, today - timedelta(days=days), 5, 1, note="Private note."
        )

    raw = pair.therapist.get(brief_url(pair)).get_data(as_text=True)
    page = plain(pair.therapist.get(brief_url(pair)))
    trend = _section(page, "Mood trend", "Shared items")
    assert "shared with you in the last 30 days (no appointment has happened yet)" in trend
    assert "Average mood 3 of 5" in trend and "Average anxiety 3 of 5" in trend
    assert "Check-ins 3 " in trend and "3 check-ins from" in trend  # and the chart's summary
    for days in shared_values:
        assert f"Shared note {days}." in trend
    assert "Private note." not in page
    assert 'class="chart sparkline"' in raw and "<polyline" in raw
    assert 'aria-describedby="mood-trend-summary"' in raw
    assert '<caption id="mood-trend-caption">' in raw
    # Three points a series: the private days are not drawn either.
    svg = raw[raw.index('class="chart sparkline"') : raw.index("</svg>", raw.index("sparkline"))]
    assert svg.count('class="dot-mood"') == 3


def test_the_mood_trend_covers_the_days_since_the_last_appointment(app: Flask, pair: Pair) -> None:
    today = _today(app, pair)
    enable(pair, "mood-check-ins")
    check_in_on(app, pair.patient_email, today - timedelta(days=9), 1, 5, note="Before.")
    check_in_on(app, pair.patient_email, today - timedelta(days=1), 4, 2, note="After.")
    _last_appointment(app, 3)
    trend = _section(_brief(pair), "Mood trend", "Shared items")
    assert "shared with you since the last appointment" in trend
    assert "Average mood 4 of 5" in trend and "After." in trend and "Before." not in trend


def test_no_shared_check_ins_no_mood_trend(app: Flask, pair: Pair) -> None:
    check_in_on(app, pair.patient_email, _today(app, pair), 3, 3)
    page = _brief(pair)
    assert "Mood trend" not in page and "Questionnaires" not in page


@pytest.mark.parametrize("payload", XSS)
def test_check_in_notes_are_text_in_the_brief(app: Flask, pair: Pair, payload: str) -> None:
    enable(pair, "mood-check-ins")
    cid = check_in_on(app, pair.patient_email, _today(app, pair), 2, 2, note=f"Note {payload}")
    for url in (brief_url(pair), f"/clinic/patients/{pair.patient_id}/records/{CHECKINS}/{cid}"):
        raw = pair.therapist.get(url).get_data(as_text=True)
        assert "<script>alert" not in raw and "<img src=x" not in raw and "<svg/onload" not in raw
        assert "Note &lt;" in raw or "Note &#34;&gt;" in raw or "Note &quot;&gt;" in raw


# -- the questionnaires --------------------------------------------------------------------------


def test_scores_show_the_latest_shared_result_and_the_change_from_the_first(
    app: Flask, pair: Pair
) -> None:
    base = submit_at(app, pair.patient_email, "phq9", phq9_answers(20), _days_ago(30))
    latest = submit_at(app, pair.patient_email, "phq9", phq9_answers(9), _days_ago(2))
    for rid in (base, latest):
        share_record(pair, RESULTS, rid)
    scores = _section(_brief(pair), "Questionnaires", "Shared items")
    assert "Latest 9 of 27, Mild" in scores
    assert "Baseline 20 of 27, Severe" in scores and "The patient's first PHQ-9." in scores
    assert "Change 11 points lower (-55 %)" in scores
    assert "Response Yes: a drop of half or more from the baseline" in scores
    # Not "No (that is below 5)", which read as if 9 were below 5.
    assert "Remission Not yet (remission is a total below 5)" in scores
    assert "Shared 2 results" in scores


def test_an_unshared_lower_score_changes_nothing_the_therapist_sees(app: Flask, pair: Pair) -> None:
    for total, days in ((20, 30), (12, 10)):
        share_record(
            pair,
            RESULTS,
            submit_at(app, pair.patient_email, "phq9", phq9_answers(total), _days_ago(days)),
        )
    cid = check_in_on(app, pair.patient_email, _today(app, pair) - timedelta(days=2), 3, 3)
    share_record(pair, CHECKINS, cid)
    before = without_csrf(pair.therapist.get(brief_url(pair)).get_data(as_text=True))
    listing = without_csrf(pair.therapist.get("/clinic/patients").get_data(as_text=True))

    # Better news, kept private: a remission-level PHQ-9 and a good day.
    submit_at(app, pair.patient_email, "phq9", phq9_answers(2), _days_ago(1))
    check_in_on(app, pair.patient_email, _today(app, pair), 5, 1)
    after = without_csrf(pair.therapist.get(brief_url(pair)).get_data(as_text=True))
    assert after == before
    assert without_csrf(pair.therapist.get("/clinic/patients").get_data(as_text=True)) == listing
    assert "Latest 12 of 27, Moderate" in plain(pair.therapist.get(brief_url(pair)))


def test_the_baseline_is_called_the_first_shared_one_when_the_true_one_is_not_shared(
    app: Flask, pair: Pair
) -> None:
    submit_at(app, pair.patient_email, "phq9", phq9_answers(24), _days_ago(40))  # private
    for total, days in ((16, 20), (8, 2)):
        share_record(
            pair,
            RESULTS,
            submit_at(app, pair.patient_email, "phq9", phq9_answers(total), _days_ago(days)),
        )
    scores = _section(_brief(pair), "Questionnaires", "Shared items")
    assert "Baseline 16 of 27, Moderately severe" in scores
    assert "Baseline = the first PHQ-9 shared with you" in scores
    assert "the patient's own first PHQ-9 is not shared with you" in scores
    assert "Change 8 points lower (-50 %)" in scores and "Response Yes" in scores
    assert "24 of 27" not in scores


def test_remission_is_a_phq9_total_below_5(app: Flask, pair: Pair) -> None:
    for total, days in ((15, 20), (4, 1)):
        share_record(
            pair,
            RESULTS,
            submit_at(app, pair.patient_email, "phq9", phq9_answers(total), _days_ago(days)),
        )
    scores = _section(_brief(pair), "Questionnaires", "Shared items")
    assert "Latest 4 of 27, Minimal" in scores
    assert "Remission Yes: below 5" in scores and "Response Yes" in scores


def test_gad7_shows_response_but_no_remission_and_one_result_shows_no_change(
    app: Flask, pair: Pair
) -> None:
    for answers, days in (({n: 2 for n in range(1, 8)}, 20), ({n: 1 for n in range(1, 8)}, 1)):
        share_record(
            pair, RESULTS, submit_at(app, pair.patient_email, "gad7", answers, _days_ago(days))
        )
    share_record(
        pair, RESULTS, submit_at(app, pair.patient_email, "phq9", phq9_answers(6), _days_ago(1))
    )
    scores = _section(_brief(pair), "Questionnaires", "Shared items")
    gad = scores[scores.index("GAD-7") :]
    phq = scores[: scores.index("GAD-7")]
    assert "Latest 7 of 21, Mild" in gad and "Change 7 points lower (-50 %)" in gad
    # The GAD-7 defines no response or remission: the brief claims neither.
    assert "Response" not in gad and "Remission" not in gad
    assert "Only one PHQ-9 is shared with you, so there is no change to show." in phq
    assert "It is the patient's first (their baseline)." in phq


def test_the_brief_opens_and_logs_each_shared_record_once(app: Flask, pair: Pair) -> None:
    enable(pair, "questionnaire-results")
    enable(pair, "mood-check-ins")
    submit_at(app, pair.patient_email, "phq9", phq9_answers(14, item9=1), _days_ago(5))
    submit_at(app, pair.patient_email, "phq9", phq9_answers(9), _days_ago(1))
    check_in_on(app, pair.patient_email, _today(app, pair) - timedelta(days=1), 3, 3)
    before = len(access_rows(app))
    page = _brief(pair)
    assert "Safety flags" in page and "Mood trend" in page and "Questionnaires" in page
    # One row for the view, naming how many records it opened: each once.
    (read,) = access_rows(app)[before:]
    assert (read.via, read.record_id) == ("brief", None)
    assert read.item_count == len(shares(app)) == 3


def _read_before(app: Flask, record_ids: list[str], days_ago: int) -> None:
    """The shares of these records were made and read `days_ago` days ago."""
    with app.app_context():
        db.session.execute(
            update(Share)
            .where(Share.record_id.in_([uuid.UUID(r) for r in record_ids]))
            .values(created_at=_days_ago(days_ago), therapist_read_at=_days_ago(days_ago))
        )
        db.session.commit()


def test_a_later_brief_opens_only_the_results_it_shows(app: Flask, pair: Pair) -> None:
    """Years of questionnaires must not make every brief slower, nor fill the patient's
    access log with reads of results the brief does not show: once the therapist's
    notes know each result's instrument, total and flag, a brief opens each
    instrument's first and latest result and the flags it shows, no more."""
    phq = [
        submit_at(app, pair.patient_email, "phq9", phq9_answers(total, item9=nine), _days_ago(d))
        for total, nine, d in ((20, 0, 60), (18, 1, 40), (12, 0, 25))
    ]
    gad = submit_at(app, pair.patient_email, "gad7", {n: 2 for n in range(1, 8)}, _days_ago(30))
    for rid in [*phq, gad]:
        share_record(pair, RESULTS, rid)
    _read_before(app, [*phq, gad], days_ago=20)
    # Acknowledged 20 days ago (the time is sealed with the note, by the therapist's key).
    acknowledge_at(app, pair, phq[1], _days_ago(20))
    _last_appointment(app, days_ago=10)
    latest = submit_at(app, pair.patient_email, "phq9", phq9_answers(6), _days_ago(2))
    share_record(pair, RESULTS, latest)

    _brief(pair)  # the first brief checks each result once and keeps a note
    before = len(access_rows(app))
    page = _brief(pair)
    (view,) = access_rows(app)[before:]
    assert view.item_count == len({phq[0], latest, gad})
    scores = _section(page, "Questionnaires", "Shared items")
    assert "Latest 6 of 27, Mild" in scores and "Baseline 20 of 27, Severe" in scores
    assert "Shared 4 results" in scores and "Change 14 points lower (-70 %)" in scores
    assert "Latest 14 of 21, Moderate" in scores
    assert "Safety flag" not in page  # acknowledged before the last appointment

    # A new flag is opened and shown, the old acknowledged one still is not. (The
    # latest results are opened anyway: they were shared since the last appointment.)
    flagged = submit_at(app, pair.patient_email, "phq9", phq9_answers(8, item9=2), _days_ago(1))
    share_record(pair, RESULTS, flagged)
    before = len(access_rows(app))
    page = _brief(pair)
    assert "1 safety flag to acknowledge" in page
    (view,) = access_rows(app)[before:]
    assert view.item_count == len({phq[0], latest, flagged, gad})


def test_among_years_of_read_results_an_open_flag_and_a_forged_share_still_show(
    app: Flask, pair: Pair
) -> None:
    """Results read before the last appointment that lie between an instrument's
    first and latest are known from the therapist's notes and not opened, except a
    flag the brief shows: one still open, or one acknowledged since the
    appointment. A share among them that is not the patient's (its MAC altered in
    the database) is reported, not counted."""
    totals = [(20, 0, 90), (18, 1, 80), (16, 1, 70), (15, 0, 60), (14, 0, 50), (12, 0, 40)]
    phq = [
        submit_at(app, pair.patient_email, "phq9", phq9_answers(total, item9=nine), _days_ago(d))
        for total, nine, d in totals
    ]
    for rid in phq:
        share_record(pair, RESULTS, rid)
    _read_before(app, phq, days_ago=30)
    acknowledge_at(app, pair, phq[2], _days_ago(3))  # after the last appointment
    _last_appointment(app, days_ago=10)
    latest = submit_at(app, pair.patient_email, "phq9", phq9_answers(6), _days_ago(2))
    share_record(pair, RESULTS, latest)
    _brief(pair)  # notes kept for every result

    before = len(access_rows(app))
    page = _brief(pair)
    (view,) = access_rows(app)[before:]
    # The first, the open flag (80 days ago), the one acknowledged since, the latest.
    assert view.item_count == len({phq[0], phq[1], phq[2], latest})
    assert "1 safety flag to acknowledge" in page
    flags = _section(page, "Safety flags", "Questionnaires")
    assert "Acknowledged" in flags
    scores = _section(page, "Questionnaires", "Shared items")
    assert "Shared 7 results" in scores and "Baseline 20 of 27, Severe" in scores
    assert "Latest 6 of 27, Mild" in scores

    with app.app_context():
        db.session.execute(
            update(Share).where(Share.record_id == uuid.UUID(phq[4])).values(mac=b"\0" * 32)
        )
        db.session.commit()
    page = _brief(pair)
    assert "could not be verified" in page
    assert "Shared 6 results" in _section(page, "Questionnaires", "Shared items")


# -- the patients list -----------------------------------------------------------------------


def test_the_last_check_in_on_the_list_comes_from_shared_check_ins_only(
    app: Flask, pair: Pair
) -> None:
    today = _today(app, pair)
    shared = check_in_on(app, pair.patient_email, today - timedelta(days=3), 3, 3)
    assert "Last check-in None shared" in plain(pair.therapist.get("/clinic/patients"))
    share_record(pair, CHECKINS, shared)
    with app.app_context():
        db.session.execute(
            update(CheckIn)
            .where(CheckIn.id == uuid.UUID(shared))
            .values(created_at=datetime(2030, 6, 7, 8, 9, tzinfo=UTC))
        )
        db.session.commit()
    check_in_on(app, pair.patient_email, today, 4, 1)  # later, not shared
    page = plain(pair.therapist.get("/clinic/patients"))
    assert "Last check-in Fri 7 Jun 2030, 08:09" in page
    assert re.search(
        r"Last check-in Fri 7 Jun 2030, 08:09",
        plain(pair.therapist.get(f"/clinic/patients/{pair.patient_id}")),
    )
    # Revoked: the date goes with the share.
    (row,) = shares(app)
    from tests.pages import csrf_token

    pair.patient.post(
        f"/care/shares/{row.id}/revoke", data={"csrf_token": csrf_token(pair.patient, "/care/")}
    )
    assert "Last check-in None shared" in plain(pair.therapist.get("/clinic/patients"))


# -- the summary's sparkline over the series ------------------------------------------------


def _sparkline(pair: Pair) -> str:
    page = pair.therapist.get(brief_url(pair)).get_data(as_text=True)
    found = re.search(r'<figure class="series-spark">.*?</figure>', page, re.S)
    assert found, "no sparkline in the brief"
    return found.group(0)


def test_the_summary_draws_mood_over_the_series_with_each_dosing_session_marked(
    app: Flask, pair: Pair
) -> None:
    from tests.web.prep_helpers import move_session, plan_session

    today = _today(app, pair)
    first = plan_session(pair.patient, utcnow() + timedelta(days=2))
    second = plan_session(pair.patient, utcnow() + timedelta(days=3))
    move_session(app, first, datetime.combine(today - timedelta(days=20), datetime.min.time(), UTC))
    move_session(app, second, datetime.combine(today - timedelta(days=6), datetime.min.time(), UTC))
    enable(pair, "mood-check-ins")
    for days, mood in ((28, 1), (21, 2), (19, 3), (18, 4), (5, 4), (1, 5)):
        check_in_on(app, pair.patient_email, today - timedelta(days=days), mood, 2)
    _last_appointment(app, 3)  # the mood trend covers 3 days; the sparkline the series

    svg = _sparkline(pair)
    assert 'role="img"' in svg and "style=" not in svg
    assert '<title id="series-spark-title">Mood over the series, dosing sessions marked' in svg
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)
    assert desc
    day = lambda n: f"{(today - timedelta(days=n)).day} {(today - timedelta(days=n)):%b %Y}"  # noqa: E731
    assert f"Dosing sessions: {day(20)}, {day(6)}." in desc.group(1)
    # From a week before the first session: the check-in of 28 days ago is left out.
    assert "Mood from 5 shared check-ins" in desc.group(1)
    assert f"lowest 2 on {day(21)}" in desc.group(1)
    drawing = svg[: svg.index("</svg>")]  # the legend's swatch is a marker too
    assert drawing.count('class="session-marker"') == 2
    xs = [float(x) for x in re.findall(r'class="session-marker" x1="([\d.]+)"', drawing)]
    assert 0 < xs[0] < xs[1] < 240


def test_no_shared_check_in_no_sparkline(app: Flask, pair: Pair) -> None:
    check_in_on(app, pair.patient_email, _today(app, pair), 3, 3)  # private
    page = pair.therapist.get(brief_url(pair)).get_data(as_text=True)
    assert "series-spark" not in page
