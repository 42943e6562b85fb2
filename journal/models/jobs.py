"""What the job queue needs in the database: mail waiting to leave, and jobs that
failed for good (the operator's list).

Neither holds health data. A mail request holds the address it goes to and which
message it is; the message itself (and any link's token) is made by the job.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from journal.core.extensions import db
from journal.models.types import UTCDateTime, utcnow


class MailRequest(db.Model):  # type: ignore[name-defined,misc]
    """One message somebody asked for (a sign-up link, a start-over link, an
    invitation code a therapist sends a patient).

    The request only records it; the job decides what to send (a sign-up link or
    "you already have an account"), so the request does the same work whether or
    not the address has an account. `claimed_at` is set, and committed, before the
    message is sent: a duplicated job finds it claimed and sends nothing."""

    __tablename__ = "mail_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254))
    # No link here: the job makes it from PUBLIC_URL and the kind (account_mail.LINK_PATHS).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # An invitation's code, which the database otherwise never holds: sealed under a
    # key from the pepper named by `secret_kid` and bound to this row, wiped once sent.
    secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    secret_kid: Mapped[str | None] = mapped_column(String(32))
    # The page's language when it was asked for ("en", "es"): the message is written in
    # it, unless the address has an account with a language of its own.
    language: Mapped[str | None] = mapped_column(String(8))


class FailedJob(db.Model):  # type: ignore[name-defined,misc]
    """A job that failed on every retry: its name, its ids and the kind of error (never
    the error's text, which could quote an address or a server's answer)."""

    __tablename__ = "failed_jobs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(80))
    args: Mapped[str] = mapped_column(String(400))
    error: Mapped[str] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
