"""The run's verdict as the terminal and the step summary show it: the verdict line, errors apart from invalid."""

from __future__ import annotations

from plugin_helpers import TINY_SUITE, Project

from evalkit.plugin.ci import markdown_summary
from evalkit.plugin.summary import RunView, build_view
from evalkit.plugin.terminal import quiet_summary, render_summary
from evalkit.spec.models import GateConfig
from evalkit.verdicts import TrialRecord, VerdictInputs


def _rows(suite: str, scenario: str, outcomes: list[str], reason: str = "") -> list[TrialRecord]:
    return [
        TrialRecord(
            suite=suite,
            scenario_id=scenario,
            tier="m",
            trial=i,
            outcome=o,
            invalid_reason=reason if o in ("invalid", "error") else None,
        )
        for i, o in enumerate(outcomes)
    ]


def _view() -> RunView:
    rows = (
        _rows("alpha", "shared", ["pass", "pass"])
        + _rows("beta", "shared", ["error", "error"], "agent setup failed: ModuleNotFoundError: no_agent")
        + _rows("beta", "judged", ["pass", "invalid", "pass"], "judge reply unparseable")
    )
    gates = {"alpha": GateConfig(), "beta": GateConfig(max_invalid_rate=0.5)}
    return build_view(rows, [], VerdictInputs(gates=gates))


def test_errors_are_listed_apart_from_invalid_trials_and_each_row_keeps_its_suite() -> None:
    view = _view()
    assert [v.outcome for v in view.scenarios] == ["pass", "error", "pass"]
    assert [v.suite for v in view.scenarios] == ["alpha", "beta", "beta"]  # `shared[m]` is in both suites
    assert view.errors == ["beta::shared[m]: 2/2 setup error(s) (agent setup failed: ModuleNotFoundError: no_agent)"]
    assert view.invalid == ["beta::judged[m]: 1/3 invalid (judge reply unparseable)"]
    assert view.outcome == "fail" and view.failed  # beta's gate fails on 3/5 invalid or error trials
    assert view.verdict_line == "run verdict: FAIL (fails the build); scenarios: 2 pass, 1 error; gates: 1 pass, 1 fail"


def test_terminal_and_step_summary_show_the_verdict_line_and_errors() -> None:
    view = _view()
    text = render_summary(view, 120, color=False)
    assert text.rstrip().endswith(view.verdict_line)
    assert "setup errors (the agent never ran; not counted either way):\n  beta::shared[m]: 2/2 setup error(s)" in text
    assert "invalid trials (the judge, simulator or a model endpoint failed" in text
    rows = [line for line in text.splitlines() if "shared[m]" in line and "│" in line]
    assert [row.split("│")[1].strip() for row in rows] == ["alpha", "beta"]
    assert quiet_summary(view) == view.verdict_line + "\n"
    md = markdown_summary(view)
    assert md.startswith("## evalkit") and f"### ❌ evalkit {view.verdict_line}" in md
    assert "**Setup errors** (the agent never ran" in md and "- beta::shared[m]: 2/2 setup error(s)" in md
    assert "| beta | `shared[m]` | ⛔ error | n/a | no valid trials | 2 | 0 | 2 |" in md


def test_a_passing_run_says_so() -> None:
    view = build_view(_rows("s", "a", ["pass", "pass"]), [], VerdictInputs())
    assert view.verdict_line == "run verdict: PASS (does not fail the build); scenarios: 1 pass; gates: 1 pass"
    assert "Setup errors" not in markdown_summary(view)


def test_a_deselected_gate_does_not_fail_the_build_in_the_verdict_line(project: Project) -> None:
    project.suite(
        TINY_SUITE.replace(
            "gate: {scenario_pass_rate: 0.5}", "gate: {scenario_pass_rate: 0.5, suite_mean_lower_ci: 0.9}"
        )
    )
    selected = project.pytester.runpytest("suites", "-p", "no:cacheprovider", "-k", "good")  # the gate is deselected
    assert selected.ret == 0
    assert "run verdict: INCONCLUSIVE (does not fail the build); scenarios: 1 pass; gates: 1 inconclusive" in (
        selected.stdout.str()
    )
    everything = project.pytester.runpytest("suites", "-p", "no:cacheprovider", "-k", "good or gate")
    assert everything.ret == 1 and "run verdict: INCONCLUSIVE (fails the build)" in everything.stdout.str()
