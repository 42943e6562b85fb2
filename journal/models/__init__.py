"""Every model, imported here so Alembic and `db.create_all` see the whole schema."""

from journal.models.audit import AuditEvent
from journal.models.entries import Draft, Entry
from journal.models.idempotency import IdempotencyKey
from journal.models.reminders import PushSubscription, ReminderPreference, ReminderSent
from journal.models.sessions import AuthSession
from journal.models.users import AccountToken, LoginThrottle, Role, User

__all__ = [
    "AccountToken",
    "AuditEvent",
    "AuthSession",
    "Draft",
    "Entry",
    "IdempotencyKey",
    "LoginThrottle",
    "PushSubscription",
    "ReminderPreference",
    "ReminderSent",
    "Role",
    "User",
]
