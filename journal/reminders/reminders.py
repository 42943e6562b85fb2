"""Reminders by Web Push: who has subscribed, what is due, and sending it.

"What is due" is a small registry, filled by `journal.wiring`. A source is a function
that, given a user and the current time, returns the reminders due for that user now,
each named by its kind and an occurrence (which one: a date, a prompt's schedule id, ...):

    reminders.add_source("integration_prompt", reminder_sources.prompts_due, label=...)

`send_due` asks every source, drops what was sent already (`ReminderSent`), and
sends one notification per device. The notification never says what is due or
anything about the person's health: it only says that something is waiting.

A source registered with a `label` is a reminder the person chooses: the settings
page offers it as a checkbox, and it is asked only for those who turned it on. The
daily check-in is chosen by its time instead. Sources run in `flask reminders send`,
where nobody's data key is at hand: they decide from what is stored in clear (dates,
times, statuses), never from a sealed payload.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.lists import format_list
from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from journal.core import crypto
from journal.core.extensions import db
from journal.core.translatable import language
from journal.models.reminders import PushSubscription, ReminderPreference, ReminderSent
from journal.models.types import utcnow
from journal.models.users import User
from journal.mood import moods
from journal.reminders import push_endpoints

log = logging.getLogger(__name__)

NOTIFICATION_TITLE = "Fresh Tracks"
NOTIFICATION_BODY = "Something is waiting for you in Fresh Tracks"
DAILY_CHECK_IN = "daily_check_in"
# A device that failed this many sends in a row (not counting gone ones) is dropped.
MAX_FAILURES = 10


@dataclass(frozen=True)
class DueReminder:
    kind: str
    occurrence: str


DueSource = Callable[[User, datetime], Iterable[DueReminder]]
_sources: dict[str, DueSource] = {}
# Kinds the person turns on or off in the settings, with what the checkbox says.
_choices: dict[str, tuple[str, tuple[str, ...]]] = {}


def add_source(
    kind: str, source: DueSource, *, label: str | None = None, names: Iterable[str] = ()
) -> None:
    """Add what makes reminders of `kind` due (see the module docstring). With a
    `label` (marked with N_, its `%(names)s` the `names` as a list in words), the
    reminder is off until the person ticks it in the settings."""
    _sources[kind] = source
    if label is not None:
        _choices[kind] = (label, tuple(names))


def registered_kinds() -> list[str]:
    return sorted(_sources)


def choices() -> list[tuple[str, str]]:
    """The reminders a person can choose, (kind, label), in the order registered, the
    labels in the page's language ("PHQ-9 and GAD-7", "PHQ-9 y GAD-7")."""
    found = []
    for kind, (label, names) in _choices.items():
        listed = format_list(list(names), locale=language()) if names else ""
        found.append((kind, gettext(label, names=listed) if names else gettext(label)))
    return found


class SubscriptionError(ValueError):
    """What the browser sent is not a usable push subscription."""


# -- preferences -----------------------------------------------------------------------


def preferences(user: User) -> ReminderPreference:
    pref = db.session.get(ReminderPreference, user.id)
    return pref if pref is not None else ReminderPreference(user_id=user.id)


def enabled_kinds(user: User) -> frozenset[str]:
    """The chosen reminders this person turned on (see `choices`)."""
    return frozenset((preferences(user).kinds or "").split()) & frozenset(_choices)


def _preference_row(user: User) -> ReminderPreference:
    pref = db.session.get(ReminderPreference, user.id)
    if pref is None:
        pref = ReminderPreference(user_id=user.id, kinds="")
        db.session.add(pref)
    return pref


def set_daily_check_in(user: User, minutes: int | None) -> None:
    """Turn the daily check-in reminder on at `minutes` after local midnight, or off."""
    if minutes is not None and not 0 <= minutes < 24 * 60:
        raise ValueError("a time of day is between 00:00 and 23:59")
    _preference_row(user).daily_check_in_minutes = minutes
    db.session.commit()


def set_kinds(user: User, kinds: Iterable[str]) -> None:
    """Turn on exactly these chosen reminders (unknown names are ignored)."""
    wanted = [kind for kind in _choices if kind in set(kinds)]
    _preference_row(user).kinds = " ".join(wanted)
    db.session.commit()


def devices(user: User) -> list[PushSubscription]:
    return list(
        db.session.scalars(select(PushSubscription).where(PushSubscription.user_id == user.id))
    )


# -- subscriptions ---------------------------------------------------------------------


def subscribe(user: User, data: Any) -> PushSubscription:
    """Store a browser's `PushSubscription.toJSON()`. The same endpoint under another
    account moves to this one (the device changed hands)."""
    if not isinstance(data, dict):
        raise SubscriptionError("expected a subscription object")
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str):
        raise SubscriptionError("the endpoint must be an https URL")
    try:
        push_endpoints.check_subscription(endpoint)
    except push_endpoints.EndpointRefused as exc:
        raise SubscriptionError(str(exc)) from exc
    if not isinstance(keys, dict):
        raise SubscriptionError("the subscription has no keys")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not crypto.is_push_public_key(p256dh):
        raise SubscriptionError("p256dh is not a P-256 public key")
    if not isinstance(auth, str) or not crypto.is_push_auth_secret(auth):
        raise SubscriptionError("auth is not a 16-byte secret")
    existing = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    if existing is None:
        existing = PushSubscription(endpoint=endpoint)
        db.session.add(existing)
    existing.user_id = user.id
    existing.p256dh, existing.auth, existing.failures = p256dh, auth, 0
    try:
        db.session.commit()
    except IntegrityError:  # the same endpoint arrived twice at once
        db.session.rollback()
        return subscribe(user, data)
    return existing


def unsubscribe(user: User, endpoint: str) -> None:
    db.session.execute(
        delete(PushSubscription).where(
            PushSubscription.user_id == user.id, PushSubscription.endpoint == endpoint
        )
    )
    db.session.commit()


# -- what is due -----------------------------------------------------------------------


def _zone(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone)
    except ZoneInfoNotFoundError:
        return ZoneInfo("UTC")


def daily_check_in_due(user: User, now: datetime) -> list[DueReminder]:
    """Due from the chosen local time until the window closes, once a local day,
    unless the person has checked in that day already.

    The window (REMINDER_WINDOW_MINUTES) keeps a reminder turned on in the evening
    for a morning time from firing at once, and a late cron run from waking anyone.
    Whether there is a check-in is the check-in's calendar day, kept in clear: the
    values themselves are never opened.
    """
    pref = db.session.get(ReminderPreference, user.id)
    if pref is None or pref.daily_check_in_minutes is None:
        return []
    local = now.astimezone(_zone(user))
    minutes = pref.daily_check_in_minutes
    at = local.replace(hour=minutes // 60, minute=minutes % 60, second=0, microsecond=0)
    window = timedelta(minutes=current_app.config["REMINDER_WINDOW_MINUTES"])
    if not at <= local < at + window:
        return []
    if moods.checkin_on(user, local.date()) is not None:
        return []
    return [DueReminder(DAILY_CHECK_IN, local.date().isoformat())]


def due_for(user: User, now: datetime) -> list[DueReminder]:
    """Everything due for this user now that has not been sent yet."""
    chosen = enabled_kinds(user)
    due = [
        r
        for kind, source in _sources.items()
        if kind not in _choices or kind in chosen
        for r in source(user, now)
    ]
    if not due:
        return []
    sent = {
        (row.kind, row.occurrence)
        for row in db.session.scalars(select(ReminderSent).where(ReminderSent.user_id == user.id))
    }
    return [r for r in due if (r.kind, r.occurrence) not in sent]


# -- sending ---------------------------------------------------------------------------


class PushSender(Protocol):
    def __call__(self, subscription: PushSubscription, payload: str, address: str) -> int:
        """Send, connecting to `address` (checked public, see push_endpoints); return
        the push service's HTTP status (0 when it could not be reached)."""


def notification_payload() -> str:
    return json.dumps({"title": NOTIFICATION_TITLE, "body": NOTIFICATION_BODY, "url": "/"})


def webpush_sender() -> PushSender:
    """Sends with pywebpush: RFC 8291 aes128gcm encryption, RFC 8292 VAPID (`vapid t=, k=`)."""
    from py_vapid import Vapid02
    from pywebpush import WebPushException, webpush

    config = current_app.config
    vapid = Vapid02.from_raw(config["VAPID_PRIVATE_KEY"].encode())
    subject = config["VAPID_SUBJECT"]

    def send(subscription: PushSubscription, payload: str, address: str) -> int:
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        try:
            response = webpush(
                info,
                data=payload,
                vapid_private_key=vapid,
                vapid_claims={"sub": subject},
                ttl=12 * 3600,
                timeout=10,
                requests_session=_pinned_session(subscription.endpoint, address),
            )
        except WebPushException as exc:
            return exc.status_code or 0
        except Exception:  # the push service could not be reached
            log.warning("push service unreachable for subscription %s", subscription.id)
            return 0
        return int(response.status_code)

    return send


def _pinned_session(endpoint: str, address: str) -> Any:
    """A requests session that connects to `address` whatever the name resolves to
    by then, still checking the certificate for the name (SNI and hostname)."""
    import requests
    from requests.adapters import HTTPAdapter

    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address

    class Pinned(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            kwargs["server_hostname"] = host
            kwargs["assert_hostname"] = host
            super().init_poolmanager(*args, **kwargs)

        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            url = urlsplit(request.url)
            netloc = literal + (f":{url.port}" if url.port else "")
            request.url = url._replace(netloc=netloc).geturl()
            request.headers["Host"] = url.netloc
            return super().send(request, *args, **kwargs)

    session = requests.Session()
    session.mount(f"{parts.scheme}://", Pinned())
    return session


def _checked_address(subscription: PushSubscription) -> str | None:
    """The public address to send to, checked again now; None (and a log line) when
    the endpoint is no longer acceptable or points somewhere it must not."""
    try:
        host, port, test_host = push_endpoints.check(subscription.endpoint)
        addresses = push_endpoints.public_addresses(
            host, port, test_host, push_endpoints.resolve(host, port)
        )
    except push_endpoints.EndpointRefused as exc:
        log.warning("push endpoint of subscription %s refused: %s", subscription.id, exc)
        return None
    if not addresses:
        log.warning("push endpoint of subscription %s does not resolve", subscription.id)
        return None
    return addresses[0]


@dataclass
class SendReport:
    users: int = 0
    notifications: int = 0
    failed: int = 0
    removed: int = 0
    errors: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def send_due(now: datetime | None = None, sender: PushSender | None = None) -> SendReport:
    """Send every reminder that is due, once. Safe to run as often as you like, and on
    several nodes at once (cron, or the job queue's schedule on every worker).

    Each user's due reminders are claimed first: their `ReminderSent` rows are
    inserted and committed before anything is sent, and the unique constraint lets
    only one sender claim them. If no device took the notification the claim is
    given back, so a later run tries again. An error for one user is logged and the
    others still get theirs."""
    if not current_app.config["VAPID_PRIVATE_KEY"]:
        raise RuntimeError("reminders need VAPID_PRIVATE_KEY (see docs/operations.md)")
    now = now or utcnow()
    send = sender or webpush_sender()
    report = SendReport()
    payload = notification_payload()
    user_ids = db.session.scalars(
        select(User.id).where(User.id.in_(select(PushSubscription.user_id))).order_by(User.id)
    ).all()
    for user_id in user_ids:
        try:
            _send_to(user_id, now, send, payload, report)
        except Exception:
            db.session.rollback()
            report.errors += 1
            log.exception("reminders for one user failed; going on with the others")
    prune_sent(now)
    return report


def _claim(user: User, due: list[DueReminder], now: datetime) -> list[ReminderSent] | None:
    rows = [
        ReminderSent(user_id=user.id, kind=r.kind, occurrence=r.occurrence, sent_at=now)
        for r in due
    ]
    db.session.add_all(rows)
    try:
        db.session.commit()
    except IntegrityError:  # another sender claimed them first
        db.session.rollback()
        return None
    return rows


def _send_to(
    user_id: Any, now: datetime, send: PushSender, payload: str, report: SendReport
) -> None:
    user = db.session.get(User, user_id)
    if user is None:
        return
    due = due_for(user, now)
    if not due:
        return
    claimed = _claim(user, due, now)
    if claimed is None:
        return
    report.users += 1
    try:
        delivered = _send_to_devices(user, now, send, payload, report)
    except Exception:
        db.session.rollback()
        delivered = False
        _release(claimed)
        raise
    if delivered:
        for reminder in due:
            report.kinds[reminder.kind] = report.kinds.get(reminder.kind, 0) + 1
    else:  # give the claim back: the next run tries again
        _release(claimed)
    db.session.commit()


def _release(claimed: list[ReminderSent]) -> None:
    db.session.execute(delete(ReminderSent).where(ReminderSent.id.in_([r.id for r in claimed])))
    db.session.commit()


def _send_to_devices(
    user: User, now: datetime, send: PushSender, payload: str, report: SendReport
) -> bool:
    delivered = False
    for subscription in devices(user):
        address = _checked_address(subscription)
        status = 0 if address is None else send(subscription, payload, address)
        if 200 <= status < 300:
            delivered = True
            report.notifications += 1
            subscription.failures, subscription.last_success_at = 0, now
        elif status in (404, 410):  # the browser unsubscribed or the endpoint expired
            report.removed += 1
            db.session.delete(subscription)
        else:
            report.failed += 1
            subscription.failures += 1
            if subscription.failures >= MAX_FAILURES:
                report.removed += 1
                db.session.delete(subscription)
    return delivered


def push_to_devices(user: User, payload: str, sender: PushSender | None = None) -> tuple[int, bool]:
    """Send one payload to every device of the user now: (how many devices were
    tried, whether any took it). Gone devices are dropped, as for reminders. The
    caller commits."""
    report = SendReport()
    subscriptions = devices(user)
    if not subscriptions:
        return 0, False
    send = sender or webpush_sender()
    delivered = _send_to_devices(user, utcnow(), send, payload, report)
    return len(subscriptions) - report.removed, delivered


def send_due_job() -> None:
    """The job queue's schedule: send what is due (nothing without VAPID keys)."""
    if not current_app.config["VAPID_PRIVATE_KEY"]:
        return
    report = send_due()
    log.info(
        "reminders: %d notification(s) to %d user(s), %d failed, %d error(s)",
        report.notifications,
        report.users,
        report.failed,
        report.errors,
    )


def prune_sent(now: datetime, keep: timedelta = timedelta(days=90)) -> None:
    db.session.execute(delete(ReminderSent).where(ReminderSent.sent_at < now - keep))
    db.session.commit()


def export_preferences(user: User, udk: bytes) -> dict[str, Any]:
    """The reminders as Settings shows them: the daily check-in time, the chosen
    reminders in words, and when each device was added. A device's push address and
    keys stay out: they let the push service reach the device, and tell the person
    nothing."""
    minutes = preferences(user).daily_check_in_minutes
    chosen = enabled_kinds(user)
    return {
        "daily_check_in_at": None if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}",
        "chosen": [{"kind": kind, "label": label} for kind, label in choices() if kind in chosen],
        "devices": [
            {"id": str(d.id), "added_at": d.created_at.isoformat() if d.created_at else None}
            for d in devices(user)
        ],
    }
