"""Load-time warnings reach pytest's warnings summary at collection (not only `evalkit validate`)."""

from __future__ import annotations

from plugin_helpers import JUDGED_RUBRIC, TINY_SUITE, Project

SAMPLED_AT_ZERO = JUDGED_RUBRIC.replace(
    'judge: {model: "openai:judge-model"}', 'judge: {model: "openai:judge-model", samples: 3, temperature: 0}'
)


def test_judge_samples_at_temperature_zero_warn_at_collection(project: Project) -> None:
    project.write("rubrics/tiny.yaml", SAMPLED_AT_ZERO)
    project.suite(TINY_SUITE.replace("trials: 2", "trials: 2\nrubrics: [tiny.resolution@1]"))
    result = project.pytester.runpytest("suites", "--collect-only", "-q")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["*suites/tiny.yaml*", "*SpecWarning: rubrics/tiny.yaml:3:*samples: 3 at temperature 0*"]
    )


def test_a_clean_suite_collects_without_spec_warnings(project: Project) -> None:
    project.suite()
    result = project.pytester.runpytest("suites", "--collect-only", "-q")
    assert result.ret == 0 and "SpecWarning" not in result.stdout.str()
