"""The preflight under pytest-xdist (once, in the controller, before any worker starts) and offline (against the
started fake server: agents are built, not only imported, and the URLs they are handed are dialled)."""

from __future__ import annotations

import json

import pytest
from plugin_helpers import JUDGED_RUBRIC, Project, base_url_args, judge_reply

from evalkit.testing import FakeLLMServer

SUITE = """
suite: {name}
agent: {agent}
rubrics: [tiny.resolution@1]
simulator: {{model: "{simulator}"}}
offline_rules: offline.yaml
trials: 2
scenarios:
  - id: {name}-scenario
    goal: get a refund
    opening: refund please
    max_turns: 2
"""

AGENTS = """
import evalkit

BUILT = []


@evalkit.agent_factory
def make_agent(model=None, base_url=None):
    return lambda messages: "Done: your order is refunded."


@evalkit.agent_factory
def make_raising(model=None, base_url=None):
    raise RuntimeError(f"cannot reach {base_url}")
"""

RULES = {"rules": [{"role": "judge", "json": judge_reply(True)}, {"role": "simulator", "text": "thanks"}]}


def _project(project: Project, *suites: tuple[str, str, str]) -> None:
    project.write("rubrics/tiny/resolution.yaml", JUDGED_RUBRIC)
    project.write("agents.py", AGENTS)
    project.write("suites/offline.yaml", json.dumps(RULES))
    for name, agent, simulator in suites:
        project.suite(SUITE.format(name=name, agent=agent, simulator=simulator), f"suites/{name}.yaml")


def _xdist(project: Project, server: FakeLLMServer) -> pytest.RunResult:
    server.add_rule(role="judge", json=judge_reply(True))
    server.add_rule(role="simulator", text="thanks")
    return project.pytester.runpytest_subprocess("suites", "-n", "2", "--evalkit-live", *base_url_args(server))


def test_under_xdist_the_controller_stops_the_whole_session_before_any_worker_spends(
    project: Project, fake_llm: FakeLLMServer
) -> None:
    _project(project, ("a", "agents:make_agent", "antropic:sim"), ("b", "no_such_module:make_agent", "openai:sim"))
    result = _xdist(project, fake_llm)
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 4, out
    assert "evalkit: preflight found 2 problem(s); no model was called" in out
    typo = "suites/a.yaml:4:20: simulator.model: simulator model name 'antropic:sim': unknown provider 'antropic'"
    unimportable = "suites/b.yaml:2:8: agent: cannot import module 'no_such_module'"
    assert out.count(typo) == 1 and out.count(unimportable) == 1, out  # one line per problem, said once
    assert "[gw0]" not in out and "[gw1]" not in out  # no worker was started
    assert fake_llm.requests == [] and project.run_dirs() == []


@pytest.mark.parametrize(
    ("select", "xdist"),
    [
        (["-k", "a-scenario"], True),
        (["-k", "not b"], True),
        (["-m", "not broken"], True),
        (["-m", "not broken"], False),
    ],
    ids=["k-name-xdist", "k-not-file-xdist", "m-tag-xdist", "m-tag-one-process"],
)
def test_a_suite_deselected_by_k_or_m_is_not_preflighted_under_xdist_either(
    project: Project, fake_llm: FakeLLMServer, xdist: bool, select: list[str]
) -> None:
    """Suite b's agent does not import; a run that selects only suite a's items is not stopped by it, with -n as
    without (under xdist the controller matches -k / -m against the names the items will have)."""
    _project(project, ("a", "agents:make_agent", "openai:sim"), ("b", "no_such_module:make_agent", "openai:sim"))
    project.suite(
        SUITE.format(name="b", agent="no_such_module:make_agent", simulator="openai:sim") + "    tags: [broken]\n",
        "suites/b.yaml",
    )
    fake_llm.add_rule(role="judge", json=judge_reply(True))
    fake_llm.add_rule(role="simulator", text="thanks")
    args = ["suites", *select, "--evalkit-live", *base_url_args(fake_llm), *(["-n", "2"] if xdist else [])]
    result = project.pytester.runpytest_subprocess(*args)
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 0, out
    assert "preflight found" not in out and fake_llm.requests_for(role="judge")
    if select == ["-k", "a-scenario"]:
        everything = project.pytester.runpytest_subprocess(
            "suites", "--evalkit-live", *base_url_args(fake_llm), "-n", "2"
        )
        assert everything.ret == 4  # selected, suite b stops the run


def test_under_xdist_a_sound_project_still_runs(project: Project, fake_llm: FakeLLMServer) -> None:
    _project(project, ("a", "agents:make_agent", "openai:sim"), ("b", "agents:make_agent", "openai:sim"))
    result = _xdist(project, fake_llm)
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    assert fake_llm.requests_for(role="judge")


@pytest.mark.parametrize("xdist", [False, True], ids=["one-process", "xdist"])
def test_offline_the_preflight_builds_the_agent_against_the_fake_server(project: Project, xdist: bool) -> None:
    _project(project, ("a", "agents:make_raising", "openai:sim"))
    args = ["suites", "--evalkit-offline", "-p", "no:cacheprovider", *(["-n", "2"] if xdist else [])]
    result = project.pytester.runpytest_subprocess(*args)
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 4, out
    assert "suites/a.yaml:2:8: agent: 'agents:make_raising' could not be constructed: " in out
    assert "cannot reach http://127.0.0.1:" in out and "cannot reach http://127.0.0.1:9/" not in out  # the fake server
    assert project.run_dirs() == []


def test_offline_a_rubric_s_judge_endpoint_is_dropped_like_the_suite_s(project: Project) -> None:
    _project(project, ("a", "agents:make_agent", "openai:sim"))
    project.write(
        "rubrics/tiny/resolution.yaml",
        JUDGED_RUBRIC.replace(
            'judge: {model: "openai:judge-model"}',
            'judge: {model: "openai:judge-model", base_url: "http://127.0.0.1:9/v1"}',
        ),
    )
    result = project.pytester.runpytest_subprocess("suites", "--evalkit-offline", "-p", "no:cacheprovider")
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 0, out  # the judge was the fake server, not the rubric's endpoint (nothing listens on :9)
    trials = project.trials()
    assert [t["outcome"] for t in trials] == ["pass", "pass"], trials
