"""Lengths reveal nothing listed as encrypted: every sealed payload is padded to a
size bucket, so a PHQ-9 result cannot be told from a GAD-7 one, nor a session's
route and setting from another's, by the length of what the database holds."""

from __future__ import annotations

import uuid
from itertools import product

from flask import Flask
from flask.testing import FlaskClient

from journal import content
from journal.content import ROUTES, SETTINGS
from journal.core import crypto
from journal.core.crypto import Binding
from journal.core.extensions import db
from journal.models.kap_sessions import KapSession
from journal.models.measures import MeasureResult
from tests.factories import login, make_user
from tests.web.mood_helpers import finish_at_once, phq9
from tests.web.prep_helpers import in_hours, plan_session


def _lengths(app: Flask, model: type, ids: list[str]) -> set[int]:
    with app.app_context():
        return {
            len(db.session.get(model, uuid.UUID(i)).payload_sealed)  # type: ignore[union-attr]
            for i in ids
        }


def _result_id(response: object) -> str:
    location: str = response.headers["Location"]  # type: ignore[attr-defined]
    return location.rstrip("/").rsplit("/", 1)[1]


def test_questionnaire_results_of_every_kind_seal_to_one_length(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    answers = {
        "phq9": [phq9(item9=0, others=0), phq9(item9=3, others=3), phq9(item9=1, others=2)],
        "gad7": [{n: v for n in range(1, 8)} for v in (0, 3)],
    }
    ids = [
        _result_id(finish_at_once(client, instrument, given))
        for instrument, variants in answers.items()
        for given in variants
    ]
    assert len(_lengths(app, MeasureResult, ids)) == 1


def test_sessions_of_every_route_and_setting_seal_to_one_length(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "ada@example.com")
    login(client, "ada@example.com")
    ids = [
        plan_session(client, in_hours(24 * (n + 1)), route=route, setting=setting)
        for n, (route, setting) in enumerate(product(ROUTES, SETTINGS))
        if setting in content.route(route).settings  # only what the label allows
    ]
    assert len(ids) > len(ROUTES)  # every route, and a route with two settings
    assert len(_lengths(app, KapSession, ids)) == 1


def test_every_plaintext_length_within_a_bucket_seals_to_the_same_length() -> None:
    where = Binding("field", "t", "1", "2", "payload")
    key = crypto.new_key()
    sizes = {len(crypto.seal(key, b"x" * n, where)) for n in range(0, 250)}
    assert len(sizes) == 1
    assert crypto.open_sealed(key, crypto.seal(key, b"x" * 249, where), where) == b"x" * 249


def test_blobs_sealed_before_padding_still_open() -> None:
    where = Binding("field", "t", "1", "2", "payload")
    key = crypto.new_key()
    old = crypto.seal(key, b"from before padding", where, padded=False)
    assert old[0] == 1 and crypto.open_sealed(key, old, where) == b"from before padding"
    _private, public = crypto.new_keypair()
    new_box = crypto.seal_to_public_key(public, b"a", b"info")
    assert len(new_box) == len(crypto.seal_to_public_key(public, b"a" * 200, b"info"))
