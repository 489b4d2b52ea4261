"""Judge noise vs agent noise: the nested variance decomposition and its advice."""

import numpy as np
import pytest

from evalkit.stats.variance_share import VarianceShareConfig, variance_share


def _planted(rng, agent_sd, judge_sd, scenarios=20, trials=5, readings=(3,)):
    data = {}
    for s in range(scenarios):
        base = rng.normal(0.6, 0.2)
        rows = []
        for _ in range(trials):
            true = base + rng.normal(0, agent_sd)
            k = int(rng.choice(readings))
            rows.append((true + rng.normal(0, judge_sd, k)).tolist())
        data[f"s{s}"] = rows
    return data


def test_balanced_design_matches_the_classical_nested_anova():
    rng = np.random.default_rng(0)
    data = _planted(rng, 0.2, 0.1, scenarios=4, trials=3, readings=(2,))
    y = np.array(list(data.values()))  # scenarios x trials x readings
    g, t, k = y.shape
    ms_within = np.sum((y - y.mean(axis=2, keepdims=True)) ** 2) / (g * t * (k - 1))
    trial_means = y.mean(axis=2)
    ms_trial = k * np.sum((trial_means - trial_means.mean(axis=1, keepdims=True)) ** 2) / (g * (t - 1))
    got = variance_share(data)
    assert got.judge_variance == pytest.approx(ms_within)
    assert got.agent_variance == pytest.approx(max(0.0, (ms_trial - ms_within) / k))
    assert (got.judge_df, got.trial_df, got.readings_per_trial) == (g * t * (k - 1), g * (t - 1), 2)
    share = (ms_within / k) / (got.agent_variance + ms_within / k)
    assert got.judge_share_trial == pytest.approx(share)


def test_components_are_unbiased_with_unequal_readings_per_trial():
    rng = np.random.default_rng(1)
    fits = [variance_share(_planted(rng, 0.2, 0.3, readings=(2, 3, 5))) for _ in range(150)]
    assert np.mean([f.judge_variance for f in fits]) == pytest.approx(0.09, rel=0.05)
    assert np.mean([f.agent_variance for f in fits]) == pytest.approx(0.04, rel=0.12)


def test_advice_follows_the_judges_share():
    rng = np.random.default_rng(2)
    noisy_judge = variance_share(_planted(rng, 0.05, 0.4, readings=(2,)))
    assert noisy_judge.advice == "add_judge_samples" and noisy_judge.judge_share_trial > 0.5
    noisy_agent = variance_share(_planted(rng, 0.4, 0.05, readings=(2,)))
    assert noisy_agent.advice == "add_trials_or_scenarios" and noisy_agent.judge_share_trial < 0.1
    assert "add trials or scenarios" in noisy_agent.message
    middling = _planted(rng, 0.2, 0.3, readings=(2,))
    share = variance_share(middling).judge_share_trial
    assert 0.1 < share < 0.9
    assert variance_share(middling, VarianceShareConfig(large_share=share - 0.05)).advice == "add_judge_samples"
    assert variance_share(middling, VarianceShareConfig(large_share=share + 0.05)).advice != "add_judge_samples"


def test_more_readings_shrink_the_judges_share_of_a_trial_score():
    rng = np.random.default_rng(3)
    two = variance_share(_planted(rng, 0.2, 0.3, scenarios=60, readings=(2,)))
    eight = variance_share(_planted(rng, 0.2, 0.3, scenarios=60, readings=(8,)))
    assert eight.judge_share_trial < two.judge_share_trial
    assert eight.judge_share_reading == pytest.approx(two.judge_share_reading, abs=0.15)


def test_binary_readings_and_degenerate_inputs():
    binary = {"a": [[1, 1, 0], [0, 0, 0]], "b": [[1, 1, 1], [1, 0, 1]]}
    got = variance_share(binary)
    assert got.judge_variance == pytest.approx((2 / 3 + 0 + 0 + 2 / 3) / 8)
    assert variance_share({"a": [[1], [0]], "b": [[1], [1]]}).advice == "not_enough_data"  # one reading each
    assert variance_share({"a": [[1, 0]], "b": [[1, 1]]}).advice == "not_enough_data"  # one trial each
    flat = variance_share({"a": [[1, 1], [1, 1]]})
    assert flat.advice == "add_trials_or_scenarios" and flat.judge_share_trial is None
