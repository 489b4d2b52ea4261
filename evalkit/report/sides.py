"""Per-side numbers of a comparison: outcomes, scores, and what a session costs.

Cost here is the **agent's** cost: that is what production pays per session
and what routing to a cheaper tier saves. The evaluation's own cost
(simulator + judge) is reported next to it as `eval_cost_per_session`.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from evalkit.judging.verdict import Outcome
from evalkit.llm.costs import sum_costs
from evalkit.report.overview import Counts
from evalkit.report.pass_k import PassK, pass_k
from evalkit.verdicts.rows import TrialRecord


class SideStats(BaseModel):
    label: str
    counts: Counts
    pass_rate: float | None  # mean of per-scenario pass rates (a single scenario: its pass rate)
    mean_score: float | None  # mean of per-scenario mean scores
    agent_cost_per_session: float | None
    eval_cost_per_session: float | None  # simulator + judge
    cost_per_pass: float | None  # agent cost / passing sessions
    agent_tokens_per_session: float | None
    latency_per_session: float | None
    pass_k: PassK | None = None  # pass@k / pass^k at the pair's k (trials per scenario), when k >= 2


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


DECIDED = (Outcome.passed, Outcome.failed)  # invalid and error trials count neither way


def pass_values(trials: Sequence[TrialRecord]) -> list[float]:
    return [1.0 if t.outcome == Outcome.passed else 0.0 for t in trials if t.outcome in DECIDED]


def score_values(trials: Sequence[TrialRecord]) -> list[float]:
    return [t.score for t in trials if t.outcome in DECIDED and t.score is not None]


def side_stats(label: str, by_scenario: dict[tuple[str, ...], list[TrialRecord]], k: int | None = None) -> SideStats:
    """Numbers of one side over the given scenarios (means of per-scenario means); pass@k / pass^k at `k`."""
    trials = [t for group in by_scenario.values() for t in group]
    counts = Counts.of(trials)
    n = len(trials)
    agent = sum_costs(t.cost("agent") for t in trials)  # one rule everywhere: absent role = no calls = 0
    evaluation = sum_costs(t.cost(r) for t in trials for r in ("simulator", "judge"))
    rates = [v for g in by_scenario.values() if (v := _mean(pass_values(g))) is not None]
    scores = [v for g in by_scenario.values() if (v := _mean(score_values(g))) is not None]
    return SideStats(
        label=label,
        counts=counts,
        pass_rate=_mean(rates),
        mean_score=_mean(scores),
        agent_cost_per_session=None if agent is None or not n else agent / n,
        eval_cost_per_session=None if evaluation is None or not n else evaluation / n,
        cost_per_pass=None if agent is None or not counts.passed else agent / counts.passed,
        agent_tokens_per_session=_mean([float(t.role_tokens("agent")) for t in trials]),
        latency_per_session=_mean([t.latency_s for t in trials if t.latency_s is not None]),
        pass_k=pass_k({"/".join(key): group for key, group in by_scenario.items()}, k) if k else None,
    )
