"""The benchmark's generator, on a tiny clinic: the same code `make bench` runs (real
services, real encryption), small enough for every test run. wrk and gunicorn
never run here; `make bench` is separate from `make test`."""

from __future__ import annotations

import random

from flask import Flask
from sqlalchemy import func, select

from bench.clinic import PASSWORD, ClinicSpec, patient_email, signin_email
from bench.generate import GENERATION_KDF, PATIENT_STEPS, populate
from bench.text import entry_text
from journal.config import PRODUCTION_KDF
from journal.extensions import db
from journal.models.entries import Entry
from journal.models.users import User
from journal.services import accounts, entries


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


def test_features_not_on_this_branch_are_reported_as_not_yet_built(app: Flask) -> None:
    with app.app_context():
        counts = populate(ClinicSpec.tiny())
    built = {name for name, _ in PATIENT_STEPS if not counts.get(f"{name} (not yet built)")}
    assert "journal entries" in built


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
