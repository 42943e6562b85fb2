"""The caseload: every patient of a therapist, sorted by what needs attention
(unacknowledged safety flags, then new items, then the next appointment), searchable
by the sealed name or the email, in pages, and as fast for 400 patients as for 20."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.core import crypto
from journal.models.types import utcnow
from journal.models.users import Role
from tests.factories import login, make_user
from tests.web.care_helpers import Pair, linked_pair, share, write
from tests.web.care_mood_helpers import RESULTS, phq9_answers, share_record, take
from tests.web.clinic_helpers import add_patients
from tests.web.test_query_counts import counting_statements

THERAPIST = "dr.lee@example.com"
ROW = re.compile(
    r'<tr class="patient-row[^"]*">\s*<th scope="row" class="patient-cell">\s*<a [^>]*>([^<]+)</a>'
)


def _rows(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"/clinic/patients{query}")
    assert response.status_code == 200
    return ROW.findall(response.get_data(as_text=True))


@pytest.fixture
def therapist(app: Flask, other_client: FlaskClient) -> FlaskClient:
    make_user(app, THERAPIST, Role.THERAPIST)
    login(other_client, THERAPIST)
    return other_client


def test_400_patients_are_paged_and_found_by_name_or_email(
    app: Flask, therapist: FlaskClient
) -> None:
    names = [f"Person {i:03d} {'Quartz' if i == 317 else 'Stone'}" for i in range(400)]
    add_patients(app, THERAPIST, names)

    first = _rows(therapist)
    assert len(first) == 25
    page = therapist.get("/clinic/patients").get_data(as_text=True)
    assert "400 patients: showing 1\u201325" in page
    assert "Page 1 of 16" in page
    last = _rows(therapist, "?page=16")
    assert len(last) == 400 - 15 * 25
    seen = set()
    for n in range(1, 17):
        seen.update(_rows(therapist, f"?page={n}"))
    assert seen == set(names)  # every patient on exactly one page
    assert _rows(therapist, "?page=99") == last  # past the end: the last page
    assert len(_rows(therapist, "?page=nonsense")) == 25

    assert _rows(therapist, "?q=quartz") == ["Person 317 Quartz"]
    assert _rows(therapist, "?q=patient-042%40example") == ["Person 042 Stone"]
    found = therapist.get("/clinic/patients?q=Stone&page=2").get_data(as_text=True)
    assert "399 patients matching “Stone”: showing 26\u201350" in found
    assert "q=Stone&amp;page=3" in found  # the pager keeps the search
    assert "0 patients matching" in therapist.get("/clinic/patients?q=nobody").get_data(
        as_text=True
    )


def test_400_patients_cost_what_20_do(
    app: Flask, therapist: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order is kept sealed and a page opens only its own rows' summaries: the
    same statements, and the same number of decryptions, for 20 patients and for
    400. (Time is measured by `make bench`, not here: a shared machine's load would
    decide a timed assertion.)"""
    opened: list[int] = []
    real_open = crypto.open_sealed

    def counting_open(key: bytes, blob: bytes, binding: crypto.Binding) -> bytes:
        opened.append(1)  # the real AES-GCM open, counted
        return real_open(key, blob, binding)

    monkeypatch.setattr(crypto, "open_sealed", counting_open)

    def load() -> tuple[list[str], int]:
        opened.clear()
        with counting_statements(app) as statements:
            assert therapist.get("/clinic/patients").status_code == 200
        return statements, len(opened)

    add_patients(app, THERAPIST, [f"Small {i}" for i in range(20)])
    therapist.get("/clinic/patients")  # builds the summaries and the order
    small, small_opens = load()
    add_patients(app, THERAPIST, [f"Big {i}" for i in range(380)], prefix="more")
    therapist.get("/clinic/patients")
    large, large_opens = load()
    assert len(large) == len(small), "\n".join(large)
    # 20 patients fit on one page; 400 show 25 of them: at most 5 more opens, never 380.
    assert large_opens <= small_opens + 5 * 2, (small_opens, large_opens)


def test_flags_first_then_new_items_then_the_next_appointment(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair: Pair = linked_pair(app, other_client, client)
    soon = utcnow() + timedelta(days=1)
    later = utcnow() + timedelta(days=5)
    add_patients(
        app,
        pair.therapist_email,
        ["Later Appointment", "Soon Appointment", "No Appointment"],
        appointments={0: later, 1: soon},
    )
    order = _rows(pair.therapist)
    assert order == ["Soon Appointment", "Later Appointment", pair.patient_email, "No Appointment"]

    share(pair.patient, pair.link, write(pair.patient, "Something new."))
    assert _rows(pair.therapist)[0] == pair.patient_email  # new items come first

    # A flag puts its patient first, in red; the others follow as before.
    pair2_client = client  # the same patient, a flagged result shared
    rid = take(pair2_client, "phq9", phq9_answers(10, item9=1))
    share_record(pair, RESULTS, rid)
    page = pair.therapist.get("/clinic/patients").get_data(as_text=True)
    assert _rows(pair.therapist)[0] == pair.patient_email
    assert '<tr class="patient-row needs-attention">' in page
    assert "1 to acknowledge" in page
