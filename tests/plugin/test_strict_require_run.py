"""A run that evaluated nothing says so: one line counts the scenarios live mode skipped, and `require_run`
(`--evalkit-strict`, on every route of the option table) turns "nothing ran" into exit 5 for CI."""

from __future__ import annotations

import pytest
from plugin_helpers import TINY_SUITE, Project, base_url_args, simulated_project

from evalkit.plugin.commands import pytest_args
from evalkit.testing import FakeLLMServer

LIVE_OFF = "evalkit: 2 scenarios skipped: live mode is off; use --evalkit-live, --evalkit-offline or --evalkit-replay"
STRICT = "evalkit: nothing ran and require_run is on, so the run fails (exit 5)"
PYTEST_TABLE = '[tool.pytest.ini_options]\npythonpath = ["."]\nasyncio_default_fixture_loop_scope = "function"\n\n'
PASSING_SUITE = TINY_SUITE.replace('turns: [{user: "hello"}]', 'turns: [{user: "refund it"}]')


def test_live_mode_skips_end_the_summary_with_one_line(project: Project, fake_llm: FakeLLMServer) -> None:
    simulated_project(project, fake_llm)  # its simulator model would cost money
    result = project.pytester.runpytest("suites", *base_url_args(fake_llm))
    result.assert_outcomes(skipped=3)  # two scenarios and the gate
    assert result.ret == 0  # not strict: a skip is not a failure
    lines = result.stdout.lines
    assert LIVE_OFF in lines
    assert lines.index(LIVE_OFF) > max(i for i, line in enumerate(lines) if line.startswith("run verdict:"))
    assert "┏" not in result.stdout.str()  # no empty scenario table
    quiet = project.pytester.runpytest("suites", "-q", *base_url_args(fake_llm))
    assert LIVE_OFF in quiet.stdout.lines


@pytest.mark.parametrize("route", ["--evalkit-strict", "--evalkit-require-run", "pyproject", "ini", "env"])
def test_require_run_fails_a_run_where_everything_was_skipped(
    project: Project, fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, route: str
) -> None:
    simulated_project(project, fake_llm)
    args = ["suites", *base_url_args(fake_llm)]
    if route.startswith("--"):
        args.append(route)
    elif route == "pyproject":
        project.pytester.makepyprojecttoml(PYTEST_TABLE + "[tool.evalkit]\nrequire_run = true\n")
    elif route == "ini":
        args += ["-o", "evalkit_require_run=true"]
    else:
        monkeypatch.setenv("EVALKIT_REQUIRE_RUN", "1")
    result = project.pytester.runpytest(*args)
    result.assert_outcomes(skipped=3)
    assert result.ret == 5
    out = result.stdout.str()
    assert f"{STRICT}: no scenario ran (3 evalkit items, all skipped)" in out
    assert "run verdict: EMPTY (fails the build: nothing ran and require_run is on)" in out
    assert LIVE_OFF in result.stdout.lines


def test_a_flag_turns_require_run_off_again(project: Project, fake_llm: FakeLLMServer) -> None:
    simulated_project(project, fake_llm)
    project.pytester.makepyprojecttoml(PYTEST_TABLE + "[tool.evalkit]\nrequire_run = true\n")
    result = project.pytester.runpytest("suites", "--evalkit-no-require-run", *base_url_args(fake_llm))
    assert result.ret == 0 and STRICT not in result.stdout.str()


def test_require_run_leaves_a_run_that_ran_alone(project: Project) -> None:
    project.suite(PASSING_SUITE)
    passed = project.pytester.runpytest("suites", "--evalkit-strict", "-p", "no:cacheprovider")
    passed.assert_outcomes(passed=3)
    assert passed.ret == 0 and STRICT not in passed.stdout.str()
    project.suite(TINY_SUITE)  # one scenario fails: exit 1 says more than 5 would
    failed = project.pytester.runpytest("suites", "--evalkit-strict", "-p", "no:cacheprovider")
    assert failed.ret == 1 and STRICT not in failed.stdout.str()


UNIT_TEST = "def test_unit():\n    assert 1 + 1 == 2\n"


def test_require_run_fails_when_no_suite_was_collected_under_the_suite_paths(project: Project) -> None:
    """A plain `pytest` that collected unit tests but no suite (here: the suite path holds none) fails under
    require_run; the same tests named explicitly are not an evaluation run and pass."""
    project.pytester.makepyprojecttoml(PYTEST_TABLE + '[tool.evalkit]\nsuites = ["evals"]\nrequire_run = true\n')
    (project.path / "evals").mkdir()
    project.write("test_unit.py", UNIT_TEST)
    plain = project.pytester.runpytest("-p", "no:cacheprovider")
    plain.assert_outcomes(passed=1)
    assert plain.ret == 5
    assert f"{STRICT}: no suite was collected under the suite paths (evals/)" in plain.stdout.str()
    named = project.pytester.runpytest("test_unit.py", "-p", "no:cacheprovider")
    assert named.ret == 0 and STRICT not in named.stdout.str()
    project.suite(PASSING_SUITE, "evals/tiny.yaml")  # the suite path now holds a suite: it runs, and passes
    fixed = project.pytester.runpytest("-p", "no:cacheprovider")
    fixed.assert_outcomes(passed=4)
    assert fixed.ret == 0


def test_under_xdist_the_controller_counts_its_workers_items(project: Project, fake_llm: FakeLLMServer) -> None:
    simulated_project(project, fake_llm)
    result = project.pytester.runpytest("suites", "-n", "2", "--evalkit-strict", *base_url_args(fake_llm))
    assert result.ret == 5
    assert result.stdout.lines.count(LIVE_OFF) == 1
    assert STRICT in result.stdout.str()


def test_evalkit_run_passes_strict_on() -> None:
    assert "--evalkit-require-run" in pytest_args(("suites",), {"require_run": True}, ())


def test_require_run_names_a_selection_that_left_no_scenario(project: Project) -> None:
    project.suite(PASSING_SUITE)
    project.write("test_unit.py", UNIT_TEST)
    result = project.pytester.runpytest(
        "suites", "test_unit.py", "-k", "unit", "--evalkit-strict", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1)
    assert result.ret == 5
    assert f"{STRICT}: every evalkit item was deselected (3)" in result.stdout.str()
