"""Pass-rate intervals and the three-way gate decision."""

from __future__ import annotations

import math
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from evalkit.stats.distributions import two_sided_z

GateDecision = Literal["pass", "fail", "inconclusive"]


class Interval(BaseModel):
    """A confidence interval for a proportion.

    ``estimate`` is None when there was no data (n = 0): the interval is then
    the whole range [0, 1], which no threshold inside (0, 1] can pass.
    """

    model_config = ConfigDict(frozen=True)

    low: float
    high: float
    estimate: float | None
    confidence: float
    n: int

    @property
    def width(self) -> float:
        return self.high - self.low

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


class Bounded(Protocol):
    """Anything with a lower and upper confidence bound (Interval, MeanEstimate, DiffEstimate)."""

    @property
    def low(self) -> float | None: ...

    @property
    def high(self) -> float | None: ...


def wilson_bounds(p_hat: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score bounds for an observed rate ``p_hat`` over ``n`` > 0 trials."""
    z2 = z * z
    centre = p_hat + z2 / (2.0 * n)
    half = z * math.sqrt(p_hat * (1.0 - p_hat) / n + z2 / (4.0 * n * n))
    denom = 1.0 + z2 / n
    low, high = (centre - half) / denom, (centre + half) / denom
    # Exact at the edges (rounding could otherwise put 0 or 1 just outside).
    return (0.0 if p_hat == 0.0 else max(0.0, low)), (1.0 if p_hat == 1.0 else min(1.0, high))


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for a pass rate.

    Use it for the pass rate of a scenario (or of a small suite) over its
    valid trials: unlike the normal approximation it stays inside [0, 1] and
    does not collapse to a zero-width interval at 0/n or n/n, which is the
    common case with a handful of trials.

    Args:
        successes: Passing trials (invalid trials excluded beforehand).
        n: Valid trials. ``n == 0`` gives the uninformative interval (0, 1)
            with ``estimate=None``.
        confidence: Two-sided confidence level, e.g. 0.95.

    Raises:
        ValueError: If counts are negative, successes > n, or confidence is not in (0, 1).
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    z = two_sided_z(confidence)
    if n == 0:
        return Interval(low=0.0, high=1.0, estimate=None, confidence=confidence, n=0)
    p_hat = successes / n
    low, high = wilson_bounds(p_hat, n, z)
    return Interval(low=low, high=high, estimate=p_hat, confidence=confidence, n=n)


def gate_decision(interval: Bounded, threshold: float) -> GateDecision:
    """Three-way gate: pass only when the whole interval clears the threshold.

    Use it for every statistical gate so that ordinary sampling noise reads as
    "inconclusive" (with ``trials_needed`` as the remedy) rather than flipping
    between pass and fail.

    Returns:
        "pass" if ``low >= threshold``; "fail" if ``high < threshold``;
        otherwise (or when a bound is missing) "inconclusive".
    """
    low, high = interval.low, interval.high
    if low is not None and low >= threshold:
        return "pass"
    if high is not None and high < threshold:
        return "fail"
    return "inconclusive"
