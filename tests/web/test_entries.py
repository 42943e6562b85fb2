"""Writing, reading, editing and deleting entries, as full pages and through htmx,
and the drafts that keep what is typed."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import unquote

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from journal.core.extensions import db
from journal.models.sessions import AuthSession
from journal.models.types import utcnow
from tests.factories import PASSWORD, write_entry
from tests.pages import csrf_token, markup
from tests.web.helpers import BOOSTED, HTMX, age_sessions, entry_ids, varies_on_htmx


def _new_entry_id(response: TestResponse) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith("/journal/")
    return location.removeprefix("/journal/")


def _autosave(
    client: FlaskClient, draft_id: str, body: str, title: str = "", **extra: str
) -> TestResponse:
    return client.post(
        f"/journal/drafts/{draft_id}",
        data={"title": title, "body": body, "csrf_token": csrf_token(client, "/journal/"), **extra},
        headers=HTMX,
    )


# -- writing and reading ---------------------------------------------------------------


def test_a_saved_entry_opens_on_its_own_page(ada: FlaskClient) -> None:
    entry_id = _new_entry_id(write_entry(ada, "The river was loud today.", title="Walk"))
    page = ada.get(f"/journal/{entry_id}")
    assert page.status_code == 200
    text = markup(page)
    assert "Entry saved." in text
    assert "The river was loud today." in text
    assert "Walk" in text


def test_the_journal_lists_entries_newest_first(ada: FlaskClient) -> None:
    first = _new_entry_id(write_entry(ada, "First, in the morning."))
    second = _new_entry_id(write_entry(ada, "Second, at noon."))
    third = _new_entry_id(write_entry(ada, "Third, at night."))
    page = ada.get("/journal/")
    assert entry_ids(page.get_data(as_text=True)) == [third, second, first]
    assert "3 entries, newest first." in markup(page)


def test_the_journal_shows_twenty_entries_a_page(app: Flask, ada: FlaskClient) -> None:
    assert app.config["ENTRIES_PER_PAGE"] == 20
    token = csrf_token(ada, "/journal/")
    ids = []
    for n in range(21):
        response = ada.post("/journal/", data={"body": f"Entry number {n}.", "csrf_token": token})
        ids.append(_new_entry_id(response))
    newest_first = list(reversed(ids))

    page_one = ada.get("/journal/")
    assert entry_ids(page_one.get_data(as_text=True)) == newest_first[:20]
    assert "Page 1 of 2" in markup(page_one)
    assert 'href="/journal/?page=2"' in page_one.get_data(as_text=True)

    page_two = ada.get("/journal/?page=2")
    assert entry_ids(page_two.get_data(as_text=True)) == newest_first[20:]
    assert "Entry number 0." in markup(page_two)
    assert "Page 2 of 2" in markup(page_two)

    # Out-of-range and nonsense page numbers land on a real page.
    assert entry_ids(ada.get("/journal/?page=99").get_data(as_text=True)) == newest_first[20:]
    assert entry_ids(ada.get("/journal/?page=x").get_data(as_text=True)) == newest_first[:20]


def test_an_empty_journal_says_so(ada: FlaskClient) -> None:
    assert "Nothing here yet." in markup(ada.get("/journal/"))


def test_editing_an_entry_replaces_its_text(ada: FlaskClient) -> None:
    entry_id = _new_entry_id(write_entry(ada, "Draft thoughts.", title="Monday"))
    form = ada.get(f"/journal/{entry_id}/edit")
    assert form.status_code == 200
    assert "Draft thoughts." in markup(form)
    assert "Edit entry" in markup(form)

    saved = ada.post(
        f"/journal/{entry_id}",
        data={
            "title": "Monday, later",
            "body": "Clearer thoughts.",
            "csrf_token": csrf_token(ada, f"/journal/{entry_id}/edit"),
        },
    )
    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/journal/{entry_id}"
    page = markup(ada.get(f"/journal/{entry_id}"))
    assert "Changes saved." in page
    assert "Clearer thoughts." in page
    assert "Monday, later" in page
    assert "Draft thoughts." not in page
    assert "· edited" in page


def test_a_new_entry_is_not_marked_as_edited(ada: FlaskClient) -> None:
    entry_id = _new_entry_id(write_entry(ada, "Just written."))
    assert "edited" not in markup(ada.get(f"/journal/{entry_id}"))
    assert "edited" not in markup(ada.get("/journal/"))


def test_deleting_asks_first_and_then_removes_the_entry(ada: FlaskClient) -> None:
    entry_id = _new_entry_id(write_entry(ada, "Something to let go of.", title="Old"))
    confirm = ada.get(f"/journal/{entry_id}/delete")
    assert confirm.status_code == 200
    assert "Delete “Old”?" in markup(confirm)
    assert "This cannot be undone." in markup(confirm)
    # Asking is not deleting.
    assert ada.get(f"/journal/{entry_id}").status_code == 200

    deleted = ada.post(
        f"/journal/{entry_id}/delete",
        data={"csrf_token": csrf_token(ada, f"/journal/{entry_id}/delete")},
    )
    assert deleted.status_code == 302
    assert deleted.headers["Location"] == "/journal/"
    assert "Entry deleted." in markup(ada.get("/journal/"))
    assert ada.get(f"/journal/{entry_id}").status_code == 404
    assert "Something to let go of." not in markup(ada.get("/journal/"))


# -- htmx: fragments for htmx, full pages for boosted links ---------------------------------


def test_htmx_gets_the_journal_as_a_fragment_and_boosted_links_get_the_page(
    ada: FlaskClient,
) -> None:
    write_entry(ada, "Fragment material.")
    fragment = ada.get("/journal/", headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.get_data(as_text=True)
    assert 'id="journal-body"' in fragment.get_data(as_text=True)
    assert "Fragment material." in markup(fragment)
    assert varies_on_htmx(fragment)

    boosted = ada.get("/journal/", headers=BOOSTED)
    assert "<html" in boosted.get_data(as_text=True)
    assert "Fragment material." in markup(boosted)
    assert varies_on_htmx(boosted)
    assert varies_on_htmx(ada.get("/journal/"))

    # Restoring a page from history needs the whole page too.
    restore = ada.get("/journal/", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_htmx_saves_a_new_entry_in_place(ada: FlaskClient) -> None:
    response = ada.post(
        "/journal/",
        data={
            "title": "Inline",
            "body": "Written in place.",
            "csrf_token": csrf_token(ada, "/journal/"),
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    text = markup(response)
    assert "<html" not in text
    assert "Entry saved." in text
    assert "Changes saved." not in text
    assert "Written in place." in text
    assert len(entry_ids(response.get_data(as_text=True))) == 1


def test_htmx_saving_beside_a_list_sends_the_new_card_and_count_not_the_list(
    ada: FlaskClient,
) -> None:
    """With entries already listed, the answer is the composer again (fresh and
    closed), the new card for the top of the list and the new count, out of band:
    the other cards are not sent again."""
    older = _new_entry_id(write_entry(ada, "Written before."))

    def save(headers: dict[str, str]) -> TestResponse:
        return ada.post(
            "/journal/",
            data={
                "title": "Second",
                "body": "In place.",
                "csrf_token": csrf_token(ada, "/journal/"),
            },
            headers=headers,
        )

    response = save({**HTMX, "HX-Current-URL": "http://localhost/journal/"})
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#composer-area"
    assert response.headers["HX-Reswap"] == "outerHTML"
    html = response.get_data(as_text=True)
    text = markup(response)
    assert "Entry saved." in text and "In place." in text
    assert 'id="entry-count" data-hx-swap-oob="true"' in html
    assert "2 entries, newest first." in text
    assert 'data-hx-swap-oob="afterbegin:#entry-list"' in html
    [new] = entry_ids(html)
    assert new != older
    assert '<details class="composer" >' in html  # closed, and empty
    assert "Written before." not in text
    # The list itself, loaded again, has it on top.
    assert entry_ids(ada.get("/journal/").get_data(as_text=True)) == [new, older]

    # Sent from an older page of the list: the first page, whole, as before.
    whole = save({**HTMX, "HX-Current-URL": "http://localhost/journal/?page=2"})
    assert "HX-Retarget" not in whole.headers
    assert "Written before." in markup(whole)
    assert len(entry_ids(whole.get_data(as_text=True))) == 3


def test_htmx_reads_edits_and_deletes_one_entry_in_place(ada: FlaskClient) -> None:
    entry_id = _new_entry_id(write_entry(ada, "Before the edit.", title="Card"))
    token = csrf_token(ada, "/journal/")

    card = ada.get(f"/journal/{entry_id}", headers=HTMX)
    assert "<html" not in card.get_data(as_text=True)
    assert f'id="entry-{entry_id}"' in card.get_data(as_text=True)

    editor = ada.get(f"/journal/{entry_id}/edit", headers=HTMX)
    assert editor.status_code == 200
    assert "<html" not in editor.get_data(as_text=True)
    assert "Before the edit." in markup(editor)

    saved = ada.post(
        f"/journal/{entry_id}",
        data={"title": "Card", "body": "After the edit.", "csrf_token": token},
        headers=HTMX,
    )
    assert saved.status_code == 200
    assert "<html" not in saved.get_data(as_text=True)
    assert "After the edit." in markup(saved)
    assert "Changes saved." in markup(saved)

    confirm = ada.get(f"/journal/{entry_id}/delete", headers=HTMX)
    assert "<html" not in confirm.get_data(as_text=True)
    assert "This cannot be undone." in markup(confirm)

    deleted = ada.delete(f"/journal/{entry_id}", headers={**HTMX, "X-CSRFToken": token})
    assert deleted.status_code == 200
    assert "<html" not in deleted.get_data(as_text=True)
    assert "Entry deleted." in markup(deleted)
    assert ada.get(f"/journal/{entry_id}").status_code == 404


def test_boosted_requests_for_an_entry_get_full_pages(ada: FlaskClient) -> None:
    entry_id = _new_entry_id(write_entry(ada, "Boosted body."))
    for path in (
        f"/journal/{entry_id}",
        f"/journal/{entry_id}/edit",
        f"/journal/{entry_id}/delete",
    ):
        response = ada.get(path, headers=BOOSTED)
        assert response.status_code == 200
        assert "<html" in response.get_data(as_text=True), path


# -- what is typed is never lost -------------------------------------------------------------


def test_an_empty_entry_is_refused_and_the_title_kept(ada: FlaskClient) -> None:
    response = ada.post(
        "/journal/",
        data={"title": "Kept title", "body": "   \n ", "csrf_token": csrf_token(ada, "/journal/")},
    )
    assert response.status_code == 422
    text = markup(response)
    assert "Write something before saving." in text
    assert 'value="Kept title"' in text
    assert "Nothing here yet." in markup(ada.get("/journal/"))

    fragment = ada.post(
        "/journal/",
        data={"title": "Kept title", "body": "", "csrf_token": csrf_token(ada, "/journal/")},
        headers=HTMX,
    )
    assert fragment.status_code == 422
    assert "<html" not in fragment.get_data(as_text=True)
    assert "Write something before saving." in markup(fragment)
    assert 'value="Kept title"' in markup(fragment)


def test_an_entry_over_the_limit_is_refused_and_the_text_stays_in_the_form(
    ada: FlaskClient,
) -> None:
    body = "river " * 8333 + "end"  # 50,001 characters
    assert len(body) == 50_001
    response = ada.post(
        "/journal/",
        data={"title": "Long one", "body": body, "csrf_token": csrf_token(ada, "/journal/")},
    )
    assert response.status_code == 422
    text = markup(response)
    assert "This entry is 50,001 characters; the limit is 50,000." in text
    assert f">{body}</textarea>" in text
    assert 'value="Long one"' in text
    assert "Nothing here yet." in markup(ada.get("/journal/"))

    fragment = ada.post(
        "/journal/",
        data={"body": body, "csrf_token": csrf_token(ada, "/journal/")},
        headers=HTMX,
    )
    assert fragment.status_code == 422
    assert "the limit is 50,000" in markup(fragment)
    assert f">{body}</textarea>" in markup(fragment)


def test_an_entry_of_exactly_the_limit_is_saved(ada: FlaskClient) -> None:
    body = "x" * 50_000
    entry_id = _new_entry_id(write_entry(ada, body))
    assert body in markup(ada.get(f"/journal/{entry_id}"))


def test_an_edit_that_empties_the_entry_is_refused_and_the_entry_unchanged(
    ada: FlaskClient,
) -> None:
    entry_id = _new_entry_id(write_entry(ada, "Keep me."))
    response = ada.post(
        f"/journal/{entry_id}",
        data={"title": "", "body": "", "csrf_token": csrf_token(ada, "/journal/")},
    )
    assert response.status_code == 422
    assert "Write something before saving." in markup(response)
    assert "Keep me." in markup(ada.get(f"/journal/{entry_id}"))


def test_autosave_keeps_a_draft_that_the_writer_can_return_to(ada: FlaskClient) -> None:
    draft_id = str(uuid.uuid4())
    saved = _autosave(ada, draft_id, "Half a thought about the", title="Unfinished")
    assert saved.status_code == 200
    assert "Draft saved at" in markup(saved)

    # A second autosave of the same draft replaces the first.
    _autosave(ada, draft_id, "Half a thought about the corridor", title="Unfinished")

    listing = markup(ada.get("/journal/new"))
    assert "Unsaved drafts" in listing
    assert f"/journal/new?draft={draft_id}" in listing

    restored = ada.get(f"/journal/new?draft={draft_id}")
    text = markup(restored)
    assert "Restored your draft" in text
    assert ">Half a thought about the corridor</textarea>" in text
    assert 'value="Unfinished"' in text
    assert f'name="draft_id" value="{draft_id}"' in text

    # Saving the entry from that draft uses the draft up.
    ada.post(
        "/journal/",
        data={
            "title": "Unfinished",
            "body": "Half a thought about the corridor, finished.",
            "draft_id": draft_id,
            "csrf_token": csrf_token(ada, "/journal/"),
        },
    )
    assert "Unsaved drafts" not in markup(ada.get("/journal/new"))


def test_an_autosaved_edit_is_offered_when_the_entry_is_opened_again(ada: FlaskClient) -> None:
    entry_id = _new_entry_id(write_entry(ada, "Original words."))
    _autosave(ada, str(uuid.uuid4()), "Original words, and more.", entry_id=entry_id)
    editor = markup(ada.get(f"/journal/{entry_id}/edit"))
    assert "Restored your draft" in editor
    assert ">Original words, and more.</textarea>" in editor
    # The entry itself is unchanged until saved.
    assert "Original words, and more." not in markup(ada.get(f"/journal/{entry_id}"))


def test_typing_past_the_idle_timeout_still_saves_and_login_brings_the_text_back(
    app: Flask, ada: FlaskClient
) -> None:
    draft_id = str(uuid.uuid4())
    token = csrf_token(ada, "/journal/new")
    age_sessions(app, "ada@example.com", idle=timedelta(minutes=31))

    response = ada.post(
        f"/journal/drafts/{draft_id}",
        data={"title": "Late", "body": "Words typed after a long pause.", "csrf_token": token},
        headers=HTMX,
    )
    assert response.status_code == 200
    text = markup(response)
    assert "Your session ended, but your words are saved." in text
    assert "Log in to continue" in text
    resume = f"/journal/new?draft={draft_id}"
    assert f"/login?next={resume}" in unquote(text)
    # The journal itself stays locked.
    assert ada.get("/journal/").status_code == 302

    back = ada.post(
        "/login",
        data={
            "email": "ada@example.com",
            "password": PASSWORD,
            "next": resume,
            "csrf_token": csrf_token(ada, "/login"),
        },
    )
    assert back.status_code == 302
    assert back.headers["Location"] == resume
    restored = markup(ada.get(resume))
    assert ">Words typed after a long pause.</textarea>" in restored
    assert 'value="Late"' in restored


def test_an_edit_typed_past_the_idle_timeout_comes_back_in_the_editor(
    app: Flask, ada: FlaskClient
) -> None:
    entry_id = _new_entry_id(write_entry(ada, "The first version."))
    token = csrf_token(ada, f"/journal/{entry_id}/edit")
    age_sessions(app, "ada@example.com", idle=timedelta(minutes=31))
    response = ada.post(
        f"/journal/drafts/{uuid.uuid4()}",
        data={"body": "The second version, typed late.", "entry_id": entry_id, "csrf_token": token},
        headers=HTMX,
    )
    resume = f"/journal/{entry_id}/edit"
    assert f"/login?next={resume}" in unquote(markup(response))
    back = ada.post(
        "/login",
        data={
            "email": "ada@example.com",
            "password": PASSWORD,
            "next": resume,
            "csrf_token": csrf_token(ada, "/login"),
        },
    )
    assert back.headers["Location"] == resume
    editor = markup(ada.get(resume))
    assert ">The second version, typed late.</textarea>" in editor
    assert "The second version" not in markup(ada.get(f"/journal/{entry_id}"))


def test_autosaving_counts_as_activity_for_the_idle_timeout(app: Flask, ada: FlaskClient) -> None:
    token = csrf_token(ada, "/journal/new")
    age_sessions(app, "ada@example.com", idle=timedelta(minutes=29))
    saved = ada.post(
        f"/journal/drafts/{uuid.uuid4()}",
        data={"body": "Still typing.", "csrf_token": token},
        headers=HTMX,
    )
    assert "Draft saved at" in markup(saved)
    with app.app_context():
        last_seen = db.session.scalar(select(func.max(AuthSession.last_seen_at)))
    assert last_seen is not None
    assert utcnow() - last_seen < timedelta(minutes=1)


def test_autosave_without_any_session_says_nothing_was_saved(client: FlaskClient) -> None:
    response = client.post(
        f"/journal/drafts/{uuid.uuid4()}",
        data={"body": "Lost words?", "csrf_token": csrf_token(client, "/login")},
        headers=HTMX,
    )
    assert response.status_code == 401
    assert "Not saved: you are logged out." in markup(response)
