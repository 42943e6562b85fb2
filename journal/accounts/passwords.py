"""Password policy: length and zxcvbn strength (its dictionaries hold the common
passwords, so the repository keeps no list of its own)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_SCORE = 3


def password_problems(password: str, *, email: str = "") -> list[str]:
    """Messages a person can act on; empty when the password is acceptable."""
    if len(password) < MIN_LENGTH:
        return [_("Use at least %(num)d characters.", num=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_("Use at most %(num)d characters.", num=MAX_LENGTH)]
    user_inputs = [email, email.split("@")[0], "fresh", "tracks", "ketamine"]
    # zxcvbn is slow on long inputs and gains nothing past 100 characters.
    result = zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])
    if result["score"] >= MIN_SCORE:
        return []
    feedback = result.get("feedback") or {}
    hints = [feedback.get("warning") or "", *list(feedback.get("suggestions") or [])]
    # zxcvbn's own hints are in English only: other languages get the advice alone.
    hints = [h for h in hints if h] if _language() == "en" else []
    return [_("This password is too easy to guess. A few unrelated words work well."), *hints[:2]]


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"
