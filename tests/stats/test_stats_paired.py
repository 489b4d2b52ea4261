import numpy as np
import pytest
from scipy import stats as sps

from evalkit.stats import (
    DiffEstimate,
    mcnemar_exact,
    non_inferiority,
    paired_bootstrap_diff,
    paired_pass_fail_test,
    sign_flip_p_value,
)


@pytest.mark.parametrize("b,c", [(0, 1), (1, 0), (3, 3), (10, 2), (2, 10), (0, 7), (25, 14), (100, 130), (1, 40)])
def test_mcnemar_matches_scipy_binomtest(b, c):
    expected = sps.binomtest(b, b + c, 0.5, alternative="two-sided").pvalue
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-12)


def test_mcnemar_hand_values_and_edges():
    assert mcnemar_exact(10, 2) == pytest.approx(2 * (1 + 12 + 66) / 4096)
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(4, 4) == 1.0
    assert mcnemar_exact(0, 5) == pytest.approx(2 / 32)
    # large n stays exact (integer arithmetic), no overflow
    assert mcnemar_exact(900, 1100) == pytest.approx(sps.binomtest(900, 2000, 0.5).pvalue, rel=1e-9)
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 2)


def test_paired_pass_fail_table():
    pairs = [(True, True)] * 4 + [(False, False)] * 3 + [(True, False)] * 6 + [(False, True)] * 1
    res = paired_pass_fail_test(pairs)
    assert (res.n_pairs, res.both_pass, res.both_fail, res.b, res.c) == (14, 4, 3, 6, 1)
    assert res.p_value == pytest.approx(sps.binomtest(6, 7, 0.5).pvalue)
    assert paired_pass_fail_test([]).p_value == 1.0


@pytest.mark.parametrize("n", [2, 3, 5, 9, 14])
def test_sign_flip_exact_matches_scipy_permutation_test(n):
    diffs = np.random.default_rng(n).normal(0.1, 0.2, size=n)
    expected = sps.permutation_test(
        (diffs,), np.mean, permutation_type="samples", alternative="two-sided", n_resamples=np.inf
    ).pvalue
    assert sign_flip_p_value(diffs) == pytest.approx(expected)


def test_sign_flip_hand_values_and_monte_carlo():
    assert sign_flip_p_value(np.array([1.0, 2.0, 3.0])) == pytest.approx(2 / 8)
    assert sign_flip_p_value(np.zeros(5)) == 1.0
    big = np.full(40, 0.3)
    assert sign_flip_p_value(big, 500, seed=1) == pytest.approx(1 / 501)
    noise = np.random.default_rng(2).normal(0, 1, size=40)
    assert sign_flip_p_value(noise, 500, seed=1) == sign_flip_p_value(noise, 500, seed=1) > 0.05


A = {"s1": [0.5, 0.7], "s2": [0.2], "s3": [0.9, 1.0, 0.8], "s4": [0.4, 0.4], "old": [1.0]}
B = {"s1": [0.6, 0.8], "s2": [0.5], "s3": [0.9, 0.9, 0.9], "s4": [0.3, 0.7], "new": [0.0], "e": []}


def test_paired_diff_is_b_minus_a_on_shared_scenarios():
    res = paired_bootstrap_diff(A, B, n_resamples=500, seed=0)
    diffs = np.array([0.1, 0.3, 0.0, 0.1])
    assert res.mean_diff == pytest.approx(diffs.mean())
    assert res.mean_a == pytest.approx(np.mean([0.6, 0.2, 0.9, 0.4]))
    assert res.mean_b == pytest.approx(np.mean([0.7, 0.5, 0.9, 0.5]))
    assert (res.n_pairs, res.dropped_a, res.dropped_b) == (4, ["old"], ["new"])
    assert res.method == "paired_cluster_t"
    # exact over 16 sign patterns: |mean| reaches 0.125 only when the nonzero diffs share a sign
    assert res.p_value == pytest.approx(4 / 16)
    half = sps.t.ppf(0.975, 3) * diffs.std(ddof=1) / 2  # t interval over the 4 differences
    assert (res.low, res.high) == pytest.approx((diffs.mean() - half, diffs.mean() + half))
    flipped = paired_bootstrap_diff(B, A, n_resamples=500, seed=0)
    assert flipped.mean_diff == pytest.approx(-res.mean_diff)
    assert flipped.dropped_a == ["new"]


def test_paired_diff_is_deterministic_per_seed():
    one = paired_bootstrap_diff(A, B, n_resamples=300, seed=5)
    assert one == paired_bootstrap_diff(A, B, n_resamples=300, seed=5)
    # the t interval does not depend on the seed; the one-scenario bootstrap does
    assert (one.low, one.high) == (lambda o: (o.low, o.high))(paired_bootstrap_diff(A, B, n_resamples=300, seed=6))
    single = [
        paired_bootstrap_diff({"s": [0.1, 0.5, 0.9]}, {"s": [0.3, 0.4, 1.0]}, n_resamples=300, seed=s) for s in (5, 6)
    ]
    assert (single[0].se, single[0].low, single[0].high) != (single[1].se, single[1].low, single[1].high)


def test_paired_interval_matches_scipy_t_interval():
    rng = np.random.default_rng(3)
    base = rng.uniform(0.2, 0.9, size=30)
    a = {str(i): [v] for i, v in enumerate(base)}
    b = {str(i): [v + d] for i, (v, d) in enumerate(zip(base, rng.gamma(1.0, 0.1, size=30), strict=True))}
    diffs = np.array([b[k][0] - a[k][0] for k in a])
    ref = sps.ttest_1samp(diffs, 0.0).confidence_interval(confidence_level=0.9)
    res = paired_bootstrap_diff(a, b, confidence=0.9, n_resamples=4000, seed=0)
    assert (res.low, res.high) == pytest.approx((ref.low, ref.high), abs=1e-6)
    assert res.se == pytest.approx(sps.sem(diffs))
    assert res.p_value < 0.01


def test_paired_interval_is_wider_than_a_percentile_bootstrap_with_few_scenarios():
    """The percentile bootstrap covered 0.69 at 5 scenarios (bench/claims_coverage.py); the t interval is wider."""
    diffs = np.array([0.0, -1 / 3, 0.0, -2 / 3, 1 / 3])
    a = {str(i): [1.0, 1.0, 1.0] for i in range(5)}
    b = {str(i): [1.0] * round(3 + 3 * d) + [0.0] * round(-3 * d) for i, d in enumerate(diffs)}
    res = paired_bootstrap_diff(a, b, n_resamples=4000, seed=0)
    boot = sps.bootstrap((diffs,), np.mean, n_resamples=4000, method="percentile", random_state=0).confidence_interval
    assert res.low < boot.low and res.high > boot.high
    assert res.high - res.low > 1.2 * (boot.high - boot.low)


def test_paired_interval_is_clipped_to_the_range_of_pass_rate_differences():
    two = paired_bootstrap_diff({"x": [1.0], "y": [1.0]}, {"x": [0.0], "y": [1.0]})
    assert (two.low, two.high) == (-1.0, 1.0)  # t_1 = 12.7 would reach -6.9 and 5.9
    scores = paired_bootstrap_diff({"x": [5.0], "y": [5.0]}, {"x": [1.0], "y": [5.0]})
    assert scores.low < -4.0  # scores outside [0, 1]: no [-1, 1] clip


def test_paired_diff_edges():
    none = paired_bootstrap_diff({"a": [1.0]}, {"b": [1.0]})
    assert none.mean_diff is None and none.n_pairs == 0 and none.low is None
    assert non_inferiority(none, 0.1) == "inconclusive"
    single = paired_bootstrap_diff({"a": [0.2, 0.4, 0.3]}, {"a": [0.8, 0.9, 0.7]}, n_resamples=300)
    assert single.method == "single_scenario_bootstrap" and single.p_value is None
    assert single.mean_diff == pytest.approx(0.5) and 0.3 <= single.low < single.high <= 0.7
    same = paired_bootstrap_diff({"a": [0.5], "b": [0.1]}, {"a": [0.5], "b": [0.1]}, n_resamples=50)
    assert (same.mean_diff, same.low, same.high, same.p_value) == (0.0, 0.0, 0.0, 1.0)


def _diff(low, high):
    return DiffEstimate(
        mean_diff=(low + high) / 2,
        low=low,
        high=high,
        se=None,
        p_value=None,
        confidence=0.95,
        n_pairs=10,
        mean_a=0.5,
        mean_b=0.5,
        dropped_a=[],
        dropped_b=[],
        method="paired_cluster_t",
    )


@pytest.mark.parametrize(
    "low,high,expected",
    [
        (-0.04, 0.03, "non_inferior"),
        (0.01, 0.2, "non_inferior"),
        (-0.05, 0.02, "inconclusive"),  # lower bound exactly at -margin is not enough
        (-0.2, 0.01, "inconclusive"),
        (-0.3, -0.06, "inferior"),
        (-0.3, -0.05, "inconclusive"),
    ],
)
def test_non_inferiority_verdicts(low, high, expected):
    assert non_inferiority(_diff(low, high), 0.05) == expected


def test_non_inferiority_end_to_end_and_margin_check():
    ref = {f"s{i}": [0.8, 0.82] for i in range(20)}
    close = {f"s{i}": [0.79, 0.81 + 0.01 * (i % 2)] for i in range(20)}
    worse = {f"s{i}": [0.4, 0.45] for i in range(20)}
    assert non_inferiority(paired_bootstrap_diff(ref, close, n_resamples=300), 0.05) == "non_inferior"
    assert non_inferiority(paired_bootstrap_diff(ref, worse, n_resamples=300), 0.05) == "inferior"
    noisy = {f"s{i}": [0.8 - 0.5 * (i % 2)] for i in range(4)}
    assert non_inferiority(paired_bootstrap_diff(ref, noisy, n_resamples=300), 0.1) == "inconclusive"
    with pytest.raises(ValueError, match="margin"):
        non_inferiority(_diff(0, 1), -0.1)


def test_sign_flip_min_p_value_is_what_the_test_can_return():
    from evalkit.stats import sign_flip_min_p_value

    for n in range(2, 10):
        smallest = sign_flip_min_p_value(n)
        assert sign_flip_p_value(np.ones(n)) == pytest.approx(smallest) == pytest.approx(2 / 2**n)
        rng = np.random.default_rng(n)
        for _ in range(20):
            assert sign_flip_p_value(rng.normal(size=n)) >= smallest - 1e-12
    assert sign_flip_p_value(np.ones(17), 500, seed=3) == pytest.approx(sign_flip_min_p_value(17, 500))
    assert sign_flip_min_p_value(1) is None and sign_flip_min_p_value(0) is None


def test_a_total_collapse_over_few_scenarios_cannot_be_significant():
    from evalkit.stats import paired_test_can_reach, sign_flip_min_pairs

    collapse = paired_bootstrap_diff({k: [1.0] * 3 for k in "abcde"}, {k: [0.0] * 3 for k in "abcde"})
    assert collapse.mean_diff == -1.0 and collapse.p_value > 0.05  # the reason the helper exists
    assert not paired_test_can_reach(5, 0.95) and paired_test_can_reach(6, 0.95)
    assert not paired_test_can_reach(1, 0.5)
    assert sign_flip_min_pairs(0.95) == 6 and sign_flip_min_pairs(0.99) == 8 and sign_flip_min_pairs(0.8) == 4
    assert sign_flip_min_pairs(0.9999) == 15  # 2 / 2**15 < 1e-4
    assert sign_flip_min_pairs(0.99999) is None  # 2 / 2**16 and 1 / 2001 are both > 1e-5
    assert sign_flip_min_pairs(0.99999, n_resamples=10**6) == 17
