"""Every route that sets a limit reaches the model hub: pytest options, [tool.evalkit] and `evalkit run` flags.

A judged suite (one judge call per trial) runs against the fake server in rate-limit mode
without budget headers, so only what evalkit was told paces it: told a lower rpm/tpm than the
server allows, evalkit sends nothing the server refuses (its request log says so); told nothing,
the same run meets 429s. Bad values stop the run with one line naming the setting.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from plugin_helpers import JUDGED_RUBRIC, Project, base_url_args, judge_reply

from evalkit.testing import FakeLLMServer

LIMITED_SUITE = """
suite: limited
agent: tiny_agent:agent
rubrics: [tiny.resolution@1]
trials: 20
scenarios:
  - id: one
    goal: get a refund
    turns: [{user: "refund please"}]
  - id: two
    goal: get a refund
    turns: [{user: "refund it"}]
"""
SERVER = {"rpm": 1800, "rate_window_s": 1.0, "rate_limit_headers": False}  # 30 a second, no headers to learn from
PYPROJECT = """
[tool.pytest.ini_options]
pythonpath = ["."]
asyncio_default_fixture_loop_scope = "function"

[tool.evalkit]
{settings}
"""


def limited_project(project: Project, server: FakeLLMServer, settings: str = "") -> None:
    project.write("rubrics/tiny/resolution.yaml", JUDGED_RUBRIC)
    project.suite(LIMITED_SUITE, "suites/limited.yaml")
    server.add_rule(role="judge", json=judge_reply(True))
    project.write("pyproject.toml", PYPROJECT.format(settings=settings))


def endpoint(project: Project) -> dict:
    [entry] = json.loads((project.run_dirs()[-1] / "run.json").read_text())["endpoints"]
    return entry


@pytest.mark.fake_llm(**SERVER)
def test_pytest_option_rpm_paces_the_run_and_run_json_records_it(project: Project, fake_llm: FakeLLMServer) -> None:
    limited_project(project, fake_llm)
    result = project.pytester.runpytest(
        "suites", "--evalkit-live", "--evalkit-rpm=900", "--evalkit-adaptive-max=12", *base_url_args(fake_llm)
    )
    result.assert_outcomes(passed=3)
    stats = fake_llm.rate_limit_stats
    assert stats.accepted == 40 and stats.rejected == 0
    entry = endpoint(project)
    assert entry["limits"]["rpm"] == 900 and entry["limits"]["max"] == 12 and entry["limits"]["start"] == 12
    assert entry["requests"] == 40 and entry["rate_limited"] == 0 and entry["tokens_per_min"] > 0
    assert entry["peak_in_flight"] <= 12 and not entry["shared"]

    fake_llm.set_rate_limit(rpm=600, window_s=1.0, headers=False)  # 10 at once: below the 16 evalkit starts with
    fake_llm.reset()
    project.pytester.runpytest("suites", "--evalkit-live", *base_url_args(fake_llm)).assert_outcomes(passed=3)
    assert fake_llm.rate_limit_stats.rejected > 0  # told nothing, a run runs into the limit
    assert endpoint(project)["rate_limited"] == fake_llm.rate_limit_stats.rejected


@pytest.mark.fake_llm(tpm=600_000, rate_window_s=1.0, rate_limit_headers=False)  # 10,000 a second; a call is ~450
def test_pyproject_tpm_paces_the_run(project: Project, fake_llm: FakeLLMServer) -> None:
    limited_project(project, fake_llm, "tpm = 300000\nadaptive = false")
    result = project.pytester.runpytest("suites", "--evalkit-live", *base_url_args(fake_llm))
    result.assert_outcomes(passed=3)
    stats = fake_llm.rate_limit_stats
    assert stats.accepted == 40 and stats.rejected == 0
    entry = endpoint(project)
    assert entry["limits"]["tpm"] == 300_000 and entry["mode"] == "static"


@pytest.mark.fake_llm(**SERVER)
def test_command_line_beats_pyproject(project: Project, fake_llm: FakeLLMServer) -> None:
    limited_project(project, fake_llm, "rpm = 1")
    result = project.pytester.runpytest("suites", "--evalkit-live", "--evalkit-rpm=900", *base_url_args(fake_llm))
    result.assert_outcomes(passed=3)
    assert endpoint(project)["limits"]["rpm"] == 900


@pytest.mark.fake_llm(**SERVER)
def test_evalkit_run_flags_reach_the_hub(project: Project, fake_llm: FakeLLMServer) -> None:
    limited_project(project, fake_llm)
    evalkit = Path(sys.executable).with_name("evalkit")
    result = project.pytester.run(
        str(evalkit),
        "run",
        "suites",
        "--live",
        "--rpm",
        "900",
        "--no-adaptive",
        "--rate-limit-wait-s",
        "30",
        *base_url_args(fake_llm),
    )
    assert result.ret == 0, result.stdout.str()
    assert fake_llm.rate_limit_stats.rejected == 0 and fake_llm.rate_limit_stats.accepted == 40
    entry = endpoint(project)
    assert entry["limits"]["rpm"] == 900 and entry["mode"] == "static"


@pytest.mark.parametrize(
    ("args", "toml", "message"),
    [
        (["--evalkit-rpm=0"], "", "evalkit rpm (--evalkit-rpm): expected an integer >= 1, got '0'"),
        (
            ["--evalkit-adaptive=maybe"],
            "",
            "evalkit adaptive (--evalkit-adaptive): expected true or false, got 'maybe'",
        ),
        (
            ["--evalkit-pace-reserve=1.5"],
            "",
            "evalkit pace_reserve (--evalkit-pace-reserve): expected a number >= 0 and < 1, got '1.5'",
        ),
        ([], 'tpm = "lots"', "pyproject.toml:6 [tool.evalkit]): expected an integer >= 1, got 'lots'"),
        ([], "adaptive_decrease = 1", "evalkit adaptive_decrease ("),
        (
            ["--evalkit-adaptive-start=50", "--evalkit-adaptive-max=10"],
            "",
            "expected adaptive_min <= adaptive_start <= adaptive_max (defaults 2, 16, 256), got adaptive_start=50, "
            "adaptive_max=10",
        ),
    ],
)
def test_bad_limit_values_are_one_line_usage_errors(project: Project, args: list[str], toml: str, message: str) -> None:
    project.suite()
    project.write("pyproject.toml", PYPROJECT.format(settings=toml))
    result = project.pytester.runpytest("suites", "-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert message in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if "evalkit" in line]) == 1
