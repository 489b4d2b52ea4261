"""Under pytest-xdist each suite x tier gate is a test of its own: terminal counts, `-q`, JUnit and exit status."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from plugin_helpers import TINY_SUITE, Project

FAILING_GATE = TINY_SUITE.replace("trials: 2", "trials: 8").replace(
    "gate: {scenario_pass_rate: 0.5}", "gate: {scenario_pass_rate: 0.5, suite_mean_lower_ci: 0.9}"
)
PASSING_GATE = TINY_SUITE.replace("suite: tiny", "suite: fine").replace(
    'turns: [{user: "hello"}]', 'turns: [{user: "refund it"}]'
)
WARNING_GATE = TINY_SUITE.replace("suite: tiny", "suite: unsure").replace(
    "gate: {scenario_pass_rate: 0.5}", "gate: {scenario_pass_rate: 0.5, suite_mean_lower_ci: 0.3, inconclusive: warn}"
)


def junit_cases(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(outcome by testcase, suite-level counts) of a JUnit XML file."""
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    cases: dict[str, str] = {}
    for case in suite.iter("testcase"):
        tags = {child.tag for child in case} - {"properties", "system-out", "system-err"}
        name = f"{case.get('classname')}::{case.get('name')}"
        cases[name] = next(iter(tags)) if tags else "passed"
    return cases, {k: suite.get(k, "") for k in ("tests", "failures", "errors", "skipped")}


def gate_properties(path: Path) -> dict[str, str | None]:
    """The `gate` property of each gate testcase, by suite file."""
    out: dict[str, str | None] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.get("name") == "[gate]":
            prop = case.find("properties/property[@name='gate']")
            out[str(case.get("classname"))] = None if prop is None else prop.get("value")
    return out


def test_each_gate_is_a_junit_testcase_under_xdist_as_in_one_process(project: Project) -> None:
    project.suite(FAILING_GATE, "suites/tiny.yaml")
    project.suite(PASSING_GATE, "suites/fine.yaml")
    project.suite(WARNING_GATE, "suites/unsure.yaml")
    xdist = project.pytester.runpytest_subprocess(
        "suites", "-n", "2", "-q", "-p", "no:cacheprovider", "--junitxml=xdist.xml"
    )
    single = project.pytester.runpytest_subprocess("suites", "-q", "-p", "no:cacheprovider", "--junitxml=single.xml")

    out = xdist.stdout.str()
    assert xdist.ret == 1
    # bad x2 suites that have it and the tiny gate fail; everything else passes, the unsure gate with a warning
    xdist.assert_outcomes(passed=6, failed=3, warnings=1)
    assert re.search(r"FAILED suites/tiny.yaml::\[gate\] - (FAIL|INCONCLUSIVE): suite_mean ", out)  # the reason (#15)
    assert "run verdict: FAIL (fails the build)" in out  # -q keeps the verdict line
    assert "EvalkitGateWarning" in out and "gate unsure[default]: INCONCLUSIVE" in out

    cases, counts = junit_cases(project.path / "xdist.xml")
    assert counts == {"tests": "9", "failures": "3", "errors": "0", "skipped": "0"}
    assert cases["suites.tiny.yaml::[gate]"] == "failure"
    assert cases["suites.fine.yaml::[gate]"] == "passed"
    assert cases["suites.unsure.yaml::[gate]"] == "passed"
    failure = (
        ET.parse(project.path / "xdist.xml")
        .getroot()
        .find(".//testcase[@classname='suites.tiny.yaml'][@name='[gate]']/failure")
    )
    assert failure is not None and "suite_mean: " in (failure.text or "") + (failure.get("message") or "")

    gates = gate_properties(project.path / "xdist.xml")
    assert gates["suites.fine.yaml"] == "pass" and gates["suites.unsure.yaml"] == "inconclusive"
    assert gates["suites.tiny.yaml"] in ("fail", "inconclusive")
    assert single.ret == xdist.ret
    assert gate_properties(project.path / "single.xml") == gates
    assert junit_cases(project.path / "single.xml") == (cases, counts)  # the same tests, the same outcomes


def test_a_gate_with_nothing_to_gate_is_skipped_under_xdist(project: Project) -> None:
    project.suite(
        TINY_SUITE.replace("agent: tiny_agent:agent", 'agent: {kind: model, model: "openai:m", system_prompt: "hi"}')
    )
    result = project.pytester.runpytest_subprocess(
        "suites", "-n", "2", "-p", "no:cacheprovider", "-rs", "--junitxml=junit.xml"
    )
    result.assert_outcomes(skipped=3)  # no live mode: both scenarios would spend money, so the gate has no trials
    assert "nothing to gate" in result.stdout.str()
    _, counts = junit_cases(project.path / "junit.xml")
    assert counts["tests"] == "3" and counts["skipped"] == "3"
