"""Tokens and cost add up per role, session, scenario and run; unknown prices stay unknown."""

from __future__ import annotations

import pytest

from evalkit.llm import CallTag, GenerateConfig, Message, ModelPrice, PriceTable, Usage
from evalkit.testing import Reply, Rule

MILLION = Usage(input_tokens=1_000_000, output_tokens=1_000_000)


def test_shipped_prices_snapshots_and_unknown():
    prices = PriceTable()
    assert prices.cost("openai:gpt-4.1-mini", MILLION) == pytest.approx(0.40 + 1.60)
    assert prices.cost("openai:gpt-4.1-mini-2025-04-14", MILLION) == pytest.approx(2.0)
    assert prices.cost("anthropic:claude-haiku-4-5-20251001", MILLION) == pytest.approx(6.0)
    assert prices.cost("anthropic:claude-sonnet-4-6", MILLION) == pytest.approx(18.0)
    assert prices.cost("mock:anything", MILLION) == 0.0
    assert prices.cost("openai:llama3", MILLION) is None
    assert prices.cost("anthropic:claude-unknown", Usage()) is None


def test_overrides_win_and_price_unknown_models():
    prices = PriceTable(
        {"openai:llama3": ModelPrice(input=1, output=2), "openai:gpt-4.1": ModelPrice(input=0, output=0)}
    )
    assert prices.cost("openai:llama3", MILLION) == pytest.approx(3.0)
    assert prices.cost("openai:gpt-4.1", MILLION) == 0.0


def tag(role: str, session: str, scenario: str = "sc1") -> GenerateConfig:
    return GenerateConfig(tag=CallTag(role=role, session_id=session, scenario_id=scenario))


@pytest.mark.asyncio
async def test_ledger_per_role_session_scenario_and_run(fake_llm, hub_for):
    fake_llm.add_rule(Rule(role="agent", replies=[Reply(text="a", usage=Usage(input_tokens=100, output_tokens=10))]))
    fake_llm.add_rule(
        Rule(role="simulator", replies=[Reply(text="s", usage=Usage(input_tokens=200, output_tokens=20))])
    )
    fake_llm.add_rule(Rule(role="judge", replies=[Reply(text="j", usage=Usage(input_tokens=1000, output_tokens=50))]))
    hub = hub_for(fake_llm, no_cache=True)
    openai_model, claude, local = (
        hub.model("openai:gpt-4.1-mini"),
        hub.model("anthropic:claude-sonnet-4-6"),
        hub.model("openai:llama3"),
    )
    hi = [Message(role="user", content="hi")]
    first = await openai_model.generate(hi, config=tag("agent", "s1"))
    await openai_model.generate(hi, config=tag("agent", "s2", "sc2"))
    await claude.generate(hi, config=tag("simulator", "s1"))
    await claude.generate(hi, config=tag("judge", "s1"))
    await local.generate(hi, config=tag("judge", "s2", "sc2"))

    assert first.cost_usd == pytest.approx((100 * 0.40 + 10 * 1.60) / 1e6)
    roles = hub.usage.by_role()
    assert roles["agent"].calls == 2 and roles["agent"].input_tokens == 200 and roles["agent"].output_tokens == 20
    assert roles["agent"].cost_usd == pytest.approx(2 * first.cost_usd)
    assert roles["simulator"].cost_usd == pytest.approx((200 * 3 + 20 * 15) / 1e6)
    assert roles["judge"].cost_usd is None  # one judge call ran on a model without a price
    assert roles["judge"].known_cost_usd == pytest.approx((1000 * 3 + 50 * 15) / 1e6)
    assert roles["judge"].unknown_cost_calls == 1

    session = hub.usage.for_session("s1")
    assert set(session) == {"agent", "simulator", "judge"} and session["judge"].input_tokens == 1000
    assert hub.usage.by_session()["s2"].calls == 2
    assert hub.usage.by_scenario()["sc2"].input_tokens == 1100
    total = hub.usage.total()
    assert total.calls == 5 and total.input_tokens == 2400 and total.cost_usd is None
    await hub.aclose()


@pytest.mark.asyncio
async def test_mock_calls_are_free_not_unknown(hub_for, fake_llm):
    hub = hub_for(fake_llm, mock_rules=[Rule(text="offline answer")])
    reply = await hub.model("mock:demo").generate([Message(role="user", content="x")], config=tag("agent", "s"))
    assert reply.cost_usd == 0.0 and reply.model == "mock:demo"
    assert hub.usage.total().cost_usd == 0.0
