"""Searching one's own journal: every word must match, across entries, answers,
after-effects and intentions; matches are highlighted safely; metacharacters are
text; filters narrow it; one patient's words never reach another's results."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from journal.accounts import accounts
from journal.core.extensions import db
from journal.entries import search
from journal.entries.search import Filters, Position
from journal.models.entries import Entry
from journal.models.types import utcnow
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token
from tests.web.integ_helpers import add_after_effect, answer, log_done_session, write_entry
from tests.web.integ_helpers import search as post_search
from tests.web.mood_helpers import checkin
from tests.web.prep_helpers import local_fields, text_of


@pytest.fixture
def patient(app: Flask, client: FlaskClient) -> FlaskClient:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    return client


def results(response: object) -> list[str]:
    """Each result's words, tags dropped, in page order."""
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"</?mark>", "", r)).split())
        for r in re.findall(r'<li class="result">(.*?)</li>', html, re.S)
    ]


def test_every_word_must_match_in_any_case_and_phrases_stay_together(
    app: Flask, patient: FlaskClient
) -> None:
    write_entry(patient, "The Ocean was calm and my chest felt open.", title="Beach")
    write_entry(patient, "A calm morning, no ocean in sight.")
    write_entry(patient, "Open water, restless mind.")
    both = results(post_search(patient, "ocean CALM"))
    assert len(both) == 2
    phrase = results(post_search(patient, '"chest felt open"'))
    assert len(phrase) == 1 and "Beach" in phrase[0]
    assert results(post_search(patient, '"open chest"')) == []
    assert len(results(post_search(patient, "open"))) == 2


def test_answers_after_effects_and_intentions_are_searched_too(
    app: Flask, patient: FlaskClient
) -> None:
    sid = log_done_session(patient, hours_ago=6)
    answer(patient, sid, "day-one-surprised", "The lighthouse kept coming back.")
    add_after_effect(
        patient,
        sid,
        kind="nausea",
        severity="mild",
        note="Ginger tea and the lighthouse picture helped.",
        **local_fields(utcnow() - timedelta(hours=2), "UTC"),
    )
    patient.post(
        f"/sessions/{sid}/intention",
        data={"csrf_token": csrf_token(patient, "/"), "text": "Walk toward the lighthouse."},
    )
    found = results(post_search(patient, "lighthouse"))
    assert len(found) == 3
    joined = " | ".join(found)
    assert "Prompt answers" in joined and "What surprised you?" in joined
    assert "After-effects" in joined and "Nausea, mild" in joined
    assert "Intentions" in joined
    assert len(results(post_search(patient, "nausea"))) == 1  # the kind's label counts


def test_the_notes_of_mood_check_ins_are_searched(app: Flask, patient: FlaskClient) -> None:
    checkin(patient, mood="2", anxiety="4", note="Restless, thinking about the harbour.")
    found = results(post_search(patient, "harbour"))
    assert len(found) == 1 and "Check-in notes" in found[0]
    assert "mood low, anxiety a lot" in found[0]
    assert len(results(post_search(patient, "harbour", kind="mood_checkins"))) == 1
    assert results(post_search(patient, "harbour", kind="entries")) == []


def test_matches_are_highlighted_and_text_is_never_markup(app: Flask, patient: FlaskClient) -> None:
    write_entry(patient, 'I wrote <script>alert("x")</script> & <b>bold</b> things.')
    response = post_search(patient, "script")
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;<mark>script</mark>&gt;alert(&#34;x&#34;)&lt;/<mark>script</mark>&gt;" in html
    assert "&amp; &lt;b&gt;bold&lt;/b&gt;" in html
    # A search for markup finds the text and highlights it as text.
    tagged = post_search(patient, "<b>").get_data(as_text=True)
    assert "<mark>&lt;b&gt;</mark>bold" in tagged


@pytest.mark.parametrize(
    ("query", "hits"),
    [
        ("50%", 1),
        ("%", 1),
        ("_", 1),
        ("(really?)", 1),
        (".*", 0),
        ("[a-z]+", 0),
        ("' OR 1=1 --", 0),
        ("'; DROP TABLE entries; --", 0),
        ("\\d", 1),
        ("a|b", 0),
        ("$^", 0),
    ],
)
def test_regex_and_sql_metacharacters_are_plain_text(
    app: Flask, patient: FlaskClient, query: str, hits: int
) -> None:
    write_entry(patient, "Prices: 50% off (really?) snake_case \\d escapes")
    write_entry(patient, "Nothing special here at all")
    found = results(post_search(patient, query))
    assert len(found) == hits, query
    # The journal is still all there afterwards.
    assert len(results(post_search(patient, "special"))) == 1


def test_one_patients_words_never_reach_anothers_results(
    app: Flask, patient: FlaskClient, other_client: FlaskClient
) -> None:
    make_user(app, "bea@example.com")
    login(other_client, "bea@example.com")
    write_entry(other_client, "Zanzibar is Bea's secret word.", tags="zanzibar")
    sid = log_done_session(other_client, hours_ago=5)
    answer(other_client, sid, "day-one-surprised", "Zanzibar again, in an answer.")
    write_entry(patient, "Ada writes about harbours.")
    for q in ("Zanzibar", "secret", "answer"):
        response = post_search(patient, q)
        assert results(response) == []
        html = response.get_data(as_text=True)
        # Only the search box echoes what was typed.
        assert html.count("Zanzibar") == (1 if q == "Zanzibar" else 0)
        assert "Bea" not in html
    assert results(post_search(patient, "", tag="zanzibar")) == []
    assert len(results(post_search(other_client, "Zanzibar"))) == 2


def test_filters_by_tag_session_and_kind(app: Flask, patient: FlaskClient) -> None:
    first = log_done_session(patient, hours_ago=50)
    second = log_done_session(patient, hours_ago=5)
    write_entry(patient, "River walk with Sam.", tags="walks, Sam", session=first)
    write_entry(patient, "River swim alone.", tags="swims", session=second)
    write_entry(patient, "River dream.")
    answer(patient, second, "day-one-surprised", "The river, again.")
    assert len(results(post_search(patient, "river"))) == 4
    by_tag = results(post_search(patient, "river", tag="WALKS"))
    assert len(by_tag) == 1 and "River walk with Sam." in by_tag[0]
    assert len(results(post_search(patient, "", tag="sam"))) == 1
    by_session = results(post_search(patient, "river", session=second))
    assert len(by_session) == 2
    assert all("walk" not in r for r in by_session)
    by_kind = results(post_search(patient, "river", kind="prompt_answers"))
    assert len(by_kind) == 1 and "The river, again." in by_kind[0]
    everything_in_session = results(post_search(patient, "", session=first))
    assert len(everything_in_session) == 1


def test_bad_searches_are_refused_with_a_reason(app: Flask, patient: FlaskClient) -> None:
    empty = post_search(patient, "   ")
    assert empty.status_code == 422 and "Type a word to look for" in text_of(empty)
    long = post_search(patient, "x" * 201)
    assert long.status_code == 422 and "under 200 characters" in text_of(long)
    many = post_search(patient, " ".join(f"w{i}" for i in range(11)))
    assert many.status_code == 422
    kind = post_search(patient, "river", kind="nope")
    assert kind.status_code == 422
    session = post_search(patient, "river", session=str(uuid.uuid4()))
    assert session.status_code == 422


def test_the_query_never_goes_into_a_url(app: Flask, patient: FlaskClient) -> None:
    write_entry(patient, "A private word: marigold.")
    page = patient.get("/journal/search?q=marigold")
    assert page.status_code == 200 and results(page) == []
    html = page.get_data(as_text=True)
    assert 'method="post"' in html and "marigold" not in html


def _backdate_all(app: Flask) -> None:
    """Give entries distinct times, oldest first, so pages are predictable."""
    with app.app_context():
        rows = db.session.query(Entry).order_by(Entry.created_at).all()
        for i, row in enumerate(rows):
            moment = utcnow() - timedelta(hours=len(rows) - i)
            db.session.execute(update(Entry).where(Entry.id == row.id).values(created_at=moment))
        db.session.commit()


def test_results_come_newest_first_a_page_at_a_time_with_show_more(
    app: Flask, patient: FlaskClient
) -> None:
    total = search.PER_PAGE + 5
    for i in range(total):
        write_entry(patient, f"Garden note {i:02d}")
    _backdate_all(app)
    first = post_search(patient, "garden")
    found = results(first)
    assert len(found) == search.PER_PAGE
    assert "Garden note 24" in found[0] and "Garden note 05" in found[-1]
    after = re.search(r'name="after" value="([^"]+)"', first.get_data(as_text=True))
    assert after is not None and "Show more" in text_of(first)
    more = patient.post(
        "/journal/search",
        data={
            "csrf_token": csrf_token(patient, "/journal/search"),
            "q": "garden",
            "after": after.group(1),
        },
        headers={"HX-Request": "true"},
    )
    rest = results(more)
    assert [r.split("Garden note ")[1][:2] for r in rest] == ["04", "03", "02", "01", "00"]
    assert "Show more" not in text_of(more)
    assert "Words to find" not in text_of(more)  # the fragment: just the next results


def test_a_search_reads_at_most_its_limit_and_resumes_where_it_stopped(
    app: Flask, patient: FlaskClient
) -> None:
    for i in range(12):
        write_entry(patient, f"Plain note {i:02d}" + (" with a needle" if i == 0 else ""))
    _backdate_all(app)
    with app.test_request_context():
        unlocked = accounts.authenticate("ada@example.com", PASSWORD)
        page = search.search(unlocked.user, unlocked.udk, ("needle",), Filters(), scan_limit=5)
        assert page.results == [] and page.stopped_at_limit and page.scanned == 5
        assert page.next_position is not None
        again = Position.decode(page.next_position.encode())
        assert again == page.next_position
        rest = search.search(unlocked.user, unlocked.udk, ("needle",), Filters(), after=again)
        assert len(rest.results) == 1 and rest.scanned == 7
        assert rest.next_position is None


def test_highlight_merges_overlaps_and_keeps_every_character() -> None:
    patterns = search.patterns_for(("ab", "bc", "."))
    segments = search.highlight("xabcx.y", patterns)
    assert "".join(s.text for s in segments) == "xabcx.y"
    assert [(s.text, s.hit) for s in segments] == [
        ("x", False),
        ("abc", True),
        ("x", False),
        (".", True),
        ("y", False),
    ]
    assert search.parse_query('one "two three" "unpaired') == ("one", "two three", '"unpaired')


def test_reading_in_batches_neither_skips_nor_repeats_records_written_at_one_instant(
    app: Flask, patient: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "BATCH", 3)
    for i in range(8):
        write_entry(patient, f"Same instant note {i}")
    with app.app_context():
        same = utcnow() - timedelta(hours=1)
        db.session.execute(update(Entry).values(created_at=same))
        db.session.commit()
    found = results(post_search(patient, "instant"))
    numbers = sorted(r.rsplit(" ", 1)[1] for r in found)
    assert numbers == [str(i) for i in range(8)]
    with app.test_request_context():
        unlocked = accounts.authenticate("ada@example.com", PASSWORD)
        first = search.search(unlocked.user, unlocked.udk, ("instant",), Filters(), per_page=5)
        rest = search.search(
            unlocked.user, unlocked.udk, ("instant",), Filters(), after=first.next_position
        )
    ids = [r.doc.record_id for r in first.results + rest.results]
    assert len(ids) == 8 and len(set(ids)) == 8
