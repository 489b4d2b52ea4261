"""Prompt-cache reads are priced at `cached_input`: read from both SDKs' usage shapes (OpenAI
`prompt_tokens_details.cached_tokens`, a part of prompt_tokens; Anthropic `cache_read_input_tokens`, apart from
input_tokens), for an SDK agent through the capture proxy (JSON and SSE) and for evalkit's own calls (the hub)."""

from __future__ import annotations

import pytest
from capture_agents import ORDERS
from test_session_capture import ASK, spec

from evalkit.conversation import run_session
from evalkit.llm.config import ModelPrice
from evalkit.llm.mock_rules import Reply, ReplyToolCall, Rule
from evalkit.llm.pricing import PriceTable
from evalkit.llm.types import Message, Usage

CALL = Usage(input_tokens=10_000, output_tokens=100, cached_input_tokens=8_000)
FINAL = Usage(input_tokens=12_000, output_tokens=50, cached_input_tokens=10_000)
TIERS = [
    ("capture_agents:make_openai", "openai:gpt-4.1"),
    ("capture_agents:make_anthropic", "anthropic:claude-sonnet-4-5"),
]


def priced(name: str, usage: Usage) -> float:
    """The bill as the provider computes it: fresh input, cache reads and output, each at its own price."""
    price = PriceTable().price(name)
    assert price is not None and price.cached_input is not None and price.cached_input < price.input
    fresh = usage.input_tokens - usage.cached_input_tokens
    return (
        fresh * price.input + usage.cached_input_tokens * price.cached_input + usage.output_tokens * price.output
    ) / 1e6


@pytest.mark.asyncio
@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
@pytest.mark.parametrize(("target", "tier"), TIERS)
async def test_an_sdk_agent_s_cache_reads_are_priced_at_the_cached_price(fake_llm, hub_for, target, tier, stream):
    fake_llm.add_rule(
        Rule(
            match="refund order 1234",
            replies=[
                Reply(
                    tool_calls=[ReplyToolCall(id="call_r1", name="refund_order", arguments={"order_id": "1234"})],
                    usage=CALL,
                )
            ],
        )
    )
    fake_llm.add_rule(
        Rule(match='"status": "refunded"', replies=[Reply(text="Done: order 1234 is refunded.", usage=FINAL)])
    )
    ORDERS.clear()
    params = {"base_url": fake_llm.base_url(tier.partition(":")[0]), "api_key": "sk-test", "stream": stream}
    transcript = await run_session(spec(target, tier=tier, **params), hub_for(fake_llm))
    assert [c.usage for c in transcript.agent_calls] == [CALL, FINAL], transcript.termination_detail
    assert [c.cost_usd for c in transcript.agent_calls] == [
        pytest.approx(priced(tier, CALL)),
        pytest.approx(priced(tier, FINAL)),
    ]
    uncached = PriceTable().cost(
        tier,
        Usage(
            input_tokens=CALL.input_tokens + FINAL.input_tokens, output_tokens=CALL.output_tokens + FINAL.output_tokens
        ),
    )
    assert transcript.usage_by_role["agent"].cost_usd < uncached / 2  # the discount is not lost on the way


@pytest.mark.asyncio
@pytest.mark.parametrize("name", [tier for _, tier in TIERS])
async def test_evalkit_s_own_calls_price_cache_reads_too(fake_llm, hub_for, name):
    fake_llm.add_rule(Rule(match=ASK, replies=[Reply(text="ok", usage=CALL)]))
    response = await hub_for(fake_llm, no_cache=True).model(name).generate([Message(role="user", content=ASK)])
    assert response.usage == CALL
    assert response.cost_usd == pytest.approx(priced(name, CALL))


def test_a_model_without_a_cached_price_is_charged_the_input_price_for_cache_reads():
    table = PriceTable({"openai:local": ModelPrice(input=1.0, output=2.0)})
    assert table.cost("openai:local", CALL) == pytest.approx((CALL.input_tokens * 1.0 + CALL.output_tokens * 2.0) / 1e6)
    cheap = PriceTable({"openai:local": ModelPrice(input=1.0, output=2.0, cached_input=0.0)})
    assert cheap.cost("openai:local", CALL) == pytest.approx((2_000 * 1.0 + CALL.output_tokens * 2.0) / 1e6)
