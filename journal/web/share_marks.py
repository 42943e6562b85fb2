"""The "shared with … · read by …" marks under a patient's own records, whether there
is anyone to share with and the appointments their therapists set: template helpers
every domain's pages use.

A page that lists records calls `prefetch_share_marks` once, so the template's
`share_marks_for` per record runs no query; a page with one record lets the template
load its marks alone. Both are cached on `g` for the request.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from flask import Flask, g
from flask_login import current_user

from journal.care import care, safety_signals, sharing
from journal.models.sharing import CareLink
from journal.web.identity import user


def _patient_links() -> list[CareLink]:
    """The signed-in patient's links, once per request (none for anyone else)."""
    if not current_user.is_authenticated or current_user.is_therapist:
        return []
    _load_links()
    links: list[CareLink] = g.care_links
    return links


def _therapist_names() -> dict[uuid.UUID, str]:
    """The names the signed-in patient's therapists show, read with their links."""
    _load_links()
    names: dict[uuid.UUID, str] = g.care_names
    return names


def _load_links() -> None:
    if "care_links" not in g:
        g.care_links, g.care_names = care.links_of_patient_named(user())


def care_can_share() -> bool:
    """True for a patient with at least one therapist to share with."""
    return bool(_patient_links())


def patient_appointments() -> list[care.PatientAppointment]:
    """The upcoming appointments the patient's therapists set, soonest first."""
    links = _patient_links()
    return care.patient_appointments(links, names=_therapist_names() if links else None)


def prefetch_share_marks(table: str, record_ids: Iterable[uuid.UUID]) -> None:
    """For a page that lists records of one type: their marks in one go."""
    prefetch_share_marks_of({table: record_ids})


def prefetch_share_marks_of(wanted: Mapping[str, Iterable[uuid.UUID]]) -> None:
    """For a page that shows records of a few types (table → ids): their marks in one
    statement."""
    if not current_user.is_authenticated or current_user.is_therapist:
        return
    asked: dict[str, list[uuid.UUID]] = {}
    for table, record_ids in wanted.items():
        loaded = _marks_loaded(table)
        ids = [i for i in record_ids if i not in loaded]
        if ids:  # each card of a prefetched list asks again
            asked[table] = ids
    if not asked:
        return
    found = sharing.share_marks(user(), asked, _therapist_names)
    for table, ids in asked.items():
        g.care_share_marks[table].update(found.get(table, {}))
        _marks_loaded(table).update(ids)


def _marks_loaded(table: str) -> set[uuid.UUID]:
    g.setdefault("care_share_marks", {}).setdefault(table, {})
    loaded: dict[str, set[uuid.UUID]] = g.setdefault("care_share_marks_loaded", {})
    return loaded.setdefault(table, set())


def share_marks_for(table: str, record_id: uuid.UUID) -> list[sharing.ShareMark]:
    """The marks of one of the patient's items: loaded for this record alone unless
    its page prefetched them."""
    if not current_user.is_authenticated or current_user.is_therapist:
        return []
    prefetch_share_marks(table, [record_id])
    marks: list[sharing.ShareMark] = g.care_share_marks[table].get(record_id, [])
    return marks


def told_of_signal(result_id: uuid.UUID) -> list[str]:
    """The names of the therapists a safety signal for this result of the patient's
    went to (their choice, see `journal.care.safety_signals`)."""
    if not current_user.is_authenticated or current_user.is_therapist:
        return []
    return safety_signals.told_of(user(), result_id)


def init_app(app: Flask) -> None:
    app.add_template_global(care_can_share, "care_can_share")
    app.add_template_global(patient_appointments, "patient_appointments")
    app.add_template_global(share_marks_for, "share_marks_for")
    app.add_template_global(told_of_signal, "told_of_signal")
