"""Unbiased pass@k and pass^k, per scenario and averaged over a suite.

pass@k ("at least one of k tries passes", Chen et al. 2021) and pass^k ("all
k tries pass", tau-bench) are estimated from n trials with c passes without
bias by counting k-subsets, rather than by plugging in (c/n)**k.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from math import comb

from pydantic import BaseModel, ConfigDict

Counts = Mapping[str, tuple[int, int]] | Sequence[tuple[int, int]]


def _check(n: int, c: int, k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if n < 0 or c < 0 or c > n:
        raise ValueError(f"need 0 <= c <= n, got n={n}, c={c}")
    if k > n:
        raise ValueError(f"k={k} exceeds the number of trials n={n}; pass@k needs n >= k")


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k trials passes: ``1 - C(n-c, k) / C(n, k)``.

    Use it to ask "would the agent get it right within k attempts?".

    Args:
        n: Valid trials of the scenario.
        c: Passing trials among them.
        k: Attempts, 1 <= k <= n.

    Raises:
        ValueError: If k > n, k < 1, or the counts are inconsistent.
    """
    _check(n, c, k)
    total = comb(n, k)
    return (total - comb(n - c, k)) / total  # exact integers, one rounding


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Probability that all of k trials pass: ``C(c, k) / C(n, k)`` (tau-bench's pass^k).

    Use it for reliability: an agent that must succeed every time a user asks.

    Args:
        n: Valid trials of the scenario.
        c: Passing trials among them.
        k: Attempts, 1 <= k <= n.

    Raises:
        ValueError: If k > n, k < 1, or the counts are inconsistent.
    """
    _check(n, c, k)
    return comb(c, k) / comb(n, k)


class SuitePassK(BaseModel):
    """Suite-level pass@k or pass^k: the mean over scenarios with at least k trials."""

    model_config = ConfigDict(frozen=True)

    value: float | None  # None when no scenario had n >= k
    k: int
    n_scenarios: int  # scenarios that entered the mean
    excluded: list[str]  # scenarios with fewer than k valid trials (index as str for sequences)


def mean_pass_at_k(per_scenario: Counts, k: int) -> SuitePassK:
    """Mean of per-scenario pass@k (each scenario weighs the same).

    Scenarios with fewer than k valid trials cannot be estimated without bias;
    they are left out of the mean and listed in ``excluded`` so the caller can
    report them instead of silently shrinking the suite.

    Args:
        per_scenario: ``{scenario_id: (n, c)}`` or a list of ``(n, c)``.
        k: Attempts.
    """
    return _suite_mean(per_scenario, k, pass_at_k)


def mean_pass_hat_k(per_scenario: Counts, k: int) -> SuitePassK:
    """Mean of per-scenario pass^k; scenarios with n < k are excluded as in ``mean_pass_at_k``."""
    return _suite_mean(per_scenario, k, pass_hat_k)


def _suite_mean(per_scenario: Counts, k: int, estimator: Callable[[int, int, int], float]) -> SuitePassK:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    items = (
        per_scenario.items()
        if isinstance(per_scenario, Mapping)
        else ((str(i), nc) for i, nc in enumerate(per_scenario))
    )
    values: list[float] = []
    excluded: list[str] = []
    for name, (n, c) in items:
        if n < k:
            excluded.append(name)
        else:
            values.append(estimator(n, c, k))
    value = sum(values) / len(values) if values else None
    return SuitePassK(value=value, k=k, n_scenarios=len(values), excluded=excluded)
