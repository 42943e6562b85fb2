"""Care-team steps around preparation: intentions and sessions to share, and a
therapist's adapted checklist, posted the way the pages post them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from journal.care import checklist_adaptation
from journal.core.extensions import db
from journal.models.checklists import Checklist
from journal.models.intentions import Intention
from tests.pages import csrf_token
from tests.web.care_helpers import Pair, access_rows, linked_pair


def write_intention(client: FlaskClient, session_id: str, text: str) -> TestResponse:
    url = f"/sessions/{session_id}/intention"
    return client.post(url, data={"text": text, "csrf_token": csrf_token(client, url)})


def intention_id(app: Flask, session_id: str) -> str:
    with app.app_context():
        found = db.session.scalar(
            select(Intention.id).where(Intention.kap_session_id == uuid.UUID(session_id))
        )
    assert found is not None, "no intention"
    return str(found)


def checklist_id(app: Flask, session_id: str) -> str:
    with app.app_context():
        found = db.session.scalar(
            select(Checklist.id).where(Checklist.kap_session_id == uuid.UUID(session_id))
        )
    assert found is not None, "no checklist"
    return str(found)


def share_refs(patient: FlaskClient, link: uuid.UUID, *refs: str) -> TestResponse:
    """Share records named "table:id" after the preview, as the share page posts."""
    data: dict[str, object] = {
        "csrf_token": csrf_token(patient, "/care/"),
        "link": str(link),
        "record": list(refs),
    }
    return patient.post("/care/share", data=data)


def adaptation_url(pair: Pair) -> str:
    return f"/clinic/patients/{pair.patient_id}/adaptations/checklist"


def default_rows() -> MultiDict[str, str]:
    """The adaptation form exactly as the page first shows it (the clinic's list and
    three empty rows for new items)."""
    return checklist_adaptation.form_as_posted(checklist_adaptation.default_form())


def row_of(posted: MultiDict[str, str], key: str) -> str:
    """The "row-N-" prefix of the row that holds item `key`."""
    for name, value in posted.items(multi=True):
        if name.endswith("-key") and value == key:
            return name.removesuffix("key")
    raise AssertionError(f"no row for {key}")


def new_rows(posted: MultiDict[str, str]) -> list[str]:
    return [
        name.removesuffix("new") for name, v in posted.items(multi=True) if name.endswith("-new")
    ]


def edit_rows(posted: MultiDict[str, str], change: Mapping[str, str | None]) -> None:
    """Apply a test's edits to a posted adaptation form: "<key>:<field>" edits a
    clinic row, "new:<field>" the first empty row, "all:keep" unticks every row; a
    None value removes the field."""
    for target, value in change.items():
        where, _, field = target.partition(":")
        if where == "all":
            for name in [n for n in posted if n.endswith("-keep")]:
                del posted[name]
            continue
        prefix = new_rows(posted)[0] if where == "new" else row_of(posted, where)
        if value is None:
            del posted[prefix + field]
        else:
            posted[prefix + field] = value


def post_adaptation(
    therapist: FlaskClient, url: str, posted: MultiDict[str, str] | Mapping[str, str]
) -> TestResponse:
    data = MultiDict(posted)
    data["csrf_token"] = csrf_token(therapist, "/clinic/invite")
    return therapist.post(url, data=data)


def refused_to_another_therapist(
    app: Flask, url: str, posted: MultiDict[str, str] | Mapping[str, str]
) -> Pair:
    """Dr Kim, linked with another patient, gets 404 for this adaptation's page, its
    save and its withdraw, each logged as refused; returns Kim's pair."""
    kim = linked_pair(
        app, app.test_client(), app.test_client(), "dr.kim@example.com", "bob@example.com"
    )
    before = len(access_rows(app))
    assert kim.therapist.get(url).status_code == 404
    assert post_adaptation(kim.therapist, url, posted).status_code == 404
    withdraw = kim.therapist.post(
        url + "/withdraw", data={"csrf_token": csrf_token(kim.therapist, "/clinic/invite")}
    )
    assert withdraw.status_code == 404
    refused = access_rows(app)[before:]
    assert [(r.outcome, r.therapist_id) for r in refused] == [("refused", kim.therapist_id)] * 3
    return kim
