"""Every hook between domains, written out in one place: read it top to bottom to see
what plugs into what.

Domains define their pieces (a share adapter, a brief section, an export section, a
reminder source) as plain values and functions; nothing registers itself on import.
`create_app` calls `wire(app)` once, after the extensions and before the first request.
Registering is idempotent, so building a second app in the same process (the tests
do) changes nothing.

Adding a shareable record type, an export section or a reminder means one line here,
next to its kind.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import gettext

from journal import jobs
from journal.accounts import account_mail, audit, auth_sessions
from journal.accounts import two_factor as two_factor_service
from journal.accounts.views import auth, security, settings, step_up, two_factor
from journal.admin.views import admin, welcome
from journal.care import (
    adaptations,
    brief,
    brief_digest,
    checklist_adaptation,
    preparation_sharing,
    prompt_adaptation,
    safety_flags,
    safety_signals,
    shareable,
    sharing,
    summaries,
)
from journal.care import care as care_team
from journal.care.views import care, clinic, clinic_mood  # noqa: F401 (its routes)
from journal.core.translatable import N_
from journal.dosing import kap_sessions, preparation, self_check
from journal.dosing.views import kap_sessions as kap_sessions_views
from journal.entries import drafts, entries, search, timeline
from journal.entries.views import journal as journal_views
from journal.entries.views import journey
from journal.integration import after_effects, integration, prompt_drafts
from journal.integration import export_sections as integration_export
from journal.integration.views import integration as integration_views
from journal.mood import measures, mood_brief, moods, safety_plans, scoring
from journal.mood.views import mood, safety
from journal.outbox import idempotency
from journal.reminders import reminder_sources
from journal.reminders import reminders as reminders_service
from journal.reminders.views import reminders
from journal.web import main, pwa
from journal.your_data import export, rotation
from journal.your_data.views import your_data

# How often the worker sends the reminders that are due (their windows are hours wide).
REMINDER_MINUTES = 5


def wire(app: Flask) -> None:
    scoring.load_from(Path(app.config["INSTRUMENTS_DIR"]))
    wire_domains()
    register_blueprints(app)


def wire_domains() -> None:
    """The cross-domain registries. Order matters where a list shows in that order
    (the export's sections, the search kinds, the reminder choices)."""
    # A dosing session marked done schedules its integration prompts.
    kap_sessions.register_done_hook(integration.schedule_prompts)

    # What a patient can share, one adapter per record type ...
    for adapter in (
        entries.SHARE_ADAPTER,
        *preparation_sharing.SHARE_ADAPTERS,  # sessions, intentions, checklists
        measures.SHARE_ADAPTER,
        moods.SHARE_ADAPTER,
        integration.SHARE_ADAPTER,
        after_effects.SHARE_ADAPTER,
    ):
        shareable.register_adapter(adapter)
    # ... and the standing categories a patient can share as a whole.
    for category in (
        preparation_sharing.SHARE_CATEGORY,
        measures.SHARE_CATEGORY,
        moods.SHARE_CATEGORY,
        after_effects.SHARE_CATEGORY,
    ):
        shareable.register_category(category)
    # The security log names a whole category by its label, not its key.
    for action in ("share.category_enabled", "share.category_disabled"):
        audit.describe_detail(action, _category_words)

    # The therapist's patients list and brief.
    brief.register_brief_section(
        brief.BriefSection(
            key="safety_signals",
            title="Safety signals",
            order=11,
            build=safety_flags.signals_section,
        )
    )
    # A flagged questionnaire result tells the therapists the patient chose to tell.
    measures.register_flag_hook(safety_signals.on_flag)
    summaries.register_last_check_in(mood_brief.last_check_in)
    for section in (*mood_brief.BRIEF_SECTIONS, preparation_sharing.BRIEF_SECTION):
        brief.register_brief_section(section)

    # What a therapist can adapt for one patient.
    adaptations.register_kind(checklist_adaptation.ADAPTATION_KIND)
    adaptations.register_kind(prompt_adaptation.ADAPTATION_KIND)

    # The journal's timeline and search reach across the record types.
    for source in (
        timeline.TimelineSource(
            "prompt_answers", N_("Prompts answered"), 10, timeline.answers_rows
        ),
        timeline.TimelineSource(
            "after_effects", N_("After-effects"), 20, timeline.after_effects_rows
        ),
        timeline.TimelineSource("mood_checkins", N_("Mood check-ins"), 30, timeline.check_ins_rows),
        timeline.TimelineSource("entries", N_("Journal entries"), 40, timeline.entries_rows),
    ):
        timeline.register_source(source)
    for kind in (
        search.SearchSource("entries", N_("Journal entries"), search.scan_entries, has_tags=True),
        search.SearchSource("prompt_answers", N_("Prompt answers"), search.scan_answers),
        search.SearchSource("after_effects", N_("After-effects"), search.scan_after_effects),
        search.SearchSource("intentions", N_("Intentions"), search.scan_intentions),
        search.SearchSource("mood_checkins", N_("Check-in notes"), search.scan_check_ins),
    ):
        search.register_source(kind)

    # "Your data": the sections of the export, in the order it shows them.
    export.add_section("security_log", N_("Security log"), export.security_log)
    export.add_section(
        "entries", N_("Journal entries"), entries.export_entries, printable=entries.printed_entries
    )
    export.add_section("care_team", N_("Care team"), care_team.export_care_team)
    export.add_section(
        "dosing_sessions",
        N_("Dosing sessions"),
        preparation.export_sessions,
        printable=preparation.printed_sessions,
    )
    export.add_section(
        "measure_results",
        N_("Questionnaires"),
        measures.export_results,
        printable=measures.printed_results,
    )
    export.add_section(
        "mood_checkins",
        N_("Daily check-ins"),
        moods.export_checkins,
        printable=moods.printed_checkins,
    )
    export.add_section("drafts", N_("Unsaved drafts"), drafts.export_drafts)
    export.add_section(
        "prompt_answers",
        N_("Integration prompts"),
        integration.export_prompts,
        printable=integration_export.printed_answers,
    )
    export.add_section(
        "prompt_schedules", N_("Prompt sets as scheduled"), integration_export.export_schedules
    )
    export.add_section(
        "prompt_answer_drafts",
        N_("Unsaved prompt answers"),
        integration_export.export_answer_drafts,
    )
    export.add_section(
        "after_effects",
        N_("After-effects"),
        after_effects.export_after_effects,
        printable=integration_export.printed_after_effects,
    )
    export.add_section(
        "self_check", N_("Talk-to-your-provider self-check"), self_check.export_self_check
    )
    export.add_section("safety_plan", "Safety plan", safety_plans.export_plan)
    export.add_section("reminders", "Reminders", reminders_service.export_preferences)

    # Key rotation: what a feature sealed under the UDK or keyed with the pepper itself
    # (not through a record's DEK) is moved by its own hook.
    rotation.on_udk_rotation(two_factor_service.reseal_secret)
    rotation.on_udk_rotation(safety_flags.reseal_notes)
    rotation.on_udk_rotation(summaries.reseal)
    rotation.on_udk_rotation(brief_digest.reseal)
    rotation.on_udk_rotation(care_team.reseal_names)
    rotation.on_pepper_rotation(adaptations.move_macs)
    rotation.on_pepper_rotation(sharing.move_vouches)
    rotation.on_pepper_rotation(drafts.move_vouches)
    rotation.on_pepper_rotation(prompt_drafts.move_vouches)
    rotation.on_pepper_rotation(care_team.move_name_vouches)
    # At sign-in, shares the server vouched for become the patient's own.
    auth_sessions.on_sign_in(sharing.upgrade_vouched_shares)
    # ... and the shares of links the clinic ended are revoked with the patient's key.
    auth_sessions.on_sign_in(sharing.settle_link_endings)

    # Web Push reminders: the daily check-in is chosen by its time; the others are
    # offered as checkboxes with these labels.
    reminders_service.add_source(
        reminders_service.DAILY_CHECK_IN, reminders_service.daily_check_in_due
    )
    reminders_service.add_source(
        reminder_sources.QUESTIONNAIRES,
        reminder_sources.questionnaires_due,
        label=N_("When questionnaires are due (%(names)s)"),
        names=[i.short_name for i in scoring.instruments() if i.reminded],
    )
    reminders_service.add_source(
        reminder_sources.SESSION,
        reminder_sources.session_due,
        label=N_("Before a dosing session: the day before and two hours before"),
    )
    reminders_service.add_source(
        reminder_sources.PROMPTS,
        reminder_sources.prompts_due,
        label=N_("When integration prompts are due"),
    )

    # The job queue (journal/jobs): what can be queued by name, and what runs on a
    # schedule on every worker (each safe to run twice at once).
    jobs.register_task(account_mail.JOB, account_mail.deliver)
    jobs.register_periodic(account_mail.SWEEP_JOB, account_mail.sweep, every_minutes=5)
    jobs.register_periodic(
        "reminders.send", reminders_service.send_due_job, every_minutes=REMINDER_MINUTES
    )
    jobs.register_periodic("outbox.purge_keys", idempotency.purge_expired, every_minutes=60)
    # The safety-signal notice to a therapist: once per flag, retried until delivered.
    jobs.register_task(safety_signals.JOB, safety_signals.deliver)
    jobs.register_periodic(safety_signals.SWEEP_JOB, safety_signals.sweep, every_minutes=5)


def _category_words(key: str) -> str:
    category = shareable.CATEGORIES.get(key)
    return str(gettext(category.label)) if category else key


def register_blueprints(app: Flask) -> None:
    """Every page, one blueprint per area. Nested ones share their parent's URL prefix
    and bottom-navigation tab."""
    _nest_blueprints()
    for blueprint in (
        main.bp,
        auth.bp,
        journal_views.bp,
        mood.bp,
        safety.bp,
        kap_sessions_views.bp,
        settings.bp,
        clinic.bp,
        care.bp,
        pwa.bp,
        reminders.bp,
        two_factor.bp,
        security.bp,
        step_up.bp,
        your_data.bp,
        admin.bp,
        welcome.bp,
    ):
        app.register_blueprint(blueprint)


_nested = False


def _nest_blueprints() -> None:
    """Nesting changes the parent blueprint itself, so it happens once per process
    however many apps are built."""
    global _nested
    if _nested:
        return
    # Prompts and after-effects: /sessions/<id>/… (endpoints "kap_sessions.integration.…").
    kap_sessions_views.bp.register_blueprint(integration_views.bp)
    # Timeline, search and answers by prompt: /journal/… (endpoints "journal.journey.…").
    journal_views.bp.register_blueprint(journey.bp)
    _nested = True
