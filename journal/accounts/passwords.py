"""Password policy: length and zxcvbn strength (its dictionaries hold the common
passwords, so the repository keeps no list of its own)."""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_SCORE = 3


def password_problems(password: str, *, email: str = "") -> list[str]:
    """Messages a person can act on; empty when the password is acceptable."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    user_inputs = [email, email.split("@")[0], "fresh", "tracks", "ketamine"]
    # zxcvbn is slow on long inputs and gains nothing past 100 characters.
    result = zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])
    if result["score"] >= MIN_SCORE:
        return []
    feedback = result.get("feedback") or {}
    hints = [feedback.get("warning") or "", *list(feedback.get("suggestions") or [])]
    hints = [h for h in hints if h]
    return ["This password is too easy to guess. A few unrelated words work well.", *hints[:2]]
