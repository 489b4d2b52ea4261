"""Suite means over scenarios: clustered standard errors and a cluster bootstrap.

Trials of one scenario are correlated (same goal, same persona), so they are
not independent observations. Every estimator here therefore averages within
a scenario first and then across scenarios (each scenario weighs the same),
and measures uncertainty from the spread *between* scenarios.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from evalkit.stats.distributions import check_confidence, two_sided_t, two_sided_z
from evalkit.stats.suite_rate import suite_rate_bounds, summarise

MeanMethod = Literal[
    "cluster_t", "single_cluster_t", "cluster_bootstrap", "single_cluster_bootstrap", "wilson", "cluster_score"
]


class MeanEstimate(BaseModel):
    """A suite mean with its uncertainty.

    ``mean`` is None only when there is no observation at all. ``se``, ``low``
    and ``high`` are None when the data cannot measure their own spread (a
    single observation); ``gate_decision`` then says "inconclusive".
    """

    model_config = ConfigDict(frozen=True)

    mean: float | None
    se: float | None
    low: float | None
    high: float | None
    confidence: float
    n_clusters: int
    n_obs: int
    method: MeanMethod
    n_eff: float | None = None  # effective number of independent trials (pass rates only)
    deff: float | None = None  # design effect: valid trials / n_eff


def _nonempty(values_by_cluster: Mapping[str, Sequence[float]]) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values_by_cluster.values() if len(v) > 0]


def _empty(
    confidence: float, method: MeanMethod, n_clusters: int = 0, n_obs: int = 0, mean: float | None = None
) -> MeanEstimate:
    return MeanEstimate(
        mean=mean,
        se=None,
        low=None,
        high=None,
        confidence=confidence,
        n_clusters=n_clusters,
        n_obs=n_obs,
        method=method,
    )


def clustered_mean(values_by_cluster: Mapping[str, Sequence[float]], confidence: float = 0.95) -> MeanEstimate:
    """Mean of per-scenario means with a cluster-robust standard error.

    Use it for mean scores over a suite. The estimator is the unweighted mean
    of the G cluster means; its standard error is ``sd(cluster means) / sqrt(G)``,
    which equals the CR1 sandwich (with the G/(G-1) correction) for this
    equal-weight estimator. The interval uses Student t with G-1 degrees of
    freedom at every G: with few scenarios that is the needed small-sample
    correction, and with many it converges to the normal value without a jump
    at an arbitrary cut-off.

    Empty clusters (scenarios without a valid trial) are ignored. With a
    single scenario the suite mean *is* that scenario's mean, so the spread of
    its trials is used instead (``method="single_cluster_t"``, df = n-1).

    Args:
        values_by_cluster: ``{scenario_id: [score per valid trial]}``.
        confidence: Two-sided confidence level.
    """
    check_confidence(confidence)
    clusters = _nonempty(values_by_cluster)
    n_obs = sum(len(c) for c in clusters)
    if len(clusters) == 1:
        return _t_interval(clusters[0], confidence, "single_cluster_t", 1, n_obs)
    if not clusters:
        return _empty(confidence, "cluster_t")
    means = np.array([c.mean() for c in clusters])
    return _t_interval(means, confidence, "cluster_t", len(clusters), n_obs)


def _t_interval(units: np.ndarray, confidence: float, method: MeanMethod, n_clusters: int, n_obs: int) -> MeanEstimate:
    mean = float(units.mean())
    if len(units) < 2:
        return _empty(confidence, method, n_clusters, n_obs, mean)
    se = float(units.std(ddof=1) / math.sqrt(len(units)))
    half = two_sided_t(confidence, len(units) - 1) * se
    return MeanEstimate(
        mean=mean,
        se=se,
        low=mean - half,
        high=mean + half,
        confidence=confidence,
        n_clusters=n_clusters,
        n_obs=n_obs,
        method=method,
    )


def bootstrap_mean_ci(
    values_by_cluster: Mapping[str, Sequence[float]], confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0
) -> MeanEstimate:
    """Cluster bootstrap (resample scenarios) percentile interval for the suite mean.

    Use it when scores are far from normal (bounded, skewed, many ties) and
    there are enough scenarios (roughly 10+) for resampling to mean something;
    with few scenarios prefer ``clustered_mean``. The same seed gives the same
    interval. With a single scenario its trials are resampled instead
    (``method="single_cluster_bootstrap"``). ``se`` is the bootstrap SD.

    Args:
        values_by_cluster: ``{scenario_id: [score per valid trial]}``; empty lists ignored.
        confidence: Two-sided confidence level.
        n_resamples: Bootstrap replicates.
        seed: Seed for numpy's default generator.
    """
    check_confidence(confidence)
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    clusters = _nonempty(values_by_cluster)
    n_obs = sum(len(c) for c in clusters)
    if not clusters:
        return _empty(confidence, "cluster_bootstrap")
    method: MeanMethod
    if len(clusters) == 1:
        units, method = clusters[0], "single_cluster_bootstrap"
    else:
        units, method = np.array([c.mean() for c in clusters]), "cluster_bootstrap"
    mean = float(units.mean())
    if len(units) < 2:
        return _empty(confidence, method, len(clusters), n_obs, mean)
    boot = resample_means(units, n_resamples, seed)
    low, high = percentile_bounds(boot, confidence)
    return MeanEstimate(
        mean=mean,
        se=float(boot.std(ddof=1)) if n_resamples > 1 else None,
        low=low,
        high=high,
        confidence=confidence,
        n_clusters=len(clusters),
        n_obs=n_obs,
        method=method,
    )


def resample_means(units: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    """Means of ``n_resamples`` with-replacement resamples of ``units`` (seeded)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(units), size=(n_resamples, len(units)))
    return units[idx].mean(axis=1)


def percentile_bounds(boot: np.ndarray, confidence: float) -> tuple[float, float]:
    """Equal-tailed percentile interval of bootstrap replicates."""
    alpha = 1.0 - confidence
    low, high = np.quantile(boot, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


def pass_rate_estimate(
    counts_by_scenario: Mapping[str, tuple[int, int]], confidence: float = 0.95, min_clusters: int | None = None
) -> MeanEstimate:
    """Suite pass rate: mean of per-scenario rates, interval clustered by scenario.

    Use it for pass-rate gates. One estimator at every suite size
    (``method="cluster_score"``, see ``evalkit.stats.suite_rate`` and
    docs/statistics.md): with G scenarios, scenario rates r_s, p = mean(r_s),
    s2 = their sample variance, N = valid trials (harmonic form when scenarios
    have different counts):

    * deff = clip((s2 / G) / (p (1 - p) / N), 1, N / G), n_eff = N / deff;
    * spread seen: continuity-corrected Wilson interval at p over n_eff trials;
    * spread unseen: all pi with (p - pi)^2 <= z^2 (pi (1 - pi) - mean r_s (1 - r_s)) / (G - 1);
    * the interval is their union, so it stays inside [0, 1] and keeps width
      when every trial passed (10 scenarios x 5 trials, all passing, gives
      [0.70, 1.00] at 95%: ten scenarios cannot show that failing scenarios
      of this kind are rare).

    ``n_eff`` and ``deff`` are those of the spread-seen part.

    ``se`` is ``sqrt(p (1 - p) / n_eff)``. Scenarios without valid trials are
    ignored; no valid trial at all gives ``mean=None`` and [0, 1].

    Args:
        counts_by_scenario: ``{scenario_id: (passes, valid_trials)}``.
        confidence: Two-sided confidence level.
        min_clusters: Ignored (the old Wilson / clustered-t switch point); kept
            so existing callers keep working.
    """
    del min_clusters
    check_confidence(confidence)
    for name, (passes, n) in counts_by_scenario.items():
        if n < 0 or passes < 0 or passes > n:
            raise ValueError(f"scenario {name!r}: need 0 <= passes <= trials, got {passes}/{n}")
    used = [(c, n) for c, n in counts_by_scenario.values() if n > 0]
    n_obs = sum(n for _, n in used)
    if not used:
        return MeanEstimate(
            mean=None, se=None, low=0.0, high=1.0, confidence=confidence, n_clusters=0, n_obs=0, method="cluster_score"
        )
    summary = summarise(np.array([[c for c, _ in used]]), np.array([[n for _, n in used]]))
    bounds = suite_rate_bounds(summary, two_sided_z(confidence))
    rate, n_eff = float(summary.p[0]), float(bounds.n_eff[0])
    return MeanEstimate(
        mean=rate,
        se=math.sqrt(rate * (1.0 - rate) / n_eff),
        low=float(bounds.low[0]),
        high=float(bounds.high[0]),
        confidence=confidence,
        n_clusters=len(used),
        n_obs=n_obs,
        method="cluster_score",
        n_eff=n_eff,
        deff=n_obs / n_eff,
    )
