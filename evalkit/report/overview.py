"""The numbers on a run's overview: per scenario x tier, per tier, per criterion.

Per-scenario first, then across scenarios (ARCHITECTURE.md): a tier's pass
rate is the mean of its scenarios' pass rates, with the interval
`evalkit.stats.pass_rate_estimate` picks for the number of scenarios.
Each scenario's verdict is the one `evalkit.verdicts` decided (passed in as a
`RunVerdict`); nothing here compares a rate with a threshold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, Field

from evalkit.judging.verdict import Outcome
from evalkit.llm.costs import sum_costs
from evalkit.report.pass_k import PassK, pass_k
from evalkit.report.rundata import RunData
from evalkit.report.verdict_view import outcome_rank, scenario_verdicts
from evalkit.stats import clustered_mean, flaky_scenarios, pass_rate_estimate, wilson_interval
from evalkit.verdicts import RunVerdict, ScenarioVerdict
from evalkit.verdicts.rows import ROLES, TrialRecord

SCORE_BINS = 5
_DECIDED = (Outcome.passed, Outcome.failed)  # invalid and error trials have no score that counts


class Counts(BaseModel):
    n: int = 0
    passed: int = 0
    failed: int = 0
    invalid: int = 0
    errors: int = 0  # setup errors: the agent never ran (counted neither way, like invalid)

    @property
    def valid(self) -> int:
        return self.passed + self.failed

    @classmethod
    def of(cls, trials: Iterable[TrialRecord]) -> Counts:
        c = cls()
        for t in trials:
            c.n += 1
            c.passed += t.outcome == Outcome.passed
            c.failed += t.outcome == Outcome.failed
            c.invalid += t.outcome == Outcome.invalid
            c.errors += t.outcome == Outcome.error
        return c


class CellStats(BaseModel):
    """One scenario under one tier."""

    suite: str
    scenario_id: str
    tier: str
    tags: list[str]
    counts: Counts
    pass_rate: float | None
    low: float
    high: float
    mean_score: float | None
    flaky: bool
    cost_per_session: float | None
    mean_latency_s: float | None
    verdict: ScenarioVerdict | None = None  # decided by evalkit.verdicts

    @property
    def outcome(self) -> str:
        return self.verdict.outcome if self.verdict else "empty"


class RoleCost(BaseModel):
    role: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None


class TierStats(BaseModel):
    tier: str
    counts: Counts
    pass_rate: float | None
    low: float | None
    high: float | None
    mean_score: float | None
    roles: list[RoleCost]
    cost_usd: float | None
    cost_per_session: float | None
    cost_per_pass: float | None
    pass_k: PassK | None = None  # at k = trials per scenario, when k >= 2


class CriterionDist(BaseModel):
    """How one criterion scored across all trials (normalised scores in SCORE_BINS bins)."""

    rubric_ref: str
    criterion_id: str
    kind: str
    bins: list[int]
    invalid: int
    mean: float | None


class Overview(BaseModel):
    cells: list[CellStats]
    tiers: list[TierStats]
    criteria: list[CriterionDist]
    invalid: list[TrialRecord]  # invalid and error trials: counted neither way
    flaky: list[CellStats] = Field(default_factory=list)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def cell_stats(group: list[TrialRecord], confidence: float = 0.95) -> CellStats:
    first = group[0]
    counts = Counts.of(group)
    interval = wilson_interval(counts.passed, counts.valid, confidence)
    costs = [t.total_cost for t in group]
    total = sum_costs(costs)
    return CellStats(
        suite=first.suite,
        scenario_id=first.scenario_id,
        tier=first.tier,
        tags=sorted({tag for t in group for tag in t.tags}),
        counts=counts,
        pass_rate=interval.estimate,
        low=interval.low,
        high=interval.high,
        mean_score=_mean([t.score for t in group if t.score is not None and t.outcome in _DECIDED]),
        flaky=bool(flaky_scenarios({"s": [t.outcome for t in group]})),
        cost_per_session=None if total is None else total / len(group),
        mean_latency_s=_mean([t.latency_s for t in group if t.latency_s is not None]),
    )


def group_cells(trials: list[TrialRecord]) -> dict[tuple[str, str, str], list[TrialRecord]]:
    groups: dict[tuple[str, str, str], list[TrialRecord]] = defaultdict(list)
    for t in trials:
        groups[(t.suite, t.scenario_id, t.tier)].append(t)
    return dict(groups)


def tier_stats(tier: str, trials: list[TrialRecord], confidence: float = 0.95) -> TierStats:
    counts = Counts.of(trials)
    by_scenario: dict[str, list[TrialRecord]] = defaultdict(list)
    for t in trials:
        by_scenario[f"{t.suite}/{t.scenario_id}"].append(t)
    rate = pass_rate_estimate(
        {k: (Counts.of(v).passed, Counts.of(v).valid) for k, v in by_scenario.items()}, confidence
    )
    scores = {k: [t.score for t in v if t.score is not None and t.outcome in _DECIDED] for k, v in by_scenario.items()}
    roles = [
        RoleCost(
            role=r,
            input_tokens=sum(t.tokens[r].input for t in trials if r in t.tokens),
            output_tokens=sum(t.tokens[r].output for t in trials if r in t.tokens),
            cost_usd=sum_costs(t.cost(r) for t in trials),
        )
        for r in ROLES
    ]
    cost = sum_costs(t.total_cost for t in trials)
    return TierStats(
        tier=tier,
        counts=counts,
        pass_rate=rate.mean,
        low=rate.low,
        high=rate.high,
        mean_score=clustered_mean(scores, confidence).mean,
        roles=roles,
        cost_usd=cost,
        cost_per_session=None if cost is None or not trials else cost / len(trials),
        cost_per_pass=None if cost is None or not counts.passed else cost / counts.passed,
        pass_k=pass_k(by_scenario),
    )


def criterion_dists(run: RunData) -> list[CriterionDist]:
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for row in run.results:
        groups[(row.rubric_ref, row.criterion_id)].append(row)
    out = []
    for (ref, cid), rows in groups.items():
        bins = [0] * SCORE_BINS
        scores = [r.score for r in rows if r.score is not None and r.outcome != Outcome.invalid]
        for s in scores:
            bins[min(SCORE_BINS - 1, int(s * SCORE_BINS))] += 1
        out.append(
            CriterionDist(
                rubric_ref=ref,
                criterion_id=cid,
                kind=rows[0].kind,
                bins=bins,
                invalid=sum(r.outcome == Outcome.invalid for r in rows),
                mean=_mean(scores),
            )
        )
    return out


def build_overview(run: RunData, verdict: RunVerdict | None = None, confidence: float = 0.95) -> Overview:
    """Everything the overview section of the report shows, computed once; cells worst verdict first."""
    decided = scenario_verdicts(verdict) if verdict else {}
    cells = [
        cell_stats(g, confidence).model_copy(update={"verdict": decided.get(key)})
        for key, g in group_cells(run.trials).items()
    ]
    cells.sort(key=lambda c: outcome_rank(c.outcome))  # stable: run order within an outcome
    tiers = [tier_stats(tier, [t for t in run.trials if t.tier == tier], confidence) for tier in run.tiers()]
    return Overview(
        cells=cells,
        tiers=tiers,
        criteria=criterion_dists(run),
        invalid=[t for t in run.trials if t.outcome in (Outcome.invalid, Outcome.error)],
        flaky=[c for c in cells if c.flaky],
    )
