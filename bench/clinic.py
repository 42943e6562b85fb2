"""What the benchmark's clinic holds, and the fixed settings the generator and the
benchmarked server share (so a server started later can read what was generated).

The pepper and secret key below are public, made for this benchmark only: a bench
database must never hold anyone's real data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"
RESULTS_DIR = BENCH_DIR / "results"
DEFAULT_SQLITE_URL = f"sqlite:///{DATA_DIR / 'clinic.sqlite3'}"

PASSWORD = "bench-lantern-meadow-copper-harbor-42"  # noqa: S105 (public, bench only)
DOMAIN = "bench.example"
HEAVY_EMAIL = f"heavy-patient@{DOMAIN}"

# Never a real deployment's values: they exist so generation and serving agree.
BENCH_ENV = {
    "JOURNAL_PEPPER": "bench:" + "5a" * 32,
    "SECRET_KEY": "b3" * 32,
    "MAIL_BACKEND": "outbox",
    "MAIL_OUTBOX_DIR": str(DATA_DIR / "outbox"),
}


def totp_file(database_url: str) -> Path:
    """Where the generator keeps the therapists' TOTP secrets for `make bench` to sign
    in with (therapists must use two-step sign-in); one file per bench database."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:12]
    return DATA_DIR / f"totp-{digest}.json"


def therapist_email(index: int) -> str:
    return f"therapist-{index:02d}@{DOMAIN}"


def patient_email(index: int) -> str:
    return f"patient-{index:03d}@{DOMAIN}"


def signin_email(index: int) -> str:
    return f"signin-{index:02d}@{DOMAIN}"


# A therapist linked to every patient of the clinic (400 in the full one), each sharing
# their questionnaire results: the caseload's 400-patient page, beside therapist-00's
# 20 patients.
WIDE_THERAPIST_EMAIL = f"caseload-all@{DOMAIN}"


@dataclass(frozen=True)
class ClinicSpec:
    """The clinic of issue 9: 20 therapists, 400 patients with a year each, one heavy
    patient with five years, and accounts kept at production cost for sign-in."""

    therapists: int = 20
    patients: int = 400
    entries_per_year: int = 120
    entry_chars: int = 1500
    history_days: int = 365
    heavy_patient: bool = True
    heavy_years: int = 5
    # Created at the production Argon2id cost, so the sign-in scenario measures what a
    # returning user costs (a generated user's first login would also upgrade its cost).
    signin_users: int = 16
    checkins_per_day: int = 1
    dosing_sessions_per_year: int = 12
    questionnaires_per_year: int = 26
    shared_fraction: float = 0.5
    seed: int = 9
    wide_therapist: bool = True

    @classmethod
    def tiny(cls) -> ClinicSpec:
        """For the smoke test: the same code paths on two months of history, in a
        few seconds."""
        return cls(
            therapists=1,
            patients=3,
            entries_per_year=30,
            history_days=61,
            heavy_patient=False,
            signin_users=0,
            wide_therapist=False,
        )

    @classmethod
    def small(cls) -> ClinicSpec:
        """Enough for the sign-in burst alone (`--clinic small`): eight writers with two
        weeks each, and the sign-in accounts at production cost."""
        return cls(
            therapists=1,
            patients=8,
            entries_per_year=120,
            history_days=14,
            heavy_patient=False,
            wide_therapist=False,
        )

    @classmethod
    def quick(cls, patients: int) -> ClinicSpec:
        """The full clinic's patients (a year each, and the heavy one) but only
        `patients` of them, twenty to a therapist (`--patients N`)."""
        return cls(patients=patients, therapists=max(1, round(patients / 20)))

    @property
    def users(self) -> int:
        extra = int(self.heavy_patient) + int(self.wide_therapist)
        return self.therapists + self.patients + extra + self.signin_users

    @property
    def entries(self) -> int:
        heavy = self.entries_per_year * self.heavy_years if self.heavy_patient else 0
        return self.patients * round(self.entries_per_year * self.history_days / 365) + heavy

    def therapist_of(self, patient_index: int) -> str:
        return therapist_email(patient_index % self.therapists)
