"""Every model, imported here so Alembic and `db.create_all` see the whole schema."""

from journal.models.audit import AuditEvent
from journal.models.entries import Draft, Entry
from journal.models.sessions import AuthSession
from journal.models.two_factor import BackupCode, TwoFactor
from journal.models.users import AccountToken, LoginThrottle, Role, User

__all__ = [
    "AccountToken",
    "AuditEvent",
    "AuthSession",
    "BackupCode",
    "Draft",
    "Entry",
    "LoginThrottle",
    "Role",
    "TwoFactor",
    "User",
]
