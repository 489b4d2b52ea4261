"""What a finished run looks like: per scenario, per criterion, costs, flaky/invalid lists, gates.

Built from run rows (not pytest items) so the xdist controller, which merges
rows from workers, renders exactly the same summary as a single process.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from evalkit.llm.costs import sum_costs
from evalkit.stats import flaky_scenarios
from evalkit.verdicts import GateResult, ResultRow, RunOutcome, ScenarioVerdict, TrialRecord, VerdictInputs, decide_run

ROLES = ("agent", "simulator", "judge")


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
    suites: dict[str, str] = Field(default_factory=dict)  # "scenario[tier]" -> suite name
    criteria: list[CriterionMean] = Field(default_factory=list)
    cost_by_role: dict[str, float | None] = Field(default_factory=dict)
    flaky: list[str] = Field(default_factory=list)
    invalid: list[str] = Field(default_factory=list)
    gates: list[GateResult] = Field(default_factory=list)
    outcome: RunOutcome = "empty"  # the run's verdict (evalkit.verdicts.RunVerdict.outcome)
    failed: bool = False  # would CI fail on this run's verdicts
    skipped: int = 0
    offline: bool = False  # costs are list-price estimates of an offline run

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
    view = RunView(run_id=trials[0].model_extra.get("run_id") if trials and trials[0].model_extra else None,
                   run_dir=inputs.run_dir, scenarios=verdict.scenarios, suites=verdict.suites, gates=verdict.gates,
                   outcome=verdict.outcome, failed=verdict.failed)
    outcomes: dict[str, list[str]] = defaultdict(list)
    for t in trials:
        outcomes[f"{t.scenario_id}[{t.tier}]"].append(t.outcome)
    for v in verdict.scenarios:
        if v.invalid or v.errors:
            what = f"{v.invalid}/{v.trials} invalid" + (f", {v.errors} setup error(s)" if v.errors else "")
            view.invalid.append(f"{v.label}: {what} ({'; '.join(v.invalid_reasons[:2])})")
    view.flaky = flaky_scenarios(outcomes)
    view.criteria = criterion_means(criteria)
    view.cost_by_role = {role: sum_costs([t.cost(role) for t in trials]) for role in ROLES}
    return view


def criterion_means(criteria: list[ResultRow]) -> list[CriterionMean]:
    by_label: dict[str, list[ResultRow]] = defaultdict(list)
    for c in criteria:
        by_label[c.label].append(c)
    out = []
    for label, rows in sorted(by_label.items()):
        scores = [r.score for r in rows if r.outcome in ("pass", "fail") and r.score is not None]
        out.append(CriterionMean(label=label, mean=sum(scores) / len(scores) if scores else None, n=len(scores),
                                 failed=sum(r.outcome == "fail" for r in rows),
                                 invalid=sum(r.outcome == "invalid" for r in rows)))
    return out
