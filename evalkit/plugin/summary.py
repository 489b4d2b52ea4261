"""What a finished run looks like: per scenario, per criterion, costs, flaky/invalid lists, gates.

Built from run rows (not pytest items) so the xdist controller, which merges
rows from workers, renders exactly the same summary as a single process.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from evalkit.llm.costs import sum_costs
from evalkit.stats import flaky_scenarios
from evalkit.verdicts import GateResult, ResultRow, RunOutcome, ScenarioVerdict, TrialRecord, VerdictInputs, decide_run

ROLES = ("agent", "simulator", "judge")
OUTCOMES = ("pass", "fail", "invalid", "error", "empty")  # scenario outcomes, in the order they are counted


class CriterionMean(BaseModel):
    label: str
    mean: float | None
    n: int
    failed: int
    invalid: int


class RunView(BaseModel):
    """Everything the terminal table and the Markdown summary show."""

    run_id: str | None = None
    run_dir: Path | None = None
    scenarios: list[ScenarioVerdict] = Field(default_factory=list)
    criteria: list[CriterionMean] = Field(default_factory=list)
    cost_by_role: dict[str, float | None] = Field(default_factory=dict)
    flaky: list[str] = Field(default_factory=list)
    invalid: list[str] = Field(
        default_factory=list
    )  # "label: n/m invalid (reasons)": the judge/simulator/endpoint failed
    errors: list[str] = Field(default_factory=list)  # "label: n/m setup errors (reasons)": the agent never ran
    gates: list[GateResult] = Field(default_factory=list)
    outcome: RunOutcome = "empty"  # the run's verdict (evalkit.verdicts.RunVerdict.outcome)
    failed: bool = False  # would CI fail on this run's verdicts
    skipped: int = 0
    offline: bool = False  # costs are list-price estimates of an offline run
    report: Path | None = None  # report.html in the run directory, once written
    report_error: str | None = None  # why report.html could not be written
    gate_items: list[tuple[str, str]] | None = None  # (suite, tier) of the gate items pytest ran; None: every gate
    nothing_ran_fails: bool = False  # require_run is on and no scenario ran (evalkit.plugin.nothing_ran): exit 5

    @property
    def fails_build(self) -> bool:
        """`failed`, counting only the gates whose items ran (a gate deselected with -k fails nothing);
        always when require_run failed a run in which nothing ran."""
        if self.nothing_ran_fails:
            return True
        if self.gate_items is None:
            return self.failed
        ran = set(self.gate_items)
        return any(v.outcome in ("fail", "invalid", "error") for v in self.scenarios) or any(
            g.failed for g in self.gates if (g.suite, g.tier) in ran
        )

    @property
    def verdict_line(self) -> str:
        """One line: the run's verdict (`RunVerdict.outcome`), scenario outcomes counted, and the gates."""
        counts = Counter(v.outcome for v in self.scenarios)
        scenarios = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts[o])
        gates = Counter(g.outcome for g in self.gates)
        gate_text = ", ".join(f"{gates[o]} {o}" for o in ("pass", "fail", "inconclusive", "skipped") if gates[o])
        build = "fails the build" if self.fails_build else "does not fail the build"
        if self.nothing_ran_fails:
            build += ": nothing ran and require_run is on"
        parts = [f"scenarios: {scenarios or 'none'}"] + ([f"gates: {gate_text}"] if gate_text else [])
        return f"run verdict: {self.outcome.upper()} ({build}); " + "; ".join(parts)

    @property
    def cost_label(self) -> str:
        from evalkit.run.config import cost_label

        return cost_label(self.offline)

    @property
    def cost_total(self) -> float | None:
        return sum_costs(list(self.cost_by_role.values())) if self.cost_by_role else 0.0


def build_view(trials: list[TrialRecord], criteria: list[ResultRow], inputs: VerdictInputs) -> RunView:
    """The run's verdict (`evalkit.verdicts.decide_run`) plus what the summary shows beside it."""
    verdict = decide_run(trials, criteria, inputs)
    view = RunView(
        run_id=trials[0].model_extra.get("run_id") if trials and trials[0].model_extra else None,
        run_dir=inputs.run_dir,
        scenarios=verdict.scenarios,
        gates=verdict.gates,
        outcome=verdict.outcome,
        failed=verdict.failed,
    )
    outcomes: dict[str, list[str]] = defaultdict(list)
    by_item: dict[tuple[str, str, str], list[TrialRecord]] = defaultdict(list)
    for t in trials:
        outcomes[f"{t.scenario_id}[{t.tier}]"].append(t.outcome)
        by_item[(t.suite, t.scenario_id, t.tier)].append(t)
    many = len({v.suite for v in verdict.scenarios}) > 1
    for v in verdict.scenarios:
        rows = by_item.get((v.suite, v.scenario_id, v.tier), [])
        label = f"{v.suite}::{v.label}" if many else v.label
        view.invalid += _not_decided_line(label, rows, "invalid", "invalid")
        view.errors += _not_decided_line(label, rows, "error", "setup error(s)")
    view.flaky = flaky_scenarios(outcomes)
    view.criteria = criterion_means(criteria)
    view.cost_by_role = {role: sum_costs([t.cost(role) for t in trials]) for role in ROLES}
    return view


def _not_decided_line(label: str, rows: list[TrialRecord], outcome: str, noun: str) -> list[str]:
    """`label: n/m <noun> (reasons)` for trials with this outcome, or nothing."""
    hit = [t for t in rows if t.outcome == outcome]
    if not hit:
        return []
    reasons = list(dict.fromkeys(t.invalid_reason or t.termination or outcome for t in hit))
    return [f"{label}: {len(hit)}/{len(rows)} {noun} ({'; '.join(str(r) for r in reasons[:2])})"]


def criterion_means(criteria: list[ResultRow]) -> list[CriterionMean]:
    by_label: dict[str, list[ResultRow]] = defaultdict(list)
    for c in criteria:
        by_label[c.label].append(c)
    out = []
    for label, rows in sorted(by_label.items()):
        scores = [r.score for r in rows if r.outcome in ("pass", "fail") and r.score is not None]
        out.append(
            CriterionMean(
                label=label,
                mean=sum(scores) / len(scores) if scores else None,
                n=len(scores),
                failed=sum(r.outcome == "fail" for r in rows),
                invalid=sum(r.outcome == "invalid" for r in rows),
            )
        )
    return out
