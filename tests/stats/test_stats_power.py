import math

import pytest

from evalkit.stats import minimum_detectable_effect, trials_needed

Z95 = 1.959963984540054
Z80 = 0.8416212335729143


def test_mde_hand_values():
    assert minimum_detectable_effect(50) == pytest.approx((Z95 + Z80) * math.sqrt(2 * 0.25 / 50))
    assert minimum_detectable_effect(50, paired=True) == pytest.approx((Z95 + Z80) * math.sqrt(0.25 / 50))
    assert minimum_detectable_effect(50, paired=True, rho=0.0) == pytest.approx(minimum_detectable_effect(50))
    assert minimum_detectable_effect(200, p=0.9, alpha=0.01, power=0.9) == pytest.approx(
        (2.5758293035489004 + 1.2815515655446004) * math.sqrt(2 * 0.09 / 200))


def test_mde_properties():
    assert minimum_detectable_effect(400) == pytest.approx(minimum_detectable_effect(100) / 2)
    assert minimum_detectable_effect(100, p=0.9) < minimum_detectable_effect(100, p=0.5)
    assert minimum_detectable_effect(100, power=0.9) > minimum_detectable_effect(100, power=0.8)
    assert minimum_detectable_effect(10, p=1.0) == 0.0
    with pytest.raises(ValueError):
        minimum_detectable_effect(0)
    with pytest.raises(ValueError):
        minimum_detectable_effect(10, p=1.5)


def _scan(p, threshold, z, wilson, limit=6000):
    for n in range(1, limit):
        low, high = wilson(p, n, z)
        if (low >= threshold) if p > threshold else (high < threshold):
            return n
    return None


@pytest.mark.parametrize("p,threshold", [(0.9, 0.8), (0.85, 0.8), (0.5, 0.8), (0.7, 0.75),
                                         (1.0, 0.9), (0.0, 0.05), (0.3, 0.1), (0.95, 0.7),
                                         (0.05, 0.2), (0.99, 0.98)])
def test_trials_needed_is_the_smallest_conclusive_n(p, threshold, wilson):
    n = trials_needed(p, threshold)
    assert n is not None and n == _scan(p, threshold, Z95, wilson)


def test_trials_needed_grows_with_confidence_and_closeness():
    assert trials_needed(0.9, 0.8, 0.99) > trials_needed(0.9, 0.8, 0.9)
    assert trials_needed(0.85, 0.8) > trials_needed(0.9, 0.8)


def test_trials_needed_when_nothing_helps():
    assert trials_needed(0.8, 0.8) is None
    assert trials_needed(1.0, 1.0) is None   # Wilson's lower bound never reaches 1
    assert trials_needed(0.0, 0.0) is None
    with pytest.raises(ValueError):
        trials_needed(1.2, 0.5)
