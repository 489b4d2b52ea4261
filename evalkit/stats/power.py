"""How many trials are enough: minimum detectable effects, trials needed, gate advice.

``minimum_detectable_effect`` and ``trials_needed`` use large-sample
approximations and treat trials as independent. ``settle_advice`` follows the
suite interval itself (clustered by scenario), so it can say that more
scenarios, not more trials, are what a gate needs; gates use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from evalkit.stats.distributions import check_confidence, normal_quantile, two_sided_z
from evalkit.stats.intervals import wilson_bounds
from evalkit.stats.suite_rate import RateSummary, suite_rate_bounds, summarise

_MAX_TRIALS = 10**9


def minimum_detectable_effect(
    n: int, p: float = 0.5, alpha: float = 0.05, power: float = 0.8, paired: bool = False, rho: float = 0.5
) -> float:
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


AdviceKind = Literal["trials", "scenarios", "never"]
_MAX_TRIALS_PER_SCENARIO = 10_000
_MAX_SCENARIOS = 100_000


class Advice(BaseModel):
    """What would settle an inconclusive pass-rate gate, under ``pass_rate_estimate``'s interval.

    ``kind``: "trials" (``trials_per_scenario`` valid trials per scenario, same
    scenarios), "scenarios" (``scenarios`` scenarios at ``trials_per_scenario``
    trials each: the spread between scenarios dominates, and more trials cannot
    shrink it) or "never" (the rate sits on the threshold, or no data).
    """

    model_config = ConfigDict(frozen=True)

    kind: AdviceKind
    trials_per_scenario: int | None = None
    scenarios: int | None = None
    text: str


@dataclass(frozen=True)
class _Observed:
    """Observed suite, split into between-scenario and within-scenario variance."""

    p: float
    between: float  # variance of true scenario rates
    within: float  # mean per-trial variance inside a scenario
    g: int
    trials: float  # valid trials per scenario (harmonic mean)

    def projected(self, trials: int, g: int) -> RateSummary:
        """The summary a suite of ``g`` such scenarios x ``trials`` trials would show on average."""

        def arr(x: float) -> np.ndarray:
            return np.array([float(x)])

        return RateSummary(
            p=arr(self.p),
            s2=arr(self.between + self.within / trials),
            m=arr(self.within * (1 - 1 / trials)),
            g=arr(g),
            n_h=arr(trials * g),
        )


def _observe(counts: list[tuple[int, int]]) -> _Observed:
    s = summarise(np.array([[c for c, _ in counts]]), np.array([[n for _, n in counts]]))
    g, n_bar = len(counts), float(s.n_h[0]) / len(counts)
    # E[m] = within (1 - 1/n) and E[s2] = between + within / n; one trial per scenario cannot
    # tell the two apart, so all spread is taken as between-scenario (more trials then don't help).
    within = float(s.m[0]) * n_bar / (n_bar - 1) if n_bar > 1 else 0.0
    between = max(0.0, float(s.s2[0]) - within / n_bar)
    return _Observed(p=float(s.p[0]), between=between, within=within, g=g, trials=n_bar)


def settle_advice(
    counts_by_scenario: Mapping[str, tuple[int, int]], threshold: float, confidence: float = 0.95
) -> Advice:
    """How many trials per scenario, or how many scenarios, would settle a pass-rate gate.

    Use it in an INCONCLUSIVE suite-mean message. Assuming the observed
    scenario rates and the spread between them hold, it projects the interval
    of ``pass_rate_estimate`` (same formula) to k valid trials per scenario and
    returns the smallest k whose interval lies on one side of ``threshold``.
    When even 10,000 trials per scenario do not settle it, the between-scenario
    term dominates (it shrinks only with more scenarios), and it returns the
    smallest number of scenarios, at the current trials per scenario, that
    would. With one trial per scenario the two kinds of spread cannot be told
    apart, and all of it is taken as between-scenario spread.

    The numbers are a point projection (a suite showing exactly the observed
    rates would settle), not a power calculation: real data scatter around
    it, so often somewhat more is needed (in the tested case about a
    third of suites settle at the advised count; see tests/stats/test_stats_power.py).

    Args:
        counts_by_scenario: ``{scenario_id: (passes, valid_trials)}``.
        threshold: The gate's threshold for the suite pass rate.
        confidence: Two-sided confidence level of the interval.
    """
    check_confidence(confidence)
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"need a threshold in [0, 1], got {threshold}")
    counts = [(c, n) for c, n in counts_by_scenario.values() if n > 0]
    if not counts:
        return Advice(kind="never", text="no valid trials to extrapolate from")
    obs = _observe(counts)
    if obs.p == threshold:
        return Advice(
            kind="never", text="the observed rate sits on the threshold, so no number of trials or scenarios settles it"
        )
    z = two_sided_z(confidence)

    def settles(trials: int, g: int) -> bool:
        b = suite_rate_bounds(obs.projected(trials, g), z)
        return bool(b.low[0] >= threshold) if obs.p > threshold else bool(b.high[0] < threshold)

    have = f"have {obs.trials:.3g} per scenario over {obs.g} scenarios"
    trials = _smallest(lambda k: settles(k, obs.g), _MAX_TRIALS_PER_SCENARIO)
    if trials is not None:
        return Advice(
            kind="trials",
            trials_per_scenario=trials,
            scenarios=obs.g,
            text=f"about {trials} valid trials per scenario would settle it ({have})",
        )
    per = max(1, math.ceil(obs.trials - 1e-9))
    scenarios = _smallest(lambda g: settles(per, g), _MAX_SCENARIOS)
    if scenarios is None:
        return Advice(
            kind="never", text=f"no number of trials or scenarios settles it: the bound never reaches {threshold:.2f}"
        )
    return Advice(
        kind="scenarios",
        trials_per_scenario=per,
        scenarios=scenarios,
        text=f"more trials per scenario cannot settle it (the interval is set by the number of "
        f"scenarios and the spread between them); more scenarios would settle it: "
        f"~{scenarios} at {per} valid trials each ({have})",
    )


def _smallest(ok: Callable[[int], bool], limit: int) -> int | None:
    """Smallest n in 1..limit with ok(n), for ok monotone in n; None if ok(limit) is false."""
    if not ok(limit):
        return None
    lo, hi = 0, limit
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi
