"""Outgoing mail. Messages hold links and plain notices, never health details.

Backends: `smtp` for production; `outbox` writes each message as a file into the
instance folder, so development and tests read real messages without a server.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> None:
    config = current_app.config
    msg = EmailMessage()
    msg["From"] = config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    backend = config["MAIL_BACKEND"]
    if backend == "outbox":
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / f"{uuid.uuid4()}.eml").write_bytes(bytes(msg))
        current_app.logger.info("mail written to %s (subject: %s)", outbox, subject)
    elif backend == "smtp":
        with smtplib.SMTP(config["MAIL_SMTP_HOST"], config["MAIL_SMTP_PORT"], timeout=10) as smtp:
            smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_SMTP_USER"]:
                smtp.login(config["MAIL_SMTP_USER"], config["MAIL_SMTP_PASSWORD"])
            smtp.send_message(msg)
    else:
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")
