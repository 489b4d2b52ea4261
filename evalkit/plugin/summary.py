"""What a finished run looks like: per scenario, per criterion, costs, flaky/invalid lists, gates.

Built from run rows (not pytest items) so the xdist controller, which merges
rows from workers, renders exactly the same summary as a single process.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from evalkit.llm.costs import sum_costs
from evalkit.plugin.gates import GateResult
from evalkit.plugin.verdicts import ScenarioVerdict, decide_scenario
from evalkit.run.records import ResultRow, TrialRecord
from evalkit.spec.models import GateConfig
from evalkit.stats import flaky_scenarios

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
    skipped: int = 0
    offline: bool = False  # costs are list-price estimates of an offline run

    @property
    def cost_label(self) -> str:
        from evalkit.run.config import cost_label

        return cost_label(self.offline)

    @property
    def cost_total(self) -> float | None:
        return sum_costs(list(self.cost_by_role.values())) if self.cost_by_role else 0.0


def build_view(
    trials: list[TrialRecord],
    criteria: list[ResultRow],
    gate_configs: dict[str, GateConfig],
    gates: list[GateResult],
    run_dir: Path | None = None,
) -> RunView:
    """Group rows by suite x scenario x tier and decide each group with its suite's gate config."""
    groups: dict[tuple[str, str, str], list[TrialRecord]] = defaultdict(list)
    for t in trials:
        groups[(t.suite, t.scenario_id, t.tier)].append(t)
    crit_groups: dict[tuple[str, str, str], list[ResultRow]] = defaultdict(list)
    for c in criteria:
        crit_groups[(c.suite, c.scenario_id, c.tier)].append(c)
    view = RunView(run_id=trials[0].model_extra.get("run_id") if trials and trials[0].model_extra else None,
                   run_dir=run_dir, gates=gates)
    outcomes: dict[str, list[str]] = {}
    for (suite, sid, tier), rows in groups.items():  # run order: pytest's item order
        v = decide_scenario(sorted(rows, key=lambda r: r.trial), crit_groups[(suite, sid, tier)],
                            gate_configs.get(suite, GateConfig()), run_dir)
        view.scenarios.append(v)
        label = f"{sid}[{tier}]"
        view.suites[label] = suite
        outcomes[label] = [r.outcome for r in rows]
        if v.outcome == "invalid" or v.invalid:
            view.invalid.append(f"{label}: {v.invalid}/{v.trials} invalid ({'; '.join(v.invalid_reasons[:2])})")
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
        scores = [r.score for r in rows if r.outcome != "invalid" and r.score is not None]
        out.append(CriterionMean(label=label, mean=sum(scores) / len(scores) if scores else None, n=len(scores),
                                 failed=sum(r.outcome == "fail" for r in rows),
                                 invalid=sum(r.outcome == "invalid" for r in rows)))
    return out
