"""Full sessions through FakeLLMServer, one per adapter kind and wire protocol."""

from __future__ import annotations

import os

import pytest
from conv_helpers import AgentService, ScriptedUser, spec, tool_agent_handler

from evalkit.conversation import TerminationReason, run_session
from evalkit.llm.config import ModelPrice
from evalkit.spec.models import HttpAgent, ModelAgent
from evalkit.testing import Rule

PRICES = {
    "openai:sim": ModelPrice(input=1.0, output=2.0),
    "anthropic:sim": ModelPrice(input=1.0, output=2.0),
    "openai:agentm": ModelPrice(input=3.0, output=4.0),
    "anthropic:agentm": ModelPrice(input=3.0, output=4.0),
}
PROVIDERS = ["openai", "anthropic"]


def cost(usage, price: ModelPrice) -> float:
    return (usage.input_tokens * price.input + usage.output_tokens * price.output) / 1_000_000


@pytest.mark.asyncio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_callable_agent_session(fake_llm, hub_for, provider: str) -> None:
    fake_llm.add_rule(Rule(role="simulator", handler=ScriptedUser(["order 1234", "ana@example.com"])))
    hub = hub_for(fake_llm, price_overrides=PRICES)
    events: list[tuple[str, dict]] = []
    s = spec("conv_agents:make_tool_agent", sim_model=f"{provider}:sim", agent_model="openai:gpt-4.1-mini")
    t = await run_session(s, hub, on_event=lambda kind, payload: events.append((kind, payload)))

    assert t.termination == TerminationReason.user_stop and t.user_end_reason == "goal_met"
    assert [(m.turn, m.role) for m in t.messages] == [
        (1, "user"),
        (1, "assistant"),
        (1, "tool"),
        (1, "assistant"),
        (2, "user"),
        (2, "assistant"),
        (2, "tool"),
        (2, "assistant"),
        (3, "user"),
        (3, "assistant"),
        (3, "tool"),
        (3, "assistant"),
        (4, "user"),
    ]
    users = [m for m in t.messages if m.role == "user"]
    assert [(u.content, u.scripted) for u in users] == [
        ("my blender arrived broken", True),
        ("order 1234", False),
        ("ana@example.com", False),
        ("thanks, bye", False),
    ]
    assert t.messages[1].tool_calls[0].name == "lookup_order"
    assert t.messages[2].tool_result.output == {"status": "delivered"} and t.messages[2].tool_result.call_id == "call_1"
    assert t.messages[3].latency_s is not None and t.messages[1].latency_s is None

    sim_requests = fake_llm.requests_for(role="simulator")
    assert len(sim_requests) == 3
    assert sim_requests[0].body["messages"][-1]["role"] == "user"  # the agent's text, flipped
    sim_usage = t.usage_by_role["simulator"]
    assert sim_usage.calls == 3 and sim_usage.usage.input_tokens > 0
    assert sim_usage.cost_usd == pytest.approx(cost(sim_usage.usage, PRICES[f"{provider}:sim"]))
    agent_usage = t.usage_by_role["agent"]
    assert (agent_usage.usage.input_tokens, agent_usage.usage.output_tokens, agent_usage.calls) == (300, 60, 6)
    assert agent_usage.cost_usd == pytest.approx((300 * 0.40 + 60 * 1.60) / 1e6)  # priced from the tier's name

    turn_events = [p for k, p in events if k == "turn"]
    assert [(p["turn"], p["role"]) for p in turn_events] == [(m.turn, m.role) for m in t.messages]
    assert events[0][0] == "session_start" and events[-1][0] == "session_end"
    assert events[-1][1]["transcript"] is t and turn_events[0]["session_id"] == s.id
    assert t.meta.persona_variation in ("typos", "hurried") and t.meta.agent_tier == "openai:gpt-4.1-mini"
    await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_model_agent_session_runs_the_tool_loop(fake_llm, hub_for, provider: str) -> None:
    fake_llm.add_rule(Rule(role="simulator", handler=ScriptedUser(["it's order 1234"])))
    fake_llm.add_rule(Rule(role="agent", handler=tool_agent_handler))
    hub = hub_for(fake_llm, price_overrides=PRICES)
    agent = ModelAgent(
        kind="model",
        model=f"{provider}:agentm",
        system_prompt="You are a support agent.",
        tools=["conv_agents:lookup_order", "conv_agents:refund_order"],
        max_steps=5,
    )
    t = await run_session(spec(agent, sim_model=f"{provider}:sim"), hub)

    assert t.termination == TerminationReason.user_stop
    turn1 = t.messages_in_turn(1)
    assert [m.role for m in turn1] == ["user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert [c.name for m in turn1 for c in m.tool_calls] == ["lookup_order", "refund_order"]
    assert turn1[2].tool_result.output == {"order_id": "1234", "status": "delivered", "item": "blender"}
    assert turn1[4].tool_result.output == "refunded 1234" and turn1[4].tool_result.name == "refund_order"
    assert turn1[5].content == "Refunded order 1234 (my blender arrived b)."

    agent_requests = fake_llm.requests_for(role="agent")
    assert len(agent_requests) == 6  # 3 model calls per agent turn, 2 turns
    first = agent_requests[0].body
    tool_names = sorted(t.get("name") or t["function"]["name"] for t in first["tools"])
    assert tool_names == ["lookup_order", "refund_order"]
    ledger = hub.usage.for_session(t.meta.session_id)
    assert t.usage_by_role["agent"].usage.input_tokens == ledger["agent"].input_tokens
    assert t.usage_by_role["agent"].calls == 6
    assert t.usage_by_role["agent"].cost_usd == pytest.approx(
        cost(t.usage_by_role["agent"].usage, PRICES[f"{provider}:agentm"])
    )
    assert t.usage_by_role["simulator"].usage.output_tokens == ledger["simulator"].output_tokens
    await hub.aclose()


@pytest.mark.asyncio
async def test_model_agent_step_limit_and_tool_errors(fake_llm, hub_for) -> None:
    fake_llm.add_rule(Rule(role="simulator", handler=ScriptedUser([])))
    fake_llm.add_rule(Rule(role="agent", tool_calls=[{"name": "lookup_order", "arguments": {"order_id": "0000"}}]))
    hub = hub_for(fake_llm)
    agent = ModelAgent(
        kind="model", model="openai:agentm", system_prompt="S", tools=["conv_agents:lookup_order"], max_steps=2
    )
    t = await run_session(spec(agent), hub)
    agent_requests = fake_llm.requests_for(role="agent")
    assert len(agent_requests) == 2
    assert "tool_choice" not in agent_requests[0].body and agent_requests[1].body["tool_choice"] == "none"
    results = [m.tool_result for m in t.messages if m.role == "tool"]
    assert [r.error for r in results] == ["KeyError: 'no order 0000'"] * 2
    tool_msgs = [m for m in agent_requests[1].body["messages"] if m["role"] == "tool"]
    assert "no order 0000" in tool_msgs[0]["content"]
    await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_http_agent_session_with_template_and_secret_header(
    fake_llm, hub_for, monkeypatch, provider: str
) -> None:
    monkeypatch.setenv("SUPPORT_TOKEN", "s3cret-value-123")
    fake_llm.add_rule(Rule(role="simulator", handler=ScriptedUser(["order 1234 please"])))
    hub = hub_for(fake_llm, price_overrides=PRICES)

    def answer(body: dict) -> tuple[int, dict]:
        return 200, {"data": {"reply": f"ack: {body['input']} (history {body['n']})", "session": body["sid"]}}

    template = (
        '{"input": {{ last_user_message | tojson }}, "n": {{ messages | length }}, "sid": {{ session_id | tojson }}}'
    )
    with AgentService(answer) as service:
        agent = HttpAgent(
            kind="http",
            url=service.url,
            headers={"Authorization": "Bearer ${SUPPORT_TOKEN}"},
            body_template=template,
            reply_path="data.reply",
        )
        events: list = []
        t = await run_session(spec(agent, sim_model=f"{provider}:sim"), hub, on_event=lambda k, p: events.append(p))
    assert t.termination == TerminationReason.user_stop and t.turns == 3
    assert t.usage_by_role["agent"].cost_usd is None  # the service reported no usage: unknown, not free
    sim = t.usage_by_role["simulator"]
    assert sim.calls == 2 and sim.cost_usd == pytest.approx(cost(sim.usage, PRICES[f"{provider}:sim"]))
    agent_texts = [m.content for m in t.messages if m.role == "assistant"]
    assert agent_texts == ["ack: my blender arrived broken (history 1)", "ack: order 1234 please (history 3)"]
    assert service.requests[0]["headers"]["Authorization"] == "Bearer s3cret-value-123"
    assert service.requests[1]["body"]["sid"] == t.meta.session_id
    assert "s3cret" not in t.to_json() and "s3cret" not in repr(events)
    await hub.aclose()


@pytest.mark.asyncio
async def test_http_agent_failures_are_agent_errors_without_secrets(fake_llm, hub_for, monkeypatch) -> None:
    monkeypatch.setenv("SUPPORT_TOKEN", "s3cret-value-123")
    hub = hub_for(fake_llm)
    with AgentService(lambda body: (500, {"error": "boom"})) as service:
        agent = HttpAgent(kind="http", url=service.url, headers={"X-Key": "${SUPPORT_TOKEN}"})
        t = await run_session(spec(agent), hub)
        assert service.requests[0]["body"]["messages"] == [{"role": "user", "content": "my blender arrived broken"}]
    assert t.termination == TerminationReason.agent_error and "HTTP 500" in t.termination_detail
    assert "s3cret" not in t.to_json()

    os.environ.pop("SUPPORT_TOKEN")
    missing = HttpAgent(kind="http", url="http://127.0.0.1:9/x", headers={"X-Key": "${SUPPORT_TOKEN}"})
    t2 = await run_session(spec(missing), hub)
    assert t2.termination == TerminationReason.setup_error and "${SUPPORT_TOKEN}" in t2.termination_detail
    await hub.aclose()


@pytest.mark.asyncio
async def test_http_agent_reply_object_with_tool_calls_and_usage(fake_llm, hub_for) -> None:
    fake_llm.add_rule(Rule(role="simulator", handler=ScriptedUser([])))
    hub = hub_for(fake_llm)

    def answer(body: dict) -> tuple[int, dict]:
        return 200, {
            "messages": [
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "t1", "name": "lookup_order", "arguments": {"order_id": "1234"}}],
                },
                {"role": "tool", "tool_call_id": "t1", "content": '{"error": "db down"}'},
                {"role": "assistant", "content": "Sorry, our order system is down."},
            ],
            "usage": {"input_tokens": 50, "output_tokens": 7},
        }

    with AgentService(answer) as service:
        agent = HttpAgent(kind="http", url=service.url, reply_path="")
        t = await run_session(spec(agent, agent_model="openai:gpt-4.1"), hub)
    turn1 = t.messages_in_turn(1)
    assert [m.role for m in turn1] == ["user", "assistant", "tool", "assistant"]
    assert turn1[2].tool_result.name == "lookup_order" and turn1[2].tool_result.error == "db down"
    agent_usage = t.usage_by_role["agent"]
    assert (agent_usage.usage.input_tokens, agent_usage.usage.output_tokens) == (50, 7)
    assert agent_usage.cost_usd == pytest.approx((50 * 2.0 + 7 * 8.0) / 1e6)
    assert service.requests[0]["body"]["model"] == "openai:gpt-4.1"
    await hub.aclose()
