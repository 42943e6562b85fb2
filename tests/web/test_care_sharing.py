"""Sharing journal entries: preview, share, the therapist's read, "read by", revoke.

Revocation is checked with the real crypto: the key the therapist held before opens
nothing of the new revision.
"""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.accounts import keys
from journal.care.access import RecordNotFound
from journal.care.sharing import share_info
from journal.core import crypto, records
from journal.core.extensions import db
from journal.entries import entries
from journal.models.entries import Entry
from journal.models.users import Role, User
from tests.factories import PASSWORD, login, make_user
from tests.pages import csrf_token
from tests.web.care_helpers import (
    Pair,
    accept,
    access_rows,
    invite,
    item_url,
    linked_pair,
    share,
    shares,
    text,
    write,
)

SECRET = "The corridor of doors again, but calmer."


@pytest.fixture
def pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    return linked_pair(app, other_client, client)


def test_the_preview_shows_exactly_what_the_therapist_will_see(app: Flask, pair: Pair) -> None:
    entry = write(pair.patient, SECRET, title="Session three")
    preview = pair.patient.get(f"/care/share?record=entries:{entry}")
    assert preview.status_code == 200
    page = text(preview)
    assert "What they will see" in page
    assert "Session three" in page and SECRET in page
    assert "cannot be taken back" in page
    assert shares(app) == []  # a preview shares nothing

    done = share(pair.patient, pair.link, entry)
    assert done.status_code == 302
    assert len(shares(app)) == 1

    item = text(pair.therapist.get(item_url(pair, entry)))
    assert "Session three" in item and SECRET in item


def test_sharing_with_no_choice_of_therapist_asks_again(app: Flask, pair: Pair) -> None:
    entry = write(pair.patient, SECRET)
    response = pair.patient.post(
        "/care/share",
        data={"csrf_token": csrf_token(pair.patient, "/care/"), "record": f"entries:{entry}"},
    )
    assert response.status_code == 422
    assert "Choose who to share with" in text(response)
    assert SECRET in text(response)  # the preview is still there
    assert shares(app) == []


def test_a_share_holds_the_key_sealed_to_the_therapist_and_nothing_else(
    app: Flask, pair: Pair
) -> None:
    entry = write(pair.patient, SECRET)
    share(pair.patient, pair.link, entry)
    (row,) = shares(app)
    with app.app_context():
        patient = db.session.get(User, pair.patient_id)
        therapist = db.session.get(User, pair.therapist_id)
        record = db.session.get(Entry, uuid.UUID(entry))
        assert patient and therapist and record
        patient_udk = keys.check_password(patient, PASSWORD)
        therapist_udk = keys.check_password(therapist, PASSWORD)
        assert patient_udk and therapist_udk
        dek = records.record_dek(patient_udk, "entries", record)
        assert dek not in row.sealed_dek
        # HPKE info binds the share to its id, record, patient and therapist.
        private = keys.private_key(therapist, therapist_udk)
        assert crypto.open_with_private_key(private, row.sealed_dek, share_info(row)) == dek
        moved = crypto.hpke_info(row.id, uuid.uuid4(), row.patient_id, row.therapist_id)
        with pytest.raises(crypto.IntegrityFailure):
            crypto.open_with_private_key(private, row.sealed_dek, moved)


def test_sharing_the_same_entry_twice_changes_nothing(app: Flask, pair: Pair) -> None:
    entry = write(pair.patient, SECRET)
    share(pair.patient, pair.link, entry)
    (first,) = shares(app)
    again = share(pair.patient, pair.link, entry, entry)
    assert again.status_code == 302
    assert "Already shared" in text(pair.patient.get("/care/"))
    (second,) = shares(app)
    assert (second.id, second.sealed_dek) == (first.id, first.sealed_dek)


def test_several_entries_are_shared_at_once_from_the_journal_list(app: Flask, pair: Pair) -> None:
    ids = [write(pair.patient, f"Entry {n}", title=f"Title {n}") for n in range(3)]
    journal = text(pair.patient.get("/journal/"))
    assert 'form="share-selected"' in pair.patient.get("/journal/").get_data(as_text=True)
    assert "Share selected" in journal
    query = "&".join(f"record=entries:{i}" for i in ids[:2])
    preview = text(pair.patient.get(f"/care/share?{query}&next=/journal/"))
    assert "Share 2 items" in preview
    assert "Title 0" in preview and "Title 1" in preview and "Title 2" not in preview
    response = share(pair.patient, pair.link, *ids[:2], next_url="/journal/")
    assert response.headers["Location"] == "/journal/"
    assert {str(s.record_id) for s in shares(app)} == set(ids[:2])
    # Each shared card carries the mark; the third does not.
    listing = text(pair.patient.get("/journal/"))
    assert listing.count("Shared</span> with dr.lee@example.com") == 2


def test_the_journal_offers_no_sharing_to_a_patient_without_a_therapist(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "solo@example.com")
    login(client, "solo@example.com")
    write(client, SECRET)
    page = client.get("/journal/").get_data(as_text=True)
    assert "share-selected" not in page
    assert "Share…" not in page


def test_a_patient_cannot_share_with_a_therapist_they_are_not_linked_with(
    app: Flask, pair: Pair
) -> None:
    entry = write(pair.patient, SECRET)
    # Another patient's link id, and an id that does not exist.
    other = linked_pair(
        app, app.test_client(), app.test_client(), "dr.kim@example.com", "bob@example.com"
    )
    for link in (other.link, uuid.uuid4()):
        assert share(pair.patient, link, entry).status_code == 404
    assert shares(app) == []


def test_a_patient_cannot_share_someone_elses_entry(app: Flask, pair: Pair) -> None:
    other = linked_pair(
        app, app.test_client(), app.test_client(), "dr.kim@example.com", "bob@example.com"
    )
    bobs = write(other.patient, "Bob's own words.")
    assert pair.patient.get(f"/care/share?record=entries:{bobs}").status_code == 404
    assert share(pair.patient, pair.link, bobs).status_code == 404
    assert shares(app) == []


@pytest.mark.parametrize("ref", ["drafts:x", f"users:{uuid.uuid4()}", "entries:not-a-uuid"])
def test_an_unknown_record_type_or_id_is_not_found(pair: Pair, ref: str) -> None:
    assert pair.patient.get(f"/care/share?record={ref}").status_code == 404


def test_every_read_is_logged_and_the_patient_sees_read_by(app: Flask, pair: Pair) -> None:
    entry = write(pair.patient, SECRET, title="Session three")
    share(pair.patient, pair.link, entry)
    assert "not read yet" in text(pair.patient.get(f"/journal/{entry}"))
    assert access_rows(app) == []

    # Listed in the brief is not "read": the therapist opens it or marks it.
    pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief")
    assert "not read yet" in text(pair.patient.get(f"/journal/{entry}"))
    pair.therapist.get(item_url(pair, entry))
    pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief")
    rows = access_rows(app)
    assert [(r.outcome, r.via) for r in rows] == [
        ("read", "brief"),
        ("read", "item"),
        ("read", "brief"),
    ]
    assert all(r.therapist_id == pair.therapist_id for r in rows)
    assert all(r.patient_id == pair.patient_id for r in rows)
    assert [str(r.record_id) for r in rows] == ["None", entry, "None"]
    assert [r.item_count for r in rows] == [1, None, 1]

    card = text(pair.patient.get(f"/journal/{entry}"))
    assert "read by dr.lee@example.com on" in card
    # The therapist's side says the same: no longer unread.
    assert "Unread" not in text(pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief"))
    log = text(pair.patient.get("/care/access-log"))
    assert log.count("dr.lee@example.com") == 4
    assert log.count("opened your pre-appointment brief: 1 item.") == 3
    assert "opened a journal entry" in log
    assert SECRET not in log and "Session three" not in log


def test_the_patient_page_for_a_therapist_lists_shared_items_without_opening_them(
    app: Flask, pair: Pair
) -> None:
    entry = write(pair.patient, SECRET, title="Session three")
    share(pair.patient, pair.link, entry)
    page = text(pair.therapist.get(f"/clinic/patients/{pair.patient_id}"))
    assert "Journal entry shared" in page and "Unread" in page
    assert SECRET not in page and "Session three" not in page
    assert access_rows(app) == []  # nothing was decrypted


def _keys_for(app: Flask, email: str) -> tuple[User, bytes]:
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    udk = keys.check_password(user, PASSWORD)
    assert udk is not None
    return user, udk


def test_revoking_a_share_leaves_the_old_key_useless(app: Flask, pair: Pair) -> None:
    entry = write(pair.patient, SECRET, title="Session three")
    share(pair.patient, pair.link, entry)
    (old_share,) = shares(app)
    with app.app_context():
        therapist, therapist_udk = _keys_for(app, pair.therapist_email)
        private = keys.private_key(therapist, therapist_udk)
        old_dek = crypto.open_with_private_key(private, old_share.sealed_dek, share_info(old_share))
        before = db.session.get(Entry, uuid.UUID(entry))
        assert before is not None
        assert entries.open_entry_with_dek(before, old_dek).body == SECRET
        old_revision = before.revision

    revoked = pair.patient.post(
        f"/care/shares/{old_share.id}/revoke",
        data={"csrf_token": csrf_token(pair.patient, "/care/")},
    )
    assert revoked.status_code == 302
    assert "cannot be taken back" in text(pair.patient.get("/care/"))
    assert shares(app) == []

    with app.app_context():
        after = db.session.get(Entry, uuid.UUID(entry))
        assert after is not None
        assert after.revision == old_revision + 1
        # The therapist's old key material opens nothing of the new revision.
        with pytest.raises(crypto.IntegrityFailure):
            entries.open_entry_with_dek(after, old_dek)
        # The patient still reads it, unchanged.
        _, patient_udk = _keys_for(app, pair.patient_email)
        assert entries.read_entry(after, patient_udk).body == SECRET

    assert pair.therapist.get(item_url(pair, entry)).status_code == 404
    assert SECRET not in text(pair.therapist.get(f"/clinic/patients/{pair.patient_id}/brief"))
    assert access_rows(app)[-1].outcome == "refused"


def test_revoking_one_therapist_reseals_for_the_one_who_keeps_it(app: Flask, pair: Pair) -> None:
    make_user(app, "dr.two@example.com", Role.THERAPIST)
    two = app.test_client()
    login(two, "dr.two@example.com")
    accept(pair.patient, invite(two))
    from tests.web.care_helpers import link_id

    second_link = link_id(app, "dr.two@example.com", pair.patient_email)
    entry = write(pair.patient, SECRET)
    share(pair.patient, pair.link, entry)
    share(pair.patient, second_link, entry)
    first = next(s for s in shares(app) if s.therapist_id == pair.therapist_id)
    kept_before = next(s for s in shares(app) if s.therapist_id != pair.therapist_id)

    pair.patient.post(
        f"/care/shares/{first.id}/revoke", data={"csrf_token": csrf_token(pair.patient, "/care/")}
    )
    (kept,) = shares(app)
    assert kept.id == kept_before.id
    assert kept.sealed_dek != kept_before.sealed_dek
    assert kept.record_revision == kept_before.record_revision + 1
    url = f"/clinic/patients/{pair.patient_id}/records/entries/{entry}"
    assert SECRET in text(two.get(url))
    assert pair.therapist.get(url).status_code == 404


def test_a_patient_cannot_revoke_someone_elses_share(app: Flask, pair: Pair) -> None:
    entry = write(pair.patient, SECRET)
    share(pair.patient, pair.link, entry)
    (row,) = shares(app)
    make_user(app, "bob@example.com")
    bob = app.test_client()
    login(bob, "bob@example.com")
    response = bob.post(
        f"/care/shares/{row.id}/revoke", data={"csrf_token": csrf_token(bob, "/care/")}
    )
    assert response.status_code == 404
    assert len(shares(app)) == 1


def test_editing_a_shared_entry_keeps_the_share_working(app: Flask, pair: Pair) -> None:
    entry = write(pair.patient, SECRET)
    share(pair.patient, pair.link, entry)
    pair.patient.post(
        f"/journal/{entry}",
        data={
            "title": "",
            "body": "Rewritten later.",
            "csrf_token": csrf_token(pair.patient, "/journal/"),
        },
    )
    assert "Rewritten later." in text(pair.therapist.get(item_url(pair, entry)))


def test_deleting_a_shared_entry_deletes_its_shares(app: Flask, pair: Pair) -> None:
    entry = write(pair.patient, SECRET)
    share(pair.patient, pair.link, entry)
    pair.patient.post(
        f"/journal/{entry}/delete", data={"csrf_token": csrf_token(pair.patient, "/journal/")}
    )
    assert shares(app) == []
    assert pair.therapist.get(item_url(pair, entry)).status_code == 404


def test_the_access_rule_refuses_a_share_whose_revision_is_stale(app: Flask, pair: Pair) -> None:
    """A share row left at an old revision (never the case after a revoke, which
    re-seals) is not even tried."""
    from sqlalchemy import update

    from journal.care import access
    from journal.models.sharing import Share

    entry = write(pair.patient, SECRET)
    share(pair.patient, pair.link, entry)
    with app.app_context():
        db.session.execute(update(Share).values(record_revision=Share.record_revision + 5))
        db.session.commit()
        therapist = db.session.get(User, pair.therapist_id)
        assert therapist is not None
        with pytest.raises(RecordNotFound):
            access.shared_record(therapist, pair.patient_id, "entries", entry, via="test")


def test_the_share_mark_offers_stop_sharing_where_the_item_is(app: Flask, pair: Pair) -> None:
    entry = write(pair.patient, SECRET)
    share(pair.patient, pair.link, entry)
    page = pair.patient.get(f"/journal/{entry}").get_data(as_text=True)
    (share_row,) = shares(app)
    action = f'action="/care/shares/{share_row.id}/revoke"'
    assert action in page and "Stop sharing" in page
    token = csrf_token(pair.patient, f"/journal/{entry}")
    response = pair.patient.post(
        f"/care/shares/{share_row.id}/revoke",
        data={"csrf_token": token, "next": f"/journal/{entry}"},
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/journal/{entry}"
    assert shares(app) == []
    assert "Stop sharing" not in pair.patient.get(f"/journal/{entry}").get_data(as_text=True)
