"""Backups of the database: SQLite's online backup API, or pg_dump for PostgreSQL.

A backup holds only what the database holds: ciphertext, wrapped keys, emails and
times. It is useless without the pepper (`JOURNAL_PEPPER`), which must be kept
apart from it (and backed up apart from it: without the pepper no one, not even the
users with their passwords, can open anything in the backup).
"""

from __future__ import annotations

import os
import shutil
import sqlite3

# pg_dump and pg_restore run with a fixed argument list, never through a shell.
import subprocess  # nosec B404
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    """Something the operator must fix; the message says what."""


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("This SQLite database lives in memory; there is nothing to back up.")
    return Path(url.database)


def _copy_sqlite(source: Path, target: Path) -> None:
    """Page by page through SQLite's backup API: consistent even while the app writes."""
    src = sqlite3.connect(source)
    try:
        dest = sqlite3.connect(target)
        try:
            src.backup(dest)
            check = dest.execute("PRAGMA integrity_check").fetchone()
            if not check or check[0] != "ok":
                raise BackupError(f"The copy in {target} failed SQLite's integrity check.")
        finally:
            dest.close()
    finally:
        src.close()


def libpq_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore; the password goes in the
    environment, never on a command line that `ps` shows."""
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not installed here. Install the PostgreSQL client "
            "(Debian: apt-get install postgresql-client) or run the command in docs/operations.md."
        )
    return found


def create_backup(database_url: str, target: Path) -> str:
    """Write a backup of the database to `target`; returns what was done."""
    url = make_url(database_url)
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name.")
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(_sqlite_path(url), target)
        return f"SQLite backup written to {target}"
    if url.get_backend_name() == "postgresql":
        args, env = libpq_args(url)
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args]
        subprocess.run(command, env=env, check=True, timeout=3600)  # noqa: S603  # nosec B603
        return f"PostgreSQL backup (pg_dump custom format) written to {target}"
    raise BackupError(f"No backup method for {url.get_backend_name()}.")


def restore_backup(database_url: str, source: Path) -> str:
    """Replace the database's contents with the backup's. The app must be stopped."""
    url = make_url(database_url)
    if not source.exists():
        raise BackupError(f"There is no backup at {source}.")
    if url.get_backend_name() == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(source, target)
        return f"SQLite database {target} restored from {source}"
    if url.get_backend_name() == "postgresql":
        args, env = libpq_args(url)
        command = [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *args,
            str(source),
        ]
        subprocess.run(command, env=env, check=True, timeout=3600)  # noqa: S603  # nosec B603
        return f"PostgreSQL database {url.database} restored from {source}"
    raise BackupError(f"No restore method for {url.get_backend_name()}.")
