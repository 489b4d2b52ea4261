"""Collection: suite files under the suite paths and nothing else, readable ids, tags as markers, YAML errors."""

from __future__ import annotations

from plugin_helpers import TINY_SUITE, Project


def test_collects_suites_and_nothing_else(project: Project) -> None:
    project.suite()
    project.write("suites/not_a_suite.yaml", "name: just some config\nitems: [1, 2]\n")
    project.write("data/suite_elsewhere.yaml", TINY_SUITE)  # a suite, but not under the suite paths
    project.write("test_plain.py", "def test_plain():\n    assert True\n")
    result = project.pytester.runpytest("--collect-only", "-q", ".")
    lines = [line for line in result.outlines if "::" in line]
    assert lines == [
        "suites/tiny.yaml::good",
        "suites/tiny.yaml::bad",
        "suites/tiny.yaml::[gate]",
        "test_plain.py::test_plain",
    ]


def test_tiers_make_one_item_per_scenario_and_tier(project: Project) -> None:
    project.suite(TINY_SUITE.replace("trials: 2", "trials: 2\nagent_models: [openai:gpt-4.1-mini, anthropic:claude-x]"))
    result = project.pytester.runpytest("--collect-only", "-q", "suites")
    lines = [line for line in result.outlines if "::" in line]
    assert lines == [
        "suites/tiny.yaml::good[gpt-4.1-mini]",
        "suites/tiny.yaml::good[claude-x]",
        "suites/tiny.yaml::bad[gpt-4.1-mini]",
        "suites/tiny.yaml::bad[claude-x]",
        "suites/tiny.yaml::[gate][gpt-4.1-mini]",
        "suites/tiny.yaml::[gate][claude-x]",
    ]


def test_agent_models_option_overrides_the_tiers(project: Project) -> None:
    project.suite()
    result = project.pytester.runpytest("--collect-only", "-q", "suites", "--evalkit-agent-models=openai:m1")
    assert "suites/tiny.yaml::good[m1]" in result.outlines


def test_tags_are_markers_without_warnings(project: Project) -> None:
    project.suite()
    result = project.pytester.runpytest("--collect-only", "-q", "suites", "-m", "refund", "--strict-markers")
    lines = [line for line in result.outlines if "::" in line]
    assert lines == ["suites/tiny.yaml::good"]
    assert "PytestUnknownMarkWarning" not in result.stdout.str()
    assert result.ret == 0


def test_configured_suite_paths_and_ini_option(project: Project) -> None:
    project.write("evals/tiny.yaml", TINY_SUITE)
    plain = project.pytester.runpytest("--collect-only", "-q", ".")
    assert not [line for line in plain.outlines if "::" in line]  # default suite path is suites/
    configured = project.pytester.runpytest("--collect-only", "-q", "-o", "evalkit_suites=evals", ".")
    assert "evals/tiny.yaml::good" in configured.outlines


def test_yaml_errors_are_collection_errors_with_file_and_line(project: Project) -> None:
    project.suite()
    project.write(
        "suites/broken.yaml",
        """
        suite: broken
        agent: tiny_agent:agent
        trials: zero
        scenarios:
          - id: x
            goal: g
        """,
    )
    result = project.pytester.runpytest("-q", "suites")
    out = result.stdout.str()
    assert result.ret == 2  # interrupted by a collection error
    assert "ERROR collecting suites/broken.yaml" in out
    assert "suites/broken.yaml:3:" in out and "trials" in out
    assert "Traceback" not in out and "evalkit/spec" not in out


def test_plain_pytest_with_testpaths_also_collects_configured_suites(project: Project) -> None:
    project.pytester.makepyprojecttoml(
        """
        [tool.pytest.ini_options]
        pythonpath = ["."]
        testpaths = ["tests"]
        asyncio_default_fixture_loop_scope = "function"

        [tool.evalkit]
        suites = ["evals"]
        """
    )
    project.write("evals/tiny.yaml", TINY_SUITE)
    project.write("tests/test_unit.py", "def test_unit():\n    assert True\n")
    result = project.pytester.runpytest("--collect-only", "-q")
    lines = [line for line in result.outlines if "::" in line]
    assert lines == [
        "tests/test_unit.py::test_unit",
        "evals/tiny.yaml::good",
        "evals/tiny.yaml::bad",
        "evals/tiny.yaml::[gate]",
    ]
