"""Guardrails inside real sessions: what is flagged, what ends the session, what is blamed on whom."""

from __future__ import annotations

import pytest
from conv_helpers import ScriptedUser, spec

from evalkit.conversation import TerminationReason as R
from evalkit.conversation import run_session
from evalkit.testing import Reply, Rule

GOAL_COPY = "Get a refund for order 1234, a blender that arrived broken."


async def _run(fake_llm, hub_for, rule: Rule, **kw):
    fake_llm.add_rule(rule)
    hub = hub_for(fake_llm)
    t = await run_session(spec("conv_agents:echo", **kw), hub)
    await hub.aclose()
    return t


@pytest.mark.asyncio
async def test_empty_reply_is_retried_once_then_accepted(fake_llm, hub_for) -> None:
    rule = Rule(
        role="simulator",
        replies=[
            Reply(text="  "),
            Reply(text="order 1234"),
            Reply(tool_calls=[{"name": "end_conversation", "arguments": {"reason": "goal_met"}}]),
        ],
    )
    t = await _run(fake_llm, hub_for, rule)
    assert [(f.name, f.action, f.turn) for f in t.guardrail_flags] == [("empty_reply", "warn", 2)]
    assert t.termination == R.user_stop and not t.invalidated_by_simulator
    assert [m.content for m in t.messages if m.role == "user"] == ["my blender arrived broken", "order 1234"]
    requests = fake_llm.requests_for(role="simulator")
    assert len(requests) == 3 and requests[0].body["messages"] == requests[1].body["messages"]


@pytest.mark.asyncio
async def test_role_flip_invalidates_and_stops(fake_llm, hub_for) -> None:
    t = await _run(fake_llm, hub_for, Rule(role="simulator", text="Hello! How can I help you today?"))
    assert t.termination == R.simulator_error and "role_flip" in t.termination_detail
    assert t.guardrail_flags[0].name == "role_flip" and t.guardrail_flags[0].action == "invalidate"
    assert t.invalidated_by_simulator
    assert t.messages[-1].role == "user"  # recorded for the report, never sent to the agent


@pytest.mark.asyncio
async def test_role_flip_as_warning_keeps_going(fake_llm, hub_for) -> None:
    rule = Rule(role="simulator", handler=ScriptedUser(["As an AI I think my order is 1234"]))
    t = await _run(fake_llm, hub_for, rule, sim={"guardrails": {"role_flip": "warn"}})
    assert [(f.name, f.action) for f in t.guardrail_flags] == [("role_flip", "warn")]
    assert t.termination == R.user_stop and not t.invalidated_by_simulator


@pytest.mark.asyncio
async def test_role_flip_off_is_not_recorded(fake_llm, hub_for) -> None:
    rule = Rule(role="simulator", handler=ScriptedUser(["As an AI I think my order is 1234"]))
    t = await _run(fake_llm, hub_for, rule, sim={"guardrails": {"role_flip": "off"}})
    assert t.guardrail_flags == [] and t.termination == R.user_stop


@pytest.mark.asyncio
async def test_goal_copy_warns_by_default(fake_llm, hub_for) -> None:
    t = await _run(fake_llm, hub_for, Rule(role="simulator", handler=ScriptedUser([GOAL_COPY])))
    assert [(f.name, f.action, f.turn) for f in t.guardrail_flags] == [("goal_copy", "warn", 2)]
    assert t.termination == R.user_stop and not t.invalidated_by_simulator


@pytest.mark.asyncio
async def test_unknown_fact_disclosure_invalidates(fake_llm, hub_for) -> None:
    rule = Rule(role="simulator", handler=ScriptedUser(["my home address is 5 Elm Street"]))
    t = await _run(fake_llm, hub_for, rule)
    assert t.guardrail_flags[0].name == "unknown_disclosed" and t.termination == R.simulator_error
    assert t.invalidated_by_simulator


@pytest.mark.asyncio
async def test_early_stop_is_flagged_against_min_turns(fake_llm, hub_for) -> None:
    t = await _run(fake_llm, hub_for, Rule(role="simulator", handler=ScriptedUser([])), min_turns=3)
    assert t.termination == R.user_stop
    assert [(f.name, f.action) for f in t.guardrail_flags] == [("early_stop", "invalidate")]
    assert "ended after 1 turn(s)" in t.guardrail_flags[0].detail and t.invalidated_by_simulator


@pytest.mark.asyncio
async def test_unknown_guardrail_name_is_a_simulator_error(fake_llm, hub_for) -> None:
    t = await _run(fake_llm, hub_for, Rule(role="simulator", text="x"), sim={"guardrails": {"rol_flip": "warn"}})
    assert t.termination == R.simulator_error and "unknown guardrail" in t.termination_detail
    assert fake_llm.requests == []
