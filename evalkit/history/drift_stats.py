"""The statistics behind `evalkit history drift`: Boschloo's exact test on design-effect counts, and Holm.

Trials of one scenario inside one run share a day, a model deployment, a cache
and often a seed: they are correlated, so pooling 25 trials of 5 runs into one
2x2 table treats them as 25 independent draws and raises false alarms whenever
runs differ from each other (bench/history_drift.py measures it: several times
alpha). Two ways out were weighed:

* a permutation test over whole runs is exact under any correlation, but with
  w runs a side its smallest p-value is 1 / C(2w, w) (1/252 at w = 5): Holm's
  alpha / m is out of reach beyond 12 cells, and even a joint (Westfall-Young)
  permutation needs about m / C(2w, w) <= alpha. A 16-cell suite could never drift.
* **chosen**: the Rao-Scott idea. Estimate the intra-run correlation rho of
  trial outcomes once, pooled over every cell and window of the history (one-way
  ANOVA estimator, clusters = runs); divide each window's counts by the design
  effect deff = 1 + (n0 - 1) rho, n0 the cell's mean trials per run; run a
  one-sided exact test on those effective counts: Boschloo's (Fisher's p-value
  as the ordering, maximised over the common pass rate), which keeps Fisher's
  guarantee and is never less powerful. Trials still carry their information,
  run-to-run spread is paid for, and with rho = 0 it is Boschloo's test on the
  raw counts.

Holm (not Benjamini-Hochberg) because the drift job fails the build when *any*
cell is flagged: the probability that a history without drift fails the job is
the family-wise error rate, which Holm controls at alpha under any dependence
between cells (they share runs, so they are dependent). BH would bound the share
of false flags among flags, which says nothing about a failed job being false.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

GRID = 400  # common pass rates tried for Boschloo's supremum, then refined around the best


@dataclass(frozen=True)
class RunCounts:
    """Valid trials and passes of one cell in one run."""

    passes: int
    valid: int


def icc_anova(groups: Sequence[Sequence[RunCounts]]) -> float:
    """Intra-run correlation of pass/fail outcomes, pooled over groups (one group = one cell's window).

    One-way ANOVA estimator for binary data with unequal run sizes: between-run
    and within-run mean squares summed over groups (each group around its own
    mean, so a drift between windows is not read as run-to-run spread), then
    rho = (MSB - MSW) / (MSB + (n0 - 1) MSW), clipped to [0, 1].
    Returns 0 when the history cannot measure it (no group with two runs).
    """
    ssb = ssw = df_b = df_w = n0_num = 0.0
    for runs in groups:
        runs = [r for r in runs if r.valid > 0]
        total = sum(r.valid for r in runs)
        if len(runs) < 2:
            continue
        mean = sum(r.passes for r in runs) / total
        ssb += sum(r.valid * (r.passes / r.valid - mean) ** 2 for r in runs)
        ssw += sum(r.passes * (1.0 - r.passes / r.valid) for r in runs)
        df_b += len(runs) - 1
        df_w += total - len(runs)
        n0_num += total - sum(r.valid**2 for r in runs) / total
    if df_b == 0 or df_w == 0:
        return 0.0
    msb, msw, n0 = ssb / df_b, ssw / df_w, n0_num / df_b
    denominator = msb + (n0 - 1.0) * msw
    return 0.0 if denominator <= 0 else min(1.0, max(0.0, (msb - msw) / denominator))


def design_effect(rho: float, runs: Sequence[RunCounts]) -> float:
    """1 + (n0 - 1) rho with n0 = sum(n^2) / sum(n), the size-weighted mean trials per run."""
    total = sum(r.valid for r in runs)
    n0 = sum(r.valid**2 for r in runs) / total if total else 1.0
    return 1.0 + max(0.0, n0 - 1.0) * rho


def effective(passes: int, valid: int, deff: float) -> tuple[int, int]:
    """Counts divided by the design effect, rounded: (effective passes, effective trials >= 1)."""
    n = max(1, round(valid / deff))
    return round(n * passes / valid), n


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_greater(passes_before: int, n_before: int, passes_after: int, n_after: int) -> float:
    """One-sided Fisher exact p-value that the before window passes more often than the after window.

    P(X >= passes_before) for X hypergeometric: n_before draws from
    n_before + n_after trials holding passes_before + passes_after passes.
    """
    total, passes = n_before + n_after, passes_before + passes_after
    lo, hi = max(0, passes - n_after), min(passes, n_before)
    denominator = _log_comb(total, n_before)
    terms = [
        _log_comb(passes, x) + _log_comb(total - passes, n_before - x) - denominator
        for x in range(max(lo, passes_before), hi + 1)
    ]
    return min(1.0, sum(math.exp(t) for t in terms))


def _log_factorials(n: int) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])


@lru_cache(maxsize=256)
def fisher_tails(n_before: int, n_after: int) -> np.ndarray:
    """Fisher's one-sided p-value of every table: entry [x1, x2] = P(X >= x1 | x1 + x2 passes in all)."""
    lf = _log_factorials(n_before + n_after)
    x1, x2 = np.arange(n_before + 1)[:, None], np.arange(n_after + 1)[None, :]
    s, total = x1 + x2, n_before + n_after
    log_pmf = (
        lf[n_before]
        - lf[x1]
        - lf[n_before - x1]
        + lf[n_after]
        - lf[x2]
        - lf[n_after - x2]
        - (lf[total] - lf[s] - lf[total - s])
    )
    pmf, tails = np.exp(log_pmf), np.ones_like(log_pmf)
    for passes in range(total + 1):
        xs = np.arange(max(0, passes - n_after), min(passes, n_before) + 1)
        tails[xs, passes - xs] = np.minimum(1.0, np.cumsum(pmf[xs, passes - xs][::-1])[::-1])
    return tails


def _binomial_rows(n: int, rates: np.ndarray) -> np.ndarray:
    lf, k = _log_factorials(n), np.arange(n + 1)[None, :]
    p = rates[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = np.where(k > 0, k * np.log(p), 0.0) + np.where(n - k > 0, (n - k) * np.log1p(-p), 0.0)
    return np.exp(lf[n] - lf[k] - lf[n - k] + log_p)


def boschloo_greater(passes_before: int, n_before: int, passes_after: int, n_after: int) -> float:
    """One-sided Boschloo exact p-value that the before window passes more often than the after window.

    Tables are ordered by Fisher's one-sided p-value; the p-value is the largest
    probability, over a common pass rate pi, of a table at least as extreme. Exact
    (unconditional on the total passes) and never less powerful than Fisher's test:
    about half Fisher's p-value on tables like 22/25 vs 12/25. pi is searched on a
    400-point grid, then on a fine grid around the best point (scipy.stats.boschloo_exact
    agrees in tests/history/test_drift.py).
    """
    tails = fisher_tails(n_before, n_after)
    extreme = (tails <= tails[passes_before, passes_after] * (1.0 + 1e-9)).astype(np.float64)

    def worst(rates: np.ndarray) -> tuple[float, float]:
        probs = np.einsum("pi,ij,pj->p", _binomial_rows(n_before, rates), extreme, _binomial_rows(n_after, rates))
        best = int(np.argmax(probs))
        return float(probs[best]), float(rates[best])

    coarse, at = worst(np.linspace(0.0, 1.0, GRID + 1))
    fine, _ = worst(np.clip(np.linspace(at - 1.0 / GRID, at + 1.0 / GRID, 201), 0.0, 1.0))
    return min(1.0, max(coarse, fine))


def holm(p_values: Sequence[float], alpha: float) -> tuple[list[bool], list[float]]:
    """Holm's step-down procedure: which hypotheses are rejected, and the Holm-adjusted p-values.

    The i-th smallest p (i from 0) is compared with alpha / (m - i); rejection
    stops at the first that fails. Adjusted p = running max of (m - i) p_(i), capped at 1.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    reject, adjusted = [False] * m, [1.0] * m
    running, stopped = 0.0, False
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
        stopped = stopped or p_values[i] > alpha / (m - rank)
        reject[i] = not stopped
    return reject, adjusted
