"""Operator commands: `flask --app journal users create-therapist EMAIL`, `demo load`,
`shares vouch`."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

import click
import pyotp
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import delete, select

from journal.accounts import accounts, two_factor
from journal.accounts.accounts import AccountError, Unlocked
from journal.care import adaptations, care, checklist_adaptation, sharing
from journal.care.sharing import RecordRef
from journal.core.extensions import db
from journal.dosing import checklists, intentions, kap_sessions, preparation
from journal.dosing.intentions import IntentionForm
from journal.dosing.kap_sessions import SessionForm
from journal.entries import entries
from journal.entries.entries import EntryForm
from journal.jobs import commands as jobs_commands
from journal.models.entries import Entry
from journal.models.kap_sessions import KapSession
from journal.models.sharing import CareLink, Share
from journal.models.types import utcnow
from journal.models.users import Role, User
from journal.mood import moods

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Development demo data.")
reminders_cli = AppGroup("reminders", help="Web Push reminders.")
shares_cli = AppGroup("shares", help="Shared records.")
admin_cli = AppGroup("admin", help="The clinic's administrator.")

DEMO_THERAPIST = "demo-therapist@example.com"
DEMO_PATIENT = "demo-patient@example.com"
DEMO_ZONE = "Europe/Berlin"
DEMO_THERAPIST_NAME = "Dr Sam Lee (demo)"
# The name the demo therapist knows the patient by (sealed to the therapist).
DEMO_PATIENT_NAME = "Robin Avery (demo)"
# (hours from the first session's start, title, body).
DEMO_ENTRIES = [
    (
        -48,
        "Nervous but curious",
        "Nervous but curious. I want to understand the heaviness I carry in the mornings.",
    ),
    (
        8,
        "Something shifted",
        "During the session I saw a long corridor of doors. I did not "
        "need to open them. That felt new.",
    ),
    (72, "", "Walked by the river today. Noticed I was breathing slower than usual."),
]
DEMO_INTENTIONS = (
    "I want to meet the heaviness with curiosity instead of fighting it.",
    "I want to stay with the corridor and see where it leads, without hurrying.",
)
DEMO_OWN_ITEM = "Bring the drawing of the corridor you mentioned last time"


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


@admin_cli.command("create")
@click.argument("email")
@click.password_option(help="Prompted for when not given (input is hidden).")
def create_admin(email: str, password: str) -> None:
    """Create the clinic's administrator (once) and print its recovery key once. The
    first sign-in sets up two-step sign-in before anything else."""
    from sqlalchemy import select

    existing = db.session.scalar(select(User).where(User.role == Role.ADMIN))
    if existing is not None:
        raise click.ClickException(f"This clinic has an administrator already ({existing.email}).")
    try:
        unlocked = accounts.create_user(email, password, Role.ADMIN)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Administrator account created for {unlocked.user.email}.")
    click.echo("Sign in at the app's address; two-step sign-in is set up first.")
    click.echo("Recovery key (shown once; keep it offline):")
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
    """A demo therapist and a linked patient with two dosing sessions, entries, an
    adapted checklist and a few shared items, so the brief has something in it
    (development only)."""
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
    therapist = accounts.create_user(DEMO_THERAPIST, therapist_pw, Role.THERAPIST, DEMO_ZONE)
    patient = accounts.create_user(DEMO_PATIENT, patient_pw, Role.PATIENT, DEMO_ZONE)
    care.set_display_name(therapist.user, DEMO_THERAPIST_NAME)
    invitation = care.create_invitation(therapist.user, DEMO_PATIENT_NAME)
    link = care.accept_invitation(patient.user, invitation.code)
    _demo_adaptation(therapist, link)
    first, second = _demo_sessions(patient, utcnow())
    written = _demo_entries(patient, first.starts_at)
    # Shared: the entries around the first session, and for the coming one its
    # details, its checklist and the intention, so the brief groups them by session.
    refs = [RecordRef(entries.TABLE, written[0].id), RecordRef(entries.TABLE, written[1].id)]
    refs.append(RecordRef(kap_sessions.TABLE, second.id))
    checklist = checklists.checklist_of(second)
    intention = intentions.intention_of(second)
    assert checklist is not None and intention is not None
    refs.append(RecordRef(checklists.TABLE, checklist.id))
    refs.append(RecordRef(intentions.TABLE, intention.id))
    sharing.share_records(patient.user, patient.udk, link, refs)
    _demo_check_ins(patient, link, first.starts_at)
    care.set_next_appointment(therapist.user, link, second.starts_at + timedelta(days=1))
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
    from journal.reminders import reminders

    try:
        report = reminders.send_due()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{report.notifications} notification(s) to {report.users} user(s); "
        f"{report.failed} failed, {report.removed} device(s) removed"
        + (
            f", {report.errors} user(s) skipped after an error (see the log)."
            if report.errors
            else "."
        )
    )


@reminders_cli.command("vapid-keys")
def vapid_keys() -> None:
    """Print a new VAPID key pair for the production environment."""
    from journal.core import crypto

    private = crypto.new_vapid_private_key()
    click.echo(f"VAPID_PRIVATE_KEY={private}")
    click.echo(f"VAPID_PUBLIC_KEY={crypto.vapid_public_key(private)}")


DEMO_MOODS = (2, 2, 3, 2, 3, 4, 4, 3, 4, 4, 5, 4)


def _demo_check_ins(patient: Unlocked, link: CareLink, first_session: datetime) -> None:
    """A check-in a day from a week before the first session, shared as a standing
    category; those before the last appointment (two days ago) count as read, so the
    brief shows the recent ones and its sparkline the whole series."""
    sharing.enable_category(patient.user, patient.udk, link, moods.CATEGORY)
    today = moods.local_today(patient.user)
    start = today - timedelta(days=len(DEMO_MOODS))
    last_appointment = utcnow() - timedelta(days=2)
    for n, mood in enumerate(DEMO_MOODS):
        day = start + timedelta(days=n)
        checkin, _ = moods.save_checkin(
            patient.user, patient.udk, day, moods.CheckInValues(mood=mood, anxiety=6 - mood)
        )
        written = datetime.combine(day, time(20, 0), tzinfo=first_session.tzinfo)
        shared = db.session.scalars(select(Share).where(Share.record_id == checkin.id)).one()
        shared.created_at = written
        if written < last_appointment:
            shared.therapist_read_at = written
    link.last_appointment_at = last_appointment
    db.session.commit()


def _demo_entries(patient: Unlocked, first_session: datetime) -> list[Entry]:
    """Entries dated around the first session: one before it, two after."""
    written = []
    for hours, title, body in DEMO_ENTRIES:
        entry = entries.create_entry(patient.user, patient.udk, EntryForm(title=title, body=body))
        entry.created_at = entry.updated_at = first_session + timedelta(hours=hours)
        written.append(entry)
    db.session.commit()
    return written


def _demo_adaptation(therapist: Unlocked, link: CareLink) -> None:
    """The standard list with one item of the therapist's own, the day before."""
    form = checklist_adaptation.default_form()
    posted = checklist_adaptation.form_as_posted(form)
    posted[f"row-{len(form.rows) - 1}-text"] = DEMO_OWN_ITEM
    posted[f"row-{len(form.rows) - 1}-timing"] = "day_before:-1440"
    parsed = checklist_adaptation.ChecklistAdaptationForm.read(posted)
    assert parsed.data is not None, parsed.errors
    adaptations.save(therapist.user, link, checklist_adaptation.KIND, parsed.data)


def _demo_session(
    patient: Unlocked, when: datetime, status: str, position: int, adapted: bool
) -> KapSession:
    local = when.astimezone(kap_sessions.zone_of(patient.user))
    form = SessionForm(
        date=local.date().isoformat(),
        time=local.strftime("%H:%M"),
        status=status,
        route="iv",
        setting="clinic",
        series="induction",
        series_position=str(position),
        series_total="6",
    )
    checked = kap_sessions.check_form(patient.user, patient.udk, form, utcnow())
    assert checked.valid, checked.errors
    offer = None
    if adapted:
        (first,) = adaptations.offered(patient.user, checklist_adaptation.KIND)
        offer = checklist_adaptation.adapted_checklist(patient.user, patient.udk, str(first.id))
    session = preparation.plan_session(patient.user, patient.udk, checked, offer)
    return session


def _demo_sessions(patient: Unlocked, now: datetime) -> tuple[KapSession, KapSession]:
    """One done six days ago and one in two days, both at 10:00 on the patient's
    clock, each with an intention; the coming one's list is the adapted one."""
    zone = kap_sessions.zone_of(patient.user)
    today = now.astimezone(zone).date()

    def at_ten(days: int) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(10)).replace(tzinfo=zone)

    first = _demo_session(patient, at_ten(-6), "done", 1, adapted=False)
    second = _demo_session(patient, at_ten(2), "planned", 2, adapted=True)
    for session, text in zip((first, second), DEMO_INTENTIONS, strict=True):
        preparation.save_intention(session, patient.udk, IntentionForm.read({"text": text}))
    for key in ("no-alcohol-or-drugs", "tell-prescriber-medicines", "arrange-ride-home"):
        checklists.set_ticked(second, patient.udk, key, True)
    return first, second


@shares_cli.command("vouch")
def shares_vouch() -> None:
    """Once, after upgrading to share MACs: vouch for every share that has none yet,
    so therapists keep reading them until each patient next signs in."""
    click.echo(f"Vouched for {sharing.vouch_unsigned_shares()} share(s) without a MAC.")


def init_app(app: Flask) -> None:
    from journal.your_data import commands as operations_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(admin_cli)
    app.cli.add_command(shares_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(jobs_commands.jobs_cli)
    operations_cli.init_app(app)
