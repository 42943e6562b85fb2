"""Many patients for one therapist, fast: rows made directly (the patients never log
in, so their key material is random bytes), each link with a name sealed to the
therapist as the service seals it."""

from __future__ import annotations

import os
import uuid
from datetime import datetime

from flask import Flask

from journal.accounts import accounts
from journal.care import care
from journal.core.extensions import db
from journal.models.sharing import CareLink
from journal.models.users import Role, User


def add_patients(
    app: Flask,
    therapist_email: str,
    names: list[str],
    appointments: dict[int, datetime] | None = None,
    prefix: str = "patient",
) -> list[uuid.UUID]:
    """One linked patient per name (<prefix>-<i>@example.com); returns their ids."""
    appointments = appointments or {}
    ids = []
    with app.app_context():
        therapist = accounts.user_by_email(therapist_email)
        assert therapist is not None
        for i, name in enumerate(names):
            patient = User(
                id=uuid.uuid4(),
                email=f"{prefix}-{i:03d}@example.com",
                role=Role.PATIENT,
                kdf_salt=os.urandom(16),
                kdf_memory_kib=therapist.kdf_memory_kib,
                kdf_iterations=therapist.kdf_iterations,
                kdf_lanes=therapist.kdf_lanes,
                pepper_kid=therapist.pepper_kid,
                verifier_kid=therapist.verifier_kid,
                verifier=os.urandom(32),
                udk_by_password=os.urandom(60),
                udk_by_recovery=os.urandom(60),
                public_key=os.urandom(32),
                public_key_mac=os.urandom(32),
                private_key_wrapped=os.urandom(60),
                time_zone="UTC",
            )
            db.session.add(patient)
            db.session.flush()  # no relationship orders the two inserts
            link = CareLink(
                id=uuid.uuid4(),
                therapist_id=therapist.id,
                patient_id=patient.id,
                next_appointment_at=appointments.get(i),
            )
            care.seal_link_name(therapist, link, name)
            db.session.add(link)
            ids.append(patient.id)
        db.session.commit()
    return ids
