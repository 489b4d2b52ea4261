"""Every termination reason, triggered on purpose, and what the transcript records for it."""

from __future__ import annotations

import asyncio

import pytest
from conv_helpers import ScriptedUser, scenario, spec

from evalkit.conversation import TerminationReason as R
from evalkit.conversation import run_session
from evalkit.spec.models import ModelAgent
from evalkit.testing import Reply, Rule

ENDLESS = ScriptedUser([f"message {i}" for i in range(50)])


@pytest.mark.asyncio
async def test_agent_stop_from_the_agent_and_from_the_simulator(fake_llm, hub_for) -> None:
    hub = hub_for(fake_llm)
    t = await run_session(spec("conv_agents:quitter"), hub)
    assert t.termination == R.agent_stop and t.messages[-1].content == "We are closing this chat now."
    assert fake_llm.requests_for(role="simulator") == []

    fake_llm.add_rule(Rule(role="simulator", handler=ScriptedUser([], end_reason="agent_ended", goodbye="")))
    t2 = await run_session(spec("conv_agents:echo"), hub)
    assert t2.termination == R.agent_stop and t2.user_end_reason == "agent_ended"
    assert [m.role for m in t2.messages] == ["user", "assistant"]  # no empty goodbye recorded
    await hub.aclose()


@pytest.mark.asyncio
async def test_stop_token_fallback_ends_as_user_stop(fake_llm, hub_for) -> None:
    fake_llm.add_rule(Rule(role="simulator", text="ok thanks ###STOP###"))
    hub = hub_for(fake_llm)
    t = await run_session(spec("conv_agents:echo"), hub)
    assert t.termination == R.user_stop and t.user_end_reason == "unspecified"
    assert t.messages[-1].role == "user" and t.messages[-1].content == "ok thanks"
    await hub.aclose()


@pytest.mark.asyncio
async def test_max_turns(fake_llm, hub_for) -> None:
    fake_llm.add_rule(Rule(role="simulator", handler=ENDLESS))
    hub = hub_for(fake_llm)
    t = await run_session(spec("conv_agents:echo", max_turns=3), hub)
    assert t.termination == R.max_turns and t.termination_detail == "reached max_turns=3"
    assert [(m.turn, m.role) for m in t.messages] == [
        (1, "user"),
        (1, "assistant"),
        (2, "user"),
        (2, "assistant"),
        (3, "user"),
        (3, "assistant"),
    ]
    assert len(fake_llm.requests_for(role="simulator")) == 2  # the opening was scripted; turn 4 is never asked for
    await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("target", ["conv_agents:hang", "conv_agents:sync_hang"])
async def test_agent_turn_timeout(fake_llm, hub_for, target: str) -> None:
    hub = hub_for(fake_llm)
    t = await run_session(spec(target, agent_turn_timeout_s=0.2), hub)
    assert t.termination == R.timeout and "agent turn 1 exceeded agent_turn_timeout_s=0.2" in t.termination_detail
    assert [m.role for m in t.messages] == ["user"]
    await hub.aclose()


@pytest.mark.asyncio
async def test_session_timeout(fake_llm, hub_for) -> None:
    fake_llm.add_rule(Rule(role="simulator", handler=ENDLESS))
    fake_llm.latency_s = 0.1
    hub = hub_for(fake_llm)
    t = await run_session(spec("conv_agents:echo", max_turns=50, session_timeout_s=0.5), hub)
    assert t.termination == R.timeout and "session_timeout_s=0.5" in t.termination_detail
    assert 1 <= t.turns < 50 and not t.incomplete
    await hub.aclose()


@pytest.mark.asyncio
async def test_agent_error_records_traceback(fake_llm, hub_for) -> None:
    hub = hub_for(fake_llm)
    t = await run_session(spec("conv_agents:boom"), hub)
    assert t.termination == R.agent_error
    assert t.termination_detail == "agent failed at turn 1: RuntimeError: agent exploded"
    assert "Traceback" in t.error_traceback and "conv_agents.py" in t.error_traceback
    assert not t.invalidated_by_simulator

    broken = await run_session(spec("conv_agents:does_not_exist"), hub)
    assert broken.termination == R.setup_error and "agent setup failed" in broken.termination_detail
    await hub.aclose()


@pytest.mark.asyncio
async def test_simulator_error_on_repeated_empty_reply(fake_llm, hub_for) -> None:
    fake_llm.add_rule(Rule(role="simulator", text=""))
    hub = hub_for(fake_llm)
    t = await run_session(spec("conv_agents:echo"), hub)
    assert t.termination == R.simulator_error and "empty reply twice" in t.termination_detail
    assert [f.name for f in t.guardrail_flags] == ["empty_reply", "empty_reply"]
    assert t.invalidated_by_simulator
    assert len(fake_llm.requests_for(role="simulator")) == 2
    await hub.aclose()


@pytest.mark.asyncio
async def test_infrastructure_error_when_the_simulator_endpoint_fails(fake_llm, hub_for) -> None:
    fake_llm.inject("server_error", times=100, role="simulator")
    hub = hub_for(fake_llm, max_retries=2)
    t = await run_session(spec("conv_agents:echo"), hub)
    assert (
        t.termination == R.infrastructure_error and "simulator model failed after 3 attempt(s)" in t.termination_detail
    )
    assert len(fake_llm.requests_for(role="simulator")) == 3
    await hub.aclose()


@pytest.mark.asyncio
async def test_context_length_is_a_simulator_error(fake_llm, hub_for) -> None:
    fake_llm.inject("context_length", times=5, role="simulator")
    hub = hub_for(fake_llm)
    t = await run_session(spec("conv_agents:echo"), hub)
    assert t.termination == R.simulator_error
    await hub.aclose()


@pytest.mark.asyncio
async def test_model_agent_endpoint_failure_is_infrastructure_error(fake_llm, hub_for) -> None:
    fake_llm.inject("unavailable", times=100, role="agent")
    hub = hub_for(fake_llm, max_retries=1)
    agent = ModelAgent(kind="model", model="openai:agentm", system_prompt="S")
    t = await run_session(spec(agent), hub)
    assert t.termination == R.infrastructure_error and "ModelError" in t.termination_detail
    await hub.aclose()


@pytest.mark.asyncio
async def test_no_simulator_model(fake_llm, hub_for) -> None:
    hub = hub_for(fake_llm)
    t = await run_session(spec("conv_agents:echo", sim_model=None), hub)
    assert t.termination == R.user_stop and "scripted turns finished" in t.termination_detail
    assert [m.role for m in t.messages] == ["user", "assistant"]
    no_script = await run_session(spec("conv_agents:echo", sim_model=None, scenario=scenario(opening=None)), hub)
    assert no_script.termination == R.simulator_error and "simulator.model" in no_script.termination_detail
    await hub.aclose()


@pytest.mark.asyncio
async def test_cancellation_marks_the_transcript_incomplete(fake_llm, hub_for) -> None:
    fake_llm.add_rule(Rule(role="simulator", handler=ENDLESS))
    fake_llm.latency_s = 0.05
    hub = hub_for(fake_llm)
    ended: list = []
    first_turn = asyncio.Event()

    def on_event(kind: str, payload: dict) -> None:
        if kind == "turn" and payload["role"] == "assistant":
            first_turn.set()
        if kind == "session_end":
            ended.append(payload["transcript"])

    task = asyncio.create_task(run_session(spec("conv_agents:echo", max_turns=50), hub, on_event=on_event))
    await first_turn.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as info:
        await task
    t = info.value.transcript
    assert t.termination == R.cancelled and t.incomplete and ended == [t]
    assert t.turns >= 1 and t.ended_at >= t.started_at
    await hub.aclose()


@pytest.mark.asyncio
async def test_failures_stay_isolated_in_one_gather(fake_llm, hub_for) -> None:
    fake_llm.add_rule(Rule(role="simulator", model="broken-sim", handler=_always_fail))
    fake_llm.add_rule(Rule(role="simulator", handler=ScriptedUser(["order 1234"])))
    hub = hub_for(fake_llm, max_retries=1)
    specs = [
        spec("conv_agents:boom", session_id="raises"),
        spec("conv_agents:hang", agent_turn_timeout_s=0.3, session_id="hangs"),
        spec("conv_agents:echo", sim_model="openai:broken-sim", session_id="sim500"),
        spec("conv_agents:echo", session_id="ok1"),
        spec("conv_agents:make_tool_agent", sim_model="anthropic:sim", session_id="ok2"),
    ]
    results = await asyncio.gather(*(run_session(s, hub) for s in specs))
    by_id = {t.meta.session_id: t for t in results}
    assert by_id["raises"].termination == R.agent_error
    assert by_id["hangs"].termination == R.timeout
    assert by_id["sim500"].termination == R.infrastructure_error and "server" in by_id["sim500"].termination_detail
    assert by_id["ok1"].termination == R.user_stop and by_id["ok1"].turns == 3
    assert by_id["ok2"].termination == R.user_stop and by_id["ok2"].turns == 3
    broken = [r for r in fake_llm.requests_for(role="simulator") if r.model == "broken-sim"]
    assert len(broken) == 2  # first try + one retry, all answered 500
    await hub.aclose()


def _always_fail(request) -> Reply:
    raise RuntimeError("simulator endpoint is down")
