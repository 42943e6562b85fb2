"""Every model, imported here so Alembic and `db.create_all` see the whole schema."""

from journal.models.audit import AuditEvent
from journal.models.entries import Draft, Entry
from journal.models.measures import MeasureResult, SafetyPlan
from journal.models.moods import CheckIn
from journal.models.sessions import AuthSession
from journal.models.users import AccountToken, LoginThrottle, Role, User

__all__ = [
    "AccountToken",
    "AuditEvent",
    "AuthSession",
    "CheckIn",
    "Draft",
    "Entry",
    "LoginThrottle",
    "MeasureResult",
    "Role",
    "SafetyPlan",
    "User",
]
