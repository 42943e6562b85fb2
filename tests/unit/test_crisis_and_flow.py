"""The crisis lines as configuration, and the questionnaire flow's bookkeeping."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from journal.mood import crisis, questionnaire_flow
from journal.mood.crisis import CrisisAction, CrisisConfigError, load_crisis_resources
from journal.mood.scoring import get_instrument


def test_the_us_lines_are_988_741741_and_911() -> None:
    us = load_crisis_resources("US")
    hrefs = [a.href for line in us.lines for a in line.actions]
    assert hrefs == ["tel:988", "sms:988", "sms:741741?&body=HOME", "tel:911"]
    assert [a.label for line in us.lines for a in line.actions] == [
        "Call 988",
        "Text 988",
        "Text HOME to 741741",
        "Call 911",
    ]


def test_an_sms_body_is_url_encoded() -> None:
    assert (
        CrisisAction("sms", "85258", "Text SHOUT", "SHOUT now").href
        == "sms:85258?&body=SHOUT%20now"
    )


@pytest.fixture
def crisis_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(crisis, "CRISIS_DIR", tmp_path)
    crisis._load.cache_clear()
    yield tmp_path
    crisis._load.cache_clear()


def _write(directory: Path, file_region: str, **overrides: object) -> None:
    data: dict[str, object] = {
        "region": file_region,
        "name": "Testland",
        "lines": [
            {
                "name": "Helpline",
                "description": "Any time.",
                "actions": [{"kind": "tel", "number": "116123", "label": "Call 116 123"}],
            }
        ],
    }
    data.update(overrides)
    (directory / f"{file_region}.json").write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"region": "YY"}, "declares region"),
        ({"lines": []}, "lists no crisis lines"),
        ({"lines": [{"name": "x", "description": "y", "actions": []}]}, "no way to reach it"),
        (
            {
                "lines": [
                    {
                        "name": "x",
                        "description": "y",
                        "actions": [{"kind": "tel", "number": "11a", "label": "z"}],
                    }
                ]
            },
            "is not a phone number",
        ),
        (
            {
                "lines": [
                    {
                        "name": "x",
                        "description": "y",
                        "actions": [{"kind": "fax", "number": "112", "label": "z"}],
                    }
                ]
            },
            "not one of tel, sms",
        ),
        (
            {
                "lines": [
                    {
                        "name": "x",
                        "description": "y",
                        "actions": [{"kind": "tel", "number": "112", "label": "z", "body": "HI"}],
                    }
                ]
            },
            "only an sms action can carry a body",
        ),
        ({"lines": "none"}, "malformed"),
    ],
)
def test_a_broken_crisis_file_is_refused_with_the_reason(
    crisis_dir: Path, overrides: dict[str, object], message: str
) -> None:
    _write(crisis_dir, "ZZ", **overrides)
    with pytest.raises(CrisisConfigError, match=message):
        load_crisis_resources("ZZ")


def test_a_good_file_for_another_region_loads(crisis_dir: Path) -> None:
    _write(crisis_dir, "ZZ")
    assert load_crisis_resources("ZZ").lines[0].actions[0].href == "tel:116123"


@pytest.mark.parametrize("region", ["", "us", "../US", "US/../../x", "USA1"])
def test_a_region_must_be_a_country_code(region: str) -> None:
    with pytest.raises(CrisisConfigError):
        load_crisis_resources(region)


# -- the questionnaire flow ----------------------------------------------------------------


def test_steps_are_the_items_then_the_supplementary_questions() -> None:
    steps = questionnaire_flow.steps_of(get_instrument("phq9"))
    assert [s.name for s in steps] == [f"q{n}" for n in range(1, 10)] + ["s_difficulty"]
    assert steps[-1].optional and not steps[0].optional
    gad = questionnaire_flow.steps_of(get_instrument("gad7"))
    assert [s.name for s in gad] == [f"q{n}" for n in range(1, 8)] + ["s_difficulty"]
    assert gad[-1].optional
    assert "how difficult have they made it" in gad[-1].text


def test_a_form_becomes_progress_and_keeps_every_valid_answer() -> None:
    key = uuid.uuid4()
    progress = questionnaire_flow.from_form(
        get_instrument("phq9"),
        {"key": str(key), "step": "4", "q1": "2", "q2": "7", "q3": "1", "s_difficulty": "3"},
    )
    assert progress.bad_request
    assert progress.error == "Question 2 needs one of the answers shown."
    assert progress.position == 2
    assert progress.answers == {1: 2, 3: 1}
    assert progress.supplementary == {"difficulty": 3}
    assert progress.key == key


def test_a_bad_key_or_step_starts_safely() -> None:
    progress = questionnaire_flow.from_form(get_instrument("gad7"), {"key": "x", "step": "99"})
    assert progress.position == 8  # the last screen: the difficulty question
    assert not progress.bad_request
    assert isinstance(progress.key, uuid.UUID)


def test_next_needs_an_answer_back_does_not() -> None:
    start = questionnaire_flow.start(get_instrument("gad7"))
    stuck = questionnaire_flow.move(start, "next")
    assert stuck.position == 1 and stuck.error == "Choose an answer to go on."
    answered = questionnaire_flow.from_form(get_instrument("gad7"), {"step": "2", "q1": "1"})
    assert questionnaire_flow.move(answered, "back").position == 1
    assert questionnaire_flow.move(questionnaire_flow.move(answered, "back"), "back").position == 1


def test_carried_fields_leave_out_the_question_on_screen() -> None:
    progress = questionnaire_flow.from_form(
        get_instrument("gad7"), {"step": "2", "q1": "1", "q2": "3", "q3": "0"}
    )
    assert progress.carried() == [("q1", 1), ("q3", 0)]


@pytest.mark.parametrize(
    ("item9", "positive"), [("0", False), ("1", True), ("2", True), ("3", True), ("", False)]
)
def test_safety_positive_follows_item_9(item9: str, positive: bool) -> None:
    progress = questionnaire_flow.from_form(get_instrument("phq9"), {"step": "10", "q9": item9})
    assert progress.safety_positive is positive
    gad = questionnaire_flow.from_form(get_instrument("gad7"), {"q7": "3"})
    assert not gad.safety_positive
