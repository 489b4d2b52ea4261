"""Comparing two runs (or two tiers) paired by scenario.

Pairing removes the scenario-to-scenario difficulty spread from the
comparison, which is what makes small differences between tiers detectable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import comb
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from evalkit.stats.distributions import check_confidence, two_sided_t
from evalkit.stats.means import percentile_bounds, resample_means

NonInferiority = Literal["non_inferior", "inferior", "inconclusive"]
_EXACT_SIGN_FLIP_MAX = 16  # 2**16 sign patterns: enumerate instead of sampling


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts.

    Use it for pass/fail outcomes of the same scenario and trial under two
    configurations. Under "no difference" each discordant pair is equally
    likely to go either way, so ``b ~ Binomial(b + c, 1/2)``; the p-value is
    twice the smaller tail, capped at 1 (``b = c = 0`` gives 1.0).

    Args:
        b: Pairs where the first configuration passed and the second failed.
        c: Pairs where the first failed and the second passed.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be >= 0, got b={b}, c={c}")
    n = b + c
    tail = sum(comb(n, i) for i in range(min(b, c) + 1))
    return min(1.0, 2 * tail / 2**n)


class McNemarResult(BaseModel):
    """Pass/fail agreement table of paired trials and its exact McNemar p-value."""

    model_config = ConfigDict(frozen=True)

    n_pairs: int
    both_pass: int
    both_fail: int
    b: int  # first passed, second failed
    c: int  # first failed, second passed
    p_value: float


def paired_pass_fail_test(pairs: Sequence[tuple[bool, bool]]) -> McNemarResult:
    """Tabulate ``(first_passed, second_passed)`` pairs and run ``mcnemar_exact``.

    Pair trials by (scenario, trial index) and drop pairs where either side is
    invalid before calling.
    """
    table = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for first, second in pairs:
        table[(bool(first), bool(second))] += 1
    b, c = table[(True, False)], table[(False, True)]
    return McNemarResult(
        n_pairs=len(pairs),
        both_pass=table[(True, True)],
        both_fail=table[(False, False)],
        b=b,
        c=c,
        p_value=mcnemar_exact(b, c),
    )


class DiffEstimate(BaseModel):
    """Paired difference of means, **b minus a** (pass the reference as a, the candidate as b)."""

    model_config = ConfigDict(frozen=True)

    mean_diff: float | None
    low: float | None
    high: float | None
    se: float | None
    p_value: float | None  # sign-flip test of "no difference"; None for fewer than 2 pairs
    confidence: float
    n_pairs: int
    mean_a: float | None
    mean_b: float | None
    dropped_a: list[str]  # scenarios with data in a but none in b
    dropped_b: list[str]  # scenarios with data in b but none in a
    method: Literal["paired_cluster_t", "single_scenario_bootstrap"]


def paired_bootstrap_diff(
    a_by_scenario: Mapping[str, Sequence[float]],
    b_by_scenario: Mapping[str, Sequence[float]],
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> DiffEstimate:
    """Paired-by-scenario interval for the difference of suite means (b - a).

    Use it to compare scores of two runs or tiers. Each scenario present in
    both contributes ``mean(b) - mean(a)``; the interval is a t interval over
    those differences (G - 1 degrees of freedom), clipped to [-1, 1] when all
    scores lie in [0, 1]. A percentile bootstrap over scenarios was too narrow
    with few of them (bench/claims_coverage.py: 0.69 coverage at 5 scenarios,
    0.85 at 10); the t interval holds 0.94 from 10. The p-value comes from a sign-flip
    randomization test on those differences (exact for up to 16 scenarios,
    else ``n_resamples`` random flips), which holds its size better than a
    bootstrap p-value with few scenarios. Scenarios present on one side only
    are left out and listed in ``dropped_a`` / ``dropped_b``. With exactly one
    shared scenario the trials of each side are resampled independently and
    ``p_value`` is None. Deterministic for a given seed.
    """
    check_confidence(confidence)
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    a = {k: np.asarray(v, dtype=float) for k, v in a_by_scenario.items() if len(v) > 0}
    b = {k: np.asarray(v, dtype=float) for k, v in b_by_scenario.items() if len(v) > 0}
    common = [k for k in a if k in b]
    base = dict(
        confidence=confidence,
        n_pairs=len(common),
        dropped_a=[k for k in a if k not in b],
        dropped_b=[k for k in b if k not in a],
    )
    if not common:
        return DiffEstimate(
            mean_diff=None,
            low=None,
            high=None,
            se=None,
            p_value=None,
            mean_a=None,
            mean_b=None,
            method="paired_cluster_t",
            **base,
        )
    mean_a = float(np.mean([a[k].mean() for k in common]))
    mean_b = float(np.mean([b[k].mean() for k in common]))
    if len(common) == 1:
        boot = _two_sample_boot(a[common[0]], b[common[0]], n_resamples, seed)
        low, high = percentile_bounds(boot, confidence)
        se = float(boot.std(ddof=1)) if n_resamples > 1 else None
        return DiffEstimate(
            mean_diff=mean_b - mean_a,
            low=low,
            high=high,
            se=se,
            p_value=None,
            mean_a=mean_a,
            mean_b=mean_b,
            method="single_scenario_bootstrap",
            **base,
        )
    diffs = np.array([b[k].mean() - a[k].mean() for k in common])
    unit = all(v.min() >= 0.0 and v.max() <= 1.0 for side in (a, b) for v in side.values())
    low, high, se = paired_t_bounds(diffs, confidence, unit)
    return DiffEstimate(
        mean_diff=mean_b - mean_a,
        low=low,
        high=high,
        se=se,
        p_value=sign_flip_p_value(diffs, n_resamples, seed),
        mean_a=mean_a,
        mean_b=mean_b,
        method="paired_cluster_t",
        **base,
    )


def paired_t_bounds(diffs: np.ndarray, confidence: float, unit: bool) -> tuple[float, float, float]:
    """t interval (low, high, se) for the mean of >= 2 per-scenario differences.

    ``unit``: every score lies in [0, 1], so the difference lies in [-1, 1]
    and the bounds are clipped there (with 2 scenarios t_1 is 12.7).
    """
    g = len(diffs)
    mean = float(diffs.mean())
    se = float(diffs.std(ddof=1)) / g**0.5
    half = two_sided_t(confidence, g - 1) * se
    low, high = mean - half, mean + half
    if unit:
        low, high = max(-1.0, low), min(1.0, high)
    return low, high, se


def _two_sample_boot(a: np.ndarray, b: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    return resample_means(b, n_resamples, seed) - resample_means(a, n_resamples, seed + 1)


def sign_flip_p_value(diffs: np.ndarray, n_resamples: int = 2000, seed: int = 0) -> float:
    """Two-sided paired randomization p-value: how often random sign flips give |mean| >= observed."""
    n = len(diffs)
    observed = abs(diffs.mean()) - 1e-12 * max(1.0, float(np.abs(diffs).max()))
    if n <= _EXACT_SIGN_FLIP_MAX:
        signs = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1) * 2 - 1
        return float(np.mean(np.abs(signs @ diffs / n) >= observed))
    rng = np.random.default_rng(seed)
    signs = rng.choice(np.array([-1.0, 1.0]), size=(n_resamples, n))
    hits = int(np.sum(np.abs(signs @ diffs / n) >= observed))
    return (1 + hits) / (1 + n_resamples)


def sign_flip_min_p_value(n_pairs: int, n_resamples: int = 2000) -> float | None:
    """Smallest p-value ``sign_flip_p_value`` can return for ``n_pairs`` scenario pairs.

    Exact enumeration (up to 16 pairs): the observed sign pattern and its
    mirror image always reach the observed |mean|, so p >= 2 / 2**n, reached
    when every difference has the same sign and size. Above 16 pairs the
    Monte-Carlo p-value is at least 1 / (1 + n_resamples). None for fewer
    than 2 pairs (``paired_bootstrap_diff`` then has no p-value).
    """
    if n_pairs < 2:
        return None
    if n_pairs <= _EXACT_SIGN_FLIP_MAX:
        return 2.0 / 2**n_pairs
    return 1.0 / (1 + n_resamples)


def paired_test_can_reach(n_pairs: int, confidence: float, n_resamples: int = 2000) -> bool:
    """Can the sign-flip test over ``n_pairs`` pairs reach ``p < 1 - confidence`` at all?

    Use it before reading "not significant" as "no regression": with 5 pairs
    the smallest p-value is 2/32 = 0.0625, so at 95% even a 100% -> 0%
    collapse of every scenario is not significant. A gate should then say
    INCONCLUSIVE and name ``sign_flip_min_pairs(confidence)``.
    """
    check_confidence(confidence)
    smallest = sign_flip_min_p_value(n_pairs, n_resamples)
    return smallest is not None and smallest < 1.0 - confidence


def sign_flip_min_pairs(confidence: float, n_resamples: int = 2000) -> int | None:
    """Fewest scenario pairs with which the sign-flip test can reach ``confidence`` (None: never)."""
    check_confidence(confidence)
    for n in range(2, _EXACT_SIGN_FLIP_MAX + 2):
        if paired_test_can_reach(n, confidence, n_resamples):
            return n
    return None


def non_inferiority(diff: DiffEstimate, margin: float) -> NonInferiority:
    """Is the candidate (b) no worse than the reference (a) by more than ``margin``?

    Use it for routing decisions ("can this scenario go to the cheaper
    tier?"). With ``diff`` = candidate - reference: "non_inferior" when the
    lower bound is above ``-margin``; "inferior" when the upper bound is below
    ``-margin``; otherwise (or without bounds) "inconclusive".

    Args:
        diff: A paired difference, b - a, with b the candidate.
        margin: Largest acceptable drop, >= 0, in the units of the scores.
    """
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    if diff.low is not None and diff.low > -margin:
        return "non_inferior"
    if diff.high is not None and diff.high < -margin:
        return "inferior"
    return "inconclusive"
