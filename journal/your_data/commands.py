"""Operator commands for backups and key rotation.

flask --app journal backup create PATH
flask --app journal backup restore PATH
flask --app journal keys status
flask --app journal keys rotate-pepper
flask --app journal keys rotate-udk EMAIL
flask --app journal tokens purge
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from journal.accounts import accounts
from journal.core.extensions import db
from journal.your_data import rotation
from journal.your_data.backup import BackupError, create_backup, restore_backup

backup_cli = AppGroup("backup", help="Back up and restore the database.")
keys_cli = AppGroup("keys", help="Rotate the server's pepper or one user's data key.")
tokens_cli = AppGroup("tokens", help="Emailed sign-up and start-over links.")


@tokens_cli.command("purge")
def tokens_purge() -> None:
    """Delete every used or expired emailed link (each keeps an email in clear).
    Run it daily, like `reminders send` (see docs/operations.md)."""
    removed = accounts.purge_tokens()
    click.echo(f"{removed} used or expired link(s) deleted.")


def _database_url() -> str:
    url: str = current_app.config["SQLALCHEMY_DATABASE_URI"]
    return url


@backup_cli.command("create")
@click.argument("path", type=click.Path(path_type=Path))
def backup_create(path: Path) -> None:
    """Write a consistent backup to PATH while the app keeps running."""
    try:
        click.echo(create_backup(_database_url(), path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("Keep JOURNAL_PEPPER apart from this file: the backup is useless without it.")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.confirmation_option(
    prompt="This replaces everything in the database with the backup. Stop the app first. Go on?"
)
def backup_restore(path: Path) -> None:
    """Replace the database with the backup at PATH (stop the app first)."""
    db.session.remove()
    db.engine.dispose()
    try:
        click.echo(restore_backup(_database_url(), path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc


def _echo_waiting(report: rotation.PepperReport) -> None:
    waiting = report.waiting
    if not waiting:
        click.echo("No password verifier needs an old pepper: old ones can be removed.")
        return
    for kid, count in sorted(waiting.items()):
        click.echo(
            f"{count} user(s) still have a password verifier under pepper {kid!r}: keep it in "
            "JOURNAL_PEPPER until they have logged in (run `flask keys status` to check)."
        )


@keys_cli.command("status")
def keys_status() -> None:
    """Which peppers the stored keys depend on."""
    report = rotation.pepper_status()
    click.echo(f"Current pepper: {report.current!r}")
    _echo_waiting(report)


@keys_cli.command("rotate-pepper")
def keys_rotate_pepper() -> None:
    """Move every user's wrapped keys to the current (first) pepper in JOURNAL_PEPPER."""
    report = rotation.rotate_pepper()
    click.echo(
        f"Current pepper: {report.current!r}; wrapped keys moved for {report.moved} user(s)."
    )
    _echo_waiting(report)


@keys_cli.command("rotate-udk")
@click.argument("email")
@click.option("--password", prompt="The user's password", hide_input=True)
def keys_rotate_udk(email: str, password: str) -> None:
    """Give one user a new data key; prints their new recovery key once."""
    try:
        user = accounts.user_by_email(accounts.normalise_email(email))
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    try:
        recovery = rotation.rotate_udk(user, password)
    except rotation.RotationError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"New data key for {user.email}; every device of theirs is signed out.")
    click.echo("New recovery key (shown once; the old one no longer works):")
    click.echo(f"  {recovery}")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(tokens_cli)
