"""Every therapist route, enumerated from the clinic blueprint: refused (404, and a
failed access in the log) for another therapist's patient and for a record the
patient did not share; and out of reach for patients altogether."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from journal.care import adaptations
from journal.models.users import Role
from tests.factories import login, make_user
from tests.pages import csrf_token
from tests.web.care_helpers import Pair, access_rows, linked_pair, share, text, write
from tests.web.helpers import HTMX

SECRET = "Bob's words for Dr Kim only."
UNSHARED = "Ada kept this one to herself."

# Routes that name no patient: they act only on the therapist's own things.
OWN_ONLY = {"clinic.patients", "clinic.invite", "clinic.profile", "clinic.withdraw"}


def clinic_rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint.startswith("clinic.")),
        key=lambda r: r.rule,
    )


def test_every_clinic_route_is_classified(app: Flask) -> None:
    """A new therapist route must name a patient (and be covered below) or be own-only."""
    for rule in clinic_rules(app):
        assert "patient_id" in rule.arguments or rule.endpoint in OWN_ONLY, rule.rule
    patient_routes = {r.endpoint for r in clinic_rules(app) if "patient_id" in r.arguments}
    assert len(patient_routes) >= 8
    assert {"clinic.adaptation", "clinic.withdraw_adaptation"} <= patient_routes
    # The adaptation routes take a kind; each kind is refused below.
    assert set(adaptations.KINDS) == {"checklist", "prompts"}
    # Acknowledging a safety flag names a record: both refusal tests below cover it.
    record_endpoints = {r.endpoint for r in clinic_rules(app) if "record_id" in r.arguments}
    assert "clinic.acknowledge_flag" in record_endpoints


@pytest.fixture
def world(app: Flask, client: FlaskClient, other_client: FlaskClient) -> dict[str, object]:
    """Dr Lee with patient Ada (one unshared entry, one shared); Dr Kim with patient
    Bob, who shared an entry with Kim."""
    lee = linked_pair(app, other_client, client)
    kim = linked_pair(
        app, app.test_client(), app.test_client(), "dr.kim@example.com", "bob@example.com"
    )
    bobs = write(kim.patient, SECRET, title="Bob's title")
    share(kim.patient, kim.link, bobs)
    adas_unshared = write(lee.patient, UNSHARED, title="Ada's private title")
    adas_shared = write(lee.patient, "Shared with Lee.")
    share(lee.patient, lee.link, adas_shared)
    return {"lee": lee, "kim": kim, "bobs": bobs, "adas_unshared": adas_unshared}


def _request(client: FlaskClient, rule: Rule, values: dict[str, str], record: str) -> object:
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<{name}>", values[name])
    method = "POST" if "POST" in (rule.methods or set()) else "GET"
    if method == "GET":
        return client.get(path), path
    data = {
        "csrf_token": csrf_token(client, "/settings/"),
        "record": f"entries:{record}",
        "next_appointment": "2030-01-01T10:00",
        "display_name": "x",
    }
    return client.post(path, data=data), path


def _assert_refused(app: Flask, client: FlaskClient, rule: Rule, values: dict[str, str]) -> None:
    before = len(access_rows(app))
    response, path = _request(client, rule, values, values["record_id"])  # type: ignore[misc]
    body = text(response)
    assert response.status_code == 404, (path, response.status_code)
    assert "Not found" in body
    for secret in (SECRET, UNSHARED, "Bob's title", "Ada's private title", "bob@example.com"):
        assert secret not in body, (path, secret)
    rows = access_rows(app)
    assert len(rows) == before + 1, path
    assert rows[-1].outcome == "refused"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_every_patient_route_refuses_another_therapists_patient(
    app: Flask, world: dict[str, object], headers: dict[str, str]
) -> None:
    lee, kim = world["lee"], world["kim"]
    assert isinstance(lee, Pair) and isinstance(kim, Pair)
    lee.therapist.environ_base.update(
        {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    )
    values = {
        "patient_id": str(kim.patient_id),
        "table": "entries",
        "record_id": str(world["bobs"]),
        "kind": "checklist",
    }
    for rule in clinic_rules(app):
        if "patient_id" in rule.arguments:
            _assert_refused(app, lee.therapist, rule, values)
            for kind in set(adaptations.KINDS) - {"checklist"}:
                if "kind" in rule.arguments:
                    _assert_refused(app, lee.therapist, rule, {**values, "kind": kind})
    assert all(r.therapist_id == lee.therapist_id for r in access_rows(app))
    # Bob sees the attempts on his data.
    assert "tried to open" in text(kim.patient.get("/care/access-log"))


def test_every_record_route_refuses_a_record_that_was_not_shared(
    app: Flask, world: dict[str, object]
) -> None:
    lee = world["lee"]
    assert isinstance(lee, Pair)
    values = {
        "patient_id": str(lee.patient_id),
        "table": "entries",
        "record_id": str(world["adas_unshared"]),
    }
    record_rules = [r for r in clinic_rules(app) if "record_id" in r.arguments]
    record_rules.append(next(r for r in clinic_rules(app) if r.endpoint == "clinic.mark_all_read"))
    assert len(record_rules) >= 3
    for rule in record_rules:
        _assert_refused(app, lee.therapist, rule, values)
    refused = [r for r in access_rows(app) if r.outcome == "refused"]
    assert {str(r.record_id) for r in refused} == {str(world["adas_unshared"])}
    assert {r.patient_id for r in refused} == {lee.patient_id}


@pytest.mark.parametrize(
    ("table", "record_id"),
    [("entries", "not-a-uuid"), ("users", None), ("drafts", None), ("entries", None)],
)
def test_malformed_or_unknown_records_are_refused_and_logged(
    app: Flask, world: dict[str, object], table: str, record_id: str | None
) -> None:
    lee = world["lee"]
    assert isinstance(lee, Pair)
    rid = record_id or str(uuid.uuid4())
    response = lee.therapist.get(f"/clinic/patients/{lee.patient_id}/records/{table}/{rid}")
    assert response.status_code == 404
    assert access_rows(app)[-1].outcome == "refused"


def test_a_patient_id_that_is_no_one_is_refused_and_logged(
    app: Flask, world: dict[str, object]
) -> None:
    lee = world["lee"]
    assert isinstance(lee, Pair)
    for path in (f"/clinic/patients/{uuid.uuid4()}", "/clinic/patients/not-an-id/brief"):
        assert lee.therapist.get(path).status_code == 404
        row = access_rows(app)[-1]
        assert (row.outcome, row.patient_id) == ("refused", None)


def test_patients_reach_no_clinic_route(app: Flask, world: dict[str, object]) -> None:
    lee = world["lee"]
    assert isinstance(lee, Pair)
    values = {
        "patient_id": str(lee.patient_id),
        "table": "entries",
        "record_id": str(world["adas_unshared"]),
        "invitation_id": str(uuid.uuid4()),
        "kind": "checklist",
    }
    for rule in clinic_rules(app):
        for kind in adaptations.KINDS if "kind" in rule.arguments else ["checklist"]:
            response, path = _request(  # type: ignore[misc]
                lee.patient, rule, {**values, "kind": kind}, values["record_id"]
            )
            assert response.status_code == 404, path


def test_the_therapist_still_reads_what_was_shared(app: Flask, world: dict[str, object]) -> None:
    """The refusals above are not a blanket 404: the shared entry opens."""
    lee = world["lee"]
    assert isinstance(lee, Pair)
    brief = text(lee.therapist.get(f"/clinic/patients/{lee.patient_id}/brief"))
    assert "Shared with Lee." in brief
    assert UNSHARED not in brief and SECRET not in brief


def test_a_second_therapist_of_the_same_patient_sees_only_their_own_shares(
    app: Flask, world: dict[str, object]
) -> None:
    lee = world["lee"]
    assert isinstance(lee, Pair)
    make_user(app, "dr.two@example.com", Role.THERAPIST)
    two = app.test_client()
    login(two, "dr.two@example.com")
    from tests.web.care_helpers import accept, invite

    accept(lee.patient, invite(two))
    brief = text(two.get(f"/clinic/patients/{lee.patient_id}/brief"))
    assert "Nothing" in brief and "Shared with Lee." not in brief
