"""The spending rule sees every model a session calls: claims judges, panels, per-rubric judges, CLI overrides.

Every run here points openai at the fake server, so a call the rule misses lands in its request log
instead of on the network.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from plugin_helpers import Project, base_url_args

from evalkit.plugin.options import PluginSettings
from evalkit.plugin.spending import estimate, item_models, skip_reason
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer

CLAIMS_SUITE = """
suite: claims
agent: tiny_agent:agent
simulator: {model: "mock:sim"}
judge: {model: "mock:judge"}
trials: 2
scenarios:
  - id: refund
    goal: get a refund
    turns: [{user: "refund please"}]
    checks: [{claims_match_actions: {judge_model: "openai:gpt-4.1-mini"}}]
"""

FIXTURE_TEST = """
def test_through_the_fixture(evalkit):
    evalkit.run_scenario("refund")
"""


def claims_project(project: Project, server: FakeLLMServer) -> None:
    project.suite(CLAIMS_SUITE, "suites/claims.yaml")
    project.write("test_claims_api.py", FIXTURE_TEST)
    server.add_rule(role="judge", json={"claims": []})  # nothing claimed: the check passes


def test_an_openai_claims_judge_needs_live_mode(project: Project, fake_llm: FakeLLMServer) -> None:
    """All `mock:` but the claims judge: skipped without live mode (items and the `evalkit` fixture), no request."""
    claims_project(project, fake_llm)
    result = project.pytester.runpytest("suites", "test_claims_api.py", "-rs", *base_url_args(fake_llm))
    result.assert_outcomes(skipped=3)  # the scenario, its gate, the fixture test
    assert result.stdout.str().count("live model calls are off") >= 2
    assert fake_llm.requests == []


def test_the_estimate_counts_the_claims_judge_call(project: Project, fake_llm: FakeLLMServer) -> None:
    claims_project(project, fake_llm)
    refused = project.pytester.runpytest(
        "suites", "--evalkit-live", "--evalkit-max-cost=0.0001", *base_url_args(fake_llm)
    )
    out = refused.stdout.str()
    assert "evalkit live run estimate" in out and "2 sessions" in out and " simulator, 2 judge)" in out
    assert "refusing to start" in out and refused.ret == 4
    assert fake_llm.requests == []
    allowed = project.pytester.runpytest("suites", "--evalkit-live", "--evalkit-max-cost=5", *base_url_args(fake_llm))
    allowed.assert_outcomes(passed=2)  # the scenario and its gate
    assert [(r.role, r.model) for r in fake_llm.requests] == [("judge", "gpt-4.1-mini")] * 2  # what was estimated


def test_evalkit_run_applies_the_same_rule(
    project: Project, fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims_project(project, fake_llm)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.openai_base_url)  # a missed call reaches the fake, not the network
    evalkit = Path(sys.executable).with_name("evalkit")
    result = project.pytester.run(str(evalkit), "run", "suites", "-rs", "--no-cache")
    assert "live model calls are off" in result.stdout.str()
    assert fake_llm.requests == []


MOCK_SUITE = """
suite: mocked
agent: {{kind: model, model: "mock:agent", system_prompt: "help"}}
simulator: {{model: "mock:sim"}}
judge: {{model: "mock:judge"}}
rubrics: [{rubrics}]
trials: 2
defaults: {{max_turns: 2}}
scenarios:
  - {{id: a, goal: g}}
"""

RUBRIC = """
id: {id}
version: 1
{judge}
criteria:
  - {{id: ok, question: "Was it ok?"}}
"""


class _Item:
    def __init__(self, loaded, scenario) -> None:
        self.loaded, self.scenario, self.agent_model = loaded, scenario, None


def _load(tmp_path: Path, rubrics: dict[str, str]) -> object:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "rubrics").mkdir(exist_ok=True)
    for rid, judge in rubrics.items():
        (tmp_path / "rubrics" / f"{rid}.yaml").write_text(RUBRIC.format(id=rid, judge=judge))
    path = tmp_path / "suite.yaml"
    path.write_text(MOCK_SUITE.format(rubrics=", ".join(f"{r}@1" for r in rubrics)))
    return load_suite(path, root=tmp_path)


@pytest.mark.parametrize(
    ("rubrics", "paid"),
    [
        ({"plain": ""}, {}),
        (
            {"paneled": 'judge: {panel: ["mock:j", "openai:gpt-4.1-mini"], samples: 2, temperature: 0.7}'},
            {"judge openai:gpt-4.1-mini": 2 * 2},
        ),  # 2 trials x 2 samples
        ({"plain": "", "own": 'judge: {model: "openai:gpt-4.1"}'}, {"judge openai:gpt-4.1": 2}),
    ],
)
def test_panels_and_per_rubric_judges_are_counted(
    tmp_path: Path, rubrics: dict[str, str], paid: dict[str, int]
) -> None:
    loaded = _load(tmp_path, rubrics)
    item = _Item(loaded, loaded.scenarios[0])
    reason = skip_reason(loaded, item.scenario, None, PluginSettings())
    assert (reason is not None) == bool(paid)
    est = estimate([item], PluginSettings(live=True))
    assert {k: v for k, v in est.calls_by_model.items() if "openai:" in k} == paid
    assert (est.cost_usd > 0) == bool(paid)


def test_cli_overrides_decide_what_is_called(tmp_path: Path) -> None:
    loaded = _load(tmp_path, {"own": 'judge: {model: "openai:gpt-4.1"}'})
    scenario = loaded.scenarios[0]
    assert skip_reason(loaded, scenario, None, PluginSettings()) is not None
    mocked_judge = PluginSettings(judge_model="mock:cheap")  # --evalkit-judge-model replaces the rubric's judge
    assert skip_reason(loaded, scenario, None, mocked_judge) is None
    assert item_models(loaded, scenario, None, mocked_judge)["judge"] == ["mock:cheap"]
    paid_sim = PluginSettings(judge_model="mock:cheap", simulator_model="openai:gpt-4.1-mini")
    assert skip_reason(loaded, scenario, None, paid_sim) is not None
    assert item_models(loaded, scenario, "openai:gpt-4.1", mocked_judge)["agent"] == ["openai:gpt-4.1"]  # a tier


PAID_AGENT_SUITE = """
suite: paid-agent
agent: {kind: model, model: "openai:gpt-4.1", system_prompt: "help"}
trials: 1
scenarios:
  - id: hello
    goal: say hello
    turns: [{user: "hello"}]
"""

FIXTURE_AGENTS = """
def test_suite_agent(evalkit):
    evalkit.run_scenario("hello")


def test_own_agent(evalkit):
    assert evalkit.run_scenario("hello", agent="tiny_agent:agent").passed
"""


def test_the_fixture_decides_on_the_agent_it_runs(project: Project, fake_llm: FakeLLMServer) -> None:
    """A free Python agent handed to `run_scenario` runs without live mode; the suite's paid model agent does not."""
    project.suite(PAID_AGENT_SUITE, "suites/paid.yaml")
    project.write("test_agents.py", FIXTURE_AGENTS)
    result = project.pytester.runpytest("test_agents.py", "-v", *base_url_args(fake_llm))
    result.assert_outcomes(passed=1, skipped=1)
    assert "test_agents.py::test_suite_agent SKIPPED" in result.stdout.str()
    assert fake_llm.requests == []
