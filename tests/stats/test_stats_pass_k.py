from itertools import combinations
from math import comb

import pytest

from evalkit.stats import mean_pass_at_k, mean_pass_hat_k, pass_at_k, pass_hat_k


def brute_force(n: int, c: int, k: int) -> tuple[float, float]:
    """Average over every k-subset of n trials: P(any passes), P(all pass)."""
    trials = [True] * c + [False] * (n - c)
    subsets = list(combinations(trials, k))
    return (sum(any(s) for s in subsets) / len(subsets), sum(all(s) for s in subsets) / len(subsets))


@pytest.mark.parametrize("n", range(1, 9))
def test_pass_k_equals_subset_enumeration(n):
    for c in range(n + 1):
        for k in range(1, n + 1):
            at, hat = brute_force(n, c, k)
            assert pass_at_k(n, c, k) == pytest.approx(at, abs=1e-12)
            assert pass_hat_k(n, c, k) == pytest.approx(hat, abs=1e-12)


def test_pass_k_hand_values():
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - 3 / 10)
    assert pass_hat_k(5, 2, 2) == pytest.approx(1 / 10)
    assert pass_hat_k(10, 8, 3) == pytest.approx(comb(8, 3) / comb(10, 3))  # 56/120
    assert pass_at_k(7, 3, 1) == pass_hat_k(7, 3, 1) == 3 / 7
    # pass^k is unbiased, not the plug-in (c/n)**k
    assert pass_hat_k(4, 2, 2) == pytest.approx(1 / 6) and (2 / 4) ** 2 == 0.25


def test_pass_k_edges():
    assert pass_at_k(5, 0, 3) == 0.0 and pass_hat_k(5, 0, 3) == 0.0
    assert pass_at_k(5, 5, 3) == 1.0 and pass_hat_k(5, 5, 3) == 1.0
    assert pass_at_k(5, 3, 3) == 1.0  # only 2 failures: every 3-subset has a pass
    assert pass_hat_k(5, 2, 3) == 0.0  # only 2 passes: no 3-subset is all-pass
    assert pass_at_k(1000, 1, 1000) == 1.0


@pytest.mark.parametrize(
    "n,c,k,match", [(3, 1, 4, "exceeds"), (3, 1, 0, "k must"), (3, 4, 1, "c <= n"), (3, -1, 1, "c <= n")]
)
def test_pass_k_rejects_bad_arguments(n, c, k, match):
    with pytest.raises(ValueError, match=match):
        pass_at_k(n, c, k)
    with pytest.raises(ValueError, match=match):
        pass_hat_k(n, c, k)


def test_suite_means_weigh_scenarios_equally_and_exclude_short_ones():
    counts = {"a": (5, 5), "b": (10, 5), "short": (2, 2)}
    at = mean_pass_at_k(counts, 3)
    assert at.value == pytest.approx((1.0 + pass_at_k(10, 5, 3)) / 2)
    assert at.n_scenarios == 2 and at.excluded == ["short"] and at.k == 3
    hat = mean_pass_hat_k(counts, 3)
    assert hat.value == pytest.approx((1.0 + comb(5, 3) / comb(10, 3)) / 2)
    as_list = mean_pass_hat_k([(5, 5), (2, 2), (10, 5)], 3)
    assert as_list.value == pytest.approx(hat.value) and as_list.excluded == ["1"]


def test_suite_means_without_eligible_scenarios():
    assert mean_pass_at_k({"a": (1, 1)}, 2).value is None
    assert mean_pass_hat_k([], 1).n_scenarios == 0
    with pytest.raises(ValueError):
        mean_pass_at_k({"a": (3, 3)}, 0)
    with pytest.raises(ValueError):
        mean_pass_hat_k({"a": (3, 4)}, 1)  # inconsistent counts are still errors
