"""evalkit.run_scenario() from Python: the spending rule of pytest, the project's [tool.evalkit], the preflight."""

from __future__ import annotations

from pathlib import Path

import pytest

import evalkit
from evalkit.plugin.api import SpendingRefused
from evalkit.run import RunConfig
from evalkit.run.preflight import PreflightError
from evalkit.testing import FakeLLMServer

AGENT = """
def agent(messages):
    return "Done: your order is refunded."
"""

SUITE = """\
suite: py
agent: api_agent:agent
simulator: {model: "SIM"}
trials: 1
defaults: {max_turns: 2}
scenarios:
  - id: refund
    goal: get a refund
    opening: refund please
    checks: [{contains: refunded}]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLMServer) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "p"\n\n[tool.evalkit]\nbase_urls = {{openai = "{fake_llm.openai_base_url}"}}\n'
        "cache = false\n"
    )
    (tmp_path / "api_agent.py").write_text(AGENT)
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "py.yaml").write_text(SUITE.replace("SIM", "openai:sim"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-run-scenario")
    for var in ("EVALKIT_LIVE", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    fake_llm.add_rule(role="simulator", text="thanks, bye")
    return tmp_path


def test_without_live_mode_it_makes_zero_calls(project: Path, fake_llm: FakeLLMServer) -> None:
    with pytest.raises(SpendingRefused, match=r"live model calls are off .* pass live=True or set EVALKIT_LIVE=1"):
        evalkit.run_scenario("refund")
    assert fake_llm.requests == [] and not (project / "reports").exists()


def test_live_mode_calls_the_base_url_of_the_projects_tool_evalkit(
    project: Path, fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVALKIT_LIVE", "1")
    result = evalkit.run_scenario("refund")  # no config: base_urls comes from pyproject.toml
    assert result.passed and fake_llm.requests_for(role="simulator")  # the simulator went to the fake server
    calls = len(fake_llm.requests)
    monkeypatch.delenv("EVALKIT_LIVE")
    assert evalkit.run_scenario("refund", live=True, config=RunConfig(report_dir=project / "r2", cache=False)).passed
    assert len(fake_llm.requests) > calls  # a given config keeps the project's base URLs


def test_a_free_scenario_needs_no_live_mode(project: Path, fake_llm: FakeLLMServer) -> None:
    (project / "suites" / "py.yaml").write_text(SUITE.replace("SIM", "mock:sim"))
    assert evalkit.run_scenario("refund").passed and fake_llm.requests == []


@pytest.mark.parametrize(
    ("simulator", "agent", "expected"),
    [
        (
            "antropic:sim",
            "api_agent:agent",
            "unknown provider 'antropic'; expected one of openai, anthropic, mock; did you mean 'anthropic'?",
        ),
        ("openai:sim", "api_agnet:agent", "cannot import module 'api_agnet'"),
    ],
)
def test_the_preflight_stops_it_before_any_call(
    project: Path, fake_llm: FakeLLMServer, simulator: str, agent: str, expected: str
) -> None:
    (project / "suites" / "py.yaml").write_text(SUITE.replace("SIM", simulator).replace("api_agent:agent", agent))
    with pytest.raises(PreflightError, match=expected):
        evalkit.run_scenario("refund", live=True)
    assert fake_llm.requests == []
