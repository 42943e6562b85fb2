"""After a dosing session: answer, skip or snooze its integration prompts, and keep
its after-effects log. Nested in the sessions blueprint (/sessions/<id>/…), so the
bottom navigation shows "Sessions" while the patient is here.

The writing view is a plain form with a plain textarea (the phone's own dictation
works, nothing intercepts keys); htmx autosaves it as a draft while typing, and the
draft is sealed to the patient's public key, so it saves even after the session went
idle. Every action also works as a plain form post.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from journal.accounts import auth_sessions
from journal.care import access
from journal.content import load_after_effects
from journal.core.extensions import db
from journal.dosing import kap_sessions
from journal.dosing.session_log import DIASTOLIC, PULSE, SYSTOLIC
from journal.integration import after_effects, integration, prompt_drafts
from journal.integration.after_effects import AfterEffectError, AfterEffectForm
from journal.integration.integration import PromptError
from journal.models.integration import PromptAnswer, PromptState
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.types import utcnow
from journal.outbox import idempotency
from journal.web import share_marks
from journal.web.errors import error_response
from journal.web.identity import current_udk, safe_next, session_state, user
from journal.web.language import current_language
from journal.web.rendering import render

bp = Blueprint("integration", __name__, template_folder="../templates", url_prefix="/<session_id>")


@bp.app_template_global()
def snooze_labels() -> dict[str, str]:
    """What each "Not now" button says, with the time the prompt comes back: "In 3
    hours (today at 17:40)", "In the morning (tomorrow at 09:00)"."""
    now, tz = utcnow(), kap_sessions.zone_of(user())
    return {
        choice: integration.when_label(integration.snooze_target(choice, now, tz), now, tz)
        for choice in ("3h", "morning")
    }


@bp.app_template_global()
def prompt_when(moment: datetime) -> str:
    """ "today at 17:40", "tomorrow at 13:00", "Tue 8 Dec at 13:00" on the patient's clock."""
    return integration.when_label(moment, utcnow(), kap_sessions.zone_of(user()))


def _back() -> str:
    return safe_next(request.form.get("next") or request.args.get("next")) or url_for("main.home")


def _prompt_error(exc: PromptError) -> ResponseReturnValue:
    return error_response(exc.status, _(exc.title), str(exc))


def _owned(session_id: str, key: str) -> tuple[KapSession, PromptAnswer]:
    """The patient's session and one of its prompts (404 otherwise); a cancelled
    session's prompts are refused with a plain message (`SessionCancelled`)."""
    me = user()
    session = access.owned_kap_session(me, session_id)
    if session.status == SessionStatus.CANCELLED:
        raise integration.SessionCancelled()
    return session, access.owned_prompt(me, session, key)


def _answer_page(
    session: KapSession,
    row: PromptAnswer,
    text: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    me, udk = user(), current_udk()
    prompt = integration.read_prompt(row, udk)
    draft = prompt_drafts.draft_of(me, udk, row)
    restored = None
    if text is None:
        # A draft newer than the saved answer is what the patient was last typing.
        if draft is not None and (not prompt.is_answered or draft.updated_at > row.updated_at):
            text, restored = draft.text, draft
        else:
            text = prompt.answer
    content = integration.prompt_set_of(session, udk)
    slot = next((s for s in content.slots if s.key == row.slot), None) if content else None
    earlier = db.session.scalar(
        select(func.count()).where(
            PromptAnswer.user_id == me.id,
            PromptAnswer.prompt_key == row.prompt_key,
            PromptAnswer.state == PromptState.ANSWERED,
        )
    )
    html = render(
        "integration/answer.html",
        session=kap_sessions.read_session(session, udk),
        prompt=prompt,
        slot=slot,
        text=text,
        restored=restored,
        error=error,
        now=utcnow(),
        answers_count=earlier or 0,
        max_chars=current_app.config["ENTRY_MAX_CHARS"],
        next=_back(),
        seen=integration.answer_seen(row),
    )
    return make_response(html, status)


# -- right after: one question at a time --------------------------------------------------


def _flow_page(
    session: KapSession, error: str | None = None, text: str = "", status: int = 200
) -> ResponseReturnValue:
    me, udk, now = user(), current_udk(), utcnow()
    step = integration.flow_step(me, session, udk, now)
    row = None
    if step.prompt is not None:
        row = db.session.get(PromptAnswer, step.prompt.id)
    html = render(
        "integration/after.html",
        session=kap_sessions.read_session(session, udk),
        step=step,
        error=error,
        text=text,
        seen=integration.answer_seen(row) if row is not None else "",
        flow_url=url_for(".after", session_id=session.id),
        now=now,
        tz=kap_sessions.zone_of(me),
    )
    return make_response(html, status)


@bp.get("/after")
@login_required
def after(session_id: str) -> ResponseReturnValue:
    """The session's due questions, one at a time, always dark: Next, Skip, Later,
    and then "That's all for now". Each button posts to the same places as the
    prompt pages (an answer offline goes through the outbox), and comes back here."""
    session = access.owned_kap_session(user(), session_id)
    if session.status == SessionStatus.CANCELLED:
        return _prompt_error(integration.SessionCancelled())
    if session.status != SessionStatus.DONE:
        return redirect(url_for("kap_sessions.show", session_id=session.id), 303)
    return _flow_page(session)


@bp.get("/prompts/<key>")
@login_required
def answer(session_id: str, key: str) -> ResponseReturnValue:
    try:
        session, row = _owned(session_id, key)
        integration.check_open(session, row, utcnow(), kap_sessions.zone_of(user()))
    except PromptError as exc:
        return _prompt_error(exc)
    return _answer_page(session, row)


@bp.post("/prompts/<key>")
@login_required
def save_answer(session_id: str, key: str) -> ResponseReturnValue:
    me = user()
    text = request.form.get("answer", "")
    idempotency_key = idempotency.parse_key(request.form.get(idempotency.FIELD))
    try:
        # First: a retried send (the outbox, a double tap) is answered as saved, even
        # if the prompt could not be answered now (its session was cancelled since).
        idempotency.check(me, idempotency_key, integration.KIND)
        session, row = _owned(session_id, key)
        integration.answer_prompt(
            me,
            session,
            row,
            current_udk(),
            text,
            utcnow(),
            kap_sessions.zone_of(me),
            current_app.config["ENTRY_MAX_CHARS"],
            idempotency_key,
            request.form.get("seen"),
        )
    except idempotency.Replayed:
        pass
    except (integration.AnswerProblem, integration.NewerAnswer) as exc:
        # Nothing typed is lost: an empty, over-long or outdated answer is kept as a
        # draft and shown again (the outbox marks it as not taken, to copy out).
        prompt_drafts.save(me, row, text)
        if request.form.get("flow"):
            return _flow_page(session, error=str(exc), text=text, status=exc.status)
        return _answer_page(session, row, text=text, error=str(exc), status=exc.status)
    except PromptError as exc:
        return _prompt_error(exc)
    flash(_("Answer saved."))
    return redirect(_back(), 303)


@bp.post("/prompts/<key>/skip")
@login_required
def skip(session_id: str, key: str) -> ResponseReturnValue:
    me = user()
    try:
        session, row = _owned(session_id, key)
        integration.skip_prompt(session, row, utcnow(), kap_sessions.zone_of(me))
    except PromptError as exc:
        return _prompt_error(exc)
    flash(_("Skipped. You can still answer it later from the session's page."))
    return redirect(_back(), 303)


@bp.post("/prompts/<key>/snooze")
@login_required
def snooze(session_id: str, key: str) -> ResponseReturnValue:
    me = user()
    tz = kap_sessions.zone_of(me)
    try:
        session, row = _owned(session_id, key)
        until = integration.snooze_prompt(session, row, request.form.get("until", ""), utcnow(), tz)
    except PromptError as exc:
        return _prompt_error(exc)
    flash(_("We'll bring it back %(when)s.", when=integration.when_label(until, utcnow(), tz)))
    return redirect(_back(), 303)


@bp.post("/prompts/<key>/draft")
def autosave(session_id: str, key: str) -> ResponseReturnValue:
    """Saves what is being typed, even after the session went idle (sealed to the
    public key); says plainly when it could not."""
    state = session_state()
    if state is None:
        return make_response(render("journal/_autosave.html", status="logged_out"), 401)
    session = access.owned_kap_session(state.user, session_id)
    row = access.owned_prompt(state.user, session, key)
    if session.status == SessionStatus.CANCELLED:
        return _prompt_error(integration.SessionCancelled())
    draft = prompt_drafts.save(state.user, row, request.form.get("answer", ""))
    if not state.unlocked:
        resume = url_for(".answer", session_id=session.id, key=key)
        return render("journal/_autosave.html", status="locked", resume=resume)
    auth_sessions.touch(state)
    return render("journal/_autosave.html", status="saved", draft=draft)


# -- after-effects ------------------------------------------------------------------------


def _effects_page(
    session: KapSession, form: AfterEffectForm | None = None, status: int = 200
) -> ResponseReturnValue:
    udk, now = current_udk(), utcnow()
    try:
        after_effects.check_session(session, now)
        blocked = None
    except AfterEffectError as exc:
        blocked = str(exc)
    chosen = after_effects.kind(form.kind, current_language()) if form else None
    content = load_after_effects(language=current_language())
    log = after_effects.log_of(session, udk)
    share_marks.prefetch_share_marks(after_effects.TABLE, [effect.id for effect in log])
    html = render(
        "integration/after_effects.html",
        session=kap_sessions.read_session(session, udk),
        log=log,
        content=content,
        severities=[
            (s.key, f"{s.label}: {s.hint[:1].lower()}{s.hint[1:]}" if s.hint else s.label)
            for s in content.severities
        ],
        form=form,
        chosen=chosen,
        blocked=blocked,
        bounds={"systolic": SYSTOLIC, "diastolic": DIASTOLIC, "pulse": PULSE},
    )
    return make_response(html, status)


@bp.get("/after-effects", endpoint="after_effects")
@login_required
def after_effects_page(session_id: str) -> ResponseReturnValue:
    session = access.owned_kap_session(user(), session_id)
    return _effects_page(session)


@bp.get("/after-effects/new")
@login_required
def new_after_effect(session_id: str) -> ResponseReturnValue:
    me = user()
    session = access.owned_kap_session(me, session_id)
    try:
        after_effects.check_session(session, utcnow())
    except AfterEffectError as exc:
        return error_response(409, _("Not possible for this session"), str(exc))
    kind_key = request.args.get("kind", "")
    if after_effects.kind(kind_key) is None:
        return redirect(url_for(".after_effects", session_id=session.id), 303)
    form = AfterEffectForm.blank(kind_key, utcnow(), kap_sessions.zone_of(me))
    return _effects_page(session, form)


@bp.post("/after-effects")
@login_required
def add_after_effect(session_id: str) -> ResponseReturnValue:
    me, now = user(), utcnow()
    session = access.owned_kap_session(me, session_id)
    try:
        after_effects.check_session(session, now)
    except AfterEffectError as exc:
        return error_response(409, _("Not possible for this session"), str(exc))
    form = after_effects.check_form(
        AfterEffectForm.read(request.form), session, now, kap_sessions.zone_of(me)
    )
    if not form.valid:
        return _effects_page(session, form, 422)
    record = after_effects.add(me, session, current_udk(), form)
    flash(_("Saved to the after-effects log."))
    return redirect(
        url_for(".after_effects", session_id=session.id, _anchor=f"effect-{record.id}"), 303
    )


@bp.post("/after-effects/<effect_id>/delete")
@login_required
def remove_after_effect(session_id: str, effect_id: str) -> ResponseReturnValue:
    me = user()
    session = access.owned_kap_session(me, session_id)
    after_effects.remove(access.owned_after_effect(me, session, effect_id))
    flash(_("Removed from the log."))
    return redirect(url_for(".after_effects", session_id=session.id), 303)
