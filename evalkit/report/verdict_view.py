"""The run's verdict as the report shows it: a banner, outcome order, and gates with the scenarios behind them.

Nothing is decided here. Every outcome is read from `evalkit.verdicts.RunVerdict`
(`decide_run`), so report.html, summary.md and the pytest summary cannot disagree.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from evalkit.verdicts import RunVerdict, ScenarioVerdict

# Worst first: the order of the scenario tables (a failing run shows its failures at the top).
OUTCOME_ORDER = ("fail", "error", "invalid", "inconclusive", "empty", "pass")


def outcome_rank(outcome: str) -> int:
    return OUTCOME_ORDER.index(outcome) if outcome in OUTCOME_ORDER else len(OUTCOME_ORDER)


class Banner(BaseModel):
    """The one line at the top of report.html and summary.md: the run's outcome and what it is made of."""

    outcome: str  # pass | fail | error | invalid | inconclusive | empty (RunVerdict.outcome)
    ci_fails: bool  # RunVerdict.failed: what the build does (inconclusive gates fail or warn per gate policy)
    scenarios: int
    passing: int
    failing: int
    invalid: int
    errors: int
    gates: int
    gates_failing: int
    gates_inconclusive: int

    @property
    def headline(self) -> str:
        return self.outcome.upper()

    @property
    def text(self) -> str:
        """e.g. `6 scenarios: 4 passing, 1 failing, 1 invalid, 0 error · 2 gates: 1 failing, 0 inconclusive`."""
        scen = (
            f"{self.scenarios} scenario{'s' if self.scenarios != 1 else ''}: {self.passing} passing, "
            f"{self.failing} failing, {self.invalid} invalid, {self.errors} error"
        )
        gates = f"{self.gates} gate{'s' if self.gates != 1 else ''}: {self.gates_failing} failing"
        if self.gates_inconclusive:
            gates += f", {self.gates_inconclusive} inconclusive"
        build = "fails the build" if self.ci_fails else "passes the build"
        return f"{scen} · {gates} · {build}"


def banner(verdict: RunVerdict) -> Banner:
    outcomes = [s.outcome for s in verdict.scenarios]
    return Banner(
        outcome=verdict.outcome,
        ci_fails=verdict.failed,
        scenarios=len(outcomes),
        passing=outcomes.count("pass"),
        failing=outcomes.count("fail"),
        invalid=outcomes.count("invalid"),
        errors=outcomes.count("error"),
        gates=len(verdict.gates),
        gates_failing=sum(g.outcome == "fail" for g in verdict.gates),
        gates_inconclusive=sum(g.outcome == "inconclusive" for g in verdict.gates),
    )


class GateRow(BaseModel):
    suite: str = ""
    tier: str = ""
    name: str
    decision: str  # pass | fail | inconclusive | skipped
    detail: str = ""


class GateView(BaseModel):
    """One suite gate (suite x tier): its outcome, its checks, and the scenarios of that suite and tier not passing."""

    suite: str
    tier: str
    outcome: str
    failed: bool
    checks: list[GateRow] = Field(default_factory=list)
    not_passing: list[ScenarioVerdict] = Field(default_factory=list)  # RunVerdict.failing_scenarios, worst first


def gate_views(verdict: RunVerdict) -> list[GateView]:
    by_label = {(s.scenario_id, s.tier): s for s in verdict.scenarios}
    views = []
    for g in verdict.gates:
        failing = [by_label[(sid, g.tier)] for sid in verdict.failing_scenarios(g.suite, g.tier)]
        views.append(
            GateView(
                suite=g.suite,
                tier=g.tier,
                outcome=g.outcome,
                failed=g.failed,
                checks=[
                    GateRow(suite=g.suite, tier=g.tier, name=c.name, decision=c.decision, detail=c.detail)
                    for c in g.checks
                ],
                not_passing=sorted(failing, key=lambda s: outcome_rank(s.outcome)),
            )
        )
    return views


def scenario_verdicts(verdict: RunVerdict) -> dict[tuple[str, str, str], ScenarioVerdict]:
    """(suite, scenario, tier) -> its verdict, for tables keyed like the run's rows."""
    return {(s.suite, s.scenario_id, s.tier): s for s in verdict.scenarios}


def why(v: ScenarioVerdict, limit: int = 3) -> str:
    """Why a scenario did not pass, in one line: passes, threshold misses, fail reasons, invalid reasons."""
    if v.outcome == "pass":
        return ""
    misses = [
        f"{f.label} mean {f.mean:.2f} below threshold {f.threshold:.2f}"
        for f in v.failing_criteria
        if f.threshold is not None and f.mean is not None
    ]
    head = [f"{v.passed}/{v.valid} valid trials passed"] if v.outcome == "fail" else []
    reasons = list(dict.fromkeys(head + misses + v.fail_reasons + v.invalid_reasons))
    more = f" (+{len(reasons) - limit} more)" if len(reasons) > limit else ""
    return "; ".join(reasons[:limit]) + more
