"""The suite pass-rate interval: clustered by scenario, inside [0, 1], with width at 100%.

The estimand is the mean pass rate over the *population* of scenarios the
suite samples (the kind of tasks it stands for), not only over the scenarios
written down: that is what "respects clustering by scenario" means, and why
more scenarios, not more trials, can be what a gate needs. See
docs/statistics.md for the derivation and bench/gate_coverage.py for the
simulation that checks coverage and the gate's false-PASS rate.

The functions work on numpy arrays (one row per data set) so the bench runs
the very code the gate runs, vectorised over thousands of simulated suites.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RateSummary:
    """What the interval needs from per-scenario pass rates (arrays, one entry per data set).

    ``p``: mean of the scenario rates. ``s2``: their sample variance (ddof 1; 0
    for one scenario). ``m``: mean within-scenario variance ``r (1 - r)`` of
    the observed rates. ``g``: scenarios with a valid trial. ``n_h``: harmonic
    trial count ``g**2 / sum(1 / n_s)`` (the valid trials when all scenarios
    have the same count): the binomial variance of an equal-weight mean of
    scenario rates is ``p (1 - p) / n_h``.
    """

    p: np.ndarray
    s2: np.ndarray
    m: np.ndarray
    g: np.ndarray
    n_h: np.ndarray


@dataclass(frozen=True)
class RateBounds:
    """Interval, design effect and effective sample size (arrays)."""

    low: np.ndarray
    high: np.ndarray
    deff: np.ndarray
    n_eff: np.ndarray


def summarise(passes: np.ndarray, trials: np.ndarray) -> RateSummary:
    """Summaries of ``passes / trials`` per row; every scenario needs trials >= 1."""
    passes, trials = np.atleast_2d(np.asarray(passes, float)), np.atleast_2d(np.asarray(trials, float))
    rates = passes / trials
    g = np.full(rates.shape[0], float(rates.shape[1]))
    s2 = rates.var(axis=1, ddof=1) if rates.shape[1] > 1 else np.zeros(rates.shape[0])
    return RateSummary(
        p=rates.mean(axis=1), s2=s2, m=(rates * (1.0 - rates)).mean(axis=1), g=g, n_h=g * g / (1.0 / trials).sum(axis=1)
    )


def design_effect(s: RateSummary) -> np.ndarray:
    """``deff = (s2 / g) / (p (1 - p) / n_h)``, kept in ``[1, n_h / g]``.

    1 means no spread between scenarios beyond binomial noise; ``n_h / g``
    (the trials per scenario) means trials of a scenario all agree, so each
    scenario counts once. With one scenario, or no spread to measure it by
    (all rates 0 or 1), the spread cannot be estimated and the Wilson part
    takes deff = 1; the spread-unseen part (see ``suite_rate_bounds``) covers
    that case instead.
    """
    pq = s.p * (1.0 - s.p)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(pq > 0, (s.s2 / s.g) / (pq / s.n_h), 1.0)
    return np.clip(raw, 1.0, np.maximum(s.n_h / s.g, 1.0))


def cc_wilson(p: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Continuity-corrected Wilson bounds (Newcombe 1998, method 4) at a real-valued n > 0.

    The plain Wilson interval dips well below its nominal coverage for rates
    near 0 or 1 (Brown, Cai & DasGupta 2001: ~86% at p = 0.99, n = 15); the
    continuity correction keeps it at or above nominal, like Clopper-Pearson.
    """
    z2 = z * z
    denom = 2.0 * (n + z2)
    with np.errstate(invalid="ignore", divide="ignore"):
        low = (2 * n * p + z2 - 1 - z * np.sqrt(np.maximum(z2 - 2 - 1 / n + 4 * p * (n * (1 - p) + 1), 0))) / denom
        high = (2 * n * p + z2 + 1 + z * np.sqrt(np.maximum(z2 + 2 - 1 / n + 4 * p * (n * (1 - p) - 1), 0))) / denom
    return np.where(p <= 0, 0.0, np.clip(low, 0, 1)), np.where(p >= 1, 1.0, np.clip(high, 0, 1))


def unseen_spread_bounds(s: RateSummary, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Score interval that allows for between-scenario spread the sample did not show.

    For a true suite rate pi the variance of one trial is pi (1 - pi) =
    between-scenario variance + mean within-scenario variance. Taking the
    within part from the data (``m``) leaves at most ``pi (1 - pi) - m`` for
    the spread of scenario rates, so ``Var(p) <= (pi (1 - pi) - m) / (g - 1)``
    (g - 1 because m and p come from the same g scenarios: at pi = p this is
    exactly the clustered variance ``s2 / g``; g = 1 uses 1). The interval is
    every pi with ``(p - pi)**2 <= z**2 (pi (1 - pi) - m) / (g - 1)``, a
    quadratic in pi. ``m`` enters scaled by (g - 1) / g: from an all-passing
    suite, failures in one scenario then never raise the lower bound (g >= 3;
    unscaled, a first failure could raise it by up to 0.01 at g = 3, since
    it shows that scenario is not all-or-nothing). With all scenarios at 100% it is the Wilson interval over
    g - 1 scenarios: ten all-passing scenarios cannot rule out that three in
    ten scenarios of this kind fail, however many trials each ran.
    """
    k = z * z / np.maximum(s.g - 1.0, 1.0)
    m = s.m * (s.g - 1.0) / s.g  # shrunk like a ddof-1 estimate; keeps the lower bound monotone (see docs)
    disc = np.maximum(k * (4 * (s.p * (1 - s.p) - m) + k * (1 - 4 * m)), 0.0)
    b = 2 * s.p + k
    root = np.sqrt(disc)
    return np.clip((b - root) / (2 * (1 + k)), 0, 1), np.clip((b + root) / (2 * (1 + k)), 0, 1)


def suite_rate_bounds(s: RateSummary, z: float) -> RateBounds:
    """The suite interval: the union of the two parts.

    * spread seen: continuity-corrected Wilson at ``p`` with ``n_eff = n_h / deff``
      (``deff``/``n_eff`` returned are this part's);
    * spread unseen: ``unseen_spread_bounds``.

    Each is valid when its assumption holds (the sample shows the spread /
    the spread is only bounded by the within-scenario variance); their union
    is what bench/gate_coverage.py checks over the grid.
    """
    deff = design_effect(s)
    n_eff = s.n_h / deff
    low1, high1 = cc_wilson(s.p, n_eff, z)
    low2, high2 = unseen_spread_bounds(s, z)
    return RateBounds(low=np.minimum(low1, low2), high=np.maximum(high1, high2), deff=deff, n_eff=n_eff)
