"""The benchmark's verdicts, on made-up numbers: each page's server-time budget, p99,
heavy pages against normal ones, the caseload of 400 against 20, page weight; and the
requests it hands to wrk."""

from __future__ import annotations

from typing import Any

from bench.run import SCENARIOS, Prepared, evaluate


def _result(rps: float, p99: float = 20.0, server: float = 2.0) -> dict[str, Any]:
    return {"rps": rps, "p99_ms": p99, "server_ms": server, "statuses": {"200": 1}}


def _verdicts(
    results: dict[str, dict[str, Any]], weight: dict[str, Any] | None = None
) -> dict[str, bool | None]:
    return {t.name: t.passed for t in evaluate(results, 1000.0, weight)}


def test_each_page_has_its_server_time_budget() -> None:
    verdicts = _verdicts(
        {
            "patient Home": _result(350, server=3.0),
            "journal list": _result(349, server=3.01),
            "save an entry": _result(250, server=2.5),
            "timeline": _result(100, server=4.9),
            "therapist brief": _result(100, server=6.2),
            "caseload, 20 patients": _result(100, server=5.9),
        }
    )
    assert verdicts["patient Home: server time"] is True
    assert verdicts["journal list: server time"] is False
    assert verdicts["save an entry: server time"] is True
    assert verdicts["timeline: server time"] is True
    assert verdicts["therapist brief: server time"] is False
    assert verdicts["caseload, 20 patients: server time"] is True
    assert not any(name.endswith(": ratio") for name in verdicts), "the ratio is only shown"


def test_p99_must_stay_under_100_ms() -> None:
    verdicts = _verdicts({"patient Home": _result(500, p99=100.0)})
    assert verdicts["patient Home: p99"] is False


def test_a_heavy_patient_page_may_take_at_most_13_times_the_normal_time() -> None:
    verdicts = _verdicts(
        {
            "journal list": _result(500, server=3.0),
            "heavy journal list": _result(500, server=4.0),
            "patient Home": _result(500, server=2.0),
            "heavy patient Home": _result(500, server=2.6),
        }
    )
    assert verdicts["heavy journal list: server time vs journal list"] is False
    assert verdicts["heavy patient Home: server time vs patient Home"] is True


def test_the_caseload_of_400_may_take_at_most_12_times_that_of_20() -> None:
    def verdict(wide: float) -> bool | None:
        return _verdicts(
            {
                "caseload, 20 patients": _result(100, server=4.0),
                "caseload, 400 patients": _result(100, server=wide),
            }
        )["caseload, 400 patients: server time vs caseload, 20 patients"]

    assert verdict(4.8) is True
    assert verdict(4.9) is False


def test_page_weight_targets_first_load_size_and_a_document_only_repeat_load() -> None:
    weight = {
        "first": {"gzip_bytes": 61 * 1024},
        "repeat": {"requests_over_network": 1, "gzip_bytes": 2048},
        "repeat_only_document": True,
    }
    verdicts = _verdicts({}, weight)
    assert verdicts["Home first load (gzip)"] is False
    assert verdicts["Home repeat load: only the HTML document"] is True


def test_sign_in_has_no_ratio_target() -> None:
    verdicts = _verdicts({"sign-in": _result(9, p99=2000.0)})
    assert not any(name.startswith("sign-in") for name in verdicts)


def test_every_page_the_issue_names_is_a_scenario_with_a_marker() -> None:
    named = {s.name for s in SCENARIOS}
    assert named >= {
        "patient Home",
        "journal list",
        "timeline",
        "mood charts",
        "heavy mood charts",
        "save an entry",
        "check-in",
        "session page",
        "heavy timeline",
        "caseload, 20 patients",
        "caseload, 400 patients",
        "therapist brief",
        "heavy therapist brief",
        "sign-in",
    }
    assert all(s.marker or s.kind == "signin" for s in SCENARIOS)


def test_requests_for_wrk_are_quoted_as_lua_strings() -> None:
    scenario = next(s for s in SCENARIOS if s.name == "save an entry")
    body = 'title=%22quoted%22&body=line\\one\nline "two"'
    lua = Prepared(scenario, [("POST", "/journal/", {"Cookie": 'a="b"'}, body)]).lua()
    assert '["Cookie"] = "a=\\"b\\""' in lua
    assert '\\\\one\\nline \\"two\\"' in lua
