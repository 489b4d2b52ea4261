"""The agent's state() is captured after the session and stored with the transcript; failures are reasons."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from evalkit.conversation import SessionSpec, run_session
from evalkit.conversation.transcript import Transcript
from evalkit.spec.models import CallableAgent, Scenario, SimulatorConfig

sys.path.insert(0, str(Path(__file__).parents[1] / "conversation"))


def spec(target: str, opening: str = "please cancel AB1234") -> SessionSpec:
    scenario = Scenario(id="cancel", goal="cancel booking AB1234", opening=opening)
    return SessionSpec(
        run_id="r",
        suite_name="s",
        scenario=scenario,
        agent=CallableAgent(target=target),
        simulator=SimulatorConfig(model=None),
        max_turns=3,
    )


async def session(target: str, hub_for, fake_llm, opening: str = "please cancel AB1234") -> Transcript:
    return await run_session(spec(target, opening), hub_for(fake_llm))


@pytest.mark.asyncio
async def test_state_after_the_session_is_stored_with_the_transcript(fake_llm, hub_for) -> None:
    t = await session("state_agents:make_booker", hub_for, fake_llm)
    assert t.state == {"bookings": {"AB1234": {"status": "cancelled", "legs": ["LHR", "JFK"]}}}
    assert t.state_error is None
    assert Transcript.from_json(t.to_json()).state == t.state  # written and read back with the transcript
    untouched = await session("state_agents:make_booker", hub_for, fake_llm, opening="hello")
    assert untouched.state["bookings"]["AB1234"]["status"] == "confirmed"  # each session's own agent
    assert fake_llm.requests == []  # no simulator model: nothing went over the wire


@pytest.mark.asyncio
async def test_async_state_is_awaited(fake_llm, hub_for) -> None:
    t = await session("state_agents:make_async_booker", hub_for, fake_llm)
    assert t.state["async"] is True and t.state["bookings"]["AB1234"]["status"] == "cancelled"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("state_agents:make_broken", "state() raised RuntimeError: db gone"),
        ("state_agents:make_opaque", "state() returned data JSON cannot hold"),
        ("state_agents:make_stateless", "the agent has no state() method"),
        ("state_agents:no_such_factory", "no agent was built"),
    ],
)
async def test_a_state_that_cannot_be_captured_is_a_recorded_reason(fake_llm, hub_for, target, reason) -> None:
    t = await session(target, hub_for, fake_llm)
    assert t.state is None and t.state_error is not None and t.state_error.startswith(reason)
