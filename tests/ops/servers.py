"""The app as the two-server test runs it in gunicorn and `flask jobs worker`: the
environment's settings, plus the tests' cheap key derivation and their local stand-in
push service (allowed by exact host, as in tests/web/test_reminders.py)."""

from __future__ import annotations

from flask import Flask

from journal import create_app
from journal.core.crypto import TEST_KDF


def create() -> Flask:
    return create_app(
        {
            "KDF_PARAMS": TEST_KDF,
            "PUSH_ALLOW_HTTP_ENDPOINTS": True,
            "PUSH_TEST_HOSTS": ("127.0.0.1",),
        }
    )
