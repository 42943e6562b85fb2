"""The brief's sealed digest (the series' mood points) against someone who can write
the database (no pepper, no one's keys): a digest made up, moved to another link or
put back from an older copy is never believed; the brief is made again from the
shares and still shows the right numbers. And what the patient shares or stops
sharing shows on the next view."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from journal.core import crypto
from journal.core.extensions import db
from journal.models.sharing import BriefDigest, CareLink, Share
from journal.mood import moods
from tests.factories import login, make_user
from tests.web.care_helpers import Pair, accept, access_rows, invite, link_id, linked_pair
from tests.web.care_mood_helpers import brief_url, check_in_on, enable, keys_of, stop
from tests.web.helpers import user_id


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _today(app: Flask, email: str) -> date:
    with app.app_context():
        user, _ = keys_of(email)
        return moods.local_today(user)


def _series(therapist: FlaskClient, patient_id: uuid.UUID) -> str:
    """What the sparkline's description says (how many check-ins, the lowest one)."""
    page = therapist.get(f"/clinic/patients/{patient_id}/brief").get_data(as_text=True)
    found = re.search(r'<figure class="series-spark">.*?<desc[^>]*>(.*?)</desc>', page, re.S)
    assert found, "no sparkline in the brief"
    return " ".join(found.group(1).split())


def _check_ins(app: Flask, email: str, moods_by_day: dict[int, int]) -> None:
    today = _today(app, email)
    for days, mood in moods_by_day.items():
        check_in_on(app, email, today - timedelta(days=days), mood, 2)


def _digest(app: Flask, link: uuid.UUID) -> bytes | None:
    with app.app_context():
        return db.session.scalar(select(BriefDigest.sealed).where(BriefDigest.link_id == link))


def _put(app: Flask, link: uuid.UUID, sealed: bytes) -> None:
    with app.app_context():
        db.session.execute(
            update(BriefDigest).where(BriefDigest.link_id == link).values(sealed=sealed)
        )
        db.session.commit()


def test_the_digest_is_kept_and_the_brief_reads_the_same_from_it(app: Flask, pair: Pair) -> None:
    enable(pair, "mood-check-ins")
    _check_ins(app, pair.patient_email, {10: 2, 5: 4, 1: 3})
    first = _series(pair.therapist, pair.patient_id)
    assert "Mood from 3 shared check-ins" in first
    sealed = _digest(app, pair.link)
    assert sealed is not None
    # Nothing of it in clear: the mood values are sealed.
    assert b"mood" not in sealed
    assert _series(pair.therapist, pair.patient_id) == first
    assert _digest(app, pair.link) == sealed  # not made again: nothing changed
    # Each view still logs one row naming every record it showed, digest or not.
    rows = [r for r in access_rows(app) if r.via == "brief"]
    assert len(rows) == 2 and rows[0].item_count == rows[1].item_count


def test_a_new_share_and_an_unshare_change_what_the_brief_shows(app: Flask, pair: Pair) -> None:
    enable(pair, "mood-check-ins")
    _check_ins(app, pair.patient_email, {10: 3, 5: 4})
    assert "Mood from 2 shared check-ins" in _series(pair.therapist, pair.patient_id)
    _check_ins(app, pair.patient_email, {2: 1})  # shared by the standing category
    now = _series(pair.therapist, pair.patient_id)
    assert "Mood from 3 shared check-ins" in now and "lowest 1" in now
    assert stop(pair, "mood-check-ins") in (302, 303)
    # Stopping deleted the shares and the digest with them: nothing unshared stays.
    assert _digest(app, pair.link) is None
    page = pair.therapist.get(brief_url(pair)).get_data(as_text=True)
    assert "series-spark" not in page


def test_an_older_digest_put_back_is_not_believed(app: Flask, pair: Pair) -> None:
    enable(pair, "mood-check-ins")
    _check_ins(app, pair.patient_email, {10: 3, 5: 4})
    _series(pair.therapist, pair.patient_id)
    with app.app_context():
        generation = db.session.scalar(
            select(CareLink.summary_generation).where(CareLink.id == pair.link)
        )
    older = _digest(app, pair.link)
    assert older is not None
    _check_ins(app, pair.patient_email, {1: 1})
    assert "Mood from 3 shared check-ins" in _series(pair.therapist, pair.patient_id)
    # The old digest back, and the link's generation with it: its shares are not
    # those of today (a new one was made since), so it is made again.
    _put(app, pair.link, older)
    with app.app_context():
        db.session.execute(
            update(CareLink).where(CareLink.id == pair.link).values(summary_generation=generation)
        )
        db.session.commit()
    again = _series(pair.therapist, pair.patient_id)
    assert "Mood from 3 shared check-ins" in again and "lowest 1" in again
    assert _digest(app, pair.link) != older


def test_a_digest_moved_to_another_link_is_not_believed(
    app: Flask, pair: Pair, client: FlaskClient
) -> None:
    enable(pair, "mood-check-ins")
    _check_ins(app, pair.patient_email, {10: 1, 5: 1, 3: 1, 1: 1})
    # A second patient of the same therapist, with one shared check-in.
    bob = app.test_client()
    make_user(app, "bob@example.com")
    login(bob, "bob@example.com")
    assert accept(bob, invite(pair.therapist)).status_code == 302
    bob_pair = Pair(
        pair.therapist,
        bob,
        pair.therapist_email,
        "bob@example.com",
        link_id(app, pair.therapist_email, "bob@example.com"),
        user_id(app, "bob@example.com"),
        pair.therapist_id,
    )
    enable(bob_pair, "mood-check-ins")
    _check_ins(app, "bob@example.com", {2: 5})
    assert "Mood from 4 shared check-ins" in _series(pair.therapist, pair.patient_id)
    assert "Mood from 1 shared check-in" in _series(pair.therapist, bob_pair.patient_id)
    adas = _digest(app, pair.link)
    assert adas is not None
    _put(app, bob_pair.link, adas)
    shown = _series(pair.therapist, bob_pair.patient_id)
    assert "Mood from 1 shared check-in" in shown and "lowest 5" in shown
    assert _digest(app, bob_pair.link) != adas


@pytest.mark.parametrize("kind", ["made up", "sealed under another key"])
def test_a_digest_planted_in_the_database_is_not_believed(
    app: Flask, pair: Pair, kind: str
) -> None:
    enable(pair, "mood-check-ins")
    _check_ins(app, pair.patient_email, {10: 3, 5: 4})
    _series(pair.therapist, pair.patient_id)
    with app.app_context():
        link = db.session.get(CareLink, pair.link)
        assert link is not None
        share_ids = [
            str(s.record_id)
            for s in db.session.scalars(select(Share).where(Share.patient_id == pair.patient_id))
        ]
        # The attacker's own series: every day a 1, under a key of their own.
        planted_plain = (
            '["2020-01-01T00:00:00+00:00","0",{"mood_series":'
            + str([[sid, "2020-01-01", 1, 1] for sid in share_ids]).replace("'", '"')
            + "}]"
        ).encode()
        planted = (
            crypto.new_key() + planted_plain
            if kind == "made up"
            else crypto.seal(
                crypto.new_key(),
                planted_plain,
                crypto.Binding(
                    "brief-digest",
                    "brief_digests",
                    link.id,
                    pair.therapist_id,
                    f"digest:{pair.patient_id}",
                    link.summary_generation,
                ),
            )
        )
    _put(app, pair.link, planted)
    shown = _series(pair.therapist, pair.patient_id)
    assert "Mood from 2 shared check-ins" in shown and "lowest 3" in shown
    assert _digest(app, pair.link) != planted


def test_a_shared_check_in_changed_by_the_patient_shows_its_new_mood(
    app: Flask, pair: Pair
) -> None:
    enable(pair, "mood-check-ins")
    _check_ins(app, pair.patient_email, {10: 3, 5: 4})
    assert "lowest 3" in _series(pair.therapist, pair.patient_id)
    _check_ins(app, pair.patient_email, {5: 1})  # the same day, saved again
    now = _series(pair.therapist, pair.patient_id)
    assert "Mood from 2 shared check-ins" in now and "lowest 1" in now
