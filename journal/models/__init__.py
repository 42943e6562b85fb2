"""Every model, imported here so Alembic and `db.create_all` see the whole schema."""

from journal.models.audit import AuditEvent
from journal.models.checklists import Checklist
from journal.models.entries import Draft, Entry
from journal.models.intentions import Intention
from journal.models.kap_sessions import KapSession, SelfCheck, SessionLogEntry, SessionStatus
from journal.models.sessions import AuthSession
from journal.models.users import AccountToken, LoginThrottle, Role, User

__all__ = [
    "AccountToken",
    "AuditEvent",
    "AuthSession",
    "Checklist",
    "Draft",
    "Entry",
    "Intention",
    "KapSession",
    "LoginThrottle",
    "Role",
    "SelfCheck",
    "SessionLogEntry",
    "SessionStatus",
    "User",
]
