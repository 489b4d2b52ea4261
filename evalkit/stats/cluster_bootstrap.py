"""Intervals for any agreement statistic, clustered by scenario.

Labelled transcripts of one scenario share its goal and persona, so a judge that
misreads one of them tends to misread its siblings: items are not independent and
an interval over items is too narrow. ``cluster_interval`` resamples whole
scenarios (seeded) and recomputes the statistic, and reads the interval off the
replicates by BCa (bias-corrected and accelerated) at Hesterberg's *expanded*
levels (a t(G - 1)-sized tail): bench/agreement_coverage.py measures both parts.

Few clusters: with fewer than ``min_clusters`` scenarios (default 10) the
percentile bootstrap is too narrow (it can only reshuffle the few scenarios it
has, and misses their spread by a factor of about sqrt((G - 1) / G) and more in
the tails), so it falls back to the delete-one-scenario jackknife: standard error
sqrt((G - 1) / G * sum_g (theta_-g - mean)^2) and a Student t quantile with
G - 1 degrees of freedom, clipped to the statistic's range. It is wide at
G = 3 (t = 4.3) on purpose. One scenario cannot show how agreement varies
between scenarios, so there is then no interval at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from evalkit.stats.distributions import check_confidence, normal_cdf, normal_quantile, two_sided_t
from evalkit.stats.means import percentile_bounds

Statistic = Callable[[np.ndarray], float | None]
ClusterMethod = Literal["cluster_bootstrap", "cluster_jackknife", "no_interval"]


class BootstrapConfig(BaseModel):
    """How ``cluster_interval`` resamples: same seed, same interval."""

    model_config = ConfigDict(frozen=True)

    confidence: float = 0.95
    n_resamples: int = 2000
    seed: int = 0
    min_clusters: int = 10  # below this: delete-one-cluster jackknife with t(G - 1)
    support: tuple[float, float] = (-1.0, 1.0)  # range of the statistic, for clipping


class ClusterInterval(BaseModel):
    """A statistic with its clustered interval; ``note`` says how it was made or why there is none."""

    model_config = ConfigDict(frozen=True)

    estimate: float | None
    low: float | None
    high: float | None
    confidence: float
    method: ClusterMethod
    n_clusters: int
    n_items: int
    n_undefined: int  # resamples (or leave-one-out sets) where the statistic was undefined
    note: str


def _groups(clusters: Sequence[Hashable]) -> list[np.ndarray]:
    order: dict[Hashable, list[int]] = {}
    for i, c in enumerate(clusters):
        order.setdefault(c, []).append(i)
    return [np.array(v, dtype=int) for v in order.values()]


def cluster_interval(
    statistic: Statistic, clusters: Sequence[Hashable], config: BootstrapConfig = BootstrapConfig()
) -> ClusterInterval:
    """Interval for ``statistic`` over items grouped by ``clusters`` (one scenario id per item).

    ``statistic(index)`` computes the statistic on the items at ``index`` (an
    integer array that may repeat items), e.g.
    ``lambda i: cohen_kappa(judge[i], human[i])`` with numpy arrays, and
    returns None when undefined. Resamples where it is undefined are dropped
    and counted; with fewer than half defined there is no interval.
    """
    check_confidence(config.confidence)
    groups = _groups(clusters)
    everything = np.arange(len(clusters))
    estimate = statistic(everything) if len(clusters) else None
    base = dict(estimate=estimate, confidence=config.confidence, n_clusters=len(groups), n_items=len(clusters))
    if estimate is None:
        return ClusterInterval(
            **base,
            low=None,
            high=None,
            method="no_interval",
            n_undefined=0,
            note="the statistic is undefined on these items",
        )
    if len(groups) < 2:
        return ClusterInterval(
            **base,
            low=None,
            high=None,
            method="no_interval",
            n_undefined=0,
            note="one scenario cannot show how the statistic varies between scenarios",
        )
    if len(groups) < config.min_clusters:
        return _jackknife(statistic, groups, config, base)
    return _bootstrap(statistic, groups, config, base)


def _bootstrap(statistic: Statistic, groups: list[np.ndarray], config: BootstrapConfig, base: dict) -> ClusterInterval:
    rng = np.random.default_rng(config.seed)
    picks = rng.integers(0, len(groups), size=(config.n_resamples, len(groups)))
    values = [statistic(np.concatenate([groups[g] for g in row])) for row in picks]
    defined = np.array([v for v in values if v is not None], dtype=float)
    undefined = len(values) - len(defined)
    if len(defined) < max(2, config.n_resamples / 2):
        return ClusterInterval(
            **base,
            low=None,
            high=None,
            method="no_interval",
            n_undefined=undefined,
            note=f"undefined in {undefined} of {config.n_resamples} resamples of scenarios",
        )
    low, high = _bca_bounds(
        statistic, groups, defined, base["estimate"], expanded_confidence(config.confidence, len(groups))
    )
    return ClusterInterval(
        **base,
        low=low,
        high=high,
        method="cluster_bootstrap",
        n_undefined=undefined,
        note=f"BCa bootstrap at expanded levels over {len(groups)} scenarios, "
        f"{config.n_resamples} resamples, seed {config.seed}",
    )


def _bca_bounds(
    statistic: Statistic, groups: list[np.ndarray], boot: np.ndarray, estimate: float, confidence: float
) -> tuple[float, float]:
    """Bias-corrected and accelerated (BCa, Efron 1987) quantiles of the replicates.

    z0 = Phi^-1(share of replicates below the estimate) corrects median bias; the acceleration
    a = sum d^3 / (6 (sum d^2)^1.5), d = mean(theta_-g) - theta_-g over delete-one-scenario estimates,
    corrects skew (a few scenarios where the judge errs a lot). Levels
    Phi(z0 + (z0 + z) / (1 - a (z0 + z))) for z = -+ z_(confidence). Plain percentiles when a
    delete-one estimate is undefined.
    """
    g = len(groups)
    loo = [statistic(np.concatenate([groups[k] for k in range(g) if k != drop])) for drop in range(g)]
    defined = np.array([v for v in loo if v is not None], dtype=float)
    if len(defined) < g:
        return percentile_bounds(boot, confidence)
    d = np.mean(defined) - defined
    denom = 6.0 * float(np.sum(d * d)) ** 1.5
    accel = float(np.sum(d**3)) / denom if denom > 0 else 0.0
    share = (np.sum(boot < estimate) + 0.5 * np.sum(boot == estimate)) / len(boot)
    z0 = normal_quantile(min(max(share, 0.5 / len(boot)), 1.0 - 0.5 / len(boot)))
    z = normal_quantile(0.5 + confidence / 2.0)
    levels = [normal_cdf(z0 + (z0 + zq) / (1.0 - accel * (z0 + zq))) for zq in (-z, z)]
    low, high = np.quantile(boot, levels)
    return float(low), float(high)


def expanded_confidence(confidence: float, g: int) -> float:
    """The percentile level that widens a bootstrap over g clusters to a t(g - 1) interval's width.

    Hesterberg's expanded percentile interval: tail alpha' / 2 = Phi(-sqrt(g / (g - 1)) t_(g-1)).
    Resampling g clusters reproduces their spread with divisor g instead of g - 1, and a normal instead
    of a t quantile; with 10-20 scenarios the plain percentile interval covered 86-91%
    (bench/agreement_coverage.py).
    """
    t = two_sided_t(confidence, g - 1)
    return 1.0 - 2.0 * normal_cdf(-math.sqrt(g / (g - 1)) * t)


def _jackknife(statistic: Statistic, groups: list[np.ndarray], config: BootstrapConfig, base: dict) -> ClusterInterval:
    g = len(groups)
    values = [statistic(np.concatenate([groups[k] for k in range(g) if k != drop])) for drop in range(g)]
    undefined = sum(v is None for v in values)
    if undefined:
        return ClusterInterval(
            **base,
            low=None,
            high=None,
            method="no_interval",
            n_undefined=undefined,
            note=f"few scenarios ({g}) and the statistic is undefined without one of them",
        )
    theta = np.array(values, dtype=float)
    se = float(np.sqrt((g - 1) / g * np.sum((theta - theta.mean()) ** 2)))
    half = two_sided_t(config.confidence, g - 1) * se
    lo, hi = config.support
    return ClusterInterval(
        **base,
        low=max(lo, base["estimate"] - half),
        high=min(hi, base["estimate"] + half),
        method="cluster_jackknife",
        n_undefined=0,
        note=f"few scenarios ({g} < {config.min_clusters}): delete-one-scenario jackknife with t({g - 1})",
    )
