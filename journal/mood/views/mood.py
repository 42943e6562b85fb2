"""Mood and measures: the daily check-in, the questionnaires, their results, charts.

Each page works as a plain form post; htmx swaps the check-in card and the
questionnaire screen in place. Wherever a PHQ-9 item 9 answer above 0 is on
screen, the crisis card comes first, for every kind of request.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import login_required

from journal.care import access
from journal.dosing import kap_sessions
from journal.models.kap_sessions import KapSession
from journal.models.types import utcnow
from journal.models.users import User
from journal.mood import charts, measures, moods, questionnaire_flow, scoring
from journal.mood.charts import DailyMood, TakenScore
from journal.mood.measures import ResultView
from journal.mood.moods import CheckInForm, CheckInView
from journal.mood.questionnaire_flow import Progress
from journal.mood.views.safety import crisis_context
from journal.outbox import idempotency
from journal.web.identity import current_udk, safe_next, user
from journal.web.language import crisis_lines, current_language
from journal.web.rendering import render, wants_fragment

bp = Blueprint("mood", __name__, template_folder="../templates", url_prefix="/mood")


def dosing_sessions(me: User) -> list[datetime]:
    """When the patient's dosing sessions took place: the charts draw each one and
    line up the days after it."""
    return kap_sessions.done_session_times(me)


def user_zone(me: User) -> ZoneInfo:
    try:
        return ZoneInfo(me.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# -- the check-in card, on Home, on the Mood page and on its own page -------------------------


def checkin_card_context(
    me: User,
    udk: bytes,
    *,
    editing: bool = False,
    next_url: str = "",
    missed: bool = False,
    picked: str = "",
) -> dict[str, Any]:
    """Today's check-in, opened once: a summary when done, the form when not. A new
    check-in (none today yet, or `missed`: for a missed day) lets the patient choose
    its day: today or one of the past 7, never a day to come (issue 18)."""
    today = moods.local_today(me)
    recent = moods.recent_checkins(me)
    record = None if missed else recent.get(today)
    view = moods.read_checkin(record, udk) if record is not None else None
    form = CheckInForm.from_values(view.values) if view else CheckInForm()
    days: list[dict[str, Any]] = []
    if view is None:
        pickable = moods.pickable_days(me, recent)
        days = [
            {"value": day.isoformat(), "label": _day_option(day, today), "done": done}
            for day, done in pickable
        ]
        if not picked:
            # Asked for a missed day, offer the latest one still open, even while
            # today is open too: the card says "a missed day", so must the picker.
            open_days = [
                day for day, done in pickable if not done and not (missed and day == today)
            ]
            picked = (open_days[0] if open_days else today).isoformat()
    return {
        "checkin": view,
        "checkin_form": form,
        "checkin_editing": editing or view is None,
        "checkin_next": next_url,
        "checkin_saved": False,
        "checkin_days": days,
        "checkin_picked": picked,
        # The words of the questions follow the day shown (issue 18): a missed day
        # is not asked about "today".
        "checkin_past": bool(days) and picked != today.isoformat(),
        "checkin_missed": missed,
        "scales": moods.SCALES,
    }


def _day_option(day: date, today: date) -> str:
    name = str(format_date(day, "EEE d MMM"))
    if day == today:
        return str(_("Today (%(day)s)", day=name))
    if day == today - timedelta(days=1):
        return str(_("Yesterday (%(day)s)", day=name))
    return name


def _due(
    results: list[ResultView], interval: int, upcoming: KapSession | None, now: datetime
) -> list[measures.Due]:
    return measures.due(
        results,
        now,
        interval,
        upcoming.starts_at if upcoming else None,
        respect_window=current_app.config["QUESTIONNAIRE_RESPECT_WINDOW"],
    )


def home_mood_context(
    me: User, udk: bytes, upcoming: KapSession | None, now: datetime
) -> dict[str, Any]:
    """For Home: the check-in card and the questionnaires that are due. `upcoming`:
    the next planned session (`kap_sessions.next_session`), which Home has already."""
    results = measures.latest_results(me, udk, measures.reminded_ids())
    interval = current_app.config["QUESTIONNAIRE_INTERVAL_DAYS"]
    return {
        **checkin_card_context(me, udk, next_url=url_for("main.home")),
        "due": _due(results, interval, upcoming, now),
        "interval_days": interval,
    }


@bp.get("/")
@login_required
def index() -> str:
    me, udk = user(), current_udk()
    results = measures.results_of(me, udk)
    interval = current_app.config["QUESTIONNAIRE_INTERVAL_DAYS"]
    now = utcnow()
    upcoming = kap_sessions.next_session(me, now)
    due_ids = {d.instrument.id for d in _due(results, interval, upcoming, now)}
    instruments = [
        {
            "instrument": i,
            "latest": measures.latest(results, i.id),
            "due": i.id in due_ids,
            "count": len(measures.of_instrument(results, i.id)),
        }
        for i in scoring.instruments()
    ]
    return render(
        "mood/index.html",
        instruments=instruments,
        interval_days=interval,
        **checkin_card_context(me, udk, next_url=url_for("mood.index")),
    )


@bp.get("/check-in")
@login_required
def checkin() -> str:
    next_url = safe_next(request.args.get("next")) or ""
    missed = request.args.get("missed") == "1"
    context = checkin_card_context(
        user(), current_udk(), editing=True, next_url=next_url, missed=missed
    )
    return render("mood/checkin.html", "checkin_card", **context)


@bp.post("/check-in")
@login_required
def save_checkin() -> ResponseReturnValue:
    me, udk = user(), current_udk()
    next_url = safe_next(request.form.get("next")) or ""
    key = idempotency.parse_key(request.form.get(idempotency.FIELD))
    try:
        # First: a retried send (the outbox, a double tap) is answered as saved,
        # even if the form would not pass today (its day is too old by now).
        idempotency.check(me, key, moods.KIND)
        form = CheckInForm.read(request.form)
        day = moods.checkin_day(me, request.form.get("day"))
        if day is None:
            form.errors["day"] = _(
                "This check-in is too old to save; it can be at most %(days)s days old.",
                days=moods.BACKDATE_LIMIT.days,
            )
        # The day picker (a new check-in): the day chosen, counted from the day the
        # form was written (the outbox may send it later).
        chosen = request.form.get("for_day")
        if chosen is not None and day is not None:
            try:
                day = moods.picked_day(me, chosen, day)
            except ValueError as exc:
                form.errors["for_day"] = str(exc)
        if form.valid and form.values is not None and day is not None:
            try:
                _record, created = moods.save_checkin(
                    me, udk, day, form.values, key, new_only=chosen is not None
                )
            except moods.AlreadyCheckedIn as exc:  # another tab saved that day meanwhile
                form.errors["for_day"] = str(exc)
        if not form.valid or form.values is None or day is None:
            context = checkin_card_context(
                me,
                udk,
                editing=True,
                next_url=next_url,
                missed=request.form.get("missed") == "1",
                picked=chosen or "",
            )
            context["checkin_form"] = form
            return make_response(render("mood/checkin.html", "checkin_card", **context), 422)
        message = _("Check-in saved.") if created else _("Today's check-in updated.")
        if day != moods.local_today(me):
            message = _("Check-in for %(day)s saved.", day=moods.weekday_date(day))
    except idempotency.Replayed:
        message = _("Check-in saved.")
    if wants_fragment():
        context = checkin_card_context(me, udk, next_url=next_url)
        context["checkin_saved"] = message
        return render("mood/checkin.html", "checkin_card", **context)
    flash(message)
    return redirect(next_url or url_for("mood.index"))


# -- questionnaires --------------------------------------------------------------------------


def _instrument(instrument_id: str) -> scoring.Instrument:
    """The questionnaire in the page's language where it has an official translation."""
    try:
        return scoring.get_instrument(instrument_id).in_language(current_language())
    except scoring.UnknownInstrument:
        abort(404)


def _measure_page(
    progress: Progress, status: int = 200, *, saved: bool = False
) -> ResponseReturnValue:
    # The crisis lines are on every screen of a questionnaire with a safety item:
    # shown once it is answered above 0, and kept hidden before, for the page to
    # show at once when the answer is given (even if the request never arrives).
    context: dict[str, Any] = {
        "progress": progress,
        "saved": saved,
        "crisis": crisis_lines() if progress.instrument.safety_item is not None else None,
    }
    safety_item = progress.instrument.safety_item
    if progress.safety_positive or (
        safety_item is not None and progress.current.item_number == safety_item
    ):
        context.update(crisis_context(user(), current_udk()))
    html = render("mood/measure.html", "measure_flow", **context)
    return make_response(html, status)


def _store_now(progress: Progress) -> bool:
    return progress.safety_positive and len(progress.answers) == progress.items_count


@bp.get("/measures/<instrument_id>")
@login_required
def measure(instrument_id: str) -> ResponseReturnValue:
    return _measure_page(questionnaire_flow.start(_instrument(instrument_id)))


@bp.post("/measures/<instrument_id>")
@login_required
def measure_step(instrument_id: str) -> ResponseReturnValue:
    instrument = _instrument(instrument_id)
    progress = questionnaire_flow.from_form(instrument, request.form)
    if progress.bad_request:
        return _measure_page(progress, 422)
    go = request.form.get("go", "next")
    if go not in questionnaire_flow.MOVES:
        go = "next"
    if go == "next" and progress.is_last:
        go = "finish"
    if go != "finish":
        moved = questionnaire_flow.move(progress, go)
        if go == "next" and not moved.error and _store_now(moved):
            # Safety item positive and every item answered: the result exists from
            # now on, whatever the patient does next (the crisis card's links lead
            # away); the finish amends it with the optional questions.
            measures.submit(
                user(),
                current_udk(),
                instrument.id,
                moved.answers,
                moved.supplementary,
                moved.key,
                early=True,
                language=instrument.language,
            )
            return _measure_page(moved, saved=True)
        return _measure_page(moved, 422 if moved.error else 200)
    try:
        result = measures.submit(
            user(),
            current_udk(),
            instrument.id,
            progress.answers,
            progress.supplementary,
            progress.key,
            language=instrument.language,
        )
    except scoring.IncompleteAnswers as exc:
        return _measure_page(progress.at(progress.position_of_item(exc.missing[0]), str(exc)), 422)
    except scoring.InvalidAnswer as exc:
        return _measure_page(progress.at(progress.position, str(exc)), 422)
    # 303 so the browser (or htmx's request) GETs the result: a reload never posts again.
    return redirect(url_for("mood.result", result_id=result.id), 303)


@bp.get("/results/<result_id>")
@login_required
def result(result_id: str) -> ResponseReturnValue:
    me, udk = user(), current_udk()
    record = access.owned_measure_result(me, result_id)
    # Every result of the user, each opened once: the baseline is the first of this
    # instrument, wherever it is.
    results = measures.results_of(me, udk)
    shown = next(r for r in results if r.id == record.id)
    context: dict[str, Any] = {
        "result": shown,
        "change": measures.change_for(shown, results),
        "baseline": measures.baseline(results, shown.instrument_id),
        "crisis": None,
    }
    if shown.safety_flag:
        context.update(crisis_context(me, udk))
    response = make_response(render("mood/result.html", "measure_flow", **context))
    if wants_fragment():
        # The questionnaire swapped in place: make the address bar say where we are.
        response.headers["HX-Push-Url"] = url_for("mood.result", result_id=shown.id)
    return response


# -- charts ----------------------------------------------------------------------------------


@bp.get("/charts")
@login_required
def charts_page() -> str:
    me, udk = user(), current_udk()
    zone = user_zone(me)
    today = moods.local_today(me)
    chart_range = charts.parse_range(request.args.get("range"))
    sessions = dosing_sessions(me)
    if chart_range.days is None:
        results = measures.results_of(me, udk)
        starts = [d for d in (moods.first_checkin_day(me),) if d is not None]
        starts += [charts.local_day(r.taken_at, zone) for r in results[:1]]
        first = charts.range_start(chart_range, today, min(starts) if starts else None)
    else:
        # A range of days needs its own results and each instrument's baseline only
        # (a day's margin on the range's first midnight in the person's zone).
        first = charts.range_start(chart_range, today, None)
        since = datetime.combine(first, time.min, zone) - timedelta(days=1)
        results = measures.results_since(me, udk, since)
    # A few days before the range too, for the days-since-session view; every
    # check-in in it is opened exactly once and shared by all three charts.
    views = moods.checkins_between(me, udk, first - timedelta(days=charts.OVERLAY_BEFORE), today)
    daily = [_daily(v) for v in views]
    score_charts = []
    for instrument in scoring.instruments():
        mine = measures.of_instrument(results, instrument.id)
        if instrument.optional and not mine:
            continue  # only charted for those who take it
        score_charts.append(
            charts.score_chart(
                instrument,
                [_taken(r, zone) for r in mine],
                first,
                today,
                sessions,
                zone,
            )
        )
    return render(
        "mood/charts.html",
        ranges=charts.RANGES,
        chart_range=chart_range,
        mood_chart=charts.mood_chart(daily, first, today, sessions, zone),
        score_charts=score_charts,
        overlay=charts.overlay_chart(daily, sessions, zone, first, today),
    )


def _daily(view: CheckInView) -> DailyMood:
    return DailyMood(view.day, view.values.mood, view.values.anxiety)


def _taken(result: ResultView, zone: ZoneInfo) -> TakenScore:
    return TakenScore(charts.local_day(result.taken_at, zone), result.total)
