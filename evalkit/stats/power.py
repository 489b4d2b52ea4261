"""How many trials are enough: minimum detectable effects and trials needed.

Both use large-sample approximations and treat trials as independent; with
strongly correlated trials within a scenario, inflate the trial count by the
design effect (or count scenarios instead of trials).
"""

from __future__ import annotations

import math

from evalkit.stats.distributions import check_confidence, normal_quantile, two_sided_z
from evalkit.stats.intervals import wilson_bounds

_MAX_TRIALS = 10**9


def minimum_detectable_effect(n: int, p: float = 0.5, alpha: float = 0.05, power: float = 0.8,
                              paired: bool = False, rho: float = 0.5) -> float:
    """Smallest pass-rate difference a two-sided test detects with the given power.

    Use it to tell users what a comparison of this size can and cannot see
    ("with 50 trials per tier, differences under 28 points are invisible").
    Normal approximation: ``(z_{1-alpha/2} + z_power) * sd_diff / sqrt(n)``
    with ``sd_diff**2 = 2 p (1-p)`` for two independent groups of n trials,
    and ``2 p (1-p) (1 - rho)`` for n paired trials whose outcomes correlate
    with ``rho`` (0.5 by default: an assumption, not an estimate).

    Args:
        n: Trials per group (or pairs when ``paired``), >= 1.
        p: Expected pass rate.
        alpha: Two-sided significance level.
        power: Desired power.
        paired: Same scenarios and trials under both configurations.
        rho: Within-pair correlation; used only when ``paired``.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if not 0.0 <= p <= 1.0 or not -1.0 <= rho <= 1.0:
        raise ValueError(f"need 0 <= p <= 1 and -1 <= rho <= 1, got p={p}, rho={rho}")
    z = two_sided_z(1.0 - alpha) + normal_quantile(power)
    variance = 2.0 * p * (1.0 - p) * ((1.0 - rho) if paired else 1.0)
    return z * math.sqrt(variance / n)


def trials_needed(p: float, threshold: float, confidence: float = 0.95) -> int | None:
    """Total valid trials that would make a straddling pass-rate gate conclusive.

    Use it in an INCONCLUSIVE gate message. Assuming the observed rate ``p``
    holds, it returns the smallest n for which the Wilson interval at rate p
    lies entirely on one side of ``threshold`` (low >= threshold when
    p > threshold, high < threshold when p < threshold).

    Returns:
        The trial count, or None when no finite count helps: p equals the
        threshold, or the bound can never reach it (e.g. p = threshold = 1).
    """
    check_confidence(confidence)
    if not (0.0 <= p <= 1.0 and 0.0 <= threshold <= 1.0):
        raise ValueError(f"need p and threshold in [0, 1], got p={p}, threshold={threshold}")
    if p == threshold:
        return None
    z = two_sided_z(confidence)

    def conclusive(n: int) -> bool:
        low, high = wilson_bounds(p, n, z)
        return low >= threshold if p > threshold else high < threshold

    hi = 1
    while not conclusive(hi):
        if hi >= _MAX_TRIALS:
            return None
        hi *= 2
    lo = hi // 2  # not conclusive (or 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if conclusive(mid) else (mid, hi)
    return hi
