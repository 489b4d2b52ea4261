"""docs/authoring.md's state checks, run against the demo support agent's real store over the offline demo."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import yaml

from evalkit.conversation import SessionSpec, Transcript, run_session
from evalkit.judging import evaluate_check
from evalkit.llm.hub import ModelHub
from evalkit.spec import load_suite
from evalkit.spec.checks import Check
from evalkit.testing import FakeLLMServer, hub_config_for

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "support.yaml"
RULES = ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "offline_rules.yaml"
BLOCK = re.compile(r"<!-- state-checks:start.*?```yaml\n(.*?)```", re.DOTALL)


def documented_checks() -> list[Check]:
    text = BLOCK.search((ROOT / "docs" / "authoring.md").read_text()).group(1)
    return [Check.model_validate(c) for c in yaml.safe_load(text)["checks"]]


@pytest.fixture(scope="module")
def refund(tmp_path_factory) -> Transcript:
    loaded = load_suite(SUITE)
    scenario = next(s for s in loaded.scenarios if s.id == "refund-damaged-item")

    async def run() -> Transcript:
        async with FakeLLMServer(rules=RULES) as server:
            hub = ModelHub(hub_config_for(server, cache_dir=tmp_path_factory.mktemp("cache")))
            spec = SessionSpec.from_suite(
                loaded.suite, scenario, trial=0, seed=1000, agent_model="mock:large", template_dir=SUITE.parent
            )
            spec = spec.model_copy(update={"agent_params": {"base_url": server.openai_base_url}})
            try:
                return await run_session(spec, hub)
            finally:
                await hub.aclose()

    return asyncio.run(run())


def test_the_demo_store_is_captured_after_the_session(refund: Transcript) -> None:
    assert refund.state_error is None
    orders = refund.state["orders"]
    assert orders["1234"]["refunded"] is True  # the refund the agent made, seen in the world
    assert "refunded" not in orders["2468"]  # and nothing else touched


def test_every_documented_state_check_passes_on_the_demo_refund(refund: Transcript) -> None:
    checks = documented_checks()
    assert len(checks) == 5 and all(c.kind == "state" for c in checks)
    for check in checks:
        finding = evaluate_check(check, refund)
        assert finding.passed is True, (check.spec, finding.reasoning)


def test_the_documented_checks_fail_on_a_store_where_nothing_happened(refund: Transcript) -> None:
    untouched = refund.model_copy(
        update={
            "state": {
                "orders": {
                    **refund.state["orders"],
                    "1234": {k: v for k, v in refund.state["orders"]["1234"].items() if k != "refunded"},
                }
            }
        }
    )
    first = evaluate_check(documented_checks()[0], untouched)
    assert first.passed is False and first.reasoning.startswith("orders.1234.refunded is not in the state")
