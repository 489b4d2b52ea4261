"""Cassette replay through the capture proxy: an SDK agent's calls recorded with the run's cassette are answered
from it, streaming included, with no upstream at all (the replay server's request log stays empty)."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from capture_agents import ORDERS
from test_session_capture import KEY, assert_refund_trajectory, script, spec

from evalkit.conversation import run_session
from evalkit.conversation.transcript import TerminationReason, Transcript
from evalkit.llm.capture import Tape, loop_proxy
from evalkit.llm.cassette import Cassette
from evalkit.testing import FakeLLMServer

TARGETS = [
    ("capture_agents:make_openai", "openai:gpt-4.1"),
    ("capture_agents:make_anthropic", "anthropic:claude-sonnet-4-5"),
    ("capture_agents:make_openai_responses", "openai:gpt-4.1"),
]


def trajectory(transcript: Transcript) -> list[tuple[object, ...]]:
    """What the agent did, as the transcript shows it (timings and costs aside)."""
    return [
        (
            m.role,
            m.content,
            [(c.id, c.name, c.arguments) for c in m.tool_calls],
            m.tool_result.output if m.tool_result else None,
            m.captured,
        )
        for m in transcript.messages
    ]


async def record(hub_for, target: str, tier: str, stream: bool, cassette: Path) -> Transcript:
    with FakeLLMServer() as live:
        script(live)
        hub = hub_for(live, record_path=cassette, no_cache=True)
        params = {"base_url": live.base_url(tier.partition(":")[0]), "api_key": KEY, "stream": stream}
        transcript = await run_session(spec(target, tier=tier, **params), hub)
        hub.close()
        assert len(live.requests_for(role="agent")) == 2
    return transcript


@pytest.mark.asyncio
@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
@pytest.mark.parametrize(("target", "tier"), TARGETS)
async def test_a_recorded_sdk_agent_replays_with_no_upstream(hub_for, tmp_path, target, tier, stream):
    cassette = tmp_path / "agent.jsonl"
    ORDERS.clear()
    recorded = await record(hub_for, target, tier, stream, cassette)
    assert recorded.termination == TerminationReason.user_stop, recorded.termination_detail
    assert KEY not in cassette.read_text() and "authorization" not in cassette.read_text().lower()

    ORDERS.clear()
    with FakeLLMServer() as nobody:  # the upstream the agent is pointed at while replaying: nothing may reach it
        hub = hub_for(nobody, replay_path=cassette, no_cache=True)
        params = {"base_url": nobody.base_url(tier.partition(":")[0]), "api_key": KEY, "stream": stream}
        replayed = await run_session(spec(target, tier=tier, **params), hub)
        assert nobody.requests == []

    assert replayed.termination == TerminationReason.user_stop, replayed.termination_detail
    assert ORDERS == {"1234": "refunded"}  # the agent's tool ran again, driven by the replayed model answers
    assert_refund_trajectory(replayed)
    assert trajectory(replayed) == trajectory(recorded)
    assert [(c.wire, c.stream, c.status, c.tool_calls) for c in replayed.agent_calls] == [
        (c.wire, c.stream, c.status, c.tool_calls) for c in recorded.agent_calls
    ]
    assert replayed.usage_by_role["agent"].cost_usd == 0.0  # a replay spends nothing
    assert recorded.usage_by_role["agent"].cost_usd > 0


@pytest.mark.asyncio
async def test_a_call_with_no_recording_fails_the_session_as_infrastructure_with_the_nearest_diff(hub_for, tmp_path):
    cassette = tmp_path / "agent.jsonl"
    await record(hub_for, *TARGETS[0], False, cassette)
    with FakeLLMServer() as nobody:
        hub = hub_for(nobody, replay_path=cassette, no_cache=True)
        params = {"base_url": nobody.base_url("openai"), "api_key": KEY}
        other = spec(TARGETS[0][0], tier=TARGETS[0][1], **params)
        other.scenario = other.scenario.model_copy(update={"opening": "please refund order 9999"})
        transcript = await run_session(other, hub)
        assert nobody.requests == []
    assert transcript.termination == TerminationReason.infrastructure_error, transcript.termination_detail
    error = transcript.agent_calls[0].error or ""
    assert transcript.agent_calls[0].status == 0
    assert f"no recording in {cassette} for this openai call of the agent (model gpt-4.1)" in error
    assert (
        '-        "content": "please refund order 1234"' in error
        and '+        "content": "please refund order 9999"' in error
    )


@pytest.mark.asyncio
async def test_replaying_refuses_paths_it_cannot_have_recorded_without_forwarding(tmp_path):
    cassette = tmp_path / "empty.jsonl"
    cassette.write_text("")
    with FakeLLMServer() as nobody:
        proxy = await loop_proxy()
        session = proxy.open(nobody.base_url("openai"), tape=Tape(replay=Cassette(cassette)))
        async with httpx2.AsyncClient() as client:
            answer = await client.get(f"{session.base_url}/models")
        assert nobody.requests == []
    assert answer.status_code == 404
    assert "replaying from a cassette, which records chat calls only; nothing is recorded for /models" in answer.text
