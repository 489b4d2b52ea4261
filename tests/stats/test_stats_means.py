import math

import numpy as np
import pytest
from scipy import stats as sps

from evalkit.stats import bootstrap_mean_ci, clustered_mean, pass_rate_estimate

DATA = {"a": [1.0, 0.0, 1.0], "b": [0.5], "c": [0.2, 0.4], "d": [0.9, 0.8, 0.7, 1.0]}


def cr1_sandwich(data: dict[str, list[float]]) -> tuple[float, float]:
    """Weighted least squares of y on a constant, weight 1/n_g, CR1 cluster-robust variance."""
    y = np.concatenate([np.asarray(v, float) for v in data.values()])
    w = np.concatenate([np.full(len(v), 1.0 / len(v)) for v in data.values()])
    groups = np.concatenate([np.full(len(v), g) for g, v in enumerate(data.values())])
    beta = np.sum(w * y) / np.sum(w)
    scores = np.array([np.sum((w * (y - beta))[groups == g]) for g in range(len(data))])
    n_clusters = len(data)
    var = n_clusters / (n_clusters - 1) * np.sum(scores**2) / np.sum(w) ** 2
    return float(beta), math.sqrt(var)


def test_clustered_mean_matches_cr1_sandwich_and_scipy_t():
    est = clustered_mean(DATA, 0.95)
    beta, se = cr1_sandwich(DATA)
    assert est.mean == pytest.approx(beta) and est.se == pytest.approx(se)
    half = sps.t.ppf(0.975, df=3) * se
    assert (est.low, est.high) == pytest.approx((beta - half, beta + half))
    assert (est.n_clusters, est.n_obs, est.method) == (4, 10, "cluster_t")


def test_clustered_mean_averages_scenarios_first():
    # one big easy scenario must not swamp nine small hard ones
    data = {"big": [1.0] * 100, **{f"s{i}": [0.0] for i in range(9)}}
    est = clustered_mean(data)
    assert est.mean == pytest.approx(0.1)
    assert est.se == pytest.approx(np.std([1.0] + [0.0] * 9, ddof=1) / math.sqrt(10))


def test_clustered_mean_hand_computed():
    # cluster means 0.5, 0.7, 0.9 -> mean 0.7, sd 0.2, se 0.2/sqrt(3); t(0.975, 2) = 4.302653
    est = clustered_mean({"x": [0.4, 0.6], "y": [0.7], "z": [1.0, 0.8, 0.9]})
    assert est.mean == pytest.approx(0.7)
    assert est.se == pytest.approx(0.2 / math.sqrt(3))
    assert est.high - est.mean == pytest.approx(4.302652729749464 * 0.2 / math.sqrt(3))


def test_single_cluster_uses_its_trials():
    est = clustered_mean({"only": [0.2, 0.4, 0.9]}, 0.9)
    values = np.array([0.2, 0.4, 0.9])
    se = values.std(ddof=1) / math.sqrt(3)
    assert est.method == "single_cluster_t" and est.n_clusters == 1
    assert est.se == pytest.approx(se)
    assert est.low == pytest.approx(values.mean() - sps.t.ppf(0.95, 2) * se)


def test_degenerate_inputs():
    one = clustered_mean({"only": [0.7]})
    assert one.mean == 0.7 and one.se is None and one.low is None and one.high is None
    empty = clustered_mean({"a": [], "b": []})
    assert empty.mean is None and empty.n_clusters == 0 and empty.n_obs == 0
    # empty clusters are ignored, not counted as zeros
    assert clustered_mean({"a": [1.0], "b": [0.0], "c": []}).n_clusters == 2
    assert clustered_mean({"a": [1.0], "b": [0.0], "c": []}).mean == 0.5
    with pytest.raises(ValueError, match="confidence"):
        clustered_mean(DATA, 1.5)


def test_interval_properties():
    narrow, wide = clustered_mean(DATA, 0.8), clustered_mean(DATA, 0.99)
    assert wide.low < narrow.low < narrow.mean < narrow.high < wide.high
    boot_n, boot_w = bootstrap_mean_ci(DATA, 0.8, 300), bootstrap_mean_ci(DATA, 0.99, 300)
    assert boot_w.low <= boot_n.low <= boot_n.mean <= boot_n.high <= boot_w.high


def test_cluster_t_coverage_with_few_clusters():
    # 6 clusters: a z interval would cover ~0.89; the t interval must cover ~0.95.
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(800):
        effects = rng.normal(0.5, 0.2, size=6)
        data = {str(g): list(e + rng.normal(0, 0.05, size=3)) for g, e in enumerate(effects)}
        est = clustered_mean(data, 0.95)
        covered += est.low <= 0.5 <= est.high
    assert 0.92 <= covered / 800 <= 0.98


def test_bootstrap_is_seeded_and_resamples_clusters():
    data = {f"s{i}": [float(i % 3 == 0), 0.5 + 0.01 * i] for i in range(12)}
    first, again = bootstrap_mean_ci(data, n_resamples=400, seed=3), bootstrap_mean_ci(data, n_resamples=400, seed=3)
    assert first == again
    assert bootstrap_mean_ci(data, n_resamples=400, seed=4) != first
    assert first.method == "cluster_bootstrap" and first.n_clusters == 12 and first.n_obs == 24
    means = [np.mean(v) for v in data.values()]
    assert min(means) <= first.low <= first.mean <= first.high <= max(means)
    # cluster resampling: the big easy scenario counts once, so the interval stays near 0.1
    skewed = bootstrap_mean_ci({"big": [1.0] * 100, **{f"s{i}": [0.0] for i in range(9)}}, n_resamples=500)
    assert skewed.mean == pytest.approx(0.1) and skewed.high < 0.5


def test_bootstrap_agrees_with_cluster_t_for_many_clusters():
    rng = np.random.default_rng(11)
    data = {str(g): list(rng.normal(0.6, 0.15, size=4)) for g in range(60)}
    t_est, boot = clustered_mean(data), bootstrap_mean_ci(data, n_resamples=2000, seed=1)
    assert boot.se == pytest.approx(t_est.se, rel=0.15)
    assert boot.low == pytest.approx(t_est.low, abs=0.25 * t_est.se * 4)
    assert boot.high == pytest.approx(t_est.high, abs=0.25 * t_est.se * 4)


def test_bootstrap_edges():
    single = bootstrap_mean_ci({"only": [0.1, 0.9, 0.5, 0.5]}, n_resamples=300)
    assert single.method == "single_cluster_bootstrap" and 0.1 <= single.low < single.high <= 0.9
    assert bootstrap_mean_ci({"only": [0.3]}).low is None
    assert bootstrap_mean_ci({}).mean is None
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_mean_ci(DATA, n_resamples=0)


def test_pass_rate_estimate_edges():
    empty = pass_rate_estimate({"a": (0, 0)})
    assert (empty.mean, empty.low, empty.high) == (None, 0.0, 1.0)
    with pytest.raises(ValueError, match="'a'"):
        pass_rate_estimate({"a": (4, 3)})
