"""The journal: list, write, read, edit, delete, and autosaved drafts.

Each action works as a plain form post and, through htmx, in place on the list.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from journal.accounts import auth_sessions
from journal.care import access
from journal.core.database import rows_kept_on_commit
from journal.entries import drafts, entries, entry_meta
from journal.entries.entries import EntryForm
from journal.outbox import idempotency
from journal.web import share_marks
from journal.web.identity import current_udk, session_state, user
from journal.web.rendering import render, wants_fragment

bp = Blueprint("journal", __name__, template_folder="../templates", url_prefix="/journal")


def _page_arg() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _list_context(
    form: EntryForm | None = None, draft_id: uuid.UUID | None = None
) -> dict[str, object]:
    page = entries.list_entries(
        user(), current_udk(), _page_arg(), current_app.config["ENTRIES_PER_PAGE"]
    )
    share_marks.prefetch_share_marks(entries.TABLE, [item.id for item in page.items])
    return {
        "page": page,
        "form": form or EntryForm(),
        "draft_id": draft_id or uuid.uuid4(),
        "max_chars": current_app.config["ENTRY_MAX_CHARS"],
    }


def _form_from_request() -> EntryForm:
    form = EntryForm.read(request.form)
    form.session_id, error = entry_meta.linkable_session(user(), form.session)
    if error:
        form.errors["session"] = error
    return form


def _form_from_view(title: str, body: str, view: entries.EntryView) -> EntryForm:
    return EntryForm(
        title=title,
        body=body,
        tags=entry_meta.tags_text(view.tags),
        session=str(view.session_id or ""),
    )


def _draft_id_from_request() -> uuid.UUID | None:
    raw = request.form.get("draft_id", "")
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


@bp.get("/")
@login_required
def index() -> str:
    return render("journal/index.html", "journal_body", **_list_context())


@bp.post("/")
@login_required
def create() -> ResponseReturnValue:
    form = _form_from_request()
    draft_id = _draft_id_from_request()
    if not form.valid:
        if wants_fragment():
            html = render("journal/index.html", "journal_body", **_list_context(form, draft_id))
            return make_response(html, 422)
        return make_response(_editor_page(form, draft_id, None), 422)
    key = idempotency.parse_key(request.form.get(idempotency.FIELD))
    me, udk = user(), current_udk()
    entry = None
    try:
        with rows_kept_on_commit():  # the new card is shown from the row just written
            entry = entries.create_entry(me, udk, form, draft_id, key)
        entry_id = entry.id
    except idempotency.Replayed as replay:
        # Sent before (a retry from the outbox, a double tap): the same answer again.
        entry_id = replay.record_id
    if wants_fragment():
        total = entries.count_entries(me)
        if entry is not None and total > 1 and _on_first_page():
            # The list is on the page: the new card goes on top of it and the count
            # changes, out of band, instead of rendering the whole list again.
            view = entries.read_entry(entry, udk)
            share_marks.prefetch_share_marks(entries.TABLE, [view.id])
            response = make_response(
                render_template(
                    "journal/_saved.html",
                    entry=view,
                    total=total,
                    saved=True,
                    form=EntryForm(),
                    draft_id=uuid.uuid4(),
                    max_chars=current_app.config["ENTRY_MAX_CHARS"],
                )
            )
            response.headers["HX-Retarget"] = "#composer-area"
            response.headers["HX-Reswap"] = "outerHTML"
            return response
        return render("journal/index.html", "journal_body", **_list_context(), saved=True)
    flash(_("Entry saved."))
    return redirect(url_for("journal.show", entry_id=entry_id))


def _on_first_page() -> bool:
    """Whether the page the composer was on lists the newest entries (htmx names the
    page it was sent from); on an older page the answer is the first page, whole."""
    current = request.headers.get("HX-Current-URL", "")
    page = parse_qs(urlsplit(current).query).get("page", ["1"])[0]
    return page in ("", "1")


def _editor_page(form: EntryForm, draft_id: uuid.UUID | None, entry_id: uuid.UUID | None) -> str:
    return render(
        "journal/editor.html",
        form=form,
        draft_id=draft_id or uuid.uuid4(),
        entry_id=entry_id,
        max_chars=current_app.config["ENTRY_MAX_CHARS"],
        other_drafts=[],
        restored=None,
    )


@bp.get("/new")
@login_required
def new() -> str:
    """The full-page writer; it offers to continue any draft left from before."""
    me, udk = user(), current_udk()
    pending = drafts.drafts_of(me, udk, None)
    wanted = request.args.get("draft")
    restored = next((d for d in pending if str(d.id) == wanted), None)
    form = EntryForm(title=restored.title, body=restored.body) if restored else EntryForm()
    # "Write about this session" links here with the session chosen.
    form.session = request.args.get("session", "")
    return render(
        "journal/editor.html",
        form=form,
        draft_id=restored.id if restored else uuid.uuid4(),
        entry_id=None,
        max_chars=current_app.config["ENTRY_MAX_CHARS"],
        other_drafts=[d for d in pending if d is not restored],
        restored=restored,
    )


@bp.get("/<entry_id>")
@login_required
def show(entry_id: str) -> str:
    entry = access.owned_entry(user(), entry_id)
    view = entries.read_entry(entry, current_udk())
    return render("journal/show.html", "entry_card", entry=view)


@bp.get("/<entry_id>/edit")
@login_required
def edit(entry_id: str) -> str:
    me, udk = user(), current_udk()
    entry = access.owned_entry(me, entry_id)
    view = entries.read_entry(entry, udk)
    pending = drafts.drafts_of(me, udk, entry.id)
    restored = pending[0] if pending else None
    source = restored or view
    context = {
        "entry": view,
        "form": _form_from_view(source.title, source.body, view),
        "draft_id": restored.id if restored else uuid.uuid4(),
        "entry_id": entry.id,
        "max_chars": current_app.config["ENTRY_MAX_CHARS"],
        "other_drafts": [],
        "restored": restored,
    }
    if wants_fragment():
        return render("journal/_edit_inline.html", **context)
    return render("journal/editor.html", **context)


@bp.post("/<entry_id>")
@login_required
def update(entry_id: str) -> ResponseReturnValue:
    me, udk = user(), current_udk()
    entry = access.owned_entry(me, entry_id)
    form = _form_from_request()
    draft_id = _draft_id_from_request()
    if not form.valid:
        context = {
            "entry": entries.read_entry(entry, udk),
            "form": form,
            "draft_id": draft_id or uuid.uuid4(),
            "entry_id": entry.id,
            "max_chars": current_app.config["ENTRY_MAX_CHARS"],
            "other_drafts": [],
            "restored": None,
        }
        template = "journal/_edit_inline.html" if wants_fragment() else "journal/editor.html"
        return make_response(render(template, **context), 422)
    entries.update_entry(entry, udk, form, draft_id)
    if wants_fragment():
        return render("journal/_entry.html", entry=entries.read_entry(entry, udk), saved=True)
    flash(_("Changes saved."))
    return redirect(url_for("journal.show", entry_id=entry.id))


@bp.get("/<entry_id>/delete")
@login_required
def confirm_delete(entry_id: str) -> str:
    entry = access.owned_entry(user(), entry_id)
    view = entries.read_entry(entry, current_udk())
    if wants_fragment():
        return render("journal/_confirm_delete.html", entry=view)
    return render("journal/confirm_delete.html", entry=view)


@bp.route("/<entry_id>/delete", methods=["POST"])
@bp.route("/<entry_id>", methods=["DELETE"])
@login_required
def delete(entry_id: str) -> ResponseReturnValue:
    entry = access.owned_entry(user(), entry_id)
    entries.delete_entry(entry)
    if wants_fragment():
        return render("journal/_deleted.html")
    flash(_("Entry deleted."))
    return redirect(url_for("journal.index"))


@bp.post("/drafts/<draft_id>")
def autosave(draft_id: str) -> ResponseReturnValue:
    """Saves what is being typed. Works even after the session went idle (the draft
    is sealed to the public key); says plainly when it could not save."""
    state = session_state()
    if state is None:
        return make_response(render("journal/_autosave.html", status="logged_out"), 401)
    raw_entry = request.form.get("entry_id") or None
    entry_id = access.parse_id(raw_entry) if raw_entry else None
    draft = drafts.save_draft(
        state.user,
        access.parse_id(draft_id),
        entry_id,
        request.form.get("title", ""),
        request.form.get("body", ""),
    )
    if not state.unlocked:
        resume = (
            url_for("journal.edit", entry_id=entry_id)
            if entry_id
            else url_for("journal.new", draft=draft.id)
        )
        return render("journal/_autosave.html", status="locked", resume=resume)
    auth_sessions.touch(state)
    return render("journal/_autosave.html", status="saved", draft=draft)


@bp.post("/drafts/<draft_id>/discard")
@login_required
def discard_draft(draft_id: str) -> ResponseReturnValue:
    drafts.discard_draft(user(), access.parse_id(draft_id))
    flash(_("Draft discarded."))
    return redirect(url_for("journal.new"))
