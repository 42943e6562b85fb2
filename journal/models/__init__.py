"""Every model, imported here so Alembic and `db.create_all` see the whole schema."""

from journal.models.adaptations import Adaptation
from journal.models.audit import AuditEvent
from journal.models.checklists import Checklist
from journal.models.entries import Draft, Entry
from journal.models.idempotency import IdempotencyKey
from journal.models.integration import (
    AfterEffect,
    PromptAnswer,
    PromptDraft,
    PromptSchedule,
    PromptState,
)
from journal.models.intentions import Intention
from journal.models.jobs import FailedJob, MailRequest
from journal.models.kap_sessions import KapSession, SelfCheck, SessionLogEntry, SessionStatus
from journal.models.measures import MeasureResult, SafetyPlan
from journal.models.moods import CheckIn
from journal.models.reminders import PushSubscription, ReminderPreference, ReminderSent
from journal.models.safety_flags import SafetyCheck, SafetyFlagAcknowledgement
from journal.models.sessions import AuthSession, KnownDevice
from journal.models.sharing import (
    AccessLogEntry,
    CareInvitation,
    CareLink,
    Share,
    StandingShare,
    TherapistProfile,
)
from journal.models.two_factor import BackupCode, TwoFactor
from journal.models.users import AccountToken, LoginThrottle, Role, User

__all__ = [
    "AccessLogEntry",
    "AccountToken",
    "Adaptation",
    "AfterEffect",
    "AuditEvent",
    "AuthSession",
    "BackupCode",
    "CareInvitation",
    "CareLink",
    "CheckIn",
    "Checklist",
    "Draft",
    "Entry",
    "FailedJob",
    "IdempotencyKey",
    "Intention",
    "KapSession",
    "KnownDevice",
    "LoginThrottle",
    "MailRequest",
    "MeasureResult",
    "PromptAnswer",
    "PromptDraft",
    "PromptSchedule",
    "PromptState",
    "PushSubscription",
    "ReminderPreference",
    "ReminderSent",
    "Role",
    "SafetyCheck",
    "SafetyFlagAcknowledgement",
    "SafetyPlan",
    "SelfCheck",
    "SessionLogEntry",
    "SessionStatus",
    "Share",
    "StandingShare",
    "TherapistProfile",
    "TwoFactor",
    "User",
]
