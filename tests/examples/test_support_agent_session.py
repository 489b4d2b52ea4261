"""The SDK-based support agent inside evalkit sessions: its own tool loop is recorded, its usage
priced by the tier's name, and a failing model endpoint is infrastructure, not the agent's fault."""

from __future__ import annotations

import pytest

from evalkit.conversation import SessionSpec, TerminationReason, run_session
from evalkit.llm.hub import ModelHub
from evalkit.spec.models import CallableAgent, Scenario, SimulatorConfig
from evalkit.testing import FakeLLMServer, Reply, ReplyToolCall, Rule, hub_config_for


def spec(server: FakeLLMServer, **overrides) -> SessionSpec:
    values = {
        "scenario": Scenario(
            id="refund",
            goal="Get a refund for order 1234.",
            known={"order_id": "1234"},
            opening="my blender arrived broken, order 1234",
        ),
        "agent": CallableAgent(target="evalkit.demo.support_agent:make_agent"),
        "agent_params": {"base_url": server.openai_base_url, "max_retries": 0},
        "agent_model": "openai:gpt-4.1-mini",
        "simulator": SimulatorConfig(model="anthropic:sim"),
        "max_turns": 3,
    }
    values.update(overrides)
    return SessionSpec(**values)


def agent_brain(request) -> Reply:
    tool_results = [m for m in request.messages if m.role == "tool"]
    if not tool_results:
        return Reply(
            tool_calls=[ReplyToolCall(name="refund_order", arguments={"order_id": "1234", "reason": "broken"})]
        )
    return Reply(text=f"Done: {tool_results[-1].content}")


@pytest.mark.asyncio
async def test_sdk_agent_session_records_its_tool_loop(tmp_path) -> None:
    rules = [
        Rule(role="simulator", tool_calls=[{"name": "end_conversation", "arguments": {"reason": "goal_met"}}]),
        Rule(role="agent", model="gpt-4.1-mini", handler=agent_brain),
    ]
    async with FakeLLMServer(rules=rules) as server:
        hub = ModelHub(hub_config_for(server, cache_dir=tmp_path))
        t = await run_session(spec(server), hub)
        agent_requests = server.requests_for(role="agent")
        await hub.aclose()
    assert t.termination == TerminationReason.user_stop
    assert [m.role for m in t.messages] == ["user", "assistant", "tool", "assistant"]
    assert t.messages[1].tool_calls[0].arguments == {"order_id": "1234", "reason": "broken"}
    assert t.messages[2].tool_result.output == {
        "order_id": "1234",
        "refunded": True,
        "amount": 89.0,
        "reason": "broken",
    }
    assert t.messages[3].content.startswith("Done: ")
    assert [r.model for r in agent_requests] == ["gpt-4.1-mini", "gpt-4.1-mini"]
    assert agent_requests[0].body["messages"][0]["role"] == "system"
    usage = t.usage_by_role["agent"]
    assert usage.calls == 2 and usage.usage.input_tokens > 0
    assert usage.cost_usd == pytest.approx((usage.usage.input_tokens * 0.40 + usage.usage.output_tokens * 1.60) / 1e6)


@pytest.mark.asyncio
async def test_sdk_agent_endpoint_failure_is_infrastructure_error(tmp_path) -> None:
    async with FakeLLMServer() as server:
        server.inject("server_error", times=10, role="agent")
        hub = ModelHub(hub_config_for(server, cache_dir=tmp_path))
        t = await run_session(spec(server), hub)
        await hub.aclose()
    assert t.termination == TerminationReason.infrastructure_error
    assert "InternalServerError" in t.termination_detail and "InternalServerError" in t.error_traceback
