"""Running suites under pytest: verdicts, gates, exit codes, junit, step summary, spending rules, selection."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from plugin_helpers import (
    TINY_SUITE,
    Project,
    base_url_args,
    judged_project,
    requests_mentioning,
    simulated_project,
)

from evalkit.testing import FakeLLMServer


def test_pass_fail_invalid_verdicts_and_exit_code(project: Project, fake_llm: FakeLLMServer) -> None:
    judged_project(project, fake_llm)
    result = project.pytester.runpytest("suites", "--evalkit-live", *base_url_args(fake_llm))
    result.assert_outcomes(passed=2, failed=2)  # passes and the gate (2/6 invalid <= 50%); fails and broken-judge
    out = result.stdout.str()
    assert result.ret == 1
    assert "passes PASSED" not in out  # quiet by default: dots, not names
    assert "fails FAILED: 0/2 valid trials passed" in out
    assert "tiny.resolution@1:resolved: failed 2/2" in out
    assert "judge: The agent never refunded the order; it only greeted." in out
    assert "transcript: " in out and "/transcripts/judged__fails__default__t" in out
    assert "broken-judge INVALID (not a quality failure): only 0 of 2 trials were valid" in out
    rows = project.trials()
    assert sorted({(r["scenario_id"], r["outcome"]) for r in rows}) == [
        ("broken-judge", "invalid"),
        ("fails", "fail"),
        ("passes", "pass"),
    ]


def test_all_passing_suite_exits_zero_with_summary(project: Project) -> None:
    project.suite(TINY_SUITE.replace('turns: [{user: "hello"}]', 'turns: [{user: "refund it"}]'))
    result = project.pytester.runpytest("suites", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    assert result.ret == 0
    out = result.stdout.str()
    assert "evalkit summary" in out and "run directory:" in out
    assert "gate tiny[default]: PASS" in out or "gate tiny[default]: SKIPPED" in out


def test_quiet_run_prints_no_summary(project: Project) -> None:
    project.suite()
    result = project.pytester.runpytest("suites", "-q", "-q", "-p", "no:cacheprovider")
    assert "evalkit summary" not in result.stdout.str()
    assert result.ret == 1


def test_gate_item_inconclusive_fails_or_warns(project: Project) -> None:
    project.suite(
        TINY_SUITE.replace(
            "gate: {scenario_pass_rate: 0.5}", "gate: {scenario_pass_rate: 0.5, suite_mean_lower_ci: 0.3}"
        )
    )
    result = project.pytester.runpytest("suites", "-p", "no:cacheprovider", "-rA")
    out = result.stdout.str()
    assert "gate tiny[default]: INCONCLUSIVE" in out
    assert "more scenarios would settle it: ~" in out  # 2 scenarios: the spread between them dominates
    assert "FAILED suites/tiny.yaml::[gate]" in out
    project.suite(
        TINY_SUITE.replace(
            "gate: {scenario_pass_rate: 0.5}",
            "gate: {scenario_pass_rate: 0.5, suite_mean_lower_ci: 0.3, inconclusive: warn}",
        )
    )
    warned = project.pytester.runpytest("suites", "-p", "no:cacheprovider", "-rA")
    assert "PASSED suites/tiny.yaml::[gate]" in warned.stdout.str()
    assert "EvalkitGateWarning" in warned.stdout.str()


def test_gate_fails_on_a_clear_miss(project: Project) -> None:
    suite = TINY_SUITE.replace("trials: 2", "trials: 8").replace(
        "gate: {scenario_pass_rate: 0.5}", "gate: {scenario_pass_rate: 0.5, suite_mean_lower_ci: 0.9}"
    )
    project.suite(suite)
    result = project.pytester.runpytest("suites", "-p", "no:cacheprovider", "-k", "gate or bad")
    out = result.stdout.str()
    assert "gate tiny[default]: FAIL" in out and "suite_mean: FAIL" in out


def test_junit_properties_and_step_summary(project: Project, monkeypatch) -> None:
    project.suite()
    summary = project.path / "step_summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    project.pytester.runpytest("suites", "-p", "no:cacheprovider", "--junitxml=junit.xml")
    tree = ET.parse(project.path / "junit.xml")
    cases = {c.get("name"): c for c in tree.iter("testcase")}
    props = {p.get("name"): p.get("value") for p in cases["good"].iter("property")}
    assert props["pass_rate"] == "100%" and props["trials"] == "2" and props["evalkit_outcome"] == "pass"
    assert props["interval"].startswith("95% CI 34%-100%")
    assert "score" in props and "cost_usd" in props
    bad = {p.get("name"): p.get("value") for p in cases["bad"].iter("property")}
    assert bad["pass_rate"] == "0%" and bad["evalkit_outcome"] == "fail"
    text = summary.read_text()  # the run's verdict line, then the report's Markdown summary with the gates
    assert text.startswith("### ❌ evalkit run verdict: FAIL (fails the build); scenarios: 1 pass, 1 fail")
    rows = {
        line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ") and "default" in line
    }
    assert "2 / 0 / 0" in rows["good"] and "100% [34%, 100%]" in rows["good"]
    assert "0 / 2 / 0" in rows["bad"] and "0% [0%, 66%]" in rows["bad"]
    assert "| invalid_rate | tiny | default | ✅ pass |" in text


def test_rubric_refs_in_junit(project: Project, fake_llm: FakeLLMServer) -> None:
    judged_project(project, fake_llm)
    project.pytester.runpytest("suites", "--evalkit-live", "--junitxml=junit.xml", *base_url_args(fake_llm))
    tree = ET.parse(project.path / "junit.xml")
    case = next(c for c in tree.iter("testcase") if c.get("name") == "passes")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["rubrics"] == "tiny.resolution@1"
    assert props["score"] == "1.000"


def test_without_live_paid_scenarios_are_skipped_and_no_request_is_made(
    project: Project, fake_llm: FakeLLMServer
) -> None:
    simulated_project(project, fake_llm)
    result = project.pytester.runpytest("suites", "-rs", *base_url_args(fake_llm))
    result.assert_outcomes(skipped=3)
    out = result.stdout.str()
    assert "live model calls are off" in out and "--evalkit-live" in out and "--evalkit-offline" in out
    assert fake_llm.requests == []
    assert result.ret == 0


def test_live_run_prints_estimate_and_max_cost_refuses(project: Project, fake_llm: FakeLLMServer) -> None:
    simulated_project(project, fake_llm)
    suite = (project.path / "suites/simmed.yaml").read_text().replace("openai:sim-model", "openai:gpt-4.1")
    (project.path / "suites/simmed.yaml").write_text(suite)
    refused = project.pytester.runpytest(
        "suites", "--evalkit-live", "--evalkit-max-cost=0.0001", *base_url_args(fake_llm)
    )
    out = refused.stdout.str()
    assert "evalkit live run estimate" in out and "4 sessions" in out and "simulator" in out
    assert "refusing to start" in out and "exceeds --evalkit-max-cost $0.00" in out
    assert refused.ret == 4
    assert fake_llm.requests == []
    allowed = project.pytester.runpytest("suites", "--evalkit-live", "--evalkit-max-cost=50", *base_url_args(fake_llm))
    assert "evalkit live run estimate" in allowed.stdout.str()
    assert fake_llm.requests  # the run went ahead


def test_k_selection_runs_only_selected_sessions(project: Project, fake_llm: FakeLLMServer) -> None:
    simulated_project(project, fake_llm)
    result = project.pytester.runpytest("suites", "--evalkit-live", "-k", "alpha", *base_url_args(fake_llm))
    result.assert_outcomes(passed=1, deselected=2)
    assert requests_mentioning(fake_llm, "ALPHA-GOAL") > 0
    assert requests_mentioning(fake_llm, "BETA-GOAL") == 0
    assert {r["scenario_id"] for r in project.trials()} == {"alpha"}


# Seven scenarios: six stay paired with the baseline, enough for the sign-flip test to reach p < 0.05.
REGRESSION_SUITE = (
    "suite: reg\nagent: tiny_agent:agent\ntrials: 2\ngate: {scenario_pass_rate: 0.5, regression_margin: 0.2}\nscenarios:\n"
    + "".join(
        f'  - id: s{n}\n    goal: g\n    turns: [{{user: "refund {n}"}}]\n    checks: [{{contains: "refunded"}}]\n'
        for n in range(7)
    )
)


def test_baseline_gate_fails_on_a_significant_drop_and_names_missing_scenarios(project: Project) -> None:
    project.suite(REGRESSION_SUITE, "suites/reg.yaml")
    first = project.pytester.runpytest("suites", "-p", "no:cacheprovider")
    first.assert_outcomes(passed=8)
    [baseline] = project.run_dirs()
    worse = REGRESSION_SUITE.replace('"refund ', '"hello ').replace("  - id: s6\n", "  - id: s6-renamed\n")
    project.suite(worse, "suites/reg.yaml")
    result = project.pytester.runpytest("suites", "-p", "no:cacheprovider", f"--evalkit-baseline={baseline}")
    out = result.stdout.str()
    assert "regression: FAIL - pass rate 1.00 -> 0.00" in out
    assert "scenarios in the baseline but not in this run: s6" in out
    [latest] = [d for d in project.run_dirs() if d != baseline]  # the report decides the same regression gate
    assert json.loads((latest / "run.json").read_text())["config"]["baseline"] == str(baseline.resolve())
    summary = (latest / "summary.md").read_text()
    assert re.search(r"\| regression \| reg \| [^|]+ \| ❌ fail \| pass rate 1.00 -(&gt;|>) 0.00", summary), summary
