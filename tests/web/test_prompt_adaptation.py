"""A therapist adapts the integration prompt set for one patient: sealed for that
patient (and a copy for the therapist) with HPKE, nothing of it in clear at rest,
refused to anyone else, validated, and scheduled when the patient next marks a session
done; sessions already done keep the prompts they were given."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from journal.accounts import keys
from journal.care import adaptations, prompt_adaptation
from journal.content import load_prompt_set
from journal.core import crypto
from journal.core.extensions import db
from journal.models.adaptations import Adaptation
from journal.models.users import Role, User
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token
from tests.web.care_helpers import Pair, accept, invite, linked_pair, plain
from tests.web.care_prep_helpers import (
    edit_rows,
    new_rows,
    post_adaptation,
    refused_to_another_therapist,
    row_of,
)
from tests.web.integ_helpers import log_done_session, mark_done_session, prompt_url, prompts
from tests.web.prep_helpers import in_hours, session_form
from tests.web.test_at_rest import _every_row_as_text

OWN_PROMPT = f"What did the corridor drawing show you {uuid.uuid4().hex[:8]}?"
OWN_HINT = "Draw it again if words do not come."
REWORDED = "Where in your body do you feel it now?"
REMOVED = "What is one small, concrete step you could take this week?"
MOVED = "What surprised you?"
DEFAULT_BODY = "What do you feel in your body, and where?"


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def url_for_prompts(pair: Pair) -> str:
    return f"/clinic/patients/{pair.patient_id}/adaptations/prompts"


def default_rows() -> MultiDict[str, str]:
    """The form exactly as the page first shows it: the clinic's set and empty rows."""
    return prompt_adaptation.form_as_posted(prompt_adaptation.default_form())


def _adapted_form(own: str = OWN_PROMPT) -> MultiDict[str, str]:
    posted = default_rows()
    posted[row_of(posted, "right-after-body") + "text"] = REWORDED
    del posted[row_of(posted, "day-three-next-step") + "keep"]
    posted[row_of(posted, "day-one-surprised") + "slot"] = "day_3"
    first_new = new_rows(posted)[0]
    posted[first_new + "text"] = own
    posted[first_new + "hint"] = OWN_HINT
    posted[first_new + "slot"] = "day_7"
    return posted


def _adapt(therapist: FlaskClient, url: str, own: str = OWN_PROMPT) -> None:
    response = post_adaptation(therapist, url, _adapted_form(own))
    assert response.status_code == 302, plain(response)[:2000]


def _adaptation(app: Flask) -> Adaptation:
    with app.app_context():
        row = db.session.scalars(select(Adaptation).where(Adaptation.kind == "prompts")).one()
        db.session.expunge(row)
    return row


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Adaptation)) or 0


def _keys(app: Flask, session_id: str) -> dict[str, str]:
    """prompt key → slot of the session's scheduled prompts."""
    return {p.prompt_key: p.slot for p in prompts(app, session_id)}


def _own_key(app: Flask, session_id: str) -> str:
    (own,) = [k for k in _keys(app, session_id) if k.startswith("own-")]
    return own


def _default_keys() -> set[str]:
    return {p.key for p in load_prompt_set().prompts}


def test_the_therapist_starts_from_the_clinics_prompts_and_sees_their_own_set(
    app: Flask, pair: Pair
) -> None:
    page = pair.therapist.get(url_for_prompts(pair))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Starting from the clinic's standard prompts" in plain(page)
    for name in default_rows():  # the page posts exactly the fields the parser reads
        assert f'name="{name}"' in html, name
    assert DEFAULT_BODY in html
    patient_page = plain(pair.therapist.get(f"/clinic/patients/{pair.patient_id}"))
    assert "Integration prompts The clinic's standard prompts." in patient_page
    assert "Adapt the integration prompts" in patient_page

    _adapt(pair.therapist, url_for_prompts(pair))
    again = pair.therapist.get(url_for_prompts(pair))
    body = again.get_data(as_text=True)
    assert "Your adaptation, last saved" in plain(again)
    assert f'value="{REWORDED}"' in body and f'value="{OWN_PROMPT}"' in body
    assert f">{OWN_HINT}</textarea>" in body
    moved = body[body.index(f"When: {MOVED}</label>") :]
    assert '<option value="day_3" selected>' in moved[: moved.index("</select>")]
    # The prompt left out comes back unticked, so one tick restores it.
    keep = body[: body.index(f"Keep \u201c{REMOVED}\u201d")]
    keep = keep[keep.rindex('<label class="line-keep') :]
    assert 'name="row-' in keep and "checked" not in keep
    assert "Integration prompts, last changed" in plain(
        pair.patient.get(f"/care/therapists/{pair.link}")
    )
    assert "Adapted by you, last saved" in plain(
        pair.therapist.get(f"/clinic/patients/{pair.patient_id}")
    )


def test_the_next_session_marked_done_gets_the_adapted_prompts(app: Flask, pair: Pair) -> None:
    _adapt(pair.therapist, url_for_prompts(pair))
    session = mark_done_session(app, pair.patient, hours_ago=2)
    slots = _keys(app, session)
    own = _own_key(app, session)
    assert set(slots) == _default_keys() - {"day-three-next-step"} | {own}
    assert slots["day-one-surprised"] == "day_3" and slots[own] == "day_7"
    due = {p.prompt_key: p.due_at for p in prompts(app, session)}
    # Each prompt is due with the clinic's prompts of its slot.
    assert due["day-one-surprised"] == due["day-three-support"]
    assert due[own] == due["day-seven-support"]

    page = plain(pair.patient.get(f"/sessions/{session}"))
    assert "Adapted Prompts adapted for you by dr.lee@example.com." in page
    assert REWORDED in page and OWN_PROMPT in page
    assert DEFAULT_BODY not in page and REMOVED not in page
    # The reworded prompt is the one the patient writes to.
    writing = plain(pair.patient.get(prompt_url(session, "right-after-body")))
    assert REWORDED in writing

    # A session logged as done straight away gets the same set.
    logged = log_done_session(pair.patient, hours_ago=30, series_position="2")
    assert own in _keys(app, logged)  # the key was made once, when the set was saved
    assert OWN_PROMPT in plain(pair.patient.get(f"/sessions/{logged}"))


def test_sessions_already_done_keep_the_prompts_they_were_given(app: Flask, pair: Pair) -> None:
    before = log_done_session(pair.patient, hours_ago=50)
    _adapt(pair.therapist, url_for_prompts(pair))
    # Moving the done session moves its prompts; it does not swap their set.
    new_start = in_hours(-26)
    data = session_form(
        status="done", date=new_start.date().isoformat(), time=new_start.strftime("%H:%M")
    )
    data["csrf_token"] = csrf_token(pair.patient, f"/sessions/{before}/edit")
    assert pair.patient.post(f"/sessions/{before}", data=data).status_code == 303
    assert set(_keys(app, before)) == _default_keys()
    page = plain(pair.patient.get(f"/sessions/{before}"))
    assert DEFAULT_BODY in page and "adapted for you" not in page

    after = mark_done_session(app, pair.patient, hours_ago=2, series_position="2")
    adapted = _keys(app, after)
    # A new version of the therapist's set changes only what is scheduled afterwards.
    response = post_adaptation(pair.therapist, url_for_prompts(pair), default_rows())
    assert response.status_code == 302
    assert _keys(app, after) == adapted
    assert OWN_PROMPT in plain(pair.patient.get(f"/sessions/{after}"))


def _forge(app: Flask, pair: Pair) -> None:
    """Someone who can write the database but has no pepper seals their own set."""
    row = _adaptation(app)
    with app.app_context():
        patient = db.session.get(User, pair.patient_id)
        assert patient is not None
        forged = crypto.seal_to_public_key(
            patient.public_key,
            b'{"kind":"prompts","data":{"prompts":[{"key":"own-forged","text":"Forged?",'
            b'"hint":null,"slot":"right_after"}]}}',
            adaptations._info(row, patient.id),
        )
        db.session.execute(
            update(Adaptation).where(Adaptation.id == row.id).values(sealed_for_patient=forged)
        )
        db.session.commit()


def _flip_mac(app: Flask, pair: Pair) -> None:
    row = _adaptation(app)
    mac = bytes([row.mac[0] ^ 1]) + row.mac[1:]
    with app.app_context():
        db.session.execute(update(Adaptation).where(Adaptation.id == row.id).values(mac=mac))
        db.session.commit()


@pytest.mark.parametrize("tamper", [_forge, _flip_mac], ids=["forged-blob", "flipped-mac"])
def test_an_adaptation_that_does_not_verify_falls_back_to_the_default_prompts(
    app: Flask, pair: Pair, tamper: object, caplog: pytest.LogCaptureFixture
) -> None:
    _adapt(pair.therapist, url_for_prompts(pair))
    assert callable(tamper)
    tamper(app, pair)
    with app.app_context():
        patient = db.session.get(User, pair.patient_id)
        assert patient is not None
        udk = keys.check_password(patient, PASSWORD)
        assert udk is not None
        with pytest.raises(crypto.IntegrityFailure):
            adaptations.open_for_patient(patient, udk, _adaptation(app))
    session = mark_done_session(app, pair.patient, hours_ago=2)
    assert set(_keys(app, session)) == _default_keys()
    page = plain(pair.patient.get(f"/sessions/{session}"))
    assert DEFAULT_BODY in page and "adapted for you" not in page
    assert "Forged?" not in page and OWN_PROMPT not in page
    assert "failed its integrity check" in caplog.text
    assert OWN_PROMPT not in caplog.text and "Forged" not in caplog.text


def test_another_therapist_and_other_patients_are_refused(app: Flask, pair: Pair) -> None:
    _adapt(pair.therapist, url_for_prompts(pair))
    row = _adaptation(app)
    url = url_for_prompts(pair)
    kim = refused_to_another_therapist(app, url, _adapted_form("Kim's prompt?"))
    assert _adaptation(app).sealed_for_patient == row.sealed_for_patient  # unchanged
    # A therapist the patient is not linked with at all is refused the same way.
    make_user(app, "dr.unlinked@example.com", Role.THERAPIST)
    unlinked = app.test_client()
    login(unlinked, "dr.unlinked@example.com")
    assert unlinked.get(url).status_code == 404
    assert post_adaptation(unlinked, url, _adapted_form()).status_code == 404
    # Patients reach no clinic route, and Bob's sessions get the clinic's prompts.
    assert pair.patient.get(url).status_code == 404
    assert kim.patient.get(url).status_code == 404
    bobs = mark_done_session(app, kim.patient, hours_ago=2)
    assert set(_keys(app, bobs)) == _default_keys()
    assert OWN_PROMPT not in plain(kim.patient.get(f"/sessions/{bobs}"))
    assert _count(app) == 1


def test_withdrawing_or_ending_the_link_goes_back_to_the_clinics_prompts(
    app: Flask, pair: Pair
) -> None:
    _adapt(pair.therapist, url_for_prompts(pair))
    adapted = mark_done_session(app, pair.patient, hours_ago=60)
    response = pair.therapist.post(
        url_for_prompts(pair) + "/withdraw",
        data={"csrf_token": csrf_token(pair.therapist, "/clinic/invite")},
    )
    assert response.status_code == 302
    flashed = plain(pair.therapist.get(f"/clinic/patients/{pair.patient_id}"))
    assert "the clinic's standard prompts" in flashed
    assert _count(app) == 0
    after_withdraw = mark_done_session(app, pair.patient, hours_ago=30, series_position="2")
    assert set(_keys(app, after_withdraw)) == _default_keys()

    _adapt(pair.therapist, url_for_prompts(pair))
    ended = pair.patient.post(
        f"/care/therapists/{pair.link}/end",
        data={"csrf_token": csrf_token(pair.patient, "/care/")},
    )
    assert ended.status_code in (302, 303)
    assert _count(app) == 0
    after_end = mark_done_session(app, pair.patient, hours_ago=2, series_position="3")
    assert set(_keys(app, after_end)) == _default_keys()
    # What the patient was given while linked stays theirs.
    page = plain(pair.patient.get(f"/sessions/{adapted}"))
    assert OWN_PROMPT in page and "Prompts adapted for you by" in page


def test_the_newest_set_of_two_therapists_is_used(app: Flask, pair: Pair) -> None:
    _adapt(pair.therapist, url_for_prompts(pair))
    make_user(app, "dr.two@example.com", Role.THERAPIST)
    two = app.test_client()
    login(two, "dr.two@example.com")
    assert accept(pair.patient, invite(two)).status_code == 302
    _adapt(two, url_for_prompts(pair), own="Dr Two's own question?")
    session = mark_done_session(app, pair.patient, hours_ago=2)
    page = plain(pair.patient.get(f"/sessions/{session}"))
    assert "Dr Two's own question?" in page and OWN_PROMPT not in page
    assert "Prompts adapted for you by dr.two@example.com" in page
    # Each therapist sees only their own.
    assert "Dr Two's own" not in pair.therapist.get(url_for_prompts(pair)).get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"right-after-body:text": ""}, "Write the prompt, or untick “Keep” to remove it."),
        ({"right-after-body:text": "x" * 201}, "The prompt is 201 characters; keep it under 200"),
        ({"right-after-body:hint": "y" * 301}, "The hint is 301 characters; keep it under 300."),
        ({"right-after-body:slot": "day_30"}, "Choose when the prompt comes."),
        ({"right-after-body:key": "Not A Key!"}, "The form was damaged"),
        ({"new:text": "A new one?"}, "Choose when the prompt comes."),
        ({"new:hint": "Only a hint"}, "Write the prompt, or leave the whole row empty."),
        ({"all:keep": None}, "Keep at least one prompt"),
    ],
)
def test_a_bad_set_is_refused_with_everything_typed_kept(
    app: Flask, pair: Pair, change: dict[str, str | None], message: str
) -> None:
    posted = default_rows()
    posted[row_of(posted, "weekly-themes") + "text"] = "Typed and kept?"
    edit_rows(posted, change)
    response: TestResponse = post_adaptation(pair.therapist, url_for_prompts(pair), posted)
    assert response.status_code == 422
    assert message in plain(response)
    body = response.get_data(as_text=True)
    assert "Typed and kept?" in body
    for target, typed in change.items():
        if typed and target.endswith("text"):
            assert f'value="{typed}"' in body, target
        if typed and target.endswith("hint"):
            assert f">{typed}</textarea>" in body, target
    assert _count(app) == 0


@pytest.mark.parametrize(
    "payload",
    ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "<svg/onload=alert(1)>"],
)
def test_a_therapists_prompt_is_text_everywhere_it_shows(
    app: Flask, pair: Pair, payload: str
) -> None:
    own = f"Prompt {payload}"
    _adapt(pair.therapist, url_for_prompts(pair), own=own)
    session = mark_done_session(app, pair.patient, hours_ago=8 * 24)
    own_key = _own_key(app, session)
    for client, url in (
        (pair.therapist, url_for_prompts(pair)),
        (pair.patient, f"/sessions/{session}"),
        (pair.patient, prompt_url(session, own_key)),
    ):
        raw = client.get(url).get_data(as_text=True)
        assert payload not in raw, url
        assert "<script>alert" not in raw and "<img src=x" not in raw and "<svg/onload" not in raw
        assert str(escape(own)) in raw, url


def test_the_set_is_sealed_and_nothing_of_it_is_in_clear_at_rest(app: Flask, pair: Pair) -> None:
    _adapt(pair.therapist, url_for_prompts(pair))
    session = mark_done_session(app, pair.patient, hours_ago=2)
    dump = _every_row_as_text(app)
    for secret in (OWN_PROMPT, OWN_HINT, REWORDED):
        assert secret not in dump and secret.encode().hex() not in dump
    row = _adaptation(app)
    assert (row.therapist_id, row.patient_id) == (pair.therapist_id, pair.patient_id)
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
        assert OWN_PROMPT in {p["text"] for p in mine["prompts"]}
    # The own prompt's key in clear says nothing of its words.
    assert _own_key(app, session).startswith("own-")


def test_an_edited_content_file_leaves_out_what_no_longer_fits() -> None:
    """Opened data is checked again: an unknown slot, a damaged key or an over-long
    text is left out rather than scheduled wrong."""
    data = {
        "prompts": [
            {"key": "own-a1", "text": "Kept?", "hint": None, "slot": "day_3"},
            {"key": "own-a2", "text": "Gone slot?", "hint": None, "slot": "day_30"},
            {"key": "Bad Key", "text": "Bad key?", "hint": None, "slot": "day_3"},
            {"key": "own-a3", "text": "x" * 201, "hint": None, "slot": "day_3"},
            {"key": "own-a1", "text": "Twice?", "hint": None, "slot": "day_3"},
            "not a prompt",
        ]
    }
    content = prompt_adaptation.content_from_data(data)
    assert [p.text for p in content.prompts] == ["Kept?"]
    day_three = next(p for p in load_prompt_set().prompts if p.slot == "day_3")
    assert content.prompts[0].offset_minutes == day_three.offset_minutes
    assert content.prompts[0].window_minutes == day_three.window_minutes
    assert prompt_adaptation.content_from_data({"prompts": "nope"}).prompts == ()
    assert prompt_adaptation.content_from_data(["not", "a", "mapping"]).prompts == ()  # type: ignore[arg-type]
