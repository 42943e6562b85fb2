"""What preparation, integration and mood remind of: questionnaires when they are
due, a dosing session a day and two hours before it starts, and integration prompts
when they are due.

All are chosen in the settings (off until ticked) and decided from what is stored
in clear, because `flask reminders send` runs with nobody's data key:

- a questionnaire result's `taken_at` is clear, but which questionnaire it was is
  sealed. So the reminder asks `measures.why_due` about the latest result of any
  kind: every reminded questionnaire was last taken at or before it, so whatever is
  due by that time is due for all of them. It never reminds when nothing is due; it
  can miss a questionnaire that is due while another one was taken recently (Home,
  which opens the results, shows the exact list).
- a planned session's `starts_at` and status are clear; its route, setting and
  checklist are sealed. The reminder says nothing of them anyway (every notification
  reads "Something is waiting for you in Fresh Tracks"), and whether the checklist
  is ticked is not known here, so it comes whatever is left to do.
- an integration prompt's due time, window, snooze, state (open, answered, skipped)
  and its session's status are clear; the question and the answer are sealed. The
  prompts due are the ones Home lists (`integration.due_rows`): open, of a done
  session, their time (or snooze) come, their window still running.

The occurrence names what a reminder is about, so each goes out once: the last
result's time for a periodic questionnaire, the session for one before a session,
and the session with its start time for the session reminders (a session moved to
another day is reminded again), and the prompt with the time it became due for a
prompt (a snoozed prompt is reminded again when its snooze ends).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import select

from journal.core.extensions import db
from journal.dosing import kap_sessions
from journal.integration import integration
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.users import User
from journal.mood import measures
from journal.reminders.reminders import DueReminder

QUESTIONNAIRES: Final = "questionnaires"
SESSION: Final = "session"
PROMPTS: Final = "integration_prompts"

# A reminder that can wait (questionnaires, the day before a session) goes out only
# between these local times: a cron run at 3 a.m. wakes nobody.
DAYTIME: Final = (time(9, 0), time(20, 0))
DAY_BEFORE: Final = timedelta(hours=24)
SOON: Final = timedelta(hours=2)
# Closer to the start than this, the "day before" reminder is skipped: the two-hour
# one follows soon enough, and two notifications an hour apart are one too many.
DAY_BEFORE_UNTIL: Final = timedelta(hours=6)


def _local(user: User, now: datetime) -> datetime:
    try:
        zone = ZoneInfo(user.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone)


def _daytime(user: User, now: datetime) -> bool:
    start, end = DAYTIME
    return start <= _local(user, now).time() < end


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def questionnaires_due(user: User, now: datetime) -> list[DueReminder]:
    if user.is_therapist or not _daytime(user, now):
        return []
    last = measures.last_taken_at(user)
    upcoming = kap_sessions.next_session(user, now)
    reasons = measures.why_due(
        last,
        now,
        current_app.config["QUESTIONNAIRE_INTERVAL_DAYS"],
        upcoming.starts_at if upcoming else None,
        measures.shortest_window() if current_app.config["QUESTIONNAIRE_RESPECT_WINDOW"] else 0,
    )
    due = []
    if measures.PERIODIC in reasons:
        due.append(
            DueReminder(QUESTIONNAIRES, "first" if last is None else f"after:{_stamp(last)}")
        )
    if measures.BEFORE in reasons and upcoming is not None:
        due.append(DueReminder(QUESTIONNAIRES, f"before:{upcoming.id}"))
    return due


def session_due(user: User, now: datetime) -> list[DueReminder]:
    """A day before a planned session (in the daytime, and not within six hours of
    it) and two hours before it, whatever the hour."""
    if user.is_therapist:
        return []
    coming = db.session.scalars(
        select(KapSession)
        .where(
            KapSession.user_id == user.id,
            KapSession.status == SessionStatus.PLANNED,
            KapSession.starts_at > now,
            KapSession.starts_at <= now + DAY_BEFORE,
        )
        .order_by(KapSession.starts_at)
    ).all()
    due = []
    for session in coming:
        which = f"{session.id}:{session.starts_at.strftime('%Y%m%dT%H%M')}"
        left = session.starts_at - now
        if left <= SOON:
            due.append(DueReminder(SESSION, f"{which}:2h"))
        elif left > DAY_BEFORE_UNTIL and _daytime(user, now):
            due.append(DueReminder(SESSION, f"{which}:24h"))
    return due


def prompts_due(user: User, now: datetime) -> list[DueReminder]:
    """One reminder per due prompt and time it became due: its due time, or the end
    of its snooze. Only in the daytime: a prompt that comes due in the night is
    reminded in the morning, if its window is still open. Nothing for an answered or
    skipped prompt, or for a session that is not done (cancelled)."""
    if user.is_therapist or not _daytime(user, now):
        return []
    due = []
    for row, _ in integration.due_rows(user, now):
        came = max(row.due_at, row.snoozed_until or row.due_at)
        due.append(DueReminder(PROMPTS, f"{row.id}:{_stamp(came)}"))
    return due
