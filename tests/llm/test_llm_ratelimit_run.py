"""A small run against a rate-limited fake server: no session ends invalid, and the limits are on record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.llm import ModelHub
from evalkit.llm.request import LLMRequest
from evalkit.run import RunConfig, execute_run, load_run, plan_run
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer, Rule, hub_config_for


def write_project(root: Path, scenarios: int, trials: int) -> Path:
    (root / "rubrics").mkdir(parents=True)
    (root / "suites").mkdir(parents=True)
    rubric = {
        "id": "ok",
        "version": 1,
        "judge": {"model": "openai:judge-m"},
        "criteria": [{"id": "helpful", "question": "Was the agent helpful?"}],
    }
    (root / "rubrics" / "ok.yaml").write_text(json.dumps(rubric))
    suite = {
        "suite": "limited",
        "agent": {"kind": "model", "model": "openai:agent-m", "system_prompt": "Help."},
        "simulator": {"model": "openai:sim-m"},
        "rubrics": ["ok@1"],
        "trials": trials,
        "defaults": {"max_turns": 4},
        "scenarios": [{"id": f"s{i}", "goal": f"Ask about order {i}."} for i in range(scenarios)],
    }
    path = root / "suites" / "limited.yaml"
    path.write_text(json.dumps(suite))
    return path


def simulator(request: LLMRequest) -> dict[str, Any]:
    if sum(1 for m in request.messages if m.role == "assistant") >= 2:
        return {"tool_calls": [{"name": "end_conversation", "arguments": {"reason": "goal_met"}}]}
    return {"text": "Where is my order?"}


def judge(request: LLMRequest) -> dict[str, Any]:
    keys = (request.output_schema or {}).get("properties", {})
    return {"json": {k: {"reasoning": "Fine.", "evidence": [], "score": True} for k in keys}}


RULES = [
    Rule(role="simulator", handler=simulator),
    Rule(role="judge", handler=judge),
    Rule(role="agent", text="On its way."),
]


async def run_limited(tmp_path: Path, rpm: int = 1200, **hub_overrides: Any) -> tuple[Any, FakeLLMServer, list[Any]]:
    """12 sessions (about 6 calls each) against `rpm` held as a 0.5 s bucket (1,200: 10 requests, 20 a second)."""
    seen: list[Any] = []
    with FakeLLMServer(RULES, latency_s=0.01, rpm=rpm, rate_window_s=0.5) as server:
        suite = load_suite(write_project(tmp_path, scenarios=4, trials=3), root=tmp_path)
        config = RunConfig(report_dir=tmp_path / "reports", fsync_interval_s=0)
        async with ModelHub(hub_config_for(server, retry_base_s=0.05, **hub_overrides)) as hub:
            summary = await execute_run(plan_run([suite], config), config, hub, progress=seen.append)
    return load_run(summary.run_dir), server, seen


@pytest.mark.asyncio
async def test_no_session_fails_by_rate_limiting_and_run_json_records_the_endpoint(tmp_path):
    run, server, seen = await run_limited(tmp_path)
    assert [t["outcome"] for t in run.trials] == ["pass"] * 12
    assert server.rate_limit_stats.accepted > 12 * 4  # every call of every session got through
    (endpoint,) = run.manifest["endpoints"]
    assert endpoint["provider"] == "openai" and endpoint["mode"] == "adaptive"
    assert endpoint["rate_limited"] == server.rate_limit_stats.rejected <= 3
    assert endpoint["requests"] == server.rate_limit_stats.accepted + server.rate_limit_stats.rejected
    assert endpoint["tokens_per_min"] > 0 and "requests" in endpoint["remaining"]
    live = [p.endpoints[0] for p in seen if p.endpoints]
    assert live and all(e["concurrency"] >= 1 for e in live)
    assert "connections" in seen[-1].endpoints_text() and "x 429" in seen[-1].endpoints_text()


@pytest.mark.asyncio
async def test_the_fixed_cap_with_counted_429_retries_makes_sessions_invalid(tmp_path):
    """What the adaptive limiter fixes: 429s spent like other retries end sessions as invalid.

    Here a 429 gets no retry at all, so the 12 sessions opening at once against a 5-request bucket
    cannot all get through."""
    run, server, _ = await run_limited(
        tmp_path, rpm=600, adaptive={"enabled": False}, rate_limit_wait_s=0, max_retries=0
    )
    assert server.rate_limit_stats.rejected > 0
    assert any(t["outcome"] == "invalid" for t in run.trials)
