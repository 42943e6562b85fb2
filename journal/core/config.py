"""Settings from the environment.

Development generates its own secrets into the instance folder (mode 0600) so that
`make run` works on a fresh machine; production refuses to start without them,
because a generated secret on an app server would silently differ between workers
and be lost at the next deploy.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from journal.core import crypto
from journal.core.crypto import PRODUCTION_KDF


class ConfigError(RuntimeError):
    """A setting is missing or malformed; raised at start-up, never at request time."""


def _instance_secret(instance: Path, name: str) -> str:
    """Read or create a development secret; hex so it can be pasted into an env file."""
    path = instance / name
    if not path.exists():
        # The instance folder holds the secrets and the SQLite file: owner only.
        instance.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _instance_vapid_key(instance: Path) -> str:
    """Like `_instance_secret`, for the Web Push signing key (a P-256 scalar)."""
    path = instance / "vapid_private_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(crypto.new_vapid_private_key())
    return path.read_text().strip()


def vapid_settings(env: dict[str, str], instance: Path, production: bool) -> dict[str, str]:
    """Web Push keys. Reminders are optional: production without `VAPID_PRIVATE_KEY`
    runs with reminders off; development generates a key into the instance folder."""
    private = env.get("VAPID_PRIVATE_KEY", "").strip()
    if not private and not production:
        private = _instance_vapid_key(instance)
    if not private:
        return {"VAPID_PRIVATE_KEY": "", "VAPID_PUBLIC_KEY": "", "VAPID_SUBJECT": ""}
    try:
        public = crypto.vapid_public_key(private)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    given = env.get("VAPID_PUBLIC_KEY", "").strip()
    if given and given.rstrip("=") != public:
        raise ConfigError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY.")
    subject = env.get("VAPID_SUBJECT", "").strip()
    if production and not subject:
        raise ConfigError(
            "VAPID_SUBJECT is needed with VAPID_PRIVATE_KEY (mailto:care@clinic.example "
            "or the app's https:// address): push services use it to reach the operator."
        )
    if subject and not subject.startswith(("mailto:", "https://")):
        raise ConfigError("VAPID_SUBJECT must start with mailto: or https://")
    return {
        "VAPID_PRIVATE_KEY": private,
        "VAPID_PUBLIC_KEY": public,
        "VAPID_SUBJECT": subject or "mailto:operator@localhost",
    }


def parse_peppers(raw: str) -> dict[str, bytes]:
    """`JOURNAL_PEPPER` is `kid:hex[,kid:hex...]`; the first is current, the rest decrypt.

    A bare hex value is accepted as key id "p1" for the simple one-key case.
    """
    peppers: dict[str, bytes] = {}
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        kid, sep, value = part.partition(":")
        if not sep:
            kid, value = "p1", part
        try:
            key = bytes.fromhex(value)
        except ValueError as exc:
            raise ConfigError(f"JOURNAL_PEPPER key {kid!r} is not hex") from exc
        if len(key) != 32:
            raise ConfigError(f"JOURNAL_PEPPER key {kid!r} must be 32 bytes (64 hex digits)")
        if kid in peppers:
            raise ConfigError(f"JOURNAL_PEPPER repeats key id {kid!r}")
        peppers[kid] = key
    if not peppers:
        raise ConfigError("JOURNAL_PEPPER is empty")
    return peppers


# The push services browsers use (host suffixes); see journal/reminders/push_endpoints.py.
DEFAULT_PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com",  # Chrome, Edge, Opera, Samsung Internet, Android
    "updates.push.services.mozilla.com",  # Firefox
    "web.push.apple.com",  # Safari on macOS and iOS
    "notify.windows.com",  # Windows (WNS)
)


def _host_list(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return DEFAULT_PUSH_SERVICE_HOSTS
    return tuple(h.strip().strip(".").lower() for h in raw.split(",") if h.strip())


def public_url(env: dict[str, str], production: bool) -> str:
    """The address people open the app at, which every emailed link starts with.

    Links are never built from a request's Host header (anyone can send any Host, and a
    reset link pointing at their server would hand them the token) nor from anything
    stored. Required in production; development defaults to the `make run` address."""
    raw = env.get("PUBLIC_URL", "").strip()
    if not raw:
        if production:
            raise ConfigError(
                "Production needs PUBLIC_URL, the address people open the app at "
                "(https://journal.clinic.example): emailed links start with it."
            )
        raw = f"http://127.0.0.1:{env.get('PORT') or '5000'}"
    parts = urlsplit(raw)
    allowed = ("https",) if production else ("http", "https")
    if (
        parts.scheme not in allowed
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            "PUBLIC_URL must be " + ("https" if production else "http(s)") + "://host[:port] "
            f"with at most a path, got {raw!r}"
        )
    return raw.rstrip("/")


def trusted_hosts(env: dict[str, str], base: str, production: bool) -> list[str] | None:
    """The Host headers the app answers (Flask's TRUSTED_HOSTS; any other gets 400):
    in production the public address's host, plus `TRUSTED_HOSTS` (comma-separated,
    e.g. the address a load balancer's health check uses). None (any) in development,
    unless `TRUSTED_HOSTS` is given."""
    extra = [h.strip().lower() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    if not production and not extra:
        return None
    host = urlsplit(base).hostname
    return [host, *extra] if host else extra


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def load_config(instance_path: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment."""
    env = dict(os.environ if env is None else env)
    instance = Path(instance_path)
    production = env.get("JOURNAL_ENV", "development") == "production"

    secret_key = env.get("SECRET_KEY", "")
    pepper_raw = env.get("JOURNAL_PEPPER", "")
    if production:
        missing = [
            n for n, v in (("SECRET_KEY", secret_key), ("JOURNAL_PEPPER", pepper_raw)) if not v
        ]
        if missing:
            raise ConfigError(
                "Production needs " + " and ".join(missing) + " in the environment "
                "(generate each with: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        if not env.get("DATABASE_URL"):
            raise ConfigError("Production needs DATABASE_URL (postgresql+psycopg://...).")
    else:
        secret_key = secret_key or _instance_secret(instance, "secret_key")
        pepper_raw = pepper_raw or "p1:" + _instance_secret(instance, "pepper")

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'journal.sqlite3'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

    secure = production or env.get("JOURNAL_SECURE_COOKIES") == "1"
    ratelimit_uri = env.get("RATELIMIT_STORAGE_URI", "memory://")
    return {
        "JOURNAL_ENV": "production" if production else "development",
        "SECRET_KEY": secret_key,
        "JOURNAL_PEPPERS": parse_peppers(pepper_raw),
        # Emailed links start with this, never with the request's Host (journal/core/links.py).
        "PUBLIC_URL": public_url(env, production),
        "TRUSTED_HOSTS": trusted_hosts(env, public_url(env, production), production),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # No pool_pre_ping: journal/core/database.py checks a PostgreSQL connection
        # before use, most often without a round trip; a SQLite file needs no check.
        "KDF_PARAMS": PRODUCTION_KDF,
        "SESSION_IDLE_SECONDS": _int(env, "SESSION_IDLE_MINUTES", 30) * 60,
        "SESSION_ABSOLUTE_SECONDS": _int(env, "SESSION_ABSOLUTE_HOURS", 12) * 3600,
        # How long a confirmed password (and code) lets a session change credentials.
        "STEP_UP_SECONDS": _int(env, "STEP_UP_MINUTES", 5) * 60,
        "AUTH_COOKIE_NAME": "__Host-ft_session" if secure else "ft_session",
        "SESSION_COOKIE_NAME": "__Host-ft_flask" if secure else "ft_flask",
        # Marks a browser that signed in before (a random token; accounts.known_device).
        "DEVICE_COOKIE_NAME": "__Host-ft_device" if secure else "ft_device",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the signed session cookie
        "WTF_CSRF_SSL_STRICT": production,
        "RATELIMIT_STORAGE_URI": ratelimit_uri,
        # Redis down: count in this process's memory (and log it) rather than answer 500;
        # /readyz says so. Short timeouts, so a dead Redis does not stall each request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": (
            {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
            if ratelimit_uri.startswith(("redis://", "rediss://"))
            else {}
        ),
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") != "0",
        "RATELIMIT_HEADERS_ENABLED": False,
        # The job queue's storage (journal/jobs): a SQLite file, or redis://... in production.
        "JOBS_URL": env.get("JOBS_URL", f"sqlite:///{instance / 'jobs.sqlite3'}"),
        # Seconds before a failed job's first retry (it doubles each time).
        "JOBS_RETRY_DELAY": _int(env, "JOBS_RETRY_DELAY", 10),
        # Run each job right after it is queued, in the same thread, through the real
        # storage (the tests: what a request queued is done when it answers).
        "JOBS_EAGER": env.get("JOBS_EAGER") == "1" and not production,
        # Key derivations (Argon2id, 64 MiB each) at once per process, and how long a
        # sign-in waits for one before "busy, try again" (503).
        "KDF_CONCURRENCY": _int(env, "KDF_CONCURRENCY", max(1, os.cpu_count() or 1)),
        "KDF_WAIT_SECONDS": _int(env, "KDF_WAIT_SECONDS", 3),
        # One JSON object per log line (journal/core/logs.py); on by default in production.
        "LOG_JSON": env.get("LOG_FORMAT", "json" if production else "text") == "json",
        # A line per request: method, path without the query, status, time (never content).
        "ACCESS_LOG": env.get("ACCESS_LOG", "1" if production else "0") == "1",
        "ENTRY_MAX_CHARS": _int(env, "ENTRY_MAX_CHARS", 50_000),
        "ENTRIES_PER_PAGE": _int(env, "ENTRIES_PER_PAGE", 20),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if production else "outbox"),
        "MAIL_OUTBOX_DIR": env.get("MAIL_OUTBOX_DIR", str(instance / "outbox")),
        "MAIL_SMTP_HOST": env.get("MAIL_SMTP_HOST", "localhost"),
        "MAIL_SMTP_PORT": _int(env, "MAIL_SMTP_PORT", 587),
        "MAIL_SMTP_USER": env.get("MAIL_SMTP_USER", ""),
        "MAIL_SMTP_PASSWORD": env.get("MAIL_SMTP_PASSWORD", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "Fresh Tracks <no-reply@localhost>"),
        "CRISIS_REGION": env.get("CRISIS_REGION", "US"),
        "QUESTIONNAIRE_INTERVAL_DAYS": _int(env, "QUESTIONNAIRE_INTERVAL_DAYS", 14),
        # Never due sooner than the period a questionnaire asks about (two weeks for
        # the PHQ-9 and GAD-7); a clinic that wants otherwise sets this to 0.
        "QUESTIONNAIRE_RESPECT_WINDOW": env.get("QUESTIONNAIRE_RESPECT_WINDOW", "1") != "0",
        # One JSON file per questionnaire (journal/content/instruments/ by default).
        "INSTRUMENTS_DIR": env.get(
            "INSTRUMENTS_DIR", str(Path(__file__).resolve().parents[1] / "content" / "instruments")
        ),
        # How many proxies in front set X-Forwarded-For/-Proto (journal/proxies.py).
        # 0 trusts none: a client could otherwise choose the address it is limited by.
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        **vapid_settings(env, instance, production),
        # Push endpoints come from browsers; the server posts to them, so only https
        # (a test's local stand-in for a push service turns this on).
        "PUSH_ALLOW_HTTP_ENDPOINTS": env.get("PUSH_ALLOW_HTTP_ENDPOINTS") == "1" and not production,
        # The push services the server posts to: host suffixes at a dot boundary
        # (journal/reminders/push_endpoints.py). Comma-separated to override.
        "PUSH_SERVICE_HOSTS": _host_list(env.get("PUSH_SERVICE_HOSTS")),
        # Exact hosts of a test's local stand-in push service; never in production.
        "PUSH_TEST_HOSTS": (),
        "REMINDER_WINDOW_MINUTES": _int(env, "REMINDER_WINDOW_MINUTES", 180),
        # A safety flag not acknowledged this many hours after it was raised is
        # "overdue": its patient heads the caseload, in red (docs/operations.md).
        "SAFETY_FLAG_OVERDUE_HOURS": _int(env, "SAFETY_FLAG_OVERDUE_HOURS", 24),
        # The benchmark's Server-Timing header (journal/server_timing.py); never in production.
        "SERVER_TIMING": env.get("BENCH_SERVER_TIMING") == "1" and not production,
    }
