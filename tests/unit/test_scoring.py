"""Behaviour of the questionnaire scoring: totals, bands, safety, change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal.mood.scoring import (
    IncompleteAnswers,
    Instrument,
    InvalidAnswer,
    UnknownInstrument,
    change_from_baseline,
    get_instrument,
    instrument_ids,
    score,
)

INSTRUMENTS_DIR = Path(__file__).resolve().parents[2] / "journal" / "content" / "instruments"


def answers_totalling(instrument: Instrument, total: int) -> dict[int, int]:
    """Fill items from the first with the highest answer until ``total`` is reached."""
    answers: dict[int, int] = {}
    remaining = total
    for number in instrument.item_numbers:
        value = min(remaining, instrument.max_answer)
        answers[number] = value
        remaining -= value
    assert remaining == 0, f"{total} is out of reach for {instrument.short_name}"
    return answers


def all_answered(instrument_id: str, value: int = 0) -> dict[int, int]:
    return dict.fromkeys(get_instrument(instrument_id).item_numbers, value)


def item_texts_in_file(instrument_id: str) -> dict[int, str]:
    """Read the JSON directly, so the wording check does not trust the loader."""
    with (INSTRUMENTS_DIR / f"{instrument_id}.json").open(encoding="utf-8") as handle:
        data = json.load(handle)
    return {int(item["number"]): str(item["text"]) for item in data["items"]}


# --- the data ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument_id", "item_count", "max_total"),
    [("phq9", 9, 27), ("gad7", 7, 21), ("pcl5", 20, 80)],
)
def test_each_instrument_has_its_standard_number_of_items_and_maximum_total(
    instrument_id: str, item_count: int, max_total: int
) -> None:
    instrument = get_instrument(instrument_id)
    assert len(instrument.items) == item_count
    assert instrument.max_total == max_total


@pytest.mark.parametrize("instrument_id", instrument_ids())
def test_every_possible_total_falls_in_exactly_one_band(instrument_id: str) -> None:
    instrument = get_instrument(instrument_id)
    for total in range(instrument.max_total + 1):
        assert sum(band.contains(total) for band in instrument.bands) == 1


def test_phq9_and_gad7_use_the_standard_frequency_scale_verbatim() -> None:
    expected = [
        (0, "Not at all"),
        (1, "Several days"),
        (2, "More than half the days"),
        (3, "Nearly every day"),
    ]
    for instrument_id in ("phq9", "gad7"):
        scale = get_instrument(instrument_id).answer_scale
        assert [(o.value, o.label) for o in scale] == expected


def test_pcl5_uses_the_standard_bother_scale_verbatim() -> None:
    scale = get_instrument("pcl5").answer_scale
    assert [(o.value, o.label) for o in scale] == [
        (0, "Not at all"),
        (1, "A little bit"),
        (2, "Moderately"),
        (3, "Quite a bit"),
        (4, "Extremely"),
    ]


def test_the_instructions_are_the_standard_wording() -> None:
    assert get_instrument("phq9").instructions == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert get_instrument("gad7").instructions == (
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    )
    assert get_instrument("pcl5").stem == "In the past month, how much were you bothered by:"


@pytest.mark.parametrize(
    ("instrument_id", "number", "text"),
    [
        ("phq9", 1, "Little interest or pleasure in doing things"),
        ("phq9", 2, "Feeling down, depressed, or hopeless"),
        (
            "phq9",
            6,
            (
                "Feeling bad about yourself — or that you are a failure or have let yourself "
                "or your family down"
            ),
        ),
        (
            "phq9",
            8,
            (
                "Moving or speaking so slowly that other people could have noticed? Or the "
                "opposite — being so fidgety or restless that you have been moving around a lot "
                "more than usual"
            ),
        ),
        (
            "phq9",
            9,
            "Thoughts that you would be better off dead or of hurting yourself in some way",
        ),
        ("gad7", 1, "Feeling nervous, anxious, or on edge"),
        ("gad7", 2, "Not being able to stop or control worrying"),
        ("gad7", 7, "Feeling afraid as if something awful might happen"),
        ("pcl5", 1, "Repeated, disturbing, and unwanted memories of the stressful experience?"),
        (
            "pcl5",
            3,
            (
                "Suddenly feeling or acting as if the stressful experience were actually "
                "happening again (as if you were actually back there reliving it)?"
            ),
        ),
        ("pcl5", 17, "Being “superalert” or watchful or on guard?"),
        ("pcl5", 20, "Trouble falling or staying asleep?"),
    ],
)
def test_the_data_files_hold_the_standard_item_wording_verbatim(
    instrument_id: str, number: int, text: str
) -> None:
    assert item_texts_in_file(instrument_id)[number] == text
    assert get_instrument(instrument_id).items[number - 1].text == text


def test_phq9_marks_item_9_as_the_safety_item() -> None:
    assert get_instrument("phq9").safety_item == 9
    assert get_instrument("gad7").safety_item is None
    assert get_instrument("pcl5").safety_item is None


def test_phq9_carries_the_difficulty_question_unscored_with_its_standard_answers() -> None:
    (difficulty,) = get_instrument("phq9").supplementary_questions
    assert difficulty.text == (
        "If you checked off any problems, how difficult have these problems made it for you "
        "to do your work, take care of things at home, or get along with other people?"
    )
    assert difficulty.scored is False
    assert [o.label for o in difficulty.options] == [
        "Not difficult at all",
        "Somewhat difficult",
        "Very difficult",
        "Extremely difficult",
    ]


def test_every_instrument_names_its_source_and_reproduction_terms() -> None:
    for instrument_id in ("phq9", "gad7"):
        copyright_note = get_instrument(instrument_id).copyright
        assert "Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke" in copyright_note
        assert "educational grant from Pfizer Inc." in copyright_note
        assert "No permission required to reproduce" in copyright_note
    pcl5_note = get_instrument("pcl5").copyright
    assert "National Center for PTSD" in pcl5_note
    assert "public domain" in pcl5_note.lower()


def test_the_pcl5_data_says_its_threshold_is_for_screening_not_diagnosis() -> None:
    instrument = get_instrument("pcl5")
    assert "not a diagnosis" in instrument.screening_note
    probable = instrument.band_for(33)
    assert probable.note is not None
    assert "not a diagnosis" in probable.note


def test_an_unknown_instrument_id_is_refused() -> None:
    with pytest.raises(UnknownInstrument):
        get_instrument("beck")


# --- totals and bands ----------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "label", "low", "high"),
    [
        (0, "Minimal", 0, 4),
        (4, "Minimal", 0, 4),
        (5, "Mild", 5, 9),
        (9, "Mild", 5, 9),
        (10, "Moderate", 10, 14),
        (14, "Moderate", 10, 14),
        (15, "Moderately severe", 15, 19),
        (19, "Moderately severe", 15, 19),
        (20, "Severe", 20, 27),
        (27, "Severe", 20, 27),
    ],
)
def test_phq9_totals_at_each_band_edge_land_in_the_standard_band(
    total: int, label: str, low: int, high: int
) -> None:
    result = score("phq9", answers_totalling(get_instrument("phq9"), total))
    assert result.total == total
    assert result.max_total == 27
    assert (result.band.label, result.band.low, result.band.high) == (label, low, high)


@pytest.mark.parametrize(
    ("total", "label", "low", "high"),
    [
        (0, "Minimal", 0, 4),
        (4, "Minimal", 0, 4),
        (5, "Mild", 5, 9),
        (9, "Mild", 5, 9),
        (10, "Moderate", 10, 14),
        (14, "Moderate", 10, 14),
        (15, "Severe", 15, 21),
        (21, "Severe", 15, 21),
    ],
)
def test_gad7_totals_at_each_band_edge_land_in_the_standard_band(
    total: int, label: str, low: int, high: int
) -> None:
    result = score("gad7", answers_totalling(get_instrument("gad7"), total))
    assert result.total == total
    assert result.max_total == 21
    assert (result.band.label, result.band.low, result.band.high) == (label, low, high)


@pytest.mark.parametrize(
    ("total", "probable_ptsd"),
    [(0, False), (32, False), (33, True), (80, True)],
)
def test_pcl5_reaches_the_probable_ptsd_threshold_at_33(total: int, probable_ptsd: bool) -> None:
    result = score("pcl5", answers_totalling(get_instrument("pcl5"), total))
    assert result.total == total
    assert result.max_total == 80
    assert (result.band.label == "Probable PTSD") is probable_ptsd
    assert (result.band.low == 33) is probable_ptsd


@given(
    st.sampled_from(instrument_ids()).flatmap(
        lambda instrument_id: st.tuples(
            st.just(instrument_id),
            st.lists(
                st.integers(0, get_instrument(instrument_id).max_answer),
                min_size=len(get_instrument(instrument_id).items),
                max_size=len(get_instrument(instrument_id).items),
            ),
        )
    )
)
def test_the_total_is_always_the_sum_of_the_answers_and_its_band_contains_it(
    case: tuple[str, list[int]],
) -> None:
    instrument_id, values = case
    answers = dict(enumerate(values, start=1))
    result = score(instrument_id, answers)
    assert result.total == sum(values)
    assert result.band.contains(result.total)
    assert 0 <= result.total <= result.max_total


# --- safety --------------------------------------------------------------------


@pytest.mark.parametrize("answer", [1, 2, 3])
def test_any_answer_above_zero_on_phq9_item_9_is_safety_positive(answer: int) -> None:
    answers = all_answered("phq9") | {9: answer}
    assert score("phq9", answers).safety_positive is True


def test_not_at_all_on_phq9_item_9_is_not_safety_positive_even_with_a_severe_total() -> None:
    answers = all_answered("phq9", 3) | {9: 0}
    result = score("phq9", answers)
    assert result.band.label == "Severe"
    assert result.safety_positive is False


def test_instruments_without_a_safety_item_are_never_safety_positive() -> None:
    assert score("gad7", all_answered("gad7", 3)).safety_positive is False
    assert score("pcl5", all_answered("pcl5", 4)).safety_positive is False


# --- refusing answers ----------------------------------------------------------


def test_a_missing_answer_is_named_in_words_a_patient_can_read() -> None:
    answers = all_answered("phq9")
    del answers[4]
    with pytest.raises(IncompleteAnswers) as caught:
        score("phq9", answers)
    assert caught.value.missing == (4,)
    assert str(caught.value) == "Question 4 has no answer yet."


def test_several_missing_answers_are_all_named_in_order() -> None:
    answers = {1: 0, 3: 1, 5: 2, 6: 0}
    with pytest.raises(IncompleteAnswers) as caught:
        score("gad7", answers)
    assert caught.value.missing == (2, 4, 7)
    assert str(caught.value) == "Questions 2, 4 and 7 have no answer yet."


def test_no_answers_at_all_names_every_question() -> None:
    with pytest.raises(IncompleteAnswers) as caught:
        score("phq9", {})
    assert caught.value.missing == tuple(range(1, 10))


def test_incomplete_answers_are_a_kind_of_value_error() -> None:
    with pytest.raises(ValueError, match="Question 9 has no answer yet"):
        score("phq9", dict.fromkeys(range(1, 9), 0))


@pytest.mark.parametrize(
    ("instrument_id", "value"),
    [("phq9", 4), ("phq9", -1), ("gad7", 4), ("pcl5", 5), ("pcl5", -1)],
)
def test_an_answer_outside_the_scale_is_rejected(instrument_id: str, value: int) -> None:
    answers = all_answered(instrument_id) | {2: value}
    with pytest.raises(InvalidAnswer) as caught:
        score(instrument_id, answers)
    assert caught.value.item_number == 2
    assert str(caught.value) == "Question 2 needs one of the answers shown."


@pytest.mark.parametrize("value", [True, 1.0, "1", None])
def test_an_answer_that_is_not_a_whole_number_is_rejected(value: object) -> None:
    answers: dict[int, object] = dict(all_answered("phq9"))
    answers[3] = value
    with pytest.raises(InvalidAnswer):
        score("phq9", answers)  # type: ignore[arg-type]


@pytest.mark.parametrize("number", [0, 10, -1])
def test_an_answer_to_a_question_the_instrument_does_not_have_is_rejected(number: int) -> None:
    answers = all_answered("phq9") | {number: 1}
    with pytest.raises(InvalidAnswer) as caught:
        score("phq9", answers)
    assert caught.value.item_number == number
    assert str(caught.value) == f"The PHQ-9 has no question {number}."


def test_a_wrong_answer_is_reported_before_missing_ones() -> None:
    with pytest.raises(InvalidAnswer):
        score("phq9", {1: 7})


# --- change from baseline ------------------------------------------------------


def test_halving_the_phq9_total_is_a_response_but_not_yet_remission() -> None:
    change = change_from_baseline(20, 10, "phq9")
    assert change.absolute_change == -10
    assert change.percent_change == pytest.approx(-50.0)
    assert change.response is True
    assert change.remission is False


def test_a_fall_just_short_of_half_is_not_a_response() -> None:
    change = change_from_baseline(20, 11, "phq9")
    assert change.percent_change == pytest.approx(-45.0)
    assert change.response is False


def test_an_odd_baseline_needs_the_total_at_or_below_exactly_half() -> None:
    assert change_from_baseline(15, 7, "phq9").response is True
    assert change_from_baseline(15, 8, "phq9").response is False


def test_a_phq9_total_below_5_is_remission_and_5_is_not() -> None:
    assert change_from_baseline(18, 4, "phq9").remission is True
    assert change_from_baseline(18, 4, "phq9").response is True
    assert change_from_baseline(18, 5, "phq9").remission is False


def test_remission_depends_only_on_the_current_phq9_total() -> None:
    change = change_from_baseline(4, 4, "phq9")
    assert change.remission is True
    assert change.response is False


def test_a_baseline_of_zero_has_no_percentage_and_no_response() -> None:
    change = change_from_baseline(0, 0, "phq9")
    assert change.percent_change is None
    assert change.response is False
    assert change.absolute_change == 0


def test_getting_worse_is_a_positive_change_and_not_a_response() -> None:
    change = change_from_baseline(10, 15, "phq9")
    assert change.absolute_change == 5
    assert change.percent_change == pytest.approx(50.0)
    assert change.response is False


@pytest.mark.parametrize("instrument_id", ["gad7", "pcl5"])
def test_remission_is_undefined_rather_than_false_outside_phq9(instrument_id: str) -> None:
    change = change_from_baseline(16, 2, instrument_id)
    assert change.remission is None


def test_response_only_where_the_instrument_defines_it() -> None:
    # PHQ-9: a fall of 50 % or more.
    assert change_from_baseline(20, 10, "phq9").response is True
    assert change_from_baseline(20, 11, "phq9").response is False
    # PCL-5: a drop of 10 points or more, whatever the percentage.
    assert change_from_baseline(60, 50, "pcl5").response is True
    assert change_from_baseline(60, 51, "pcl5").response is False
    assert change_from_baseline(12, 2, "pcl5").response is True
    # GAD-7: none defined, so none claimed (not "no").
    assert change_from_baseline(16, 2, "gad7").response is None


@pytest.mark.parametrize("instrument_id", ["phq9", "pcl5"])
def test_each_response_rule_cites_its_source(instrument_id: str) -> None:
    rule = get_instrument(instrument_id).response
    assert rule is not None and len(rule.source) > 40


def test_each_questionnaire_has_the_window_it_asks_about() -> None:
    assert get_instrument("phq9").window_days == 14
    assert get_instrument("gad7").window_days == 14
    assert get_instrument("pcl5").window_days == 30
    pcl5 = get_instrument("pcl5")
    assert "circle" not in pcl5.instructions and "numbers" not in pcl5.instructions


@pytest.mark.parametrize(
    ("baseline", "current"),
    [(-1, 0), (0, 28), (28, 0), (True, 0)],
)
def test_totals_outside_the_instruments_range_are_refused(baseline: int, current: int) -> None:
    with pytest.raises(ValueError, match="PHQ-9 total must"):
        change_from_baseline(baseline, current, "phq9")
