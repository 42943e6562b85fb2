"""Standing categories (with a test-only category over journal entries; the real ones
are tested with their features, e.g. test_care_mood_sharing.py) and ending a link."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.accounts import keys
from journal.care import shareable
from journal.care.sharing import share_info
from journal.core import crypto
from journal.core.extensions import db
from journal.entries import entries
from journal.models.entries import Entry
from journal.models.sharing import CareLink, StandingShare
from journal.models.users import User
from tests.factories import PASSWORD
from tests.pages import csrf_token
from tests.web.care_helpers import (
    Pair,
    access_rows,
    item_url,
    linked_pair,
    share,
    shares,
    text,
    write,
)

TEST_CATEGORY = shareable.Category(
    key="test-notes",
    label="Test notes",
    description="A category used only by the tests: every journal entry.",
    table="entries",
)


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


@pytest.fixture
def test_category() -> Iterator[shareable.Category]:
    shareable.register_category(TEST_CATEGORY)
    yield TEST_CATEGORY
    shareable.unregister_category(TEST_CATEGORY.key)


def _post(client: FlaskClient, url: str) -> int:
    return client.post(url, data={"csrf_token": csrf_token(client, "/care/")}).status_code


def test_the_page_lists_the_registered_categories_or_says_there_are_none(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = text(pair.patient.get(f"/care/therapists/{pair.link}"))
    for name in ("Preparation checklists", "Questionnaire results", "Mood check-ins"):
        assert name in page
    monkeypatch.setattr(shareable, "CATEGORIES", {})
    page = text(pair.patient.get(f"/care/therapists/{pair.link}"))
    assert "There are no categories to share yet." in page


def test_a_standing_category_shares_what_exists_after_a_preview_and_new_records_as_written(
    app: Flask, pair: Pair, test_category: shareable.Category
) -> None:
    old = write(pair.patient, "Written before the category.", title="Old one")
    page = text(pair.patient.get(f"/care/therapists/{pair.link}"))
    assert "Test notes" in page and "Preview and share test notes" in page

    url = f"/care/therapists/{pair.link}/categories/test-notes"
    preview = text(pair.patient.get(url))
    assert "Written before the category." in preview and "Old one" in preview
    assert shares(app) == []

    assert _post(pair.patient, url) == 302
    assert [str(s.record_id) for s in shares(app)] == [old]
    assert shares(app)[0].category == "test-notes"

    new = write(pair.patient, "Written after, shared as it is saved.")
    assert {str(s.record_id) for s in shares(app)} == {old, new}
    assert "Written after, shared as it is saved." in text(pair.therapist.get(item_url(pair, new)))
    assert "All of them, new ones too." in text(pair.patient.get(f"/care/therapists/{pair.link}"))


def test_a_record_shared_by_category_is_sealed_properly(
    app: Flask, pair: Pair, test_category: shareable.Category
) -> None:
    _post(pair.patient, f"/care/therapists/{pair.link}/categories/test-notes")
    entry = write(pair.patient, "Sealed at write time.")
    (row,) = shares(app)
    with app.app_context():
        therapist = db.session.get(User, pair.therapist_id)
        record = db.session.get(Entry, uuid.UUID(entry))
        assert therapist and record
        udk = keys.check_password(therapist, PASSWORD)
        assert udk
        dek = crypto.open_with_private_key(
            keys.private_key(therapist, udk), row.sealed_dek, share_info(row)
        )
        assert entries.open_entry_with_dek(record, dek).body == "Sealed at write time."


def test_stopping_a_category_revokes_its_shares_but_keeps_single_shares(
    app: Flask, pair: Pair, test_category: shareable.Category
) -> None:
    chosen = write(pair.patient, "Shared on purpose.")
    share(pair.patient, pair.link, chosen)
    _post(pair.patient, f"/care/therapists/{pair.link}/categories/test-notes")
    by_category = write(pair.patient, "Shared by the category.")
    assert len(shares(app)) == 2

    assert _post(pair.patient, f"/care/therapists/{pair.link}/categories/test-notes/stop") == 302
    assert [str(s.record_id) for s in shares(app)] == [chosen]
    with app.app_context():
        assert db.session.scalars(select(StandingShare)).all() == []
        assert db.session.get(Entry, uuid.UUID(by_category)).revision == 1  # type: ignore[union-attr]
    assert pair.therapist.get(item_url(pair, by_category)).status_code == 404
    write(pair.patient, "After stopping: private.")
    assert len(shares(app)) == 1


def test_an_unknown_category_is_not_found(pair: Pair, test_category: shareable.Category) -> None:
    assert pair.patient.get(f"/care/therapists/{pair.link}/categories/nope").status_code == 404
    assert _post(pair.patient, f"/care/therapists/{pair.link}/categories/nope") == 404


def test_a_category_cannot_be_shared_through_someone_elses_link(
    app: Flask, pair: Pair, test_category: shareable.Category
) -> None:
    other = linked_pair(
        app, app.test_client(), app.test_client(), "dr.kim@example.com", "bob@example.com"
    )
    write(pair.patient, "Ada's entry.")
    url = f"/care/therapists/{other.link}/categories/test-notes"
    assert pair.patient.get(url).status_code == 404
    assert _post(pair.patient, url) == 404
    assert shares(app) == []


def test_ending_the_link_says_what_will_happen_first(app: Flask, pair: Pair) -> None:
    for n in range(2):
        share(pair.patient, pair.link, write(pair.patient, f"Entry {n}"))
    page = text(pair.patient.get(f"/care/therapists/{pair.link}/end"))
    assert "removes <strong>every share</strong>" in page
    assert "2 shared items" in page
    assert "cannot be taken back" in page
    assert len(shares(app)) == 2  # asking is not ending


def test_ending_the_link_removes_every_share_and_rekeys_each_record(
    app: Flask, pair: Pair, test_category: shareable.Category
) -> None:
    entry = write(pair.patient, "Shared, then the link ends.")
    share(pair.patient, pair.link, entry)
    _post(pair.patient, f"/care/therapists/{pair.link}/categories/test-notes")
    pair.therapist.get(item_url(pair, entry))  # one read, kept in the log

    assert _post(pair.patient, f"/care/therapists/{pair.link}/end") == 302
    assert "Link with dr.lee@example.com ended" in text(pair.patient.get("/care/"))
    assert shares(app) == []
    with app.app_context():
        assert db.session.scalars(select(CareLink)).all() == []
        assert db.session.scalars(select(StandingShare)).all() == []
        assert db.session.get(Entry, uuid.UUID(entry)).revision == 1  # type: ignore[union-attr]

    assert pair.therapist.get(item_url(pair, entry)).status_code == 404
    assert pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief").status_code == 404
    assert "No patients yet" in text(pair.therapist.get("/clinic/patients"))
    # New entries stay private: the standing category went with the link.
    write(pair.patient, "Private again.")
    assert shares(app) == []
    # The patient keeps the history of who read what.
    outcomes = [r.outcome for r in access_rows(app)]
    assert outcomes[0] == "read" and outcomes[-1] == "refused"
    assert "opened a journal entry" in " ".join(text(pair.patient.get("/care/access-log")).split())


def test_a_patient_cannot_end_someone_elses_link(app: Flask, pair: Pair) -> None:
    other = linked_pair(
        app, app.test_client(), app.test_client(), "dr.kim@example.com", "bob@example.com"
    )
    assert pair.patient.get(f"/care/therapists/{other.link}/end").status_code == 404
    assert _post(pair.patient, f"/care/therapists/{other.link}/end") == 404
    with app.app_context():
        assert len(db.session.scalars(select(CareLink)).all()) == 2


def test_therapists_do_not_reach_the_patients_care_pages(app: Flask, pair: Pair) -> None:
    for path in ("/care/", "/care/access-log", f"/care/therapists/{pair.link}", "/care/join"):
        assert pair.therapist.get(path).status_code == 404, path
