"""A therapist adapts the preparation checklist for one patient: sealed for that
patient (and a copy for the therapist) with HPKE, nothing of it in clear at rest,
refused to anyone else, validated, and used when the patient next plans a session."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select, update

from journal.accounts import keys
from journal.care import adaptations
from journal.core import crypto
from journal.core.extensions import db
from journal.models.adaptations import Adaptation
from journal.models.kap_sessions import KapSession
from journal.models.users import Role, User
from tests.factories import PASSWORD, last_link, login, make_user
from tests.pages import csrf_token
from tests.web.care_helpers import (
    Pair,
    accept,
    invite,
    link_id,
    linked_pair,
    plain,
)
from tests.web.care_prep_helpers import (
    adaptation_url,
    checklist_id,
    default_rows,
    edit_rows,
    new_rows,
    post_adaptation,
    refused_to_another_therapist,
    row_of,
    share_refs,
)
from tests.web.prep_helpers import (
    in_hours,
    local_fields,
    plan_session,
    post_session,
    session_form,
)
from tests.web.test_at_rest import _every_row_as_text

NEW_PASSWORD = "quartz-lagoon-ember-violet-42"
OWN_ITEM = f"Bring the drawing of the corridor {uuid.uuid4().hex[:8]}"
REWORDED = "Choose three pieces of music without words"


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def _adapted_form(own: str = OWN_ITEM) -> dict[str, object]:
    posted = default_rows()
    music = row_of(posted, "music-ready")
    posted[music + "text"] = REWORDED
    posted[row_of(posted, "slow-breathing") + "timing"] = "just_before:-5"
    del posted[row_of(posted, "fill-in-questionnaires") + "keep"]
    first_new = new_rows(posted)[0]
    posted[first_new + "text"] = own
    posted[first_new + "timing"] = "day_before:-1440"
    posted.setlist(first_new + "routes", ["iv", "im"])
    return posted  # type: ignore[return-value]


def _adapt(pair: Pair, own: str = OWN_ITEM) -> None:
    response = post_adaptation(pair.therapist, adaptation_url(pair), _adapted_form(own))
    assert response.status_code == 302, plain(response)[:2000]


def _adaptation(app: Flask) -> Adaptation:
    with app.app_context():
        row = db.session.scalars(select(Adaptation)).one()
        db.session.expunge(row)
    return row


def _count(app: Flask, model: type[object]) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_the_therapist_starts_from_the_clinics_list_and_sees_their_own_adaptation(
    app: Flask, pair: Pair
) -> None:
    page = pair.therapist.get(adaptation_url(pair))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Starting from the clinic's standard list" in plain(page)
    # The page posts exactly the fields the parser reads.
    for name in default_rows():
        assert f'name="{name}"' in html, name
    assert "Get your music ready" in html

    _adapt(pair)
    again = pair.therapist.get(adaptation_url(pair))
    body = again.get_data(as_text=True)
    assert "Your adaptation, last saved" in plain(again)
    assert f'value="{REWORDED}"' in body and f'value="{OWN_ITEM}"' in body
    assert '<option value="just_before:-5" selected>' in body
    # The item left out comes back unticked, so one tick restores it.
    keep = body[: body.index("Keep \u201cFill in your questionnaires\u201d")]
    keep = keep[keep.rindex('<label class="line-keep') :]
    assert 'name="row-' in keep and "checked" not in keep
    patient_page = plain(pair.therapist.get(f"/clinic/patients/{pair.patient_id}"))
    assert "Adapted by you, last saved" in patient_page


def test_the_adaptation_is_sealed_for_the_patient_and_the_therapist_only(
    app: Flask, pair: Pair
) -> None:
    _adapt(pair)
    dump = _every_row_as_text(app)
    for secret in (OWN_ITEM, REWORDED):
        assert secret not in dump and secret.encode().hex() not in dump
    row = _adaptation(app)
    assert (row.therapist_id, row.patient_id, row.kind) == (
        pair.therapist_id,
        pair.patient_id,
        "checklist",
    )
    with app.app_context():
        patient = db.session.get(User, pair.patient_id)
        therapist = db.session.get(User, pair.therapist_id)
        assert patient and therapist
        patient_udk = keys.check_password(patient, PASSWORD)
        therapist_udk = keys.check_password(therapist, PASSWORD)
        assert patient_udk and therapist_udk
        mine = adaptations.open_for_patient(patient, patient_udk, row)
        theirs = adaptations.open_for_therapist(therapist, therapist_udk, row)
        assert mine == theirs
        assert OWN_ITEM in {i["text"] for i in mine["items"]}
        # Each copy opens only with its own reader's key.
        with pytest.raises(crypto.IntegrityFailure):
            crypto.open_with_private_key(
                keys.private_key(therapist, therapist_udk),
                row.sealed_for_patient,
                adaptations._info(row, therapist.id),
            )


def test_a_blob_sealed_by_someone_without_the_pepper_is_refused(app: Flask, pair: Pair) -> None:
    """HPKE base mode does not say who sealed a blob; the MAC does."""
    _adapt(pair)
    row = _adaptation(app)
    with app.app_context():
        patient = db.session.get(User, pair.patient_id)
        assert patient is not None
        forged = crypto.seal_to_public_key(
            patient.public_key,
            b'{"kind":"checklist","data":{"items":[]}}',
            adaptations._info(row, patient.id),
        )
        db.session.execute(update(Adaptation).values(sealed_for_patient=forged))
        db.session.commit()
        stored = db.session.scalars(select(Adaptation)).one()
        udk = keys.check_password(patient, PASSWORD)
        assert udk is not None
        with pytest.raises(crypto.IntegrityFailure):
            adaptations.open_for_patient(patient, udk, stored)
    response = post_session(pair.patient, **_when(in_hours(48)), checklist_source=str(row.id))
    assert response.status_code == 500
    assert "Bring the drawing" not in plain(response)


def _when(moment: datetime) -> dict[str, str]:
    return local_fields(moment, "UTC")


def test_another_therapist_and_other_patients_are_refused(app: Flask, pair: Pair) -> None:
    _adapt(pair)
    row = _adaptation(app)
    url = adaptation_url(pair)
    kim = refused_to_another_therapist(app, url, _adapted_form("Kim's item"))
    assert _adaptation(app).sealed_for_patient == row.sealed_for_patient  # unchanged

    # Patients reach no clinic route; another patient cannot open the preview.
    assert pair.patient.get(url).status_code == 404
    assert kim.patient.get(f"/sessions/adapted-checklists/{row.id}").status_code == 404
    assert "Bring the drawing" not in plain(kim.patient.get("/sessions/new"))
    preview = pair.patient.get(f"/sessions/adapted-checklists/{row.id}")
    assert preview.status_code == 200 and OWN_ITEM in plain(preview)
    # Another patient posting the id plans nothing with it.
    response = post_session(kim.patient, **_when(in_hours(48)), checklist_source=str(row.id))
    assert response.status_code == 422
    assert "no longer offered to you" in plain(response)
    assert _count(app, KapSession) == 0


def test_the_patients_next_plan_uses_the_adaptation(app: Flask, pair: Pair) -> None:
    _adapt(pair)
    row = _adaptation(app)
    form = pair.patient.get("/sessions/new").get_data(as_text=True)
    assert "The list dr.lee@example.com adapted for you" in form
    assert f'value="{row.id}" checked' in form
    starts = in_hours(48)
    session = plan_session(pair.patient, starts, checklist_source=str(row.id))
    page = plain(pair.patient.get(f"/sessions/{session}"))
    assert "Adapted for you by dr.lee@example.com" in page
    assert OWN_ITEM in page and REWORDED in page
    assert "Fill in your questionnaires" not in page
    # Moved by the therapist to five minutes before (the patient's zone is UTC here).
    five_before = starts - timedelta(minutes=5)
    assert (
        f"Take a few minutes of slow breathing Just before · {five_before:%a %-d %b, %H:%M}" in page
    )
    # A troches session: the own item was for IV and IM only.
    oral = plan_session(
        pair.patient,
        in_hours(120),
        route="oral",
        setting="home",
        series_position="2",
        checklist_source=str(row.id),
    )
    assert OWN_ITEM not in plain(pair.patient.get(f"/sessions/{oral}"))


def test_the_patient_can_choose_the_standard_list(app: Flask, pair: Pair) -> None:
    _adapt(pair)
    session = plan_session(pair.patient, in_hours(48), checklist_source="default")
    page = plain(pair.patient.get(f"/sessions/{session}"))
    assert "Adapted" not in page and OWN_ITEM not in page
    assert "Fill in your questionnaires" in page and "Get your music ready" in page


def test_changing_the_route_makes_the_list_again_from_the_same_adaptation(
    app: Flask, pair: Pair
) -> None:
    _adapt(pair)
    row = _adaptation(app)
    starts = in_hours(48)
    session = plan_session(pair.patient, starts, route="intranasal", checklist_source=str(row.id))
    assert OWN_ITEM not in plain(pair.patient.get(f"/sessions/{session}"))
    data = session_form(route="im", **local_fields(starts, "UTC"))
    data["csrf_token"] = csrf_token(pair.patient, f"/sessions/{session}/edit")
    assert pair.patient.post(f"/sessions/{session}", data=data).status_code == 303
    page = plain(pair.patient.get(f"/sessions/{session}"))
    assert "Adapted for you by dr.lee@example.com" in page and OWN_ITEM in page


def test_withdrawing_or_ending_the_link_stops_offering_it(app: Flask, pair: Pair) -> None:
    _adapt(pair)
    row = _adaptation(app)
    response = pair.therapist.post(
        adaptation_url(pair) + "/withdraw",
        data={"csrf_token": csrf_token(pair.therapist, "/clinic/invite")},
    )
    assert response.status_code == 302
    assert _count(app, Adaptation) == 0
    assert "adapted for you" not in plain(pair.patient.get("/sessions/new"))
    stale = post_session(pair.patient, **_when(in_hours(48)), checklist_source=str(row.id))
    assert stale.status_code == 422 and "Choose again" in plain(stale)

    _adapt(pair)
    pair.patient.post(
        f"/care/therapists/{pair.link}/end",
        data={"csrf_token": csrf_token(pair.patient, "/care/")},
    )
    assert _count(app, Adaptation) == 0


def test_two_therapists_each_offer_their_own_list(app: Flask, pair: Pair) -> None:
    _adapt(pair)
    make_user(app, "dr.two@example.com", Role.THERAPIST)
    two = app.test_client()
    login(two, "dr.two@example.com")
    accept(pair.patient, invite(two))
    assert link_id(app, "dr.two@example.com", pair.patient_email)
    posted = default_rows()
    posted[new_rows(posted)[0] + "text"] = "Dr Two's own item"
    posted[new_rows(posted)[0] + "timing"] = "just_before:-60"
    assert post_adaptation(two, adaptation_url(pair), posted).status_code == 302
    form = plain(pair.patient.get("/sessions/new"))
    assert "The list dr.lee@example.com adapted for you" in form
    assert "The list dr.two@example.com adapted for you" in form
    # Each therapist sees only their own.
    assert "Dr Two's own item" not in pair.therapist.get(adaptation_url(pair)).get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"music-ready:text": ""}, "Write the item, or untick “Keep” to remove it."),
        ({"music-ready:text": "x" * 201}, "keep it under 200"),
        ({"music-ready:detail": "y" * 601}, "keep them under 600"),
        ({"music-ready:timing": "day_before:-999"}, "Choose when the item is due."),
        ({"music-ready:key": "Not A Key!"}, "The form was damaged"),
        ({"music-ready:audience": "sitter"}, "The form was damaged"),
        ({"new:text": "A new one"}, "Choose when the item is due."),
        (
            {"new:text": "A new one", "new:timing": "after:0", "new:routes": None},
            "Choose at least one way",
        ),
        ({"new:detail": "Only details"}, "Write the item, or leave the whole row empty."),
        ({"all:keep": None}, "Keep at least one item"),
    ],
)
def test_a_bad_adaptation_is_refused_with_everything_typed_kept(
    app: Flask, pair: Pair, change: dict[str, str | None], message: str
) -> None:
    posted = default_rows()
    posted[row_of(posted, "keep-the-day-free") + "text"] = "Typed and kept"
    edit_rows(posted, change)
    response = post_adaptation(pair.therapist, adaptation_url(pair), posted)
    assert response.status_code == 422
    page = plain(response)
    assert message in page
    assert "Typed and kept" in response.get_data(as_text=True)
    assert _count(app, Adaptation) == 0


@pytest.mark.parametrize(
    "payload",
    ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "<svg/onload=alert(1)>"],
)
def test_adapted_items_are_text_everywhere_they_show(app: Flask, pair: Pair, payload: str) -> None:
    _adapt(pair, own=f"Item {payload}")
    row = _adaptation(app)
    session = plan_session(pair.patient, in_hours(48), checklist_source=str(row.id))
    share_refs(pair.patient, pair.link, f"checklists:{checklist_id(app, session)}")
    for client, url in (
        (pair.therapist, adaptation_url(pair)),
        (pair.patient, f"/sessions/{session}"),
        (pair.patient, f"/sessions/adapted-checklists/{row.id}"),
        (pair.therapist, f"/clinic/patients/{pair.patient_id}/brief"),
    ):
        raw = client.get(url).get_data(as_text=True)
        assert payload not in raw, url
        assert "<script>alert" not in raw and "<img src=x" not in raw and "<svg/onload" not in raw
        assert str(escape(f"Item {payload}")) in raw, url


def test_starting_over_drops_sessions_and_adaptations_sealed_to_the_old_keys(
    app: Flask, pair: Pair, outbox: Path
) -> None:
    _adapt(pair)
    plan_session(pair.patient, in_hours(48))
    fresh = app.test_client()
    fresh.post(
        "/start-over",
        data={"email": pair.patient_email, "csrf_token": csrf_token(fresh, "/start-over")},
    )
    link = last_link(outbox, pair.patient_email)
    done = fresh.post(
        link,
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "understood": "yes",
            "csrf_token": csrf_token(fresh, link),
        },
    )
    assert done.status_code == 200
    assert _count(app, Adaptation) == 0
    # The new account's pages open: nothing sealed to the old keys is left behind.
    assert fresh.get("/sessions/new").status_code == 200
    assert fresh.get("/sessions/").status_code == 200


def test_rows_are_saved_in_the_order_the_therapist_moved_them_to(app: Flask, pair: Pair) -> None:
    """The page's move buttons only change each row's hidden position; the server
    keeps the rows in that order, and names an error by the row's new place."""
    posted = default_rows()
    count = int(posted["rows"])
    first, music = row_of(posted, "no-alcohol-or-drugs"), row_of(posted, "music-ready")
    for n in range(count):
        posted[f"row-{n}-position"] = str(n + 1)
    posted[music + "position"] = "0"  # "Get your music ready" moved to the top
    response = post_adaptation(pair.therapist, adaptation_url(pair), posted)
    assert response.status_code == 302, response.status_code
    body = pair.therapist.get(adaptation_url(pair)).get_data(as_text=True)
    assert body.index('value="Get your music ready"') < body.index(
        'value="From now: no alcohol, cannabis or other drugs"'
    )
    assert first != music

    posted[music + "text"] = ""  # now wrong, and first on the page
    response = post_adaptation(pair.therapist, adaptation_url(pair), posted)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-row-0-text"' in html and 'aria-describedby="f-row-0-text-error"' in html
