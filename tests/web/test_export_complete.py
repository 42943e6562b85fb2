"""The export is complete: every row a patient owns, in every table (read from the
schema, so a table added later is held to it), is named in the JSON export; and the
printable export says everything in words, never a stored key."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from journal.content import ROUTE_LABELS, ROUTES, SETTINGS, load_after_effects, load_prompt_set
from journal.core.extensions import db
from journal.models.types import utcnow
from journal.mood.moods import SCALES
from tests.pages import csrf_token, markup, words
from tests.web.test_deletion import _fill_every_table, _fk_paths

# Every table holding a patient's own rows, and the column whose value the export
# carries for each row (its id, where it has one).
EXPORTED: dict[str, str] = {
    "entries": "id",
    "drafts": "id",
    "kap_sessions": "id",
    "checklists": "id",
    "intentions": "id",
    "session_log_entries": "id",
    "self_checks": "id",
    "measure_results": "id",
    "safety_plans": "id",
    "mood_checkins": "id",
    "prompt_schedules": "id",
    "prompt_answers": "id",
    "prompt_drafts": "prompt_answer_id",
    "after_effects": "id",
    "care_links": "id",
    "shares": "id",
    "standing_shares": "id",
    "access_log": "id",
    "audit_events": "id",
    "push_subscriptions": "id",
}
# Exported, but named by what it holds rather than an id.
EXPORTED_AS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "users": lambda data: data["account"]["email"] == "ada@example.com",
    "reminder_preferences": lambda data: data["reminders"]["daily_check_in_at"] == "09:00",
    "care_link_endings": lambda data: bool(data["care_team"]["ended_by_clinic"]),
}
# Tables with rows of the patient that the export leaves out, with the reason.
NOT_EXPORTED = {
    "auth_sessions": "signed-in devices: a sealed key per session (a credential); "
    "each sign-in is in security_log",
    "known_devices": "a peppered token per device for the new-device notice (a credential)",
    "two_factor": "the authenticator secret (a credential)",
    "backup_codes": "hashes of one-time backup codes (credentials)",
    "account_tokens": "hashes of emailed links (credentials)",
    "idempotency_keys": "which writes were already saved, kept for hours (machinery)",
    "reminders_sent": "which reminders went out, so that none goes twice (machinery)",
    "adaptations": "the therapist's own work, sealed for both; what the patient got from "
    "it is in dosing_sessions[].checklist and prompt_schedules (with adapted_by)",
    "safety_flag_acknowledgements": "the therapist's act; the patient sees it as an "
    "access_log row (via acknowledge)",
    "safety_checks": "the therapist's own sealed note about a shared result",
    "care_invitations": "the therapist's invitation; the link it made is in care_team.links",
    "therapist_profiles": "a therapist's own name, shown to patients as care_team therapist",
    "caseload_summaries": "the therapist's own sealed counts for their patients list, "
    "made from what is in care_team.shares",
    "caseload_orders": "the therapist's own sealed order of their patients list",
    "brief_digests": "the therapist's own sealed digest of their brief (the mood series), "
    "made from what is in care_team.shares",
    "safety_signals": "the flag, instrument and time sealed to the therapist; the result "
    "itself is in measure_results and the choice in care_team.standing_shares",
}
# Tables that belong to no one account (see tests/web/test_deletion.py).
NOT_PER_USER = {"login_throttle", "alembic_version", "mail_requests", "failed_jobs"}


def _owned_values(app: Flask, user_id: uuid.UUID) -> dict[str, set[str]]:
    """For every table: the value of its export column (or primary key) in each row
    that belongs to the user through any chain of foreign keys."""
    found: dict[str, set[str]] = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name == "users":
                continue
            column = table.c[EXPORTED[table.name]] if table.name in EXPORTED else None
            key = [column] if column is not None else list(table.primary_key.columns)
            values: set[str] = set()
            for path in _fk_paths(table):
                # Only chains that go through the patient's own column: a row that
                # names the patient as its therapist is someone else's.
                query = select(*key).select_from(table)
                for fk in path[:-1]:
                    query = query.join(fk.column.table, fk.parent == fk.column)
                query = query.where(path[-1].parent == user_id)
                values |= {" ".join(str(v) for v in row) for row in db.session.execute(query)}
            found[table.name] = values
    return found


def _export(client: Any) -> dict[str, Any]:
    response = client.post(
        "/settings/export/json", data={"csrf_token": csrf_token(client, "/settings/export")}
    )
    assert response.status_code == 200
    data: dict[str, Any] = json.loads(response.get_data())
    return data


def test_every_table_is_exported_or_says_why_not(app: Flask) -> None:
    tables = {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
    named = set(EXPORTED) | set(EXPORTED_AS) | set(NOT_EXPORTED) | NOT_PER_USER
    assert tables - named == set(), "say whether the export carries these tables"
    assert named - tables == set(), "these tables no longer exist"


def test_the_json_export_names_every_row_the_patient_owns(app: Flask) -> None:
    """Ada with a row in every table (the deletion test's world): each of her rows in
    every exported table is in her export, and each table has at least one of them
    (so a section that stops exporting, or a test that stops making the row, fails)."""
    world = _fill_every_table(app)
    ada_id = uuid.UUID(world.ids["ada"])
    owned = _owned_values(app, ada_id)
    data = _export(world.ada)
    text = json.dumps(data)
    missing = {}
    for table, column in EXPORTED.items():
        assert owned[table], f"the test made no {table} row for Ada"
        left_out = {v for v in owned[table] if v not in text}
        if left_out:
            missing[table] = f"{len(left_out)} of {len(owned[table])} ({column})"
    assert missing == {}, "rows the JSON export leaves out"
    for table, check in EXPORTED_AS.items():
        assert check(data), f"{table} is not in the export"


def test_the_export_carries_what_the_patient_sees_beside_each_record(app: Flask) -> None:
    world = _fill_every_table(app)
    ada = world.ada
    token = csrf_token(ada, "/journal/")
    tagged = ada.post(
        "/journal/",
        data={
            "title": "Tagged",
            "body": "With a session.",
            "tags": "dad, river",
            "session": world.ids["done_session"],
            "csrf_token": token,
        },
    )
    assert tagged.status_code in (302, 303)
    data = _export(ada)
    entry = next(e for e in data["entries"] if e["title"] == "Tagged")
    assert entry["tags"] == ["dad", "river"]
    assert entry["session_id"] == world.ids["done_session"]
    session = next(s for s in data["dosing_sessions"] if s["id"] == world.ids["kap_session"])
    assert session["route_label"] == ROUTE_LABELS["oral"]
    assert session["status_label"] == "Coming up"
    assert session["checklist"]["items"] and session["intention"]["text"] == "To rest."
    [schedule] = [
        s for s in data["prompt_schedules"] if s["session_id"] == world.ids["done_session"]
    ]
    assert any(p["text"] == "Tom's own question for Ada?" for p in schedule["prompts"])
    [draft] = data["prompt_answer_drafts"]
    assert draft["text"] == "half an answer" and draft["prompt"]
    assert data["self_check"]["questions"][0]["question"]
    assert {s["title"] for s in data["safety_plan"]["steps"]} and "Call Sam." in json.dumps(
        data["safety_plan"]["steps"]
    )
    assert data["reminders"]["daily_check_in_at"] == "09:00"
    result = data["measure_results"][0]
    assert {r["name"] for r in data["measure_results"]} == {"PHQ-9"}
    assert len(result["questions"]) == 9
    assert result["questions"][8]["question"].startswith("Thoughts that you would be better off")
    assert {q["answer"] for q in result["questions"]} <= {
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    }
    [checkin] = data["mood_checkins"]
    assert checkin["labels"] == {"mood": "Okay", "anxiety": "A little"}
    assert data["care_team"]["standing_shares"][0]["therapist"]
    assert data["account"]["questionnaires_move_on_when_an_answer_is_chosen"] is True
    acknowledged = [r for r in data["care_team"]["access_log"] if r["via"] == "acknowledge"]
    assert acknowledged, "the therapist's acknowledgement shows as an access-log row"


# -- the printable export: words, never keys -----------------------------------------------


def _content_keys() -> set[str]:
    """Every key the content files give a prompt, an after-effect, a severity, a route
    or a setting, and the check-in's field names: what the app stores and never shows.
    Only keys that cannot be words of a sentence ("right-after-body", "blood_pressure",
    "sleep_quality") are looked for; "headache" or "home" could be."""
    keys = {p.key for p in load_prompt_set().prompts}
    effects = load_after_effects()
    keys |= {k.key for k in effects.kinds} | {s.key for s in effects.severities}
    keys |= set(ROUTES) | set(SETTINGS)
    keys |= {s.key for s in SCALES} | {"sleep_hours", "kap_session_id", "session_id"}
    return {k for k in keys if re.search(r"[-_0-9]", k)}


def test_the_printable_export_says_everything_in_words(app: Flask) -> None:
    world = _fill_every_table(app)
    ada = world.ada
    today = utcnow().date()
    response = ada.get(
        f"/settings/export/print?start={today - timedelta(days=3)}&end={today + timedelta(days=2)}"
    )
    assert response.status_code == 200
    page = words(response)
    # Each kind of record the patient wrote is there, in the words the app showed.
    for section in ("Dosing sessions", "Integration prompts", "After-effects", "Daily check-ins"):
        assert section in page
    assert "Warm hands" in page  # the answered prompt
    assert "Intention: To rest." in page
    assert "Headache, mild" in page
    assert "How is your mood today? Okay (3 of 5)" in page
    assert "Status: Coming up" in page
    assert "Dose taken: first" in page
    # And no stored key, enum value or field name anywhere on the page.
    keys = _content_keys()
    assert {"right-after-body", "blood_pressure", "sleep_quality"} & keys
    shown = sorted(k for k in keys if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", page))
    assert shown == [], "raw keys in the printable export"
    for raw in ("Status: planned", "Status: done", "mood:", "anxiety:", "None", "null"):
        assert raw not in page, raw
    html = markup(response)
    assert "{" not in re.sub(r"<[^>]+>", "", html), "no JSON or template text shown"
