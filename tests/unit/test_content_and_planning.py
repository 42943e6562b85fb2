"""Preparation checklists, integration prompts and intentions: the content files and the
pure planning that times them around an appointment."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal import content
from journal.content import (
    CONTENT_DIR,
    ROUTES,
    SETTINGS,
    ContentError,
    load_after_effects,
    load_checklist,
    load_intention_questions,
    load_prompt_set,
    load_self_check,
    read_checklist,
    read_prompt_set,
)
from journal.dosing import planning
from journal.dosing.planning import (
    DONE,
    DUE_NOW,
    LATER_TODAY,
    STATUS_ORDER,
    TOMORROW,
    UPCOMING,
    checklist_status,
    intention_questions,
    intention_stage,
    local_time,
    plan_checklist,
    plan_prompts,
    prompts_due_now,
)

NEW_YORK = ZoneInfo("America/New_York")
SHARED_KEYS = {
    "no-alcohol-or-drugs",
    "tell-prescriber-medicines",
    "fill-in-questionnaires",
    "write-intention",
    "keep-the-day-free",
    "music-ready",
    "phone-do-not-disturb",
    "use-the-bathroom",
    "slow-breathing",
    "rest-no-driving",
}
IV_IM_FASTING = {"no-solid-food-6h", "no-drinks-2h"}
ESKETAMINE_KEYS = {
    "plan-two-hours-in-clinic",
    "no-food-2h",
    "nasal-spray-1h-before",
    "no-drinks-30min",
    "blood-pressure-before",
    "blood-pressure-after",
}
HOME_TROCHE_KEYS = {
    "not-right-before-bed",
    "confirm-sitter",
    "agree-touch",
    "blood-pressure-cuff-ready",
    "troche-timer-ready",
}
SITTER_KEYS = {
    "sitter-stay-whole-time",
    "sitter-phone-ready",
    "sitter-touch-as-agreed",
    "sitter-blood-pressure-before",
    "sitter-log-dose-times",
    "sitter-blood-pressure-after",
    "sitter-no-driving",
}


def _keys(route: str, setting: str) -> set[str]:
    start = datetime(2025, 6, 11, 13, 0, tzinfo=UTC)
    return {item.key for item in plan_checklist(route, setting, start)}


def _by_key(items: list[planning.PlannedItem]) -> dict[str, planning.PlannedItem]:
    return {item.key: item for item in items}


# --- which items each route gets -----------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("setting", SETTINGS)
def test_every_route_and_setting_gets_the_shared_items(route: str, setting: str) -> None:
    assert _keys(route, setting) >= SHARED_KEYS


def test_shared_items_are_exactly_those_for_every_route_and_setting() -> None:
    shared = {
        item.key
        for item in load_checklist().items
        if item.routes == set(ROUTES) and item.settings == set(SETTINGS)
    }
    assert shared == SHARED_KEYS


@pytest.mark.parametrize("route", ["iv", "im"])
def test_iv_and_im_checklists_have_fasting_and_no_other_routes_items(route: str) -> None:
    keys = _keys(route, "clinic")
    assert keys >= IV_IM_FASTING
    assert "arrange-ride-home" in keys
    assert "pack-your-bag" in keys
    assert not keys & (ESKETAMINE_KEYS | HOME_TROCHE_KEYS | SITTER_KEYS)


def test_esketamine_checklist_has_nasal_spray_timing_and_not_iv_fasting() -> None:
    keys = _keys("intranasal", "clinic")
    assert keys >= ESKETAMINE_KEYS
    assert not keys & IV_IM_FASTING
    assert not keys & (HOME_TROCHE_KEYS | SITTER_KEYS)


def test_home_troche_checklist_has_sitter_items_and_no_ride_or_bag() -> None:
    planned = plan_checklist("oral", "home", datetime(2025, 6, 11, 18, 0, tzinfo=UTC))
    keys = {item.key for item in planned}
    assert (HOME_TROCHE_KEYS | SITTER_KEYS | {"space-ready", "ask-about-eating"}) <= keys
    assert not keys & {"arrange-ride-home", "pack-your-bag"}
    assert not keys & (IV_IM_FASTING | ESKETAMINE_KEYS)
    sitter = {item.key for item in planned if item.audience == "sitter"}
    assert sitter == SITTER_KEYS


def test_oral_in_clinic_has_no_sitter_or_home_items() -> None:
    keys = _keys("oral", "clinic")
    assert "ask-about-eating" in keys
    assert not keys & (SITTER_KEYS | HOME_TROCHE_KEYS | {"space-ready"})


def test_medicines_item_names_the_interacting_medicines() -> None:
    item = next(i for i in load_checklist().items if i.key == "tell-prescriber-medicines")
    words = f"{item.text} {item.detail}".lower()
    for medicine in ("lamotrigine", "benzodiazepines", "stimulants", "maois"):
        assert medicine in words


def test_checklist_texts_are_short_enough_for_a_phone() -> None:
    long = [i.key for i in load_checklist().items if len(i.text) > 60]
    assert long == []


def test_default_content_never_mentions_a_dose_amount() -> None:
    dose = re.compile(r"\d+\s*(mg|mcg|µg|ml|milligram)", re.IGNORECASE)
    for path in CONTENT_DIR.glob("**/*.json"):
        if "instruments" in path.parts:
            continue
        assert not dose.search(path.read_text(encoding="utf-8")), path


# --- due times around the appointment ------------------------------------------------


def test_iv_items_fall_due_at_their_offsets_before_the_appointment() -> None:
    start = datetime(2025, 6, 11, 13, 0, tzinfo=UTC)
    items = _by_key(plan_checklist("iv", "clinic", start))
    assert items["no-alcohol-or-drugs"].due_at_utc == start - timedelta(hours=24)
    assert items["no-solid-food-6h"].due_at_utc == start - timedelta(hours=6)
    assert items["no-drinks-2h"].due_at_utc == start - timedelta(hours=2)
    assert items["phone-do-not-disturb"].due_at_utc == start - timedelta(minutes=30)
    assert items["rest-no-driving"].due_at_utc == start
    assert items["no-solid-food-6h"].phase == "6 h before"


def test_esketamine_spray_and_drinks_cutoffs_are_one_hour_and_thirty_minutes_before() -> None:
    start = datetime(2025, 6, 11, 13, 0, tzinfo=UTC)
    items = _by_key(plan_checklist("intranasal", "clinic", start))
    assert items["nasal-spray-1h-before"].due_at_utc == start - timedelta(hours=1)
    assert items["no-food-2h"].due_at_utc == start - timedelta(hours=2)
    assert items["no-drinks-30min"].due_at_utc == start - timedelta(minutes=30)
    assert items["blood-pressure-after"].due_at_utc == start + timedelta(minutes=40)


def test_plan_is_sorted_by_due_time() -> None:
    planned = plan_checklist("oral", "home", datetime(2025, 6, 11, 18, 0, tzinfo=UTC))
    due = [item.due_at_utc for item in planned]
    assert due == sorted(due)


def test_day_before_item_is_due_at_the_right_instant_on_the_monday_after_clocks_go_back() -> None:
    # Clocks went back at 02:00 on Sunday 2 November 2025; Monday 09:00 is EST (UTC-5).
    start = datetime(2025, 11, 3, 9, 0, tzinfo=NEW_YORK)
    items = _by_key(plan_checklist("iv", "clinic", start))
    day_before = items["no-alcohol-or-drugs"]
    assert day_before.due_at_utc == datetime(2025, 11, 2, 14, 0, tzinfo=UTC)
    shown = local_time(day_before.due_at_utc, NEW_YORK)
    assert (shown.date().isoformat(), shown.hour, shown.minute) == ("2025-11-02", 9, 0)
    assert shown.utcoffset() == timedelta(hours=-5)
    fasting = local_time(items["no-solid-food-6h"].due_at_utc, NEW_YORK)
    assert (fasting.day, fasting.hour, fasting.utcoffset()) == (3, 3, timedelta(hours=-5))


def test_day_before_means_24_real_hours_when_the_clocks_change_in_between() -> None:
    # Sunday 2 November 2025 09:00 EST; 24 hours earlier it was still EDT (UTC-4),
    # so the wall clock then read 10:00, not 09:00.
    start = datetime(2025, 11, 2, 9, 0, tzinfo=NEW_YORK)
    items = _by_key(plan_checklist("iv", "clinic", start))
    due = items["no-alcohol-or-drugs"].due_at_utc
    assert start - due == timedelta(hours=24)
    assert due == datetime(2025, 11, 1, 14, 0, tzinfo=UTC)
    shown = local_time(due, NEW_YORK)
    assert (shown.day, shown.hour, shown.utcoffset()) == (1, 10, timedelta(hours=-4))


def test_fasting_starts_six_real_hours_before_when_clocks_go_forward_overnight() -> None:
    # Clocks jumped from 02:00 EST to 03:00 EDT on Sunday 9 March 2025.
    start = datetime(2025, 3, 9, 8, 0, tzinfo=NEW_YORK)  # 12:00 UTC
    fasting = _by_key(plan_checklist("im", "clinic", start))["no-solid-food-6h"]
    assert fasting.due_at_utc == datetime(2025, 3, 9, 6, 0, tzinfo=UTC)
    shown = local_time(fasting.due_at_utc, NEW_YORK)
    assert (shown.hour, shown.utcoffset()) == (1, timedelta(hours=-5))


def test_an_appointment_given_in_local_time_is_planned_in_utc() -> None:
    start = datetime(2025, 6, 11, 9, 0, tzinfo=NEW_YORK)
    planned = plan_checklist("iv", "clinic", start)
    assert all(item.due_at_utc.tzinfo is UTC for item in planned)
    assert _by_key(planned)["rest-no-driving"].due_at_utc == datetime(
        2025, 6, 11, 13, 0, tzinfo=UTC
    )


def test_planning_refuses_a_naive_appointment_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_checklist("iv", "clinic", datetime(2025, 6, 11, 9, 0))


@pytest.mark.parametrize(
    ("route", "setting"), [("ketamine", "clinic"), ("IV", "clinic"), ("iv", "car")]
)
def test_planning_refuses_an_unknown_route_or_setting(route: str, setting: str) -> None:
    with pytest.raises(ValueError, match=r"unknown (route|setting)"):
        plan_checklist(route, setting, datetime(2025, 6, 11, 13, 0, tzinfo=UTC))


@given(
    route=st.sampled_from(ROUTES),
    setting=st.sampled_from(SETTINGS),
    start=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [UTC, NEW_YORK, ZoneInfo("Europe/London"), ZoneInfo("Australia/Lord_Howe")]
        ),
        allow_imaginary=False,
    ),
)
def test_every_planned_item_is_due_within_a_day_before_and_two_hours_after(
    route: str, setting: str, start: datetime
) -> None:
    planned = plan_checklist(route, setting, start)
    assert planned
    assert len({item.key for item in planned}) == len(planned)
    # Arithmetic on a zoned datetime follows the wall clock; real hours need UTC.
    start_utc = start.astimezone(UTC)
    for item in planned:
        assert start_utc - timedelta(hours=24) <= item.due_at_utc <= start_utc + timedelta(hours=2)
        assert item.due_now_from_utc <= item.due_at_utc
    assert [i.due_at_utc for i in planned] == sorted(i.due_at_utc for i in planned)


# --- status for the patient -----------------------------------------------------------

# Wednesday 11 June 2025, 09:00 in New York (13:00 UTC).
JUNE_START = datetime(2025, 6, 11, 13, 0, tzinfo=UTC)


def _status_of(result: planning.ChecklistStatus) -> dict[str, str]:
    return {s.item.key: s.status for s in result.items}


def test_late_evening_before_a_morning_session_items_are_due_now_or_tomorrow_in_local_time() -> (
    None
):
    # 22:00 on Tuesday in New York is already Wednesday 02:00 in UTC; "tomorrow" must
    # follow the patient's calendar, not UTC's.
    now = datetime(2025, 6, 10, 22, 0, tzinfo=NEW_YORK)
    result = checklist_status(plan_checklist("iv", "clinic", JUNE_START), set(), now, NEW_YORK)
    status = _status_of(result)
    assert status["no-alcohol-or-drugs"] == DUE_NOW
    assert status["no-solid-food-6h"] == TOMORROW
    assert status["phone-do-not-disturb"] == TOMORROW
    assert status["rest-no-driving"] == TOMORROW
    in_utc = _status_of(
        checklist_status(plan_checklist("iv", "clinic", JUNE_START), set(), now, UTC)
    )
    assert in_utc["no-solid-food-6h"] == LATER_TODAY


def test_on_the_morning_passed_items_are_due_now_and_the_rest_later_today() -> None:
    now = datetime(2025, 6, 11, 6, 0, tzinfo=NEW_YORK)  # 10:00 UTC, 3 h before
    result = checklist_status(plan_checklist("iv", "clinic", JUNE_START), set(), now, NEW_YORK)
    status = _status_of(result)
    assert status["no-solid-food-6h"] == DUE_NOW
    assert status["no-drinks-2h"] == LATER_TODAY
    assert status["rest-no-driving"] == LATER_TODAY


def test_an_item_turns_due_now_when_its_phase_window_opens() -> None:
    planned = plan_checklist("iv", "clinic", JUNE_START)
    drinks = _by_key(planned)["no-drinks-2h"]  # window of 30 minutes before 11:00 UTC
    just_before = drinks.due_now_from_utc - timedelta(seconds=1)
    assert drinks.due_now_from_utc == drinks.due_at_utc - timedelta(minutes=30)
    assert _status_of(checklist_status(planned, set(), just_before, NEW_YORK))[drinks.key] == (
        LATER_TODAY
    )
    on_time = drinks.due_now_from_utc
    assert _status_of(checklist_status(planned, set(), on_time, NEW_YORK))[drinks.key] == DUE_NOW


def test_items_days_away_are_upcoming() -> None:
    now = JUNE_START - timedelta(days=4)
    result = checklist_status(plan_checklist("iv", "clinic", JUNE_START), set(), now, NEW_YORK)
    assert {s.status for s in result.items} == {UPCOMING}


def test_ticked_items_are_done_counted_and_listed_last() -> None:
    planned = plan_checklist("iv", "clinic", JUNE_START)
    ticked = {"no-alcohol-or-drugs", "write-intention", "not-in-this-plan"}
    now = datetime(2025, 6, 10, 22, 0, tzinfo=NEW_YORK)
    result = checklist_status(planned, ticked, now, NEW_YORK)
    status = _status_of(result)
    assert status["no-alcohol-or-drugs"] == DONE
    assert status["write-intention"] == DONE
    assert (result.done, result.total) == (2, len(planned))
    assert result.summary == f"2 of {len(planned)} done"
    assert result.items[0].status == DUE_NOW
    assert [s.status for s in result.items[-2:]] == [DONE, DONE]
    assert all(s.status == DUE_NOW for s in result.due_now)


def test_status_shows_due_times_on_the_patients_clock() -> None:
    result = checklist_status(
        plan_checklist("iv", "clinic", JUNE_START), set(), JUNE_START, NEW_YORK
    )
    rest = next(s for s in result.items if s.item.key == "rest-no-driving")
    assert (rest.due_at_local.hour, rest.due_at_local.tzinfo) == (9, NEW_YORK)


def test_status_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        checklist_status([], set(), datetime(2025, 6, 11, 9, 0), NEW_YORK)


@given(
    ticked=st.sets(st.sampled_from(sorted(SHARED_KEYS | IV_IM_FASTING | {"stale"}))),
    minutes_before=st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60),
)
def test_status_counts_and_order_hold_for_any_ticks_and_moment(
    ticked: set[str], minutes_before: int
) -> None:
    planned = plan_checklist("iv", "clinic", JUNE_START)
    now = JUNE_START - timedelta(minutes=minutes_before)
    result = checklist_status(planned, ticked, now, NEW_YORK)
    assert result.total == len(planned)
    assert result.done == len(ticked & {item.key for item in planned})
    ranks = [STATUS_ORDER.index(s.status) for s in result.items]
    assert ranks == sorted(ranks)


# --- intentions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "maintenance", "stage"),
    [
        (1, False, "early"),
        (2, False, "early"),
        (3, False, "later"),
        (6, False, "later"),
        (None, False, "early"),
        (None, True, "maintenance"),
        (1, True, "maintenance"),
    ],
)
def test_intention_stage_moves_from_early_to_later_to_maintenance(
    position: int | None, maintenance: bool, stage: str
) -> None:
    assert intention_stage(position, maintenance) == stage


def test_intention_stage_refuses_a_position_below_one() -> None:
    with pytest.raises(ValueError, match="counts from 1"):
        intention_stage(0, False)


@given(position=st.integers(min_value=1, max_value=500), maintenance=st.booleans())
def test_intention_stage_is_maintenance_whenever_the_session_is_maintenance(
    position: int, maintenance: bool
) -> None:
    stage = intention_stage(position, maintenance)
    if maintenance:
        assert stage == "maintenance"
    else:
        assert stage == ("early" if position <= 2 else "later")


@pytest.mark.parametrize("stage", ["early", "later", "maintenance"])
def test_each_intention_stage_offers_three_to_five_questions(stage: str) -> None:
    questions = intention_questions(stage)
    assert 3 <= len(questions) <= 5
    assert all(q.text.endswith("?") for q in questions)


def test_unknown_intention_stage_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown intention stage"):
        intention_questions("advanced")


# --- integration prompts ---------------------------------------------------------------


def _slot_times(prompts: list[planning.PlannedPrompt], slot: str) -> set[tuple[datetime, datetime]]:
    return {(p.due_at_utc, p.closes_at_utc) for p in prompts if p.slot == slot}


def test_prompt_slots_are_scheduled_from_the_session_start() -> None:
    start = JUNE_START
    prompts = plan_prompts(start)
    hour, day = timedelta(hours=1), timedelta(days=1)
    assert _slot_times(prompts, "right_after") == {(start + hour, start + 1.5 * hour)}
    assert _slot_times(prompts, "within_24h") == {(start + 4 * hour, start + hour + day)}
    assert _slot_times(prompts, "day_3") == {(start + 3 * day, start + 4 * day)}
    assert _slot_times(prompts, "day_7") == {(start + 7 * day, start + 8 * day)}
    assert _slot_times(prompts, "weekly") == {(start + 7 * day, start + 14 * day)}


def test_a_longer_session_moves_right_after_prompts_to_its_real_end() -> None:
    start = JUNE_START
    prompts = plan_prompts(start, session_minutes=120)
    assert _slot_times(prompts, "right_after") == {
        (start + timedelta(hours=2), start + timedelta(hours=2, minutes=30))
    }


def test_right_after_prompts_ask_for_fragments_the_body_images_and_what_was_hard() -> None:
    prompts = [p for p in plan_prompts(JUNE_START) if p.slot == "right_after"]
    texts = " ".join(p.text.lower() for p in prompts)
    for word in ("body", "images", "words", "hard"):
        assert word in texts
    assert prompts[0].slot_label == "Right after"


def test_the_default_set_asks_few_questions_per_slot() -> None:
    """Issue 18: 21 prompts per session were too many. At most 3 right after, 2 within
    a day, 2 on day 3, 2 on day 7 and 1 a week; the older set stays readable."""
    counts: dict[str, int] = {}
    for p in load_prompt_set().prompts:
        counts[p.slot] = counts.get(p.slot, 0) + 1
    assert counts == {"right_after": 3, "within_24h": 2, "day_3": 2, "day_7": 2, "weekly": 1}
    assert load_prompt_set().version == 2 and len(load_prompt_set(1).prompts) == 21


def test_prompts_due_now_are_the_open_unanswered_ones() -> None:
    prompts = plan_prompts(JUNE_START)
    now = JUNE_START + timedelta(minutes=70)
    due = prompts_due_now(prompts, {"right-after-hard"}, now)
    assert {p.slot for p in due} == {"right_after"}
    assert "right-after-hard" not in {p.key for p in due}
    assert len(due) == 2
    assert prompts_due_now(prompts, set(), JUNE_START + timedelta(hours=2)) == []


def test_prompt_planning_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_prompts(datetime(2025, 6, 11, 9, 0))


# --- the other content files ------------------------------------------------------------


def test_self_check_says_it_diagnoses_nothing_and_answers_are_private() -> None:
    check = load_self_check()
    assert "diagnose" in check.intro and "doesn't diagnose" in check.intro
    assert "private" in check.privacy
    keys = {item.key for item in check.items}
    assert {
        "pregnancy",
        "blood-pressure",
        "heart-or-blood-vessels",
        "psychosis",
        "substance-use",
        "head-injury-or-pressure",
        "past-reaction-to-ketamine",
    } <= keys
    assert [a.key for a in check.answers] == ["yes", "no", "not_sure"]


def test_after_effects_list_the_kinds_and_a_four_step_severity_scale() -> None:
    effects = load_after_effects()
    assert [k.key for k in effects.kinds] == [
        "nausea",
        "headache",
        "dizziness",
        "perceptual_changes",
        "lingering_dissociation",
        "blood_pressure",
        "other",
    ]
    assert [(s.key, s.value) for s in effects.severities] == [
        ("none", 0),
        ("mild", 1),
        ("moderate", 2),
        ("severe", 3),
    ]
    assert "not" in effects.intro.lower() and "live" in effects.intro.lower()


def test_loaders_return_the_same_cached_object() -> None:
    assert load_checklist() is load_checklist()
    assert load_prompt_set() is load_prompt_set(2)
    assert load_intention_questions() is load_intention_questions()


# --- validation of hand-edited files ----------------------------------------------------

VALID_CHECKLIST: dict[str, Any] = {
    "id": "clinic-a",
    "version": 1,
    "title": "Before your session",
    "phases": [{"key": "day_before", "label": "24 h before", "window_minutes": 60}],
    "items": [
        {
            "key": "no-alcohol",
            "text": "No alcohol from now",
            "routes": "all",
            "phase": "day_before",
            "offset_minutes": -1440,
        },
        {
            "key": "fasting",
            "text": "No food from now",
            "routes": ["iv"],
            "phase": "day_before",
            "offset_minutes": -360,
        },
    ],
}


def _write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID_CHECKLIST)
    change(data)
    return data


def test_a_valid_hand_written_checklist_loads_and_plans(tmp_path: Path) -> None:
    checklist = read_checklist(_write(tmp_path, "a.json", VALID_CHECKLIST))
    planned = plan_checklist("intranasal", "clinic", JUNE_START, checklist)
    assert [item.key for item in planned] == ["no-alcohol"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["items"][1].update(routes=["iv", "nasal"]),
            r"item 'fasting'.*unknown route 'nasal'",
        ),
        (lambda d: d["items"][1].update(key="no-alcohol"), r"duplicate item key 'no-alcohol'"),
        (lambda d: d["items"][1].pop("text"), r"item 'fasting'.*missing 'text'"),
        (lambda d: d["items"][1].update(text="  "), r"item 'fasting'.*'text' is empty"),
        (lambda d: d["items"][1].update(phase="night_before"), r"item 'fasting'.*unknown phase"),
        (lambda d: d["items"][1].update(offset_minutes="-360"), r"item 'fasting'.*whole number"),
        (lambda d: d["items"][1].update(offset_minutes=-14400), r"item 'fasting'.*outside"),
        (
            lambda d: d["items"][1].update(detials="typo"),
            r"item 'fasting'.*unknown field 'detials'",
        ),
        (lambda d: d["items"][1].update(settings=["hospital"]), r"unknown setting 'hospital'"),
        (lambda d: d["items"][1].update(audience="sitter"), r"item 'fasting'.*sitter item"),
        (lambda d: d["items"][1].pop("routes"), r"item 'fasting'.*missing 'routes'"),
        (lambda d: d["items"][1].pop("key"), r"item #2.*missing 'key'"),
        (lambda d: d.update(version=0), r"'version' is 0"),
    ],
)
def test_a_broken_checklist_names_the_file_and_the_item(
    tmp_path: Path, change: Any, message: str
) -> None:
    path = _write(tmp_path, "broken.json", _broken(change))
    with pytest.raises(ValueError, match=message) as error:
        read_checklist(path)
    assert str(path) in str(error.value)
    assert isinstance(error.value, ContentError)


def test_a_checklist_that_is_not_json_says_where(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"id": "x",\n "version": 1,,}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.json: not valid JSON at line 2"):
        read_checklist(path)


def test_the_newest_checklist_version_is_used_unless_one_is_asked_for(tmp_path: Path) -> None:
    _write(tmp_path, "clinic-a.v1.json", VALID_CHECKLIST)
    _write(tmp_path, "clinic-a.json", _broken(lambda d: d.update(version=2, title="New")))
    assert load_checklist(checklist_id="clinic-a", directory=tmp_path).version == 2
    assert load_checklist(1, checklist_id="clinic-a", directory=tmp_path).title == (
        "Before your session"
    )
    with pytest.raises(LookupError, match="no version 3"):
        load_checklist(3, checklist_id="clinic-a", directory=tmp_path)


def test_two_files_with_the_same_checklist_version_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "one.json", VALID_CHECKLIST)
    _write(tmp_path, "two.json", VALID_CHECKLIST)
    with pytest.raises(ValueError, match=r"two\.json: id 'clinic-a' version 1 is also in"):
        load_checklist(checklist_id="clinic-a", directory=tmp_path)


def test_a_prompt_in_an_undeclared_slot_is_refused(tmp_path: Path) -> None:
    data = json.loads((CONTENT_DIR / "prompts" / "default.json").read_text(encoding="utf-8"))
    data["prompts"][0]["slot"] = "day_5"
    path = _write(tmp_path, "prompts.json", data)
    with pytest.raises(ValueError, match=r"prompt 'right-after-body'.*unknown slot 'day_5'"):
        read_prompt_set(path)


def test_intentions_missing_a_stage_are_refused(tmp_path: Path) -> None:
    data = json.loads((CONTENT_DIR / "intentions.json").read_text(encoding="utf-8"))
    data["stages"] = [s for s in data["stages"] if s["key"] != "later"]
    path = _write(tmp_path, "intentions.json", data)
    with pytest.raises(ValueError, match=r"intentions\.json: missing stage 'later'"):
        load_intention_questions(path)


def test_a_missing_content_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="file not found"):
        content.load_self_check(tmp_path / "nope.json")


# -- routes of administration: one table --------------------------------------------


def _routes_file(tmp_path: Path, edit: Any) -> Path:
    doc = json.loads((CONTENT_DIR / "routes.json").read_text())
    edit(doc)
    path = tmp_path / "routes.json"
    path.write_text(json.dumps(doc))
    return path


def test_every_route_fact_comes_from_the_one_routes_file() -> None:
    doc = json.loads((CONTENT_DIR / "routes.json").read_text())
    assert tuple(r["key"] for r in doc["routes"]) == ROUTES
    assert tuple(s["key"] for s in doc["settings"]) == SETTINGS
    for raw in doc["routes"]:
        entry = content.route(raw["key"])
        assert content.ROUTE_LABELS[raw["key"]] == entry.label == raw["label"]
        assert entry.session_minutes == raw["session_minutes"]
        assert set(entry.settings) == set(raw["settings"])


def test_a_broken_routes_file_stops_the_app_naming_the_route(tmp_path: Path) -> None:
    def duplicate(doc: dict[str, Any]) -> None:
        doc["routes"].append(dict(doc["routes"][0]))

    def unknown_setting(doc: dict[str, Any]) -> None:
        doc["routes"][0]["settings"] = ["car"]

    def no_length(doc: dict[str, Any]) -> None:
        del doc["routes"][1]["session_minutes"]

    for edit, words in (
        (duplicate, "duplicate route key 'iv'"),
        (unknown_setting, "unknown setting 'car'"),
        (no_length, "route 'im': missing 'session_minutes'"),
    ):
        path = _routes_file(tmp_path, edit)
        with pytest.raises(ContentError, match=re.escape(words)):
            content._parse_routes(content._read_json(path))
