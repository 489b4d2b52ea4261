"""--evalkit-baseline last-green:<branch> in a pytest run: the recorded green run becomes the regression baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.plugin.preload import preload_engine

preload_engine()  # pytester's inline runs drop modules first imported inside them

AGENT = """
def agent(messages):
    return "Done: your order is refunded."
"""
SUITE = """
suite: tiny
agent: tiny_agent:agent
trials: 2
gate: {scenario_pass_rate: 0.5}
scenarios:
  - id: good
    goal: get a refund
    turns: [{user: "refund please"}]
    checks: [{contains: "refunded"}]
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for var in ("EVALKIT_HISTORY_URL", "CI", "GITLAB_CI", "GITHUB_STEP_SUMMARY", "EVALKIT_LIVE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")  # the branch comes from the CI's variables
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/agent")
    monkeypatch.setenv("GITHUB_RUN_ID", "7")
    (pytester.path / "tiny_agent.py").write_text(AGENT)
    (pytester.path / "suites").mkdir()
    (pytester.path / "suites" / "tiny.yaml").write_text(SUITE.lstrip())
    (pytester.path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\npythonpath = ["."]\nasyncio_default_fixture_loop_scope = "function"\n'
    )
    return pytester


def _runs(project: pytest.Pytester) -> list[Path]:
    return sorted(
        (p for p in (project.path / "reports").iterdir() if p.is_dir() and not p.is_symlink()),
        key=lambda p: json.loads((p / "run.json").read_text())["started_at"],
    )


def test_last_green_on_main_is_the_baseline(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_HEAD_REF", "main")
    project.runpytest("suites", "-p", "no:cacheprovider").assert_outcomes(passed=2)
    [green] = _runs(project)

    monkeypatch.setenv("GITHUB_HEAD_REF", "fix-refunds")
    result = project.runpytest("suites", "-p", "no:cacheprovider", "--evalkit-baseline", "last-green:main")
    result.assert_outcomes(passed=2)
    [current] = [p for p in _runs(project) if p != green]  # two runs may start within one second
    assert json.loads((current / "run.json").read_text())["config"]["baseline"] == str(green.resolve())


def test_no_green_run_refuses_in_one_line(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_HEAD_REF", "main")
    project.runpytest("suites", "-p", "no:cacheprovider").assert_outcomes(passed=2)
    [_green] = _runs(project)  # exactly one run so far
    result = project.runpytest("suites", "-p", "no:cacheprovider", "--evalkit-baseline", "last-green:release")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(
        ["*evalkit: --evalkit-baseline last-green:release: no run recorded on branch 'release'*"]
    )
    assert len(_runs(project)) == 1  # refused before any session ran
