"""The `state` check: each test passes and fails on the right data; missing paths fail, uncaptured state is invalid."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.conversation.transcript import Transcript, TranscriptMeta
from evalkit.judging import evaluate_check
from evalkit.judging.check_state import parse_path
from evalkit.spec import SpecError, load_suite
from evalkit.spec.checks import Check

STATE = {
    "bookings": {
        "AB1234": {
            "status": "cancelled",
            "legs": ["LHR", "JFK"],
            "refund": 120.5,
            "email": "ana@example.com",
            "paid": True,
            "notes": None,
        },
        "CD5678": {"status": "confirmed", "legs": []},
    },
    "a.b": {"c": 1},
    "log": [{"op": "find"}, {"op": "cancel"}],
}


def transcript(state=STATE, error: str | None = None) -> Transcript:
    return Transcript(meta=TranscriptMeta(scenario_id="s"), state=state, state_error=error)


def finding(spec: dict, t: Transcript | None = None):
    return evaluate_check(Check.model_validate({"state": spec}), t or transcript())


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"path": "bookings.AB1234.status", "equals": "cancelled"}, True),
        ({"path": "bookings.CD5678.status", "equals": "cancelled"}, False),
        ({"path": "bookings.AB1234.refund", "equals": 120.5}, True),
        ({"path": "bookings.AB1234.paid", "equals": 1}, False),  # JSON true is not the number 1
        ({"path": "bookings.AB1234.notes", "equals": None}, True),
        ({"path": "bookings.AB1234.legs[1]", "equals": "JFK"}, True),
        ({"path": "bookings.AB1234.legs[-1]", "equals": "LHR"}, False),
        ({"path": "log[1].op", "equals": "cancel"}, True),
        ({"path": '["a.b"].c', "equals": 1}, True),
        ({"path": "bookings.AB1234", "exists": True}, True),
        ({"path": "bookings.ZZ9999", "exists": True}, False),
        ({"path": "bookings.ZZ9999", "exists": False}, True),
        ({"path": "bookings.AB1234", "exists": False}, False),
        ({"path": "bookings.AB1234.legs", "contains": "JFK"}, True),
        ({"path": "bookings.CD5678.legs", "contains": "JFK"}, False),
        ({"path": "bookings.AB1234.email", "contains": "@example"}, True),
        ({"path": "bookings", "contains": "AB1234"}, True),
        ({"path": "bookings", "contains": "ZZ9999"}, False),
        ({"path": "bookings.AB1234.refund", "contains": "1"}, False),  # a number contains nothing
        ({"path": "bookings.AB1234.email", "matches": r"^\w+@example\.com$"}, True),
        ({"path": "bookings.AB1234.email", "matches": r"@other\."}, False),
        ({"path": "bookings.AB1234.refund", "matches": "120"}, False),  # not a string
        ({"path": "bookings.AB1234", "schema": {"type": "object", "required": ["status", "refund"]}}, True),
        ({"path": "bookings.CD5678", "schema": {"type": "object", "required": ["refund"]}}, False),
        ({"schema": {"type": "object", "required": ["bookings", "log"]}}, True),
    ],
)
def test_state_tests(spec: dict, expected: bool) -> None:
    assert finding(spec).passed is expected


def test_a_missing_path_fails_with_where_it_stops() -> None:
    result = finding({"path": "bookings.ZZ9999.status", "equals": "cancelled"})
    assert result.passed is False
    assert result.reasoning == "bookings.ZZ9999 is not in the state (bookings has keys: AB1234, CD5678)"
    out_of_range = finding({"path": "bookings.AB1234.legs[5]", "equals": "x"})
    assert out_of_range.passed is False and "legs[5] is not in the state" in out_of_range.reasoning


def test_a_failure_names_the_value_found() -> None:
    result = finding({"path": "bookings.CD5678.status", "equals": "cancelled"})
    assert result.reasoning == 'bookings.CD5678.status is "confirmed", expected "cancelled"'


@pytest.mark.parametrize("t", [transcript(None, "state() raised RuntimeError: db gone"), transcript(None)])
def test_a_state_never_captured_is_invalid_not_a_fail(t: Transcript) -> None:
    for spec in ({"path": "x", "exists": False}, {"path": "x", "equals": 1}):
        result = finding(spec, t)
        assert result.passed is None and result.reasoning.startswith("state not captured: ")
    assert (
        "db gone"
        in finding({"path": "x", "exists": False}, transcript(None, "state() raised RuntimeError: db gone")).reasoning
    )


def test_a_catastrophic_regex_is_stopped_and_invalid() -> None:
    t = transcript({"s": "a" * 64 + "!"})
    result = finding({"path": "s", "matches": r"(a|aa)+$"}, t)
    assert result.passed is None and "time limit" in result.reasoning


def test_path_syntax() -> None:
    assert parse_path("bookings.AB1234.status") == ["bookings", "AB1234", "status"]
    assert parse_path('a[0][-1]["x.y"].b') == ["a", 0, -1, "x.y", "b"]
    assert parse_path("") == []
    for bad in ("a..b", ".a", "a[", "a[x]"):
        with pytest.raises(ValueError, match="does not parse"):
            parse_path(bad)


SUITE = """\
suite: s
agent: state_agents:make_booker
scenarios:
  - id: cancel
    goal: cancel AB1234
    checks:
      - state: {path: "bookings.AB1234.status", equals: cancelled}
      - state: {BAD}
"""


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (
            '{path: "a..b", equals: 1}',
            "8:23: scenarios[0].checks[1].state.path: path 'a..b' does not parse at character 2",
        ),
        (
            "{path: a, equals: 1, exists: true}",
            "expected exactly one of equals, exists, contains, matches, schema (got equals, exists)",
        ),
        ("{path: a}", "expected exactly one of equals, exists, contains, matches, schema (got none)"),
        ("{path: a, matches: '('}", "invalid regex '('"),
        ("{path: a, schema: {type: 12}}", "not a valid JSON Schema"),
        ("{path: a, equal: 1}", "unknown key 'equal' (did you mean 'equals'?)"),
    ],
)
def test_bad_state_checks_are_one_located_line(tmp_path: Path, bad: str, expected: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SUITE.replace("{BAD}", bad))
    with pytest.raises(SpecError) as info:
        load_suite(path, root=tmp_path)
    message = str(info.value)
    assert len(message.splitlines()) == 1 and message.startswith(str(path) + ":8:") and expected in message, message


def test_a_good_state_check_loads(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SUITE.replace("{BAD}", "{path: bookings.AB1234, exists: true}"))
    checks = load_suite(path, root=tmp_path).scenarios[0].checks
    assert [c.kind for c in checks] == ["state", "state"]
