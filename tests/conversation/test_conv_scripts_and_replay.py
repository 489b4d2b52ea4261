"""Scripted turns mixed with simulated ones, seeding, and frozen replay of recorded user turns."""

from __future__ import annotations

import pytest
from conv_helpers import ScriptedUser, scenario, spec, tool_agent_handler

from evalkit.conversation import TerminationReason as R
from evalkit.conversation import Transcript, run_session
from evalkit.spec.models import ModelAgent, UserTurn
from evalkit.testing import Rule

MODEL_AGENT = ModelAgent(
    kind="model",
    model="openai:agentm",
    system_prompt="You help.",
    tools=["conv_agents:lookup_order", "conv_agents:refund_order"],
)


@pytest.mark.asyncio
async def test_scripted_turns_mix_with_simulated(fake_llm, hub_for) -> None:
    fake_llm.add_rule(
        Rule(role="simulator", handler=ScriptedUser(["simulated two", "(fixed three)", "simulated four"], skip=2))
    )
    hub = hub_for(fake_llm)
    sc = scenario(turns=[UserTurn(user="fixed one"), "simulate", UserTurn(user="fixed three")])
    t = await run_session(spec("conv_agents:echo", scenario=sc, seed=11), hub)
    users = [(m.turn, m.content, m.scripted) for m in t.messages if m.role == "user"]
    assert users == [
        (1, "my blender arrived broken", True),
        (2, "fixed one", True),
        (3, "simulated two", False),
        (4, "fixed three", True),
        (5, "simulated four", False),
        (6, "thanks, bye", False),
    ]
    sim = fake_llm.requests_for(role="simulator")
    assert len(sim) == 3  # turn 3, turn 5 ("simulated four"), turn 6 (end)
    assert sim[0].body["seed"] == 11 and sim[0].body["temperature"] == 0.7
    assert t.termination == R.user_stop
    await hub.aclose()


@pytest.mark.asyncio
async def test_frozen_replay_of_an_unchanged_agent_makes_no_simulator_calls(fake_llm, hub_for) -> None:
    fake_llm.add_rule(Rule(role="simulator", handler=ScriptedUser(["order 1234", "ana@example.com"])))
    fake_llm.add_rule(Rule(role="agent", handler=tool_agent_handler))
    hub = hub_for(fake_llm)
    original = await run_session(spec(MODEL_AGENT), hub)
    assert original.termination == R.user_stop and original.turns == 4
    fake_llm.reset()

    recorded = Transcript.from_json(original.to_json())  # as the run engine would load it from disk
    replay = await run_session(spec(MODEL_AGENT, frozen_from=recorded, seed=999), hub)
    assert fake_llm.requests_for(role="simulator") == []
    assert len(fake_llm.requests_for(role="agent")) == len([r for r in original.messages if r.role == "assistant"])
    assert replay.content_hash() == original.content_hash()
    assert replay.termination == R.user_stop and replay.user_end_reason == "goal_met"
    assert replay.meta.frozen_from == original.content_hash() and replay.meta.diverged_at_turn is None
    assert all(m.replayed for m in replay.messages if m.role == "user")
    assert [m.scripted for m in replay.messages if m.role == "user"] == [True, False, False, False]
    await hub.aclose()


@pytest.mark.asyncio
async def test_frozen_replay_hands_over_to_the_simulator_when_the_agent_diverges(fake_llm, hub_for) -> None:
    fake_llm.add_rule(Rule(role="simulator", handler=ScriptedUser(["order 1234", "ana@example.com"])))
    hub = hub_for(fake_llm)
    original = await run_session(spec("conv_agents:make_tool_agent"), hub)
    fake_llm.reset()

    changed = await run_session(spec("conv_agents:echo", frozen_from=original), hub)
    assert changed.meta.diverged_at_turn == 1
    users = [m for m in changed.messages if m.role == "user"]
    assert users[0].replayed and not any(u.replayed for u in users[1:])
    assert len(fake_llm.requests_for(role="simulator")) == 3  # live from turn 2 on
    assert changed.content_hash() != original.content_hash()
    await hub.aclose()


@pytest.mark.asyncio
async def test_frozen_replay_tolerates_small_rewording_but_not_new_tool_calls(fake_llm, hub_for) -> None:
    from evalkit.conversation import FrozenReplay
    from evalkit.llm.types import Message, ToolCall

    fake_llm.add_rule(Rule(role="simulator", handler=ScriptedUser(["order 1234"])))
    hub = hub_for(fake_llm)
    original = await run_session(spec("conv_agents:make_tool_agent"), hub)
    recorded = [m.to_message() for m in original.messages_in_turn(1, "assistant", "tool")]
    replay = FrozenReplay(original)
    reworded = [*recorded[:-1], Message(role="assistant", content="Order 1234 was delivered, (turn 1)!")]
    assert replay.check(1, reworded) is False
    other_call = [
        Message(role="assistant", tool_calls=[ToolCall(id="x", name="refund_order", arguments={"order_id": "1234"})]),
        *recorded[1:],
    ]
    fresh = FrozenReplay(original)
    assert fresh.check(1, other_call) is True and fresh.diverged_at == 1
    assert fresh.user_turn(2) is None  # after divergence the simulator takes over
    await hub.aclose()
