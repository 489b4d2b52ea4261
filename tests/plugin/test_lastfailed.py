"""--lf, --ff, --deselect and ids on the command line find evalkit items on pytest 9.2+ and 8.4 (issue #15 item 1).

pytest 9.2 reads `scenario[tier]` in a cached id as a parametrized test's parameters; an item whose own
id did not have that shape never matched its cache entry, so `--lf` re-ran every item. Each test runs
pytest in a subprocess over a project of 3 scenarios x 2 tiers whose tiers hold `:`, `/` and `.`: once
with the pytest this environment has, once with pytest 8.4 from `.ci-pytest84/` (installed there by
`.ci/run`: `pip install --no-deps --target .ci-pytest84 'pytest==8.4.*'`; it shares this venv's pluggy).
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from plugin_helpers import Project

PYTEST84 = Path(__file__).resolve().parents[2] / ".ci-pytest84"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")  # read at import: the `project` fixture unsets CI

TIERS = ["openai:llama3.1:8b", "openai:meta-llama/Llama-3.1-8b"]  # ids show llama3.1:8b, meta-llama/Llama-3.1-8b
SUITE = """
suite: tiers
agent: tiny_agent:agent
trials: 1
agent_models: ["openai:llama3.1:8b", "openai:meta-llama/Llama-3.1-8b"]
gate: {scenario_pass_rate: 0.5, suite_mean_lower_ci: 0.9}
scenarios:
  - id: refund
    goal: get a refund
    turns: [{user: "refund please"}]
    checks: [{contains: "refunded"}]
  - id: greeting
    goal: say hello
    turns: [{user: "hello"}]
    checks: [{contains: "refunded"}]
  - id: refund-again
    goal: get a refund
    turns: [{user: "refund it"}]
    checks: [{contains: "refunded"}]
"""
FAILING = [
    # the check fails: the agent only greets
    "greeting[llama3.1:8b]",
    "greeting[meta-llama/Llama-3.1-8b]",
    # 2 of 3 scenarios pass: below the gate's 0.9
    "[gate][llama3.1:8b]",
    "[gate][meta-llama/Llama-3.1-8b]",
]
PASSING = [
    "refund[llama3.1:8b]",
    "refund[meta-llama/Llama-3.1-8b]",
    "refund-again[llama3.1:8b]",
    "refund-again[meta-llama/Llama-3.1-8b]",
]


@pytest.fixture(params=["current", "8.4"])
def pytest_version(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which pytest the subprocess runs: this environment's, or 8.4 from .ci-pytest84 (ahead on PYTHONPATH)."""
    if request.param == "8.4":
        if not (PYTEST84 / "pytest").is_dir():
            message = (
                f"{PYTEST84} is absent: `pip install --no-deps --target .ci-pytest84 'pytest==8.4.*'` "
                "(.ci/run does) to test the node ids on pytest 8.4"
            )
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        monkeypatch.setenv("PYTHONPATH", str(PYTEST84))
        return "8.4."
    return pytest.__version__


def run(project: Project, *args: str) -> tuple[list[str], str]:
    """The names of the items that ran, in order (from JUnit XML), and the output; checks which pytest ran."""
    xml = project.path / "junit.xml"
    result = project.pytester.runpytest_subprocess("suites", "--evalkit-offline", f"--junitxml={xml}", *args)
    out = result.stdout.str()
    assert result.ret in (0, 1), out
    ran = [case.get("name", "") for case in ET.parse(xml).getroot().iter("testcase")]
    return ran, out


def pytest_used(out: str) -> str:
    match = re.search(r"pytest-(\d+\.\d+\.\d+)", out)
    assert match, out
    return match.group(1)


def test_lf_reruns_exactly_the_failed_items_and_ff_runs_them_first(project: Project, pytest_version: str) -> None:
    project.suite(SUITE)
    first, out = run(project)
    assert pytest_used(out).startswith(pytest_version)
    assert sorted(first) == sorted(FAILING + PASSING)

    again, out = run(project, "--lf")
    assert "run-last-failure: rerun previous 4 failures" in out
    assert sorted(again) == sorted(FAILING)

    ordered, out = run(project, "--ff")
    assert "rerun previous 4 failures first" in out
    assert ordered[:4] == FAILING  # the failed items first, in their collection order, then the rest
    assert sorted(ordered[4:]) == sorted(PASSING)


def test_ids_select_items_on_the_command_line(project: Project, pytest_version: str) -> None:
    project.suite(SUITE)
    result = project.pytester.runpytest_subprocess(
        "--collect-only",
        "-q",
        "suites/tiny.yaml::greeting[meta-llama/Llama-3.1-8b]",  # one tier of one scenario, by its id
        "suites/tiny.yaml::refund",  # every tier of a scenario
        "--deselect",
        "suites/tiny.yaml::refund[llama3.1:8b]",
    )
    assert [line for line in result.outlines if "::" in line] == [
        "suites/tiny.yaml::greeting[meta-llama/Llama-3.1-8b]",
        "suites/tiny.yaml::refund[meta-llama/Llama-3.1-8b]",
    ]


def test_items_have_the_id_shape_of_a_parametrized_test(project: Project) -> None:
    """On pytest 9.2+, `scenario[tier]` is the test `scenario` with parameters `tier`, as the cache parses it."""
    project.suite(SUITE)
    items, _ = project.pytester.inline_genitems("suites")
    structured = {item.name: getattr(item, "id", None) for item in items}
    if not hasattr(structured["greeting[llama3.1:8b]"], "params"):
        pytest.skip(f"pytest {pytest.__version__} keys its cache by string ids")
    node_id = type(structured["greeting[llama3.1:8b]"])
    assert structured["greeting[meta-llama/Llama-3.1-8b]"].names == ("greeting",)
    assert structured["greeting[meta-llama/Llama-3.1-8b]"].params == "meta-llama/Llama-3.1-8b"
    for item in items:  # each id is what pytest reads back from its cached string
        assert item.id == node_id.parse(item.nodeid), item.nodeid


def test_tiers_sharing_a_label_show_their_full_names(project: Project) -> None:
    """Two providers serving one model name would give two items one id (and --lf, -k and ids would conflate them)."""
    project.suite(
        SUITE.replace(
            '["openai:llama3.1:8b", "openai:meta-llama/Llama-3.1-8b"]',
            '["openai:gpt-4.1", "anthropic:gpt-4.1", "openai:o3"]',
        )
    )
    result = project.pytester.runpytest("--collect-only", "-q", "suites", "-k", "refund and not again")
    assert [line for line in result.outlines if "::" in line] == [
        "suites/tiny.yaml::refund[openai:gpt-4.1]",
        "suites/tiny.yaml::refund[anthropic:gpt-4.1]",
        "suites/tiny.yaml::refund[o3]",
    ]
