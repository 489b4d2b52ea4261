"""`evalkit.run.calls`: which models a session calls, and the estimate, against what the run really requests."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evalkit.llm.pricing import PriceTable
from evalkit.llm.request import LLMRequest
from evalkit.run import RunConfig, WorkItem, plan_run, run_in_thread
from evalkit.run.calls import INPUT_TOKENS_BASE, INPUT_TOKENS_PER_TURN, JUDGE_OUTPUT_TOKENS, estimate, session_calls
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer, Rule

PANEL_RUBRIC = """
id: panel
version: 1
judge: {{panel: ["openai:panel-a", "openai:panel-b"], samples: 2, temperature: 0.7, base_url: "{base_url}"}}
criteria:
  - {{id: resolved, question: "Was the problem solved?"}}
"""

OWN_RUBRIC = """
id: own
version: 1
granularity: criterion
criteria:
  - {id: polite, question: "Was the agent polite?"}
  - {id: clear, question: "Was the agent clear?"}
  - {id: honest, check: {claims_match_actions: {}}}
"""

SUITE = """
suite: calls
agent: {kind: model, model: "openai:agent-m", system_prompt: "You help with orders.", max_steps: 1}
simulator: {model: "openai:sim-m"}
judge: {model: "openai:suite-judge"}
rubrics: [panel@1, own@1]
trials: 2
defaults: {max_turns: 3}
scenarios:
  - id: scripted-opening
    goal: Get a refund for order 12.
    opening: refund please
    checks: [{claims_match_actions: {judge_model: "openai:claims-m"}}]
  - id: simulated
    goal: Ask where order 12 is.
    checks: [{claims_match_actions: {}}]
"""


def write_project(root: Path, panel_url: str) -> Path:
    """rubrics/ and suites/calls.yaml under root: a panel judge on its own endpoint, a per-criterion
    rubric judged by the suite's judge with a claims criterion, and two claims checks."""
    (root / "pyproject.toml").write_text("")
    (root / "rubrics").mkdir()
    (root / "suites").mkdir()
    (root / "rubrics/panel.yaml").write_text(textwrap.dedent(PANEL_RUBRIC.format(base_url=panel_url)))
    (root / "rubrics/own.yaml").write_text(textwrap.dedent(OWN_RUBRIC))
    path = root / "suites/calls.yaml"
    path.write_text(textwrap.dedent(SUITE))
    return path


def _judge(request: LLMRequest) -> dict[str, Any]:
    """Claims extraction gets an empty claim list; a rubric prompt gets a valid 'yes' for every criterion."""
    props = (request.output_schema or {}).get("properties", {})
    if "claims" in props:
        return {"json": {"claims": []}}
    return {"json": {key: {"reasoning": "Fine.", "evidence": [], "score": True} for key in props}}


RULES = [
    Rule(role="simulator", text="Where is my order 12, please?"),  # never ends: every session reaches max_turns
    Rule(role="agent", text="Let me check that for you."),
    Rule(role="judge", handler=_judge),
]


def _logged(server: FakeLLMServer) -> Counter[tuple[str, str, str]]:
    return Counter((r.role, f"{r.provider}:{r.model}", server.openai_base_url.rstrip("/")) for r in server.requests)


def _planned(work: list[WorkItem], config: RunConfig) -> Counter[tuple[str, str, str]]:
    out: Counter[tuple[str, str, str]] = Counter()
    for item in work:
        for call in session_calls(item, config).planned:
            out[(call.role, call.model, call.endpoint or "")] += call.calls
    return out


@pytest.mark.parametrize("overrides", [{}, {"judge_model": "openai:cli-judge", "simulator_model": "openai:cli-sim"}])
def test_planned_calls_match_the_fake_servers_request_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overrides: dict[str, str]
) -> None:
    """Every (role, model, endpoint) the module names is requested exactly as often as it says, and nothing else."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-calls-test")
    with FakeLLMServer(RULES) as main, FakeLLMServer(RULES) as panel:
        loaded = load_suite(write_project(tmp_path, panel.openai_base_url), root=tmp_path)
        config = RunConfig(
            report_dir=tmp_path / "reports",
            fsync_interval_s=0,
            cache=False,
            offline=True,
            base_urls={"openai": main.openai_base_url},
            **overrides,
        )
        work = plan_run([loaded], config)
        planned = _planned(work, config)
        handle = run_in_thread(work, config)
        handle.wait()
        logged = _logged(main) + _logged(panel)
    trials = [json.loads(line) for line in (handle.run_dir / "trials.jsonl").read_text().splitlines()]
    assert len(trials) == 4 and all(t["termination"] == "max_turns" for t in trials), trials
    assert planned == logged
    judges = {model for role, model, _ in planned if role == "judge"}
    if overrides:  # --evalkit-judge-model replaces panels and the suite judge, not a check's own judge_model
        assert judges == {"openai:cli-judge", "openai:claims-m"}
        assert {m for r, m, _ in planned if r == "simulator"} == {"openai:cli-sim"}
    else:
        assert judges == {"openai:panel-a", "openai:panel-b", "openai:suite-judge", "openai:claims-m"}
        assert all(url == panel.openai_base_url.rstrip("/") for r, m, url in planned if m.startswith("openai:panel"))


def test_session_calls_by_role_and_purpose(tmp_path: Path) -> None:
    loaded = load_suite(write_project(tmp_path, "http://127.0.0.1:9/v1"), root=tmp_path)
    config = RunConfig(base_urls={"openai": "http://127.0.0.1:8/v1"})
    scripted, simulated = (session_calls(WorkItem(loaded, s, None, 0, 0), config) for s in loaded.scenarios)
    calls = {(c.role, c.model, c.purpose): c.calls for c in scripted.planned}
    assert calls == {
        ("agent", "openai:agent-m", "agent"): 3,
        ("simulator", "openai:sim-m", "simulator"): 2,  # the opening is scripted
        ("judge", "openai:panel-a", "rubric panel@1"): 2,  # samples
        ("judge", "openai:panel-b", "rubric panel@1"): 2,
        ("judge", "openai:suite-judge", "rubric own@1"): 2,  # one prompt per criterion
        ("judge", "openai:suite-judge", "rubric own@1 check claims_match_actions"): 1,
        ("judge", "openai:claims-m", "check claims_match_actions"): 1,
    }
    assert simulated.models()["judge"] == ["openai:panel-a", "openai:panel-b", "openai:suite-judge"]
    assert {c.role: c.calls for c in simulated.planned if c.role != "judge"} == {"agent": 3, "simulator": 3}
    assert not scripted.free


CLAIMS_ONLY = """
suite: claims
agent: {kind: model, model: "mock:agent", system_prompt: "help"}
simulator: {model: "mock:sim"}
judge: {model: "mock:judge"}
trials: 3
defaults: {max_turns: 2}
scenarios:
  - id: refund
    goal: Get a refund.
    checks: [{claims_match_actions: {judge_model: "openai:gpt-4.1-mini"}}]
"""


def test_an_openai_claims_judge_makes_an_all_mock_suite_paid_and_is_estimated(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    path = tmp_path / "claims.yaml"
    path.write_text(textwrap.dedent(CLAIMS_ONLY))
    loaded = load_suite(path, root=tmp_path)
    config = RunConfig()
    calls = session_calls(WorkItem(loaded, loaded.scenarios[0], None, 0, 0), config)
    assert not calls.free and calls.models()["judge"] == ["openai:gpt-4.1-mini"]
    est = estimate(plan_run([loaded], config), config)
    assert est.sessions == 3 and est.calls["judge"] == 3
    assert est.calls_by_model["judge openai:gpt-4.1-mini"] == 3
    tokens_in, tokens_out = 3 * (INPUT_TOKENS_BASE + INPUT_TOKENS_PER_TURN * 2), 3 * JUDGE_OUTPUT_TOKENS
    price = PriceTable().price("openai:gpt-4.1-mini")
    assert est.cost_usd == pytest.approx((tokens_in * price.input + tokens_out * price.output) / 1e6)
    path.write_text(textwrap.dedent(CLAIMS_ONLY).replace("openai:gpt-4.1-mini", "mock:claims"))
    free = load_suite(path, root=tmp_path)
    assert session_calls(WorkItem(free, free.scenarios[0], None, 0, 0), config).free
    assert estimate(plan_run([free], config), config).cost_usd == 0


def test_a_session_without_a_simulator_stops_where_its_script_ends(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    path = tmp_path / "scripted.yaml"
    path.write_text(
        textwrap.dedent("""
        suite: scripted
        agent: {kind: model, model: "openai:agent-m", system_prompt: "help", max_steps: 4}
        defaults: {max_turns: 5}
        scenarios:
          - {id: two, goal: g, opening: hi, turns: [{user: "and then?"}]}
    """)
    )
    loaded = load_suite(path, root=tmp_path)
    calls = session_calls(WorkItem(loaded, loaded.scenarios[0], "openai:tier-m", 0, 0), RunConfig())
    assert [(c.role, c.model, c.calls) for c in calls.planned] == [("agent", "openai:tier-m", 2 * 4)]
