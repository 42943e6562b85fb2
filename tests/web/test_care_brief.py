"""The therapist's patients list and the pre-appointment brief: appointments, what
"since the last appointment" means, marking read, the hooks other features fill,
printing, and patient text that stays text. Grouping by dosing session is in
test_care_brief_sessions.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from journal.core.extensions import db
from journal.models.entries import Entry
from journal.models.sharing import CareLink, Share
from journal.models.types import utcnow
from journal.models.users import User
from tests.pages import csrf_token
from tests.web.care_helpers import Pair, item_url, linked_pair, plain, share, text, write
from tests.web.test_at_rest import _every_row_as_text

XSS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "{{ 7*7 }}",
]


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _brief(pair: Pair, all_: bool = False) -> str:
    url = f"/clinic/patients/{pair.patient_id}/brief" + ("?all=1" if all_ else "")
    response = pair.therapist.get(url)
    assert response.status_code == 200
    return text(response)


def _age_share(app: Flask, entry: str, days: int) -> None:
    """Pretend the entry was written and shared `days` ago."""
    then = utcnow() - timedelta(days=days)
    with app.app_context():
        rid = uuid.UUID(entry)
        db.session.execute(update(Entry).where(Entry.id == rid).values(created_at=then))
        db.session.execute(update(Share).where(Share.record_id == rid).values(created_at=then))
        db.session.commit()


def _set_appointment(pair: Pair, value: str) -> Any:
    return pair.therapist.post(
        f"/clinic/patients/{pair.patient_id}/appointment",
        data={
            "next_appointment": value,
            "csrf_token": csrf_token(pair.therapist, f"/clinic/patients/{pair.patient_id}"),
        },
    )


def test_the_patients_list_shows_appointment_unread_flags_and_check_in(
    app: Flask, pair: Pair
) -> None:
    share(pair.patient, pair.link, write(pair.patient, "One."), write(pair.patient, "Two."))
    assert _set_appointment(pair, "2031-05-04T15:30").status_code == 302
    page = plain(pair.therapist.get("/clinic/patients"))
    assert pair.patient_email in page
    assert "Sun 4 May 2031, 15:30" in page  # the therapist's zone is UTC here
    assert "New since last appointment 2 new · 2 unread" in page
    assert "Open safety flags 0" in page
    assert "Last check-in None shared" in page


def test_the_therapist_sets_the_appointment_in_their_own_time_zone(app: Flask, pair: Pair) -> None:
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == pair.therapist_id).values(time_zone="America/New_York")
        )
        db.session.commit()
    _set_appointment(pair, "2031-01-10T09:00")
    with app.app_context():
        link = db.session.get(CareLink, pair.link)
        assert link is not None
        assert link.next_appointment_at == datetime(2031, 1, 10, 14, 0, tzinfo=UTC)
    page = pair.therapist.get(f"/clinic/patients/{pair.patient_id}").get_data(as_text=True)
    assert 'value="2031-01-10T09:00"' in page


def test_a_bad_appointment_is_refused_with_the_typed_value_kept(app: Flask, pair: Pair) -> None:
    response = _set_appointment(pair, "next tuesday")
    assert response.status_code == 422
    assert "Enter a date and time" in text(response)
    assert 'value="next tuesday"' in response.get_data(as_text=True)


def test_clearing_the_appointment(app: Flask, pair: Pair) -> None:
    _set_appointment(pair, "2031-01-10T09:00")
    pair.therapist.post(
        f"/clinic/patients/{pair.patient_id}/appointment",
        data={"clear": "1", "csrf_token": csrf_token(pair.therapist, "/clinic/patients")},
    )
    with app.app_context():
        assert db.session.get(CareLink, pair.link).next_appointment_at is None  # type: ignore[union-attr]


def test_the_brief_covers_what_was_shared_since_the_last_appointment(
    app: Flask, pair: Pair
) -> None:
    old, new = write(pair.patient, "Before the appointment."), write(pair.patient, "After it.")
    share(pair.patient, pair.link, old, new)
    _age_share(app, old, 10)
    with app.app_context():
        db.session.execute(
            update(CareLink).values(next_appointment_at=utcnow() - timedelta(days=3))
        )
        db.session.commit()
    # Both unread: the older one still shows until it is marked read.
    assert "Before the appointment." in _brief(pair)
    pair.therapist.post(
        f"{item_url(pair, old)}/read",
        data={"csrf_token": csrf_token(pair.therapist, "/clinic/patients")},
    )
    page = _brief(pair)
    assert "After it." in page and "Before the appointment." not in page
    assert "Shared since the last appointment" in page
    everything = _brief(pair, all_=True)
    assert "After it." in everything and "Before the appointment." in everything


def test_a_new_appointment_moves_the_past_one_to_last(app: Flask, pair: Pair) -> None:
    past = utcnow() - timedelta(days=2)
    with app.app_context():
        db.session.execute(update(CareLink).values(next_appointment_at=past))
        db.session.commit()
    _set_appointment(pair, "2031-01-10T09:00")
    with app.app_context():
        link = db.session.get(CareLink, pair.link)
        assert link is not None
        assert link.last_appointment_at is not None
        assert abs(link.last_appointment_at - past) < timedelta(seconds=1)


def test_marking_everything_read_clears_the_unread_count(app: Flask, pair: Pair) -> None:
    ids = [write(pair.patient, f"Entry {n}.") for n in range(3)]
    share(pair.patient, pair.link, *ids)
    page = pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief").get_data(as_text=True)
    assert "Mark all 3 as read" in page
    response = pair.therapist.post(
        f"/clinic/patients/{pair.patient_id}/brief/read",
        data={
            "csrf_token": csrf_token(pair.therapist, "/clinic/patients"),
            "record": [f"entries:{i}" for i in ids],
        },
    )
    assert response.status_code == 302
    listing = plain(pair.therapist.get("/clinic/patients"))
    assert "New since last appointment 3 new" in listing
    assert "unread" not in listing


def test_a_brief_section_with_nothing_to_show_is_left_out(pair: Pair) -> None:
    """The sections come from journal/wiring.py; with nothing shared, none renders a
    heading or a made-up placeholder."""
    page = _brief(pair)
    for heading in ("Safety flags", "Mood trend", "Questionnaires", "Checklist for the next"):
        assert heading not in page


@pytest.mark.parametrize("payload", XSS)
def test_patient_text_is_text_in_the_therapists_brief_and_item(
    app: Flask, pair: Pair, payload: str
) -> None:
    entry = write(pair.patient, f"Body {payload}", title=f"Title {payload}"[:190])
    share(pair.patient, pair.link, entry)
    for url in (f"/clinic/patients/{pair.patient_id}/brief", item_url(pair, entry)):
        raw = pair.therapist.get(url).get_data(as_text=True)
        assert payload not in raw or payload == "{{ 7*7 }}", url
        assert "<script>alert" not in raw and "<img src=x" not in raw and "<svg/onload" not in raw
        assert "49" not in raw.split("Body ")[1][:20]  # not evaluated as a template
    preview = pair.patient.get(f"/care/share?record=entries:{entry}").get_data(as_text=True)
    assert "<script>alert" not in preview and "<img src=x" not in preview


def test_the_brief_prints_without_the_app_chrome(app: Flask, pair: Pair) -> None:
    share(pair.patient, pair.link, write(pair.patient, "For print."))
    page = pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief").get_data(as_text=True)
    assert "data-print hidden" in page
    css = app.test_client().get("/static/css/app.css").get_data(as_text=True)
    print_rules = "".join(css.split("@media print")[1:])  # every print block
    for selector in (".alerts", ".no-print", "form"):
        assert selector in print_rules


def test_shares_at_rest_hold_only_sealed_keys(app: Flask, pair: Pair) -> None:
    marker = f"zebra{uuid.uuid4().hex}"
    entry = write(pair.patient, f"Body {marker}", title=f"Title {marker}")
    share(pair.patient, pair.link, entry)
    assert marker in _brief(pair)  # shared and readable
    dump = _every_row_as_text(app)
    assert marker not in dump and marker.encode().hex() not in dump
    with app.app_context():
        row = db.session.scalars(select(Share)).one()
        columns = {c.name for c in Share.__table__.columns}
    assert "sealed_dek" in columns and not any("body" in c or "title" in c for c in columns)
    assert row.sealed_dek[0] == 2 and len(row.sealed_dek) > 32  # HPKE, padded
    assert row.mac is not None and len(row.mac) == 32  # the patient's MAC
