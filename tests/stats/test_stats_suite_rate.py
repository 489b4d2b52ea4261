"""The suite pass-rate interval (cluster_score): hand formulas, edges, and the cases that broke before."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evalkit.stats import pass_rate_estimate
from evalkit.stats.suite_rate import cc_wilson, suite_rate_bounds, summarise

Z95 = 1.959963984540054


def hand_cc_wilson(x: float, n: float, z: float) -> tuple[float, float]:
    """Newcombe (1998) method 4, written out from the paper."""
    p, q = x / n, 1 - x / n
    low = (2 * n * p + z * z - 1 - z * math.sqrt(z * z - 2 - 1 / n + 4 * p * (n * q + 1))) / (2 * (n + z * z))
    high = (2 * n * p + z * z + 1 + z * math.sqrt(z * z + 2 - 1 / n + 4 * p * (n * q - 1))) / (2 * (n + z * z))
    return (0.0 if x == 0 else low), (1.0 if x == n else high)


def hand_interval(counts: list[tuple[int, int]], z: float = Z95) -> tuple[float, float, float]:
    """docs/statistics.md step by step: (low, high, deff)."""
    rates = [c / n for c, n in counts]
    g = len(rates)
    p = sum(rates) / g
    s2 = sum((r - p) ** 2 for r in rates) / (g - 1)
    m = sum(r * (1 - r) for r in rates) / g
    n_h = g * g / sum(1 / n for _, n in counts)
    deff = min(max((s2 / g) / (p * (1 - p) / n_h), 1.0), n_h / g)
    low1, high1 = hand_cc_wilson(p * n_h / deff, n_h / deff, z)
    # spread unseen: (p - pi)^2 = z^2 (pi (1 - pi) - m) / (g - 1), a quadratic a pi^2 + b pi + c = 0
    k, m = z * z / (g - 1), m * (g - 1) / g
    a, b, c = 1 + k, -(2 * p + k), p * p + k * m
    root = math.sqrt(b * b - 4 * a * c)
    low2, high2 = (-b - root) / (2 * a), (-b + root) / (2 * a)
    return min(low1, low2), max(high1, high2), deff


def test_cc_wilson_matches_newcombe_table() -> None:
    # Newcombe (1998), Table II, method 4 (score with continuity correction).
    for (x, n), expected in {
        (81, 263): (0.2535, 0.3682),
        (15, 148): (0.0598, 0.1644),
        (0, 20): (0.0, 0.2005),
        (1, 29): (0.0018, 0.1963),
    }.items():
        low, high = cc_wilson(np.array([x / n]), np.array([float(n)]), Z95)
        assert (float(low[0]), float(high[0])) == pytest.approx(expected, abs=5e-5)


@pytest.mark.parametrize(
    "counts",
    [
        [(3, 5), (5, 5), (1, 5), (4, 5)],
        [(10, 10)] * 6 + [(6, 10)] * 6,
        [(2, 3), (3, 3), (0, 2), (7, 9), (1, 1)],  # unequal trial counts
        [(9, 10), (8, 10), (10, 10), (9, 10), (7, 10)],  # spread below binomial: deff = 1
    ],
)
def test_matches_the_hand_computation(counts: list[tuple[int, int]]) -> None:
    est = pass_rate_estimate({f"s{i}": c for i, c in enumerate(counts)})
    low, high, deff = hand_interval(counts)
    assert (est.low, est.high) == pytest.approx((low, high), abs=1e-12)
    assert est.deff == pytest.approx(
        deff * sum(n for _, n in counts) / (len(counts) ** 2 / sum(1 / n for _, n in counts))
    )
    assert est.mean == pytest.approx(np.mean([c / n for c, n in counts]))
    assert est.method == "cluster_score" and est.n_clusters == len(counts)


def test_no_spread_beyond_binomial_gives_wilson_over_all_trials_in_the_seen_part() -> None:
    counts = {f"s{i}": (c, 10) for i, c in enumerate([9, 9, 8, 9, 8])}
    est = pass_rate_estimate(counts)
    assert est.deff == 1.0 and est.n_eff == pytest.approx(50)
    seen = hand_cc_wilson(43, 50, Z95)
    assert est.low <= seen[0] and est.high >= seen[1]
    # one trial per scenario: no within-scenario variance, the unseen part is Wilson over G - 1
    one = pass_rate_estimate({f"s{i}": (int(i % 4 != 0), 1) for i in range(12)})
    p = 9 / 12
    k = Z95**2 / 11
    centre, half = (p + k / 2) / (1 + k), Z95 / (1 + k) * math.sqrt(p * (1 - p) / 11 + k / (4 * 11))
    assert one.low == pytest.approx(min(centre - half, hand_cc_wilson(9, 12, Z95)[0]))


@pytest.mark.parametrize("shape", [(10, 1), (10, 5), (1, 3), (40, 10)])
def test_all_passing_keeps_width_and_all_failing_too(shape: tuple[int, int]) -> None:
    g, n = shape
    up = pass_rate_estimate({f"s{i}": (n, n) for i in range(g)})
    down = pass_rate_estimate({f"s{i}": (0, n) for i in range(g)})
    assert up.high == 1.0 and 0.0 < up.low < 1.0
    assert down.low == 0.0 and 0.0 < down.high < 1.0
    assert up.low == pytest.approx(1 - down.high)  # symmetric
    # all passing: Wilson over G - 1 scenarios, however many trials each ran (unless the
    # continuity-corrected Wilson over all trials is wider, as with one trial per scenario)
    g1 = max(g - 1, 1)
    assert up.low == pytest.approx(min(g1 / (g1 + Z95**2), hand_cc_wilson(g * n, g * n, Z95)[0]))


def test_ten_single_trial_passes_no_longer_pass_any_threshold() -> None:
    est = pass_rate_estimate({f"s{i}": (1, 1) for i in range(10)})
    assert est.high == 1.0 and est.low < 0.8  # the old clustered t gave [1.0, 1.0]


def test_bounds_stay_inside_unit_interval_and_around_the_mean() -> None:
    rng = np.random.default_rng(3)
    for _ in range(300):
        g = int(rng.integers(1, 15))
        n = rng.integers(1, 12, size=g)
        c = rng.binomial(n, rng.beta(0.7, 0.3, size=g))
        est = pass_rate_estimate({f"s{i}": (int(c[i]), int(n[i])) for i in range(g)}, 0.9)
        assert 0.0 <= est.low <= est.mean <= est.high <= 1.0
        assert est.high - est.low > 0
        assert est.deff >= 1.0 and est.n_eff >= g * (1 - 1e-9)


def test_failures_in_an_all_passing_suite_never_raise_the_lower_bound() -> None:
    for g in (3, 5, 10, 30):
        for n in (1, 3, 10):
            counts = {f"s{i}": (n, n) for i in range(g)}
            before = pass_rate_estimate(counts).low
            for flips in range(1, n + 1):
                counts["s0"] = (n - flips, n)
                now = pass_rate_estimate(counts).low
                assert now <= before + 1e-12, (g, n, flips)
                before = now


def test_more_trials_at_the_same_rates_cannot_beat_scenario_spread() -> None:
    # half the scenarios always pass, half pass 60%: 120 or 1,200 trials give the same interval
    few = pass_rate_estimate({f"s{i}": (10 if i < 6 else 6, 10) for i in range(12)})
    many = pass_rate_estimate({f"s{i}": (100 if i < 6 else 60, 100) for i in range(12)})
    assert few.low < 0.7 and many.low < 0.7
    assert many.low == pytest.approx(few.low, abs=0.02)
    assert many.deff > few.deff > 1


def test_vectorised_core_equals_the_scalar_estimate() -> None:
    rng = np.random.default_rng(11)
    n = np.full((50, 7), 4)
    passes = rng.binomial(4, rng.beta(2, 1, size=(50, 7)))
    bounds = suite_rate_bounds(summarise(passes, n), Z95)
    for row in range(50):
        est = pass_rate_estimate({f"s{i}": (int(passes[row, i]), 4) for i in range(7)})
        assert (est.low, est.high) == (float(bounds.low[row]), float(bounds.high[row]))


def test_min_clusters_is_accepted_and_ignored() -> None:
    counts = {f"s{i}": (i % 4, 3) for i in range(12)}
    assert pass_rate_estimate(counts, 0.9, min_clusters=13) == pass_rate_estimate(counts, 0.9)
