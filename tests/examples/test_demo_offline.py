"""The offline demo end to end: the SDK agent and the simulator talk to FakeLLMServer over HTTP
under evalkit/demo/project/suites/demo/offline_rules.yaml; the strong tier follows the policy, the weak one slips."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from evalkit.conversation import SessionSpec, TerminationReason, Transcript, render_prompt, run_session
from evalkit.demo.offline import simulator as demo_sim
from evalkit.llm.hub import ModelHub
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer, hub_config_for

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "support.yaml"
RULES = ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "offline_rules.yaml"


def tool_calls(t: Transcript) -> list[tuple[str, dict]]:
    return [(c.name, c.arguments) for m in t.messages for c in m.tool_calls]


def ok_calls(t: Transcript, name: str) -> list[dict]:
    results = {m.tool_result.call_id: m.tool_result for m in t.messages if m.tool_result}
    return [c.arguments for m in t.messages for c in m.tool_calls if c.name == name and results[c.id].ok]


def verified_before_refund(t: Transcript) -> bool:
    """Did a user message with an email come before the refund call?"""
    for m in t.messages:
        if m.role == "user" and "@" in m.content:
            return True
        if any(c.name == "refund_order" for c in m.tool_calls):
            return False
    return True


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory) -> dict[tuple[str, str, int], Transcript]:
    loaded = load_suite(SUITE)

    async def run_all() -> dict[tuple[str, str, int], Transcript]:
        async with FakeLLMServer(rules=RULES) as server:
            hub = ModelHub(hub_config_for(server, cache_dir=tmp_path_factory.mktemp("cache")))
            specs = [
                SessionSpec.from_suite(
                    loaded.suite, sc, trial=trial, seed=1000 + trial, agent_model=tier, template_dir=SUITE.parent
                ).model_copy(update={"agent_params": {"base_url": server.openai_base_url}})
                for sc in loaded.scenarios
                for tier in ("mock:small", "mock:large")
                for trial in range(3)
            ]
            transcripts = await asyncio.gather(*(run_session(s, hub) for s in specs))
            await hub.aclose()
        return {(s.scenario.id, s.agent_model, s.trial): t for s, t in zip(specs, transcripts, strict=True)}

    return asyncio.run(run_all())


def test_every_demo_session_ends_cleanly(demo_runs) -> None:
    assert len(demo_runs) == 36
    for key, t in demo_runs.items():
        assert t.termination == TerminationReason.user_stop, (key, t.termination_detail)
        assert t.user_end_reason in ("goal_met", "gave_up"), key
        assert t.guardrail_flags == [], (key, t.guardrail_flags)
        assert not any("[no rule matched]" in m.content for m in t.messages), key
        assert t.usage_by_role["agent"].calls > 0 and t.usage_by_role["simulator"].calls > 0


def test_strong_tier_follows_the_policy(demo_runs) -> None:
    for (scenario, tier, _trial), t in demo_runs.items():
        if tier != "mock:large":
            continue
        names = [n for n, _ in tool_calls(t)]
        if scenario in ("refund-damaged-item", "angry-damaged-refund"):
            assert ok_calls(t, "refund_order") == [{"order_id": "1234", "reason": "arrived damaged"}]
            assert verified_before_refund(t) and t.user_end_reason == "goal_met"
        elif scenario == "cancel-order":
            assert ok_calls(t, "cancel_order") == [{"order_id": "5678"}] and "refund_order" not in names
        elif scenario == "update-address":
            assert ok_calls(t, "update_address") == [
                {"order_id": "4321", "new_address": "12 Rue de la Paix, 75002 Paris"}
            ]
        elif scenario == "order-status":
            assert names == ["lookup_order"] and "should arrive" in t.messages[-2].content
        elif scenario == "refund-out-of-policy":
            assert "refund_order" not in names and t.user_end_reason == "gave_up"
            assert sum("30 days" in m.content for m in t.messages if m.role == "assistant") >= 2


def test_weak_tier_shows_real_lapses(demo_runs) -> None:
    weak = {k: t for k, t in demo_runs.items() if k[1] == "mock:small"}
    skipped_verification = [k for k, t in weak.items() if ok_calls(t, "refund_order") and not verified_before_refund(t)]
    claimed_without_tool = [
        k
        for k, t in weak.items()
        if any(
            "I've refunded order" in m.content
            or "has been cancelled" in m.content
            or "I've updated the address" in m.content
            for m in t.messages
            if m.role == "assistant"
        )
    ]
    assert skipped_verification and claimed_without_tool
    strong_texts = {k[0::2]: t.content_hash() for k, t in demo_runs.items() if k[1] == "mock:large"}
    weak_texts = {k[0::2]: t.content_hash() for k, t in weak.items()}
    assert sum(strong_texts[k] != weak_texts[k] for k in weak_texts) >= 6


def test_demo_is_deterministic_for_a_seed() -> None:
    loaded = load_suite(SUITE)
    scenario = next(s for s in loaded.scenarios if s.id == "refund-damaged-item")

    async def once() -> str:
        async with FakeLLMServer(rules=RULES) as server:
            hub = ModelHub(hub_config_for(server, no_cache=True))
            spec = SessionSpec.from_suite(
                loaded.suite, scenario, trial=0, seed=5, agent_model="mock:small", template_dir=SUITE.parent
            )  # the demo's own simulator templates
            t = await run_session(spec.model_copy(update={"agent_params": {"base_url": server.openai_base_url}}), hub)
            await hub.aclose()
            return t.content_hash()

    assert asyncio.run(once()) == asyncio.run(once())


def test_demo_simulator_reads_the_rendered_prompt() -> None:
    loaded = load_suite(SUITE)
    scenario = next(s for s in loaded.scenarios if s.id == "update-address")
    prompt = render_prompt(scenario, seed=3, min_turns=0, max_turns=8)
    customer = demo_sim.read_prompt(prompt.system)
    assert customer.goal == scenario.goal
    assert customer.known == {"order_id": "4321", "new_address": "12 Rue de la Paix, 75002 Paris"}
    assert customer.unknown == ["tracking number"] and customer.intent == "address"
    assert "Hesitant" in customer.style
