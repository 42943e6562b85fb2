"""Integration prompt answers through the outbox: the answer form carries an
idempotency key and what the answer looked like when the form was opened, so a
retried send saves once and never replaces a newer answer; an answer that arrives
after its session was cancelled is refused plainly (the outbox keeps it, marked, to
copy out), one that arrives after the prompt was skipped is taken."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.test import TestResponse

from journal.accounts.accounts import Unlocked
from journal.core.extensions import db
from journal.integration import integration
from journal.models.idempotency import IdempotencyKey
from journal.models.integration import PromptAnswer, PromptDraft
from journal.models.kap_sessions import KapSession, SessionStatus
from tests.pages import csrf_token
from tests.web.helpers import HTMX
from tests.web.integ_helpers import log_done_session, prompt, prompt_url, skip
from tests.web.prep_helpers import text_of

EMAIL = "ada@example.com"
KEY = "day-one-surprised"


def _form_fields(client: FlaskClient, session_id: str) -> dict[str, str]:
    """The hidden fields of the answer form as the page gives them."""
    page = client.get(prompt_url(session_id, KEY)).get_data(as_text=True)
    form = page[page.index(f'action="{prompt_url(session_id, KEY)}"') :].split("</form>")[0]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def _send(
    client: FlaskClient, session_id: str, text: str, key: str, seen: str | None = None
) -> TestResponse:
    """What the outbox sends: the form's fields, its key, a fresh CSRF token."""
    data = {"csrf_token": csrf_token(client, "/"), "answer": text, "idempotency_key": key}
    if seen is not None:
        data["seen"] = seen
    return client.post(prompt_url(session_id, KEY), data=data, headers=HTMX)


def _answer_text(app: Flask, keys: Unlocked, session_id: str) -> str:
    row = prompt(app, session_id, KEY)
    with app.app_context():
        return integration.read_prompt(row, keys.udk).answer


def _count_keys(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(IdempotencyKey)) or 0


def test_the_answer_form_goes_through_the_outbox_with_a_key_and_what_it_saw(
    ada: FlaskClient,
) -> None:
    sid = log_done_session(ada, hours_ago=5)
    page = ada.get(prompt_url(sid, KEY)).get_data(as_text=True)
    assert 'data-outbox="integration.prompt_answer"' in page
    fields = _form_fields(ada, sid)
    uuid.UUID(fields["idempotency_key"])
    assert fields["seen"]
    # Each page load is a new answer with a new key.
    assert _form_fields(ada, sid)["idempotency_key"] != fields["idempotency_key"]


def test_the_same_key_twice_stores_one_answer_and_both_sends_are_success(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    sid = log_done_session(ada, hours_ago=5)
    fields = _form_fields(ada, sid)
    first = _send(ada, sid, "How quiet it was.", fields["idempotency_key"], fields["seen"])
    again = _send(ada, sid, "How quiet it was.", fields["idempotency_key"], fields["seen"])
    assert first.status_code == again.status_code == 303
    row = prompt(app, sid, KEY)
    assert row.state == "answered"
    assert _answer_text(app, ada_keys, sid) == "How quiet it was."
    assert _count_keys(app) == 1
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(PromptAnswer)
                .where(
                    PromptAnswer.kap_session_id == uuid.UUID(sid), PromptAnswer.prompt_key == KEY
                )
            )
            == 1
        )


def test_a_retried_send_never_overwrites_an_answer_edited_since(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    sid = log_done_session(ada, hours_ago=5)
    offline = _form_fields(ada, sid)
    _send(ada, sid, "First thoughts.", offline["idempotency_key"], offline["seen"])
    edit = _form_fields(ada, sid)
    assert _send(ada, sid, "Edited.", edit["idempotency_key"], edit["seen"]).status_code == 303
    # The outbox never heard back about the first send and sends it again.
    retry = _send(ada, sid, "First thoughts.", offline["idempotency_key"], offline["seen"])
    assert retry.status_code == 303
    assert _answer_text(app, ada_keys, sid) == "Edited."


def test_an_answer_written_before_a_newer_one_was_saved_does_not_replace_it(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    sid = log_done_session(ada, hours_ago=5)
    phone = _form_fields(ada, sid)  # opened on the phone, then the train went underground
    laptop = _form_fields(ada, sid)
    _send(ada, sid, "From the laptop.", laptop["idempotency_key"], laptop["seen"])

    late = _send(ada, sid, "From the phone, offline.", phone["idempotency_key"], phone["seen"])
    # 409: the outbox marks it as not taken, to copy out or discard; nothing is lost.
    assert late.status_code == 409
    assert "answered again after you opened this page" in text_of(late)
    assert "From the phone, offline." in late.get_data(as_text=True)
    assert _answer_text(app, ada_keys, sid) == "From the laptop."
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PromptDraft)) == 1
    # The page it came back with knows the newer answer: saving again replaces it.
    shown = dict(
        re.findall(
            r'<input type="hidden" name="(\w+)" value="([^"]*)"', late.get_data(as_text=True)
        )
    )
    again = _send(ada, sid, "From the phone, offline.", shown["idempotency_key"], shown["seen"])
    assert again.status_code == 303
    assert _answer_text(app, ada_keys, sid) == "From the phone, offline."


def test_an_answer_that_arrives_after_the_prompt_was_skipped_is_taken(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    sid = log_done_session(ada, hours_ago=5)
    phone = _form_fields(ada, sid)
    assert skip(ada, sid, KEY).status_code == 303
    sent = _send(
        ada, sid, "Written before I skipped it elsewhere.", phone["idempotency_key"], phone["seen"]
    )
    assert sent.status_code == 303
    assert prompt(app, sid, KEY).state == "answered"
    assert _answer_text(app, ada_keys, sid) == "Written before I skipped it elsewhere."


def _cancel(app: Flask, session_id: str) -> None:
    """The session's record says cancelled (say, corrected by the clinic)."""
    with app.app_context():
        db.session.execute(
            update(KapSession)
            .where(KapSession.id == uuid.UUID(session_id))
            .values(status=SessionStatus.CANCELLED)
        )
        db.session.commit()


def test_an_answer_that_arrives_after_the_session_was_cancelled_is_refused_plainly(
    app: Flask, ada: FlaskClient
) -> None:
    sid = log_done_session(ada, hours_ago=5)
    phone = _form_fields(ada, sid)
    _cancel(app, sid)
    late = _send(ada, sid, "Kept offline all day.", phone["idempotency_key"], phone["seen"])
    assert late.status_code == 409
    assert "This session was cancelled" in text_of(late)
    assert prompt(app, sid, KEY).state == "open"
    assert _count_keys(app) == 0


def test_a_send_saved_before_the_session_was_cancelled_is_still_success_when_repeated(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    sid = log_done_session(ada, hours_ago=5)
    phone = _form_fields(ada, sid)
    _send(ada, sid, "Saved, but the phone never heard.", phone["idempotency_key"], phone["seen"])
    _cancel(app, sid)
    retry = _send(ada, sid, "Saved, but the phone never heard.", phone["idempotency_key"])
    assert retry.status_code == 303
    assert _answer_text(app, ada_keys, sid) == "Saved, but the phone never heard."


def test_a_refused_answer_does_not_use_up_its_key(
    app: Flask, ada: FlaskClient, ada_keys: Unlocked
) -> None:
    sid = log_done_session(ada, hours_ago=5)
    fields = _form_fields(ada, sid)
    assert _send(ada, sid, "   ", fields["idempotency_key"], fields["seen"]).status_code == 422
    assert _count_keys(app) == 0
    sent = _send(ada, sid, "Now with words.", fields["idempotency_key"], fields["seen"])
    assert sent.status_code == 303
    assert _answer_text(app, ada_keys, sid) == "Now with words."
    with app.app_context():
        kinds = db.session.scalars(select(IdempotencyKey.kind)).all()
    assert kinds == ["integration.prompt_answer"]
