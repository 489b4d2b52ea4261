"""Deterministic checks: each kind has a passing and a failing case."""

from __future__ import annotations

import pytest
from judging_helpers import build

from evalkit.conversation.transcript import RoleUsage
from evalkit.judging import Outcome, evaluate_check, run_checks
from evalkit.llm.types import Usage
from evalkit.spec.checks import Check


def outcome(check: dict, transcript) -> bool | None:
    return evaluate_check(Check.model_validate(check), transcript).passed


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ({"regex": r"refunded order \d+"}, True),
        ({"regex": r"store credit"}, False),
        ({"regex": r"BLENDER", "on": "user", "ignore_case": True}, True),
        ({"regex": r"BLENDER", "on": "user"}, False),
        ({"regex": r"blender"}, False),  # only the user said it
        ({"regex": r"blender", "on": "any"}, True),
        ({"not_regex": r"\b\d{16}\b"}, True),
        ({"not_regex": r"order \d{4}"}, False),
        ({"contains": "Anything else?"}, True),
        ({"contains": "anything else?"}, False),
        ({"contains": "anything else?", "ignore_case": True}, True),
        ({"not_contains": "password"}, True),
        ({"not_contains": "sorry"}, False),
    ],
)
def test_text_checks(refund_transcript, check, expected):
    assert outcome(check, refund_transcript) is expected


def test_pattern_failure_cites_the_turn(refund_transcript):
    finding = evaluate_check(Check.model_validate({"not_regex": r"order \d{4}"}), refund_transcript)
    assert [e.turn for e in finding.evidence] == [2, 5]
    assert finding.evidence[0].quote == "order 1234"


def test_bad_regex_is_invalid_not_a_fail(refund_transcript):
    # Loading rejects a bad pattern (tests/reliability); a check built without validation is still invalid, not a fail.
    finding = evaluate_check(Check.model_construct(regex="("), refund_transcript)
    assert finding.passed is None and "invalid regex" in finding.reasoning


SCHEMA = {
    "type": "object",
    "required": ["order_id", "reason"],
    "properties": {"order_id": {"type": "string", "pattern": r"^\d+$"}},
}


def test_json_schema_on_tool_arguments(refund_transcript):
    assert outcome({"json_schema": {"schema": SCHEMA, "tool": "refund_order"}}, refund_transcript) is True
    strict = {**SCHEMA, "properties": {"order_id": {"type": "integer"}}}
    assert outcome({"json_schema": {"schema": strict, "tool": "refund_order"}}, refund_transcript) is False
    assert outcome({"json_schema": {"schema": SCHEMA, "tool": "cancel_order"}}, refund_transcript) is False


def test_json_schema_on_last_agent_message():
    schema = {"type": "object", "required": ["status"], "properties": {"status": {"enum": ["ok", "error"]}}}
    good = build(("user", "status?"), ("agent", "thinking"), ("agent", '```json\n{"status": "ok"}\n```'))
    wrong = build(("user", "status?"), ("agent", '{"status": "maybe"}'))
    prose = build(("user", "status?"), ("agent", '{"status": "ok"}'), ("agent", "All good!"))
    assert outcome({"json_schema": {"schema": schema}}, good) is True
    assert outcome({"json_schema": {"schema": schema}}, wrong) is False
    assert outcome({"json_schema": {"schema": schema}}, prose) is False  # the LAST agent message is checked


def test_json_schema_invalid_schema_is_invalid(refund_transcript):
    assert outcome({"json_schema": {"schema": {"type": "nonsense"}}}, refund_transcript) is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"name": "refund_order"}, True),
        ({"name": "refund_order", "args": {"order_id": "1234"}}, True),
        ({"name": "refund_order", "args": {"order_id": 1234}}, True),  # stringified ids match
        ({"name": "refund_order", "args": {"order_id": "9999"}}, False),
        ({"name": "refund_order", "args": {"missing": 1}}, False),
        ({"name": "cancel_order"}, False),
        ({"name": "refund_order", "count": 1}, True),
        ({"name": "refund_order", "count": 2}, False),
        ({"name": "refund_order", "max_count": 0}, False),
        ({"name": "refund_order", "min_count": 2}, False),
        ({"name": "cancel_order", "count": 0}, True),
    ],
)
def test_tool_called(refund_transcript, spec, expected):
    assert outcome({"tool_called": spec}, refund_transcript) is expected


def test_tool_called_counts_repeated_calls():
    t = build(("user", "x"), ("call", ("lookup", {"id": 1}, True)), ("call", ("lookup", {"id": 2}, "not found")))
    assert outcome({"tool_called": {"name": "lookup", "count": 2}}, t) is True
    assert outcome({"tool_called": {"name": "lookup", "args": {"id": 2}, "count": 1}}, t) is True


def test_tool_not_called(refund_transcript):
    assert outcome({"tool_not_called": "delete_account"}, refund_transcript) is True
    assert outcome({"tool_not_called": "refund_order"}, refund_transcript) is False


SEQ = build(
    ("user", "x"), ("call", ("lookup", {}, True)), ("call", ("verify", {}, True)), ("call", ("refund", {}, True))
)


@pytest.mark.parametrize(
    ("names", "mode", "expected"),
    [
        (["lookup", "verify", "refund"], "strict", True),
        (["lookup", "refund"], "strict", False),
        (["lookup", "refund"], "in_order", True),
        (["refund", "lookup"], "in_order", False),
        (["lookup", "verify", "refund", "email"], "subset", True),
        (["lookup", "refund"], "subset", False),  # verify was called but is not listed
        (["refund", "lookup"], "superset", True),
        (["refund", "email"], "superset", False),
    ],
)
def test_tool_sequence(names, mode, expected):
    assert outcome({"tool_sequence": {"names": names, "mode": mode}}, SEQ) is expected


def test_max_turns(refund_transcript):
    assert outcome({"max_turns": 2}, refund_transcript) is True
    assert outcome({"max_turns": 1}, refund_transcript) is False


def test_budget(refund_transcript):
    assert outcome({"budget": {"max_tokens": 1000}}, refund_transcript) is True
    assert outcome({"budget": {"max_tokens": 999}}, refund_transcript) is False
    assert outcome({"budget": {"max_cost_usd": 0.01}}, refund_transcript) is True
    assert outcome({"budget": {"max_cost_usd": 0.001}}, refund_transcript) is False


def test_budget_latency_and_unknown_cost():
    t = build(("user", "x"), ("agent_lat", ("fast", 0.5)), ("user", "y"), ("agent_lat", ("slow", 4.0)))
    assert outcome({"budget": {"max_latency_s": 5}}, t) is True
    assert outcome({"budget": {"max_latency_s": 3}}, t) is False
    unknown = build(("user", "x"), usage_by_role={"agent": RoleUsage(usage=Usage(), cost_usd=None)})
    assert outcome({"budget": {"max_cost_usd": 1}}, unknown) is None


@pytest.mark.asyncio
async def test_run_checks_scores_and_ids(refund_transcript):
    calls = ({"tool_called": {"name": "refund_order"}}, {"tool_called": {"name": "cancel_order"}})
    # The bad pattern is built without validation: loading would reject it (tests/reliability).
    checks = [Check.model_validate(c) for c in calls] + [Check.model_construct(regex="(")]
    scores = await run_checks(refund_transcript, checks, hub=None)
    assert [s.criterion_id for s in scores] == ["tool_called#1", "tool_called#2", "regex"]
    assert [s.outcome for s in scores] == [Outcome.passed, Outcome.failed, Outcome.invalid]
    assert [s.score for s in scores] == [1.0, 0.0, None]
