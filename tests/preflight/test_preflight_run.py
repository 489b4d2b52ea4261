"""A run that cannot work stops before its first model call: exit 4, one line per problem, zero requests."""

from __future__ import annotations

import socket

import pytest
from plugin_helpers import JUDGED_RUBRIC, Project, base_url_args, judge_reply

from evalkit.testing import FakeLLMServer

SUITE = """
suite: {name}
agent: {agent}
rubrics: [tiny.resolution@1]
simulator: {{model: "{simulator}"}}
trials: 2
scenarios:
  - id: {name}-scenario
    goal: get a refund
    opening: refund please
"""

FACTORY = """
import evalkit

@evalkit.agent_factory
def make_agent(model=None, base_url=None):
    assert base_url is not None  # the preflight hands a factory that wants one a placeholder
    return lambda messages: "Done: your order is refunded."

@evalkit.agent_factory
def make_raising(model=None):
    raise RuntimeError("no API key configured for the agent")
"""


def _project(project: Project, agent: str = "agents:make_agent", simulator: str = "openai:sim") -> None:
    project.write("rubrics/tiny/resolution.yaml", JUDGED_RUBRIC)
    project.write("agents.py", FACTORY)
    project.suite(SUITE.format(name="s", agent=agent, simulator=simulator), "suites/s.yaml")


def _run(project: Project, server: FakeLLMServer, *more: str) -> pytest.RunResult:
    server.add_rule(role="judge", json=judge_reply(True))
    return project.pytester.runpytest("suites", "--evalkit-live", *more, *base_url_args(server))


def _stopped(result: pytest.RunResult, server: FakeLLMServer, project: Project, *lines: str) -> str:
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 4, out
    for line in lines:
        assert line in out, out
    assert server.requests == [] and project.run_dirs() == []  # nothing was spent, nothing was started
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_agent_module_that_does_not_import_stops_the_run(project: Project, fake_llm: FakeLLMServer) -> None:
    _project(project, agent="no_such_module:make_agent")
    out = _stopped(
        _run(project, fake_llm),
        fake_llm,
        project,
        "evalkit: preflight found 1 problem(s); no model was called",
        "suites/s.yaml:2:8: agent: cannot import module 'no_such_module' for 'no_such_module:make_agent': "
        "ModuleNotFoundError: No module named 'no_such_module' (expected an importable module:attr)",
    )
    assert "Traceback" not in out


def test_a_factory_that_raises_stops_the_run(project: Project, fake_llm: FakeLLMServer) -> None:
    _project(project, agent="agents:make_raising")
    _stopped(
        _run(project, fake_llm),
        fake_llm,
        project,
        "suites/s.yaml:2:8: agent: 'agents:make_raising' could not be constructed: ",
        "no API key configured for the agent",
    )


@pytest.mark.parametrize(
    ("model", "line"),
    [
        (
            "ollama:llama3.1",
            "simulator.model: simulator model name 'ollama:llama3.1': unknown provider 'ollama'; "
            "expected one of openai, anthropic, mock",
        ),
        (
            "antropic:claude-x",
            "simulator.model: simulator model name 'antropic:claude-x': unknown provider 'antropic'; "
            "expected one of openai, anthropic, mock; did you mean 'anthropic'?",
        ),
    ],
)
def test_an_unknown_or_misspelt_provider_stops_the_run(
    project: Project, fake_llm: FakeLLMServer, model: str, line: str
) -> None:
    _project(project, simulator=model)
    _stopped(_run(project, fake_llm), fake_llm, project, "suites/s.yaml:4:20: " + line)


def test_a_dead_base_url_stops_a_live_run(project: Project, fake_llm: FakeLLMServer) -> None:
    _project(project)
    dead = f"http://127.0.0.1:{_free_port()}/v1"
    result = _run(project, fake_llm, f"--evalkit-base-url=anthropic={dead}")
    _stopped(result, fake_llm, project, f"base URL {dead} does not answer (", "connecting to 127.0.0.1:")


def test_a_base_url_for_an_unknown_provider_stops_the_run(project: Project, fake_llm: FakeLLMServer) -> None:
    """A typo'd provider in --evalkit-base-url was read by nobody: its calls went to the default (live) endpoint."""
    _project(project)
    _stopped(
        _run(project, fake_llm, "--evalkit-base-url=opnai=http://127.0.0.1:9/v1"),
        fake_llm,
        project,
        "base_urls.opnai: unknown provider 'opnai'; expected one of openai, anthropic, mock; did you mean 'openai'?",
    )


def test_every_problem_is_listed_at_once(project: Project, fake_llm: FakeLLMServer) -> None:
    _project(project, agent="no_such_module:make_agent")
    dead = f"http://127.0.0.1:{_free_port()}/v1"
    out = _stopped(
        _run(project, fake_llm, f"--evalkit-base-url=anthropic={dead}"),
        fake_llm,
        project,
        "evalkit: preflight found 2 problem(s)",
        "cannot import module",
        f"base URL {dead} does not answer",
    )
    assert out.count("cannot import module") == 1


def test_a_sound_project_runs_and_a_dead_url_matters_only_when_live(project: Project, fake_llm: FakeLLMServer) -> None:
    _project(project)
    fake_llm.add_rule(role="simulator", text="thanks")
    result = _run(project, fake_llm)
    assert result.ret in (0, 1) and fake_llm.requests, result.stdout.str()  # the preflight let it start
    dead = f"http://127.0.0.1:{_free_port()}/v1"
    quiet = project.pytester.runpytest("suites", f"--evalkit-base-url=anthropic={dead}", "-p", "no:cacheprovider")
    assert quiet.ret != 4 and "preflight" not in quiet.stdout.str()  # not live: nothing would be called there
    off = project.pytester.runpytest(
        "suites",
        "--evalkit-live",
        "--evalkit-no-preflight",
        f"--evalkit-base-url=anthropic={dead}",
        *base_url_args(fake_llm),
    )
    assert off.ret != 4  # the switch turns it off


def test_a_judge_template_that_cannot_render_stops_the_run(project: Project, fake_llm: FakeLLMServer) -> None:
    _project(project)
    project.write("rubrics/tiny/resolution.yaml", JUDGED_RUBRIC + "template: judge.j2\n")
    project.write("rubrics/tiny/judge.j2", "Judge {{ transcript }} against {{ rubirc.id }}\n")
    out = _stopped(_run(project, fake_llm), fake_llm, project, "evalkit: preflight found 1 problem(s)")
    assert "rubrics/tiny/resolution.yaml:" in out and "rubirc" in out
