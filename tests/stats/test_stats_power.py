import math

import numpy as np
import pytest

from evalkit.stats import gate_decision, minimum_detectable_effect, pass_rate_estimate, settle_advice, trials_needed

Z95 = 1.959963984540054
Z80 = 0.8416212335729143


def test_mde_hand_values():
    assert minimum_detectable_effect(50) == pytest.approx((Z95 + Z80) * math.sqrt(2 * 0.25 / 50))
    assert minimum_detectable_effect(50, paired=True) == pytest.approx((Z95 + Z80) * math.sqrt(0.25 / 50))
    assert minimum_detectable_effect(50, paired=True, rho=0.0) == pytest.approx(minimum_detectable_effect(50))
    assert minimum_detectable_effect(200, p=0.9, alpha=0.01, power=0.9) == pytest.approx(
        (2.5758293035489004 + 1.2815515655446004) * math.sqrt(2 * 0.09 / 200)
    )


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


@pytest.mark.parametrize(
    "p,threshold",
    [
        (0.9, 0.8),
        (0.85, 0.8),
        (0.5, 0.8),
        (0.7, 0.75),
        (1.0, 0.9),
        (0.0, 0.05),
        (0.3, 0.1),
        (0.95, 0.7),
        (0.05, 0.2),
        (0.99, 0.98),
    ],
)
def test_trials_needed_is_the_smallest_conclusive_n(p, threshold, wilson):
    n = trials_needed(p, threshold)
    assert n is not None and n == _scan(p, threshold, Z95, wilson)


def test_trials_needed_grows_with_confidence_and_closeness():
    assert trials_needed(0.9, 0.8, 0.99) > trials_needed(0.9, 0.8, 0.9)
    assert trials_needed(0.85, 0.8) > trials_needed(0.9, 0.8)


def test_trials_needed_when_nothing_helps():
    assert trials_needed(0.8, 0.8) is None
    assert trials_needed(1.0, 1.0) is None  # Wilson's lower bound never reaches 1
    assert trials_needed(0.0, 0.0) is None
    with pytest.raises(ValueError):
        trials_needed(1.2, 0.5)


def _mix(fractions: dict[float, int], trials: int) -> dict[str, tuple[int, int]]:
    """{rate: scenarios} -> counts with that many scenarios at that rate."""
    out, i = {}, 0
    for rate, count in fractions.items():
        for _ in range(count):
            out[f"s{i}"] = (round(rate * trials), trials)
            i += 1
    return out


def test_scenario_spread_asks_for_scenarios_not_trials():
    # The class of case: trials_needed promised ~81 trials for a gate 1,200 do not settle.
    counts = _mix({1.0: 6, 0.6: 6}, 10)
    assert trials_needed(0.8, 0.7) < 120
    advice = settle_advice(counts, 0.7)
    assert advice.kind == "scenarios" and advice.trials_per_scenario == 10
    assert "more scenarios would settle it: ~" in advice.text and "cannot settle it" in advice.text
    assert gate_decision(pass_rate_estimate(_mix({1.0: 6, 0.6: 6}, 100)), 0.7) == "inconclusive"
    # the advised number of scenarios, same mix of rates, does settle it; a third as many does not
    g = advice.scenarios + advice.scenarios % 2
    assert gate_decision(pass_rate_estimate(_mix({1.0: g // 2, 0.6: g // 2}, 10)), 0.7) == "pass"
    third = (g // 3) + (g // 3) % 2
    assert gate_decision(pass_rate_estimate(_mix({1.0: third // 2, 0.6: third // 2}, 10)), 0.7) == "inconclusive"


def test_trial_noise_asks_for_trials_and_the_projection_is_honest():
    # 20 scenarios, all at 3/5: the spread is binomial noise, so trials help
    counts = _mix({0.6: 20}, 5)
    advice = settle_advice(counts, 0.52)
    assert advice.kind == "trials" and advice.scenarios == 20 and advice.trials_per_scenario > 5
    assert f"about {advice.trials_per_scenario} valid trials per scenario would settle it" in advice.text
    # simulate suites of 20 scenarios at rate 0.6: the advice is a point projection (a suite showing
    # exactly these rates would settle), not a power calculation, so about a third settle at K
    rng = np.random.default_rng(2)

    def settled(k: int) -> float:
        hits = 0
        for _ in range(200):
            c = rng.binomial(k, 0.6, size=20)
            hits += gate_decision(pass_rate_estimate({f"s{i}": (int(x), k) for i, x in enumerate(c)}), 0.52) == "pass"
        return hits / 200

    at_k = settled(advice.trials_per_scenario)
    assert at_k >= 0.25
    assert settled(max(1, advice.trials_per_scenario // 3)) < at_k < settled(3 * advice.trials_per_scenario)


def test_all_passing_suite_needs_scenarios():
    advice = settle_advice({f"s{i}": (5, 5) for i in range(10)}, 0.8)
    assert advice.kind == "scenarios"
    g = advice.scenarios
    assert gate_decision(pass_rate_estimate({f"s{i}": (5, 5) for i in range(g)}), 0.8) == "pass"
    assert gate_decision(pass_rate_estimate({f"s{i}": (5, 5) for i in range(g - 1)}), 0.8) == "inconclusive"


def test_advice_when_nothing_settles_it():
    assert settle_advice({"a": (4, 5), "b": (4, 5)}, 0.8).kind == "never"
    assert settle_advice({"a": (0, 0)}, 0.5).text == "no valid trials to extrapolate from"
    assert settle_advice({"a": (3, 3)}, 1.0).kind == "never"
    with pytest.raises(ValueError):
        settle_advice({"a": (1, 2)}, 1.5)
