"""An SDK agent's real trajectory in the transcript, with no instrumentation: sessions over HTTP.

The agents (capture_agents.py) use the real openai / anthropic SDKs, run their refund tool
in-process and report nothing but their final text. FakeLLMServer is the upstream; each reply's
token usage is scripted, so the expected cost is computed here from the price list, not read back.
"""

from __future__ import annotations

import socket

import pytest
from capture_agents import ORDERS

from evalkit.conversation import SessionSpec, run_session
from evalkit.conversation.transcript import TerminationReason, Transcript
from evalkit.judging.checks import evaluate_check
from evalkit.llm.mock_rules import Reply, ReplyToolCall, Rule
from evalkit.llm.pricing import PriceTable
from evalkit.llm.types import Usage
from evalkit.spec.checks import Check
from evalkit.spec.models import CallableAgent, FactoryAgent, Scenario, SimulatorConfig

KEY = "sk-canary-capture-7f3a9c1e5d"
ASK = "please refund order 1234"
CALL_USAGE, FINAL_USAGE = Usage(input_tokens=1000, output_tokens=100), Usage(input_tokens=2000, output_tokens=50)


def script(fake) -> None:
    fake.add_rule(
        Rule(
            match="refund order 1234",
            replies=[
                Reply(
                    tool_calls=[ReplyToolCall(id="call_r1", name="refund_order", arguments={"order_id": "1234"})],
                    usage=CALL_USAGE,
                )
            ],
        )
    )
    fake.add_rule(
        Rule(match='"status": "refunded"', replies=[Reply(text="Done: order 1234 is refunded.", usage=FINAL_USAGE)])
    )


def spec(target: str, *, tier: str | None, **params) -> SessionSpec:
    scenario = Scenario(id="refund", goal="Get order 1234 refunded.", opening=ASK)
    return SessionSpec(
        run_id="run-c",
        suite_name="capture",
        scenario=scenario,
        agent=FactoryAgent(kind="factory", target=target),
        agent_params=params,
        agent_model=tier,
        simulator=SimulatorConfig(model=None),
        max_turns=2,
    )


def expected_cost(name: str) -> float:
    price = PriceTable().price(name)
    assert price is not None
    usage = CALL_USAGE + FINAL_USAGE
    return (usage.input_tokens * price.input + usage.output_tokens * price.output) / 1_000_000


def assert_refund_trajectory(transcript: Transcript) -> None:
    agent = [m for m in transcript.messages if m.role in ("assistant", "tool")]
    assert [m.role for m in agent] == ["assistant", "tool", "assistant"], transcript.messages
    call_message, result, final = agent
    assert call_message.captured and result.captured and not final.captured
    assert [(c.id, c.name, c.arguments) for c in call_message.tool_calls] == [
        ("call_r1", "refund_order", {"order_id": "1234"})
    ]
    assert result.tool_result is not None and result.tool_result.call_id == "call_r1"
    assert result.tool_result.name == "refund_order"
    assert result.tool_result.output == {"order_id": "1234", "status": "refunded"}
    assert final.content == "Done: order 1234 is refunded."
    check = Check.model_validate({"tool_called": {"name": "refund_order", "args": {"order_id": "1234"}}})
    assert evaluate_check(check, transcript).passed is True


@pytest.mark.asyncio
@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
@pytest.mark.parametrize(
    ("target", "tier"),
    [
        ("capture_agents:make_openai", "openai:gpt-4.1"),
        ("capture_agents:make_anthropic", "anthropic:claude-sonnet-4-5"),
        ("capture_agents:make_openai_responses", "openai:gpt-4.1"),
    ],
)
async def test_tool_calls_results_usage_and_cost_come_from_the_traffic(fake_llm, hub_for, target, tier, stream):
    script(fake_llm)
    ORDERS.clear()
    provider = tier.partition(":")[0]
    params = {"base_url": fake_llm.base_url(provider), "api_key": KEY, "stream": stream}  # as --offline hands it
    transcript = await run_session(spec(target, tier=tier, **params), hub_for(fake_llm))

    assert transcript.termination == TerminationReason.user_stop, transcript.termination_detail
    assert transcript.meta.captured and ORDERS == {"1234": "refunded"}  # the tool really ran, in-process
    assert_refund_trajectory(transcript)
    assert [(c.turn, c.wire, c.stream, c.status, c.tool_calls) for c in transcript.agent_calls] == [
        (1, provider, stream, 200, 1),
        (1, provider, stream, 200, 0),
    ]
    assert [c.usage for c in transcript.agent_calls] == [CALL_USAGE, FINAL_USAGE]
    agent = transcript.usage_by_role["agent"]
    assert agent.calls == 2 and agent.usage == CALL_USAGE + FINAL_USAGE
    assert agent.cost_usd == pytest.approx(expected_cost(tier))
    requests = fake_llm.requests_for(role="agent")
    assert len(requests) == 2 and requests[0].model == tier.partition(":")[2]  # forwarded as the agent sent it
    assert KEY not in transcript.to_json()


@pytest.mark.asyncio
async def test_keys_reach_the_upstream_through_the_proxy_and_nowhere_else(hub_for):
    from evalkit.testing import FakeLLMServer

    with FakeLLMServer(api_key=KEY) as fake:  # answers 401 to any request without this key
        script(fake)
        params = {"base_url": fake.base_url("openai"), "api_key": KEY}
        transcript = await run_session(
            spec("capture_agents:make_openai", tier="openai:gpt-4.1", **params), hub_for(fake)
        )
    assert transcript.termination == TerminationReason.user_stop, transcript.termination_detail
    assert [c.status for c in transcript.agent_calls] == [200, 200]
    assert KEY not in transcript.to_json()


@pytest.mark.asyncio
async def test_without_a_configured_base_url_the_run_endpoint_for_the_tier_is_the_upstream(fake_llm, hub_for):
    script(fake_llm)  # hub_for points the run's openai endpoint at the fake server; the factory gets no base_url
    transcript = await run_session(
        spec("capture_agents:make_openai", tier="openai:gpt-4.1", api_key=KEY), hub_for(fake_llm)
    )
    assert transcript.meta.captured and len(fake_llm.requests_for(role="agent")) == 2
    assert_refund_trajectory(transcript)


@pytest.mark.asyncio
async def test_an_agent_reporting_the_same_calls_keeps_its_own_messages(fake_llm, hub_for):
    script(fake_llm)
    params = {"base_url": fake_llm.base_url("openai"), "api_key": KEY, "report": "same"}
    transcript = await run_session(
        spec("capture_agents:make_openai", tier="openai:gpt-4.1", **params), hub_for(fake_llm)
    )
    assert not transcript.guardrail_flags
    assert not any(m.captured for m in transcript.messages)  # what it reported, unchanged
    assert [c.name for m in transcript.messages for c in m.tool_calls] == ["refund_order"]
    assert transcript.usage_by_role["agent"].cost_usd == pytest.approx(expected_cost("openai:gpt-4.1"))


@pytest.mark.asyncio
async def test_reported_calls_that_disagree_with_the_traffic_are_flagged_and_the_traffic_wins(fake_llm, hub_for):
    script(fake_llm)
    params = {"base_url": fake_llm.base_url("openai"), "api_key": KEY, "report": "other"}
    transcript = await run_session(
        spec("capture_agents:make_openai", tier="openai:gpt-4.1", **params), hub_for(fake_llm)
    )
    [flag] = transcript.guardrail_flags
    assert (flag.name, flag.action, flag.turn) == ("capture_mismatch", "warn", 1)
    assert "cancel_order" in flag.detail and "refund_order" in flag.detail
    assert_refund_trajectory(transcript)
    assert not transcript.invalidated_by_simulator  # a warning about the agent, not a spoiled session


@pytest.mark.asyncio
@pytest.mark.parametrize("target", ["capture_agents:make_openai", "capture_agents:make_anthropic"])
async def test_an_unreachable_upstream_fails_the_agent_with_the_reason(fake_llm, hub_for, target):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    script(fake_llm)
    transcript = await run_session(spec(target, tier=None, base_url=dead, api_key=KEY), hub_for(fake_llm))
    assert transcript.termination in (TerminationReason.infrastructure_error, TerminationReason.agent_error)
    assert "apiconnectionerror" in transcript.termination_detail.lower()  # what its SDK raises unproxied
    assert transcript.agent_calls and all(c.status == 0 for c in transcript.agent_calls)  # the SDK's own retries too
    assert all("unreachable" in c.error and dead in c.error for c in transcript.agent_calls)
    assert not fake_llm.requests_for(role="agent")


@pytest.mark.asyncio
async def test_an_upstream_error_status_is_relayed_and_recorded(fake_llm, hub_for):
    script(fake_llm)
    fake_llm.inject("server_error", times=5)
    params = {"base_url": fake_llm.base_url("openai"), "api_key": KEY}
    transcript = await run_session(
        spec("capture_agents:make_openai", tier="openai:gpt-4.1", **params), hub_for(fake_llm)
    )
    assert transcript.termination == TerminationReason.infrastructure_error, transcript.termination_detail
    [call] = transcript.agent_calls
    assert call.status == 500 and call.error and "500" in call.error
    assert call.cost_usd == 0.0


@pytest.mark.asyncio
@pytest.mark.parametrize("target", ["capture_agents:make_shared", "capture_agents:make_opted_out"])
async def test_shared_and_opted_out_factories_are_not_captured(fake_llm, hub_for, target):
    script(fake_llm)
    params = {"base_url": fake_llm.base_url("openai"), "api_key": KEY}
    transcript = await run_session(spec(target, tier="openai:gpt-4.1", **params), hub_for(fake_llm))
    assert not transcript.meta.captured and not transcript.agent_calls
    assert transcript.messages[-1].content == "Done: order 1234 is refunded."  # it still ran, straight to the upstream
    assert transcript.usage_by_role["agent"].cost_usd is None  # and reported no spend: unknown, as before


@pytest.mark.asyncio
async def test_an_agent_function_is_not_captured(fake_llm, hub_for):
    config = CallableAgent(target="capture_agents:plain_agent")  # the agent itself: no factory to hand a URL
    session_spec = spec("x:y", tier=None).model_copy(update={"agent": config})
    transcript = await run_session(session_spec, hub_for(fake_llm))
    assert not transcript.meta.captured


@pytest.mark.asyncio
async def test_a_factory_not_told_its_provider_reaches_its_wire_endpoint(fake_llm, hub_for):
    script(fake_llm)  # no tier, no base_url: the anthropic SDK's /v1/messages goes to the run's anthropic endpoint
    transcript = await run_session(spec("capture_agents:make_anthropic", tier=None, api_key=KEY), hub_for(fake_llm))
    assert transcript.termination == TerminationReason.user_stop, transcript.termination_detail
    assert [r.path for r in fake_llm.requests_for(role="agent")] == ["/v1/messages", "/v1/messages"]
    assert_refund_trajectory(transcript)
    # priced by the wire it spoke (anthropic:claude-sonnet-4-5), not by the openai default
    assert transcript.usage_by_role["agent"].cost_usd == pytest.approx(expected_cost("anthropic:claude-sonnet-4-5"))
