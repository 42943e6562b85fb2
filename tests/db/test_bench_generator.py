"""The benchmark's generator, on a tiny clinic: the same code `make bench` runs (real
services, real encryption), small enough for every test run. wrk and gunicorn
never run here; `make bench` is separate from `make test`."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from bench.clinic import (
    PASSWORD,
    WIDE_THERAPIST_EMAIL,
    ClinicSpec,
    patient_email,
    signin_email,
    therapist_email,
    totp_file,
)
from bench.generate import (
    GENERATION_KDF,
    TOTP_SECRETS,
    bench_app,
    generate,
    make_account,
    one_transaction,
    populate,
)
from bench.text import entry_text
from journal.accounts import accounts, keys, two_factor
from journal.care.sharing import share_info
from journal.core import crypto
from journal.core.crypto import PRODUCTION_KDF
from journal.core.extensions import db
from journal.entries import entries
from journal.models.entries import Entry
from journal.models.integration import PromptAnswer, PromptState
from journal.models.kap_sessions import KapSession, SessionStatus
from journal.models.measures import MeasureResult
from journal.models.moods import CheckIn
from journal.models.sharing import CareLink, Share
from journal.models.users import Role, User


def test_tiny_clinic_has_every_account_and_entry_and_the_entries_decrypt(app: Flask) -> None:
    spec = ClinicSpec.tiny()
    with app.app_context():
        counts = populate(spec)
        assert counts["users"] == spec.users == 4
        assert counts["journal entries"] == spec.entries == 15
        assert db.session.scalar(select(func.count()).select_from(User)) == 4
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 15

        unlocked = accounts.authenticate(patient_email(1), PASSWORD)
        newest = db.session.scalars(
            select(Entry).where(Entry.user_id == unlocked.user.id).order_by(Entry.created_at)
        ).all()
        assert len(newest) == 5
        view = entries.read_entry(newest[-1], unlocked.udk)
        assert 1000 < len(view.body) < 2000
        assert view.body.encode() not in newest[-1].body_sealed
        assert unlocked.user.recovery_check is None, "generated users confirmed their key"


def test_every_step_of_the_clinic_fills_its_records_through_the_services(app: Flask) -> None:
    spec = ClinicSpec.tiny()
    with app.app_context():
        counts = populate(spec)
        patients = spec.patients
        assert counts["daily check-ins"] == patients * spec.history_days
        assert (
            db.session.scalar(select(func.count()).select_from(CheckIn))
            == counts["daily check-ins"]
        )
        assert (
            counts["questionnaires"]
            == db.session.scalar(select(func.count()).select_from(MeasureResult))
            > 0
        )
        # The done sessions plus one planned ahead for each patient.
        done = db.session.scalar(
            select(func.count()).where(KapSession.status == SessionStatus.DONE)
        )
        assert done and counts["dosing sessions"] == done + patients
        answered = db.session.scalar(
            select(func.count()).where(PromptAnswer.state == PromptState.ANSWERED)
        )
        assert counts["answered prompts"] == answered > 0
        assert counts["therapist links"] == patients
        assert db.session.scalar(select(func.count()).select_from(CareLink)) == patients
        shares = db.session.scalars(select(Share)).all()
        assert counts["shared records"] == len(shares)
        shared_tables = {s.record_table for s in shares}
        assert {"mood_checkins", "measure_results", "entries"} <= shared_tables
        # Read before the last appointment, unread since: what a brief starts from.
        assert any(s.therapist_read_at is not None for s in shares)
        assert any(s.therapist_read_at is None for s in shares)
        therapist = accounts.user_by_email(therapist_email(0))
        assert therapist is not None and two_factor.enabled(therapist)
        assert set(TOTP_SECRETS) >= {therapist_email(0)}


def test_sign_in_accounts_are_made_at_the_production_cost(app: Flask) -> None:
    spec = ClinicSpec(therapists=1, patients=0, heavy_patient=False, signin_users=1)
    with app.app_context():
        populate(spec)
        signin = accounts.user_by_email(signin_email(0))
        assert signin is not None
        assert signin.kdf_memory_kib == PRODUCTION_KDF.memory_kib
        assert app.config["KDF_PARAMS"] != PRODUCTION_KDF, "the cost is restored afterwards"
    assert GENERATION_KDF.memory_kib < PRODUCTION_KDF.memory_kib


def test_generated_text_is_deterministic_and_about_the_asked_length() -> None:
    first = entry_text(random.Random("seed"), 1500)
    again = entry_text(random.Random("seed"), 1500)
    other = entry_text(random.Random("other"), 1500)
    assert first == again
    assert first != other
    assert 1300 <= len(first[1]) <= 1700


def test_workers_on_sqlite_each_fill_a_copy_and_every_row_is_merged(tmp_path: Path) -> None:
    """Two workers write their own copies (SQLite takes one writer at a time); the
    merged database has each patient whole, as one process would have made it."""
    database = tmp_path / "clinic.sqlite3"
    url = f"sqlite:///{database}"
    spec = dataclasses.replace(ClinicSpec.tiny(), patients=4, therapists=2)
    counts, _ = generate(url, spec, workers=2)
    totp_file(url).unlink()  # the secrets file for `make bench`, not needed here
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinic.sqlite3"]  # no copies left

    app = bench_app(url)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == spec.users == 6
        assert (
            db.session.scalar(select(func.count()).select_from(CheckIn))
            == counts["daily check-ins"]
            == 4 * spec.history_days
        )
        assert (
            db.session.scalar(select(func.count()).select_from(Share)) == counts["shared records"]
        )
        assert db.session.scalar(select(func.count()).select_from(CareLink)) == 4
        for index in range(spec.patients):
            patient = accounts.authenticate(patient_email(index), PASSWORD)
            entry = db.session.scalars(
                select(Entry).where(Entry.user_id == patient.user.id)
            ).first()
            assert entry is not None
            assert len(entries.read_entry(entry, patient.udk).body) > 1000
        # A share made in a worker opens with the therapist's key from the base.
        therapist = accounts.authenticate(therapist_email(1), PASSWORD)
        share = db.session.scalars(
            select(Share).where(Share.therapist_id == therapist.user.id)
        ).first()
        assert share is not None
        private = keys.private_key(therapist.user, therapist.udk)
        assert len(crypto.open_with_private_key(private, share.sealed_dek, share_info(share))) == 32
        db.session.remove()
        db.engine.dispose()


def test_a_patient_is_one_transaction_and_a_rollback_inside_stops_generation(app: Flask) -> None:
    """Inside, a service's commit only flushes: a failure half-way leaves nothing of
    the patient behind, and a rollback (which would silently drop what came before)
    is refused."""
    with app.app_context():
        with pytest.raises(RuntimeError, match="half-way"), one_transaction():
            make_account("half@bench.example", Role.PATIENT)  # commits, as sign-up does
            raise RuntimeError("half-way")
        db.session.rollback()  # the real one again
        assert accounts.user_by_email("half@bench.example") is None

        with pytest.raises(RuntimeError, match="rolled back"), one_transaction():
            db.session.rollback()
        db.session.rollback()

        with one_transaction():
            make_account("whole@bench.example", Role.PATIENT)
        db.session.remove()
        assert accounts.user_by_email("whole@bench.example") is not None


def test_check_ins_are_dated_on_their_day_and_the_wide_therapist_has_everyone(
    app: Flask,
) -> None:
    """A check-in row is stamped with its own day (not the day of generating), so the
    timeline spreads them over the year; the wide therapist is linked to every patient
    and sees their results, for the caseload of 400."""
    spec = dataclasses.replace(ClinicSpec.tiny(), wide_therapist=True)
    with app.app_context():
        counts = populate(spec)
        assert counts["users"] == spec.users == 5
        checkins = db.session.scalars(select(CheckIn)).all()
        assert {c.created_at.date() for c in checkins} == {c.day for c in checkins}
        assert len({c.day for c in checkins}) == spec.history_days
        wide = accounts.user_by_email(WIDE_THERAPIST_EMAIL)
        assert wide is not None and two_factor.enabled(wide)
        links = db.session.scalars(select(CareLink).where(CareLink.therapist_id == wide.id)).all()
        assert len(links) == spec.patients == counts["wide caseload links"]
        shared = db.session.scalars(select(Share).where(Share.therapist_id == wide.id)).all()
        assert shared and {s.record_table for s in shared} == {"measure_results"}
