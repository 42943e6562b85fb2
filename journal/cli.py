"""Operator commands: `flask --app journal users create-therapist EMAIL`, `demo load`."""

from __future__ import annotations

import secrets

import click
import pyotp
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import delete

from journal.extensions import db
from journal.models.users import Role, User
from journal.services import accounts, care, entries, sharing, two_factor
from journal.services.accounts import AccountError
from journal.services.entries import EntryForm

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Development demo data.")
reminders_cli = AppGroup("reminders", help="Web Push reminders.")

DEMO_THERAPIST = "demo-therapist@example.com"
DEMO_PATIENT = "demo-patient@example.com"
DEMO_ENTRIES = [
    (
        "Before the first session",
        "Nervous but curious. I want to understand the heaviness I carry in the mornings.",
    ),
    ("", "Walked by the river today. Noticed I was breathing slower than usual."),
    (
        "Something shifted",
        "During the session I saw a long corridor of doors. I did not "
        "need to open them. That felt new.",
    ),
]


@users_cli.command("create-therapist")
@click.argument("email")
@click.password_option(help="Prompted for when not given (input is hidden).")
def create_therapist(email: str, password: str) -> None:
    """Create a therapist account and print its recovery key once."""
    try:
        unlocked = accounts.create_user(email, password, Role.THERAPIST)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Therapist account created for {unlocked.user.email}.")
    click.echo("Recovery key (shown once; give it to the therapist to keep offline):")
    click.echo(f"  {unlocked.recovery_key}")


def _passphrase() -> str:
    words = [
        "river",
        "lantern",
        "meadow",
        "copper",
        "harbor",
        "quiet",
        "maple",
        "orbit",
        "velvet",
        "canyon",
        "ember",
        "willow",
        "falcon",
        "pebble",
        "saffron",
        "tundra",
    ]
    return "-".join(secrets.choice(words) for _ in range(4)) + f"-{secrets.randbelow(100)}"


@demo_cli.command("load")
@click.option("--reset", is_flag=True, help="Delete the demo accounts first.")
def load_demo(reset: bool) -> None:
    """A demo therapist and a linked patient with a few entries, one shared (development only)."""
    if current_app.config["JOURNAL_ENV"] == "production":
        raise click.ClickException(
            "The demo clinic is for development only; refused in production."
        )
    if reset:
        db.session.execute(delete(User).where(User.email.in_([DEMO_THERAPIST, DEMO_PATIENT])))
        db.session.commit()
    if accounts.user_by_email(DEMO_PATIENT) or accounts.user_by_email(DEMO_THERAPIST):
        raise click.ClickException(
            "Demo accounts exist already; run with --reset to make them anew."
        )
    therapist_pw, patient_pw = _passphrase(), _passphrase()
    therapist = accounts.create_user(DEMO_THERAPIST, therapist_pw, Role.THERAPIST)
    patient = accounts.create_user(DEMO_PATIENT, patient_pw, Role.PATIENT)
    written = [
        entries.create_entry(patient.user, patient.udk, EntryForm(title=title, body=body))
        for title, body in DEMO_ENTRIES
    ]
    # Linked, with the last entry shared, so the therapist's brief has something in it.
    link = care.accept_invitation(patient.user, care.create_invitation(therapist.user).code)
    sharing.share_records(
        patient.user, patient.udk, link, [sharing.RecordRef(entries.TABLE, written[-1].id)]
    )
    # Therapists always use two-step sign-in: the demo one has it on already, with a
    # key for an authenticator app and backup codes that work without one.
    enrolment = two_factor.pending_enrolment(therapist.user, therapist.udk)
    backup = two_factor.confirm_enrolment(
        therapist.user, therapist.udk, pyotp.TOTP(enrolment.secret).now()
    )
    click.echo("Demo clinic loaded. Log in at the app's address with:")
    click.echo(f"  therapist  {DEMO_THERAPIST}  {therapist_pw}")
    click.echo(f"  patient    {DEMO_PATIENT}  {patient_pw}")
    click.echo("The therapist's two-step sign-in: add this key to an authenticator app,")
    click.echo(f"  {enrolment.grouped_secret}")
    click.echo("or use one of these one-time backup codes:")
    for code in backup[:3]:
        click.echo(f"  backup code  {code}")


@reminders_cli.command("send")
def send_reminders() -> None:
    """Send the reminders that are due now (run every few minutes from cron or a
    systemd timer; what went out is recorded, so repeated runs send nothing twice)."""
    from journal.services import reminders

    try:
        report = reminders.send_due()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{report.notifications} notification(s) to {report.users} user(s); "
        f"{report.failed} failed, {report.removed} device(s) removed."
    )


@reminders_cli.command("vapid-keys")
def vapid_keys() -> None:
    """Print a new VAPID key pair for the production environment."""
    from journal import crypto

    private = crypto.new_vapid_private_key()
    click.echo(f"VAPID_PRIVATE_KEY={private}")
    click.echo(f"VAPID_PUBLIC_KEY={crypto.vapid_public_key(private)}")


def init_app(app: Flask) -> None:
    from journal import operations_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(reminders_cli)
    operations_cli.init_app(app)
