"""`pytest other_dir/` where other_dir holds suites but is not a suite path: pytest collects nothing and exits 5;
evalkit says why and how to add it, in one line, and with the suite path configured the suites are collected."""

from __future__ import annotations

from plugin_helpers import TINY_SUITE, Project

PYTEST_TABLE = '[tool.pytest.ini_options]\npythonpath = ["."]\nasyncio_default_fixture_loop_scope = "function"\n\n'
PASSING_SUITE = TINY_SUITE.replace('turns: [{user: "hello"}]', 'turns: [{user: "refund it"}]')


def hint(count: int, listed: str) -> str:
    files = "1 suite YAML file" if count == 1 else f"{count} suite YAML files"
    return (
        f"evalkit: other_dir/ holds {files} but is not a configured suite path; add it to [tool.evalkit] "
        f"suites = [{listed}] (or pass --evalkit-suites=other_dir, or name the YAML files: pytest "
    )


def test_suites_outside_the_suite_paths_get_a_hint_and_exit_5(project: Project) -> None:
    project.suite(PASSING_SUITE, "other_dir/a.yaml")
    project.suite(PASSING_SUITE.replace("suite: tiny", "suite: tiny2"), "other_dir/nested/b.yml")
    project.write("other_dir/data.yaml", "rows: [1, 2]\n")  # YAML, but not a suite: not counted
    result = project.pytester.runpytest("other_dir/", "-p", "no:cacheprovider")
    assert result.ret == 5
    line = next(line for line in result.stdout.lines if line.startswith("evalkit: other_dir/"))
    assert line.startswith(hint(2, '"other_dir"')), line  # no suites/ here: the default path is not offered
    assert line.endswith("pytest other_dir/a.yaml)")


def test_the_list_offered_keeps_the_configured_suite_paths(project: Project) -> None:
    project.pytester.makepyprojecttoml(PYTEST_TABLE + '[tool.evalkit]\nsuites = ["evals"]\n')
    project.suite(PASSING_SUITE, "other_dir/a.yaml")
    result = project.pytester.runpytest("other_dir", "-p", "no:cacheprovider", "-q")
    assert result.ret == 5
    assert any(line.startswith(hint(1, '"evals", "other_dir"')) for line in result.stdout.lines), result.stdout.lines


def test_with_the_suite_path_configured_the_suites_are_collected(project: Project) -> None:
    project.suite(PASSING_SUITE, "other_dir/a.yaml")
    by_flag = project.pytester.runpytest("other_dir/", "--evalkit-suites=other_dir", "-p", "no:cacheprovider")
    by_flag.assert_outcomes(passed=3)
    project.pytester.makepyprojecttoml(PYTEST_TABLE + '[tool.evalkit]\nsuites = ["other_dir"]\n')
    by_file = project.pytester.runpytest("other_dir/", "-p", "no:cacheprovider")
    by_file.assert_outcomes(passed=3)
    assert by_file.ret == 0 and "not a configured suite path" not in by_file.stdout.str()


def test_no_hint_where_the_directory_collected_tests(project: Project) -> None:
    """A test directory whose fixtures hold suite YAML (as this repository's tests/data does) is not a mistake."""
    project.suite(PASSING_SUITE, "tests/data/fixture_suite.yaml")
    project.write("tests/test_unit.py", "def test_unit():\n    assert True\n")
    result = project.pytester.runpytest("tests", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "not a configured suite path" not in result.stdout.str()
