"""Judge noise apart from agent noise: is a trial's score uncertain because of the agent or the judge?

With K >= 2 judge readings per trial and several trials per scenario, one
reading is y = scenario mean + agent effect (trial) + judge effect (reading).
A nested one-way decomposition within scenarios, by the method of moments:

* judge variance s2_judge = pooled variance of readings about their trial's
  mean, with sum(K_t - 1) degrees of freedom;
* trial means vary within their scenario by s2_agent + s2_judge * h, where h is
  the mean of 1 / K_t (exact for unequal K), so
  s2_agent = max(0, pooled variance of trial means about the scenario mean - s2_judge * h).

A trial's score is the mean of its K readings, so its within-scenario variance
is s2_agent + s2_judge / K and the judge's share of it is
(s2_judge / K) / (s2_agent + s2_judge / K). More judge samples shrink only that
part: "add judge samples" pays when the share is large; otherwise the noise is
the agent's, and only more trials (or scenarios) average it away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

Readings = Mapping[str, Sequence[Sequence[float]]]  # {scenario: [[reading per judge sample] per trial]}
VarianceAdvice = Literal["add_judge_samples", "add_trials_or_scenarios", "not_enough_data"]


class VarianceShareConfig(BaseModel):
    """When the judge's share counts as large (0.5: judge noise at least equals agent noise)."""

    model_config = ConfigDict(frozen=True)

    large_share: float = 0.5


class VarianceShare(BaseModel):
    """The variance components within scenarios and the advice that follows."""

    model_config = ConfigDict(frozen=True)

    judge_variance: float | None  # of one reading about its trial's mean
    agent_variance: float | None  # of the trials' true scores about their scenario's mean
    judge_share_reading: float | None  # s2_judge / (s2_agent + s2_judge): one reading
    judge_share_trial: float | None  # (s2_judge / K) / (s2_agent + s2_judge / K), K = mean readings per trial
    readings_per_trial: float
    judge_df: int
    trial_df: int
    advice: VarianceAdvice
    message: str


def _pooled(readings: Readings) -> tuple[float, int, float, int, float, float]:
    """Sums of squares and degrees of freedom for the judge and trial levels."""
    ss_judge = ss_trial = h_weighted = 0.0
    df_judge = df_trial = 0
    k_all: list[int] = []
    for trials in readings.values():
        rows = [np.asarray(t, dtype=float) for t in trials if len(t) > 0]
        if not rows:
            continue
        means = np.array([r.mean() for r in rows])
        ss_judge += sum(float(np.sum((r - r.mean()) ** 2)) for r in rows)
        df_judge += sum(len(r) - 1 for r in rows)
        k_all += [len(r) for r in rows]
        if len(rows) >= 2:
            ss_trial += float(np.sum((means - means.mean()) ** 2))
            df_trial += len(rows) - 1
            h_weighted += (len(rows) - 1) * float(np.mean([1.0 / len(r) for r in rows]))
    k_mean = float(np.mean(k_all)) if k_all else 0.0
    return ss_judge, df_judge, ss_trial, df_trial, h_weighted, k_mean


def variance_share(readings: Readings, config: VarianceShareConfig = VarianceShareConfig()) -> VarianceShare:
    """Judge's share of within-scenario variance, from {scenario: [[readings] per trial]}."""
    ss_judge, df_judge, ss_trial, df_trial, h_weighted, k = _pooled(readings)
    if df_judge == 0 or df_trial == 0:
        return VarianceShare(
            judge_variance=None,
            agent_variance=None,
            judge_share_reading=None,
            judge_share_trial=None,
            readings_per_trial=k,
            judge_df=df_judge,
            trial_df=df_trial,
            advice="not_enough_data",
            message="needs >= 2 judge readings of a trial and >= 2 trials of a scenario",
        )
    judge = ss_judge / df_judge
    agent = max(0.0, ss_trial / df_trial - judge * h_weighted / df_trial)
    reading_total, trial_total = agent + judge, agent + judge / k
    share_reading = judge / reading_total if reading_total > 0 else None
    share_trial = (judge / k) / trial_total if trial_total > 0 else None
    advice, message = _advice(share_trial, k, config)
    return VarianceShare(
        judge_variance=judge,
        agent_variance=agent,
        judge_share_reading=share_reading,
        judge_share_trial=share_trial,
        readings_per_trial=k,
        judge_df=df_judge,
        trial_df=df_trial,
        advice=advice,
        message=message,
    )


def _advice(share: float | None, k: float, config: VarianceShareConfig) -> tuple[VarianceAdvice, str]:
    if share is None:
        return "add_trials_or_scenarios", "no variation within scenarios at all: judge samples cannot help"
    if share >= config.large_share:
        return "add_judge_samples", (
            f"the judge makes {share:.0%} of a trial score's variance at {k:g} readings "
            "per trial: more judge samples per trial narrow the interval cheaply"
        )
    return "add_trials_or_scenarios", (
        f"the judge makes only {share:.0%} of a trial score's variance at {k:g} "
        "readings per trial: the spread is the agent's, so add trials or scenarios"
    )
