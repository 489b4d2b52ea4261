"""Agreement statistics against scikit-learn, krippendorff and scipy, and a hand-computed AC1."""

import math
import warnings

import numpy as np
import pytest

from evalkit.stats.agreement import (
    bias_and_mae,
    binary_agreement,
    cohen_kappa,
    confusion,
    gwet_ac1,
    paired_scores,
    quadratic_weighted_kappa,
    scale_agreement,
)
from evalkit.stats.cluster_bootstrap import BootstrapConfig, cluster_interval, expanded_confidence
from evalkit.stats.kripp_alpha import krippendorff_alpha
from evalkit.stats.rank_correlation import kendall_tau_b, spearman

sklearn_metrics = pytest.importorskip("sklearn.metrics")
krippendorff = pytest.importorskip("krippendorff")
sps = pytest.importorskip("scipy.stats")

TOL = 1e-9


def _same(ours: float | None, oracle: float) -> bool:
    """None (undefined) matches the oracle's NaN; numbers match to 1e-9."""
    if ours is None:
        return math.isnan(oracle)
    return abs(ours - oracle) <= TOL


class _quiet(warnings.catch_warnings):
    """The oracles warn on undefined statistics (NaN); that is the case being compared."""

    def __enter__(self):
        super().__enter__()
        warnings.simplefilter("ignore")


def _oracle_kappa(a, b, **kw) -> float:
    with np.errstate(all="ignore"), _quiet():
        return float(sklearn_metrics.cohen_kappa_score(a, b, **kw))


def _oracle_alpha(data, level) -> float:
    try:
        with _quiet():
            return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    except ValueError:  # "There has to be more than one value in the domain."
        return math.nan


EDGE_BINARY = [
    ([1, 1, 1, 1], [1, 1, 1, 1]),  # all agree, one class only
    ([0, 0, 0], [0, 0, 0]),
    ([1, 1, 1, 0], [1, 1, 1, 1]),  # the human saw one class only
    ([1, 0, 1, 0], [0, 1, 0, 1]),  # all disagree
    ([1, 0], [1, 0]),
    ([1] * 18 + [0, 1], [1] * 18 + [1, 0]),  # 90% prevalence
]


def _random_binary(rng, n):
    human = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(int)
    flip = rng.random(n) < rng.uniform(0.0, 0.4)
    return np.where(flip, 1 - human, human), human


@pytest.mark.parametrize("judge,human", EDGE_BINARY)
def test_binary_edge_cases_match_sklearn_and_krippendorff(judge, human):
    got = binary_agreement(judge, human)
    assert _same(got.cohen_kappa, _oracle_kappa(judge, human, labels=[0, 1]))
    assert _same(got.krippendorff_alpha, _oracle_alpha([judge, human], "nominal"))


def test_random_binary_kappa_and_alpha_match_oracles():
    rng = np.random.default_rng(16)
    for _ in range(100):
        judge, human = _random_binary(rng, int(rng.integers(2, 80)))
        assert _same(cohen_kappa(judge.tolist(), human.tolist()), _oracle_kappa(judge, human))
        assert _same(krippendorff_alpha([judge, human], "nominal"), _oracle_alpha([judge, human], "nominal"))


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_random_scale_kappa_matches_sklearn_with_and_without_labels(weights):
    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(2, 60))
        human = rng.integers(1, 6, n)
        judge = np.clip(human + rng.integers(-2, 3, n), 1, 5)
        assert _same(
            cohen_kappa(judge.tolist(), human.tolist(), weights=weights), _oracle_kappa(judge, human, weights=weights)
        )
        assert _same(
            cohen_kappa(judge.tolist(), human.tolist(), weights=weights, labels=range(1, 6)),
            _oracle_kappa(judge, human, weights=weights, labels=[1, 2, 3, 4, 5]),
        )


def test_quadratic_kappa_counts_unused_scale_points_when_given_the_scale():
    # nobody used 3 or 4: by position 1 -> 5 is one step apart; on the declared scale it is four
    judge, human = [1, 5, 5, 1, 2], [1, 5, 1, 5, 2]
    on_scale = quadratic_weighted_kappa(judge, human, labels=range(1, 6))
    assert _same(on_scale, _oracle_kappa(judge, human, weights="quadratic", labels=[1, 2, 3, 4, 5]))
    assert on_scale != pytest.approx(quadratic_weighted_kappa(judge, human))


def test_kappa_refuses_scores_outside_the_declared_scale():
    with pytest.raises(ValueError, match="not among the labels"):
        cohen_kappa([1, 6], [1, 2], labels=range(1, 6))


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_several_raters_with_missing_values_and_ties(level):
    rng = np.random.default_rng(3)
    for _ in range(80):
        raters, items = int(rng.integers(2, 6)), int(rng.integers(2, 40))
        data = rng.integers(1, 6, (raters, items)).astype(float)
        data[rng.random(data.shape) < rng.uniform(0.0, 0.5)] = np.nan
        assert _same(krippendorff_alpha(data, level), _oracle_alpha(data, level))


def test_krippendorff_textbook_example_and_none_missing_form():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the 4 observers x 12 units example:
    # published nominal alpha 0.743, interval 0.849.
    nan = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    assert krippendorff_alpha(data, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(data, "interval") == pytest.approx(0.849, abs=5e-4)
    as_nan = np.array([[np.nan if v is None else v for v in row] for row in data])
    for level in ("nominal", "ordinal", "interval"):
        assert _same(krippendorff_alpha(data, level), _oracle_alpha(as_nan, level))


def test_krippendorff_undefined_cases():
    assert krippendorff_alpha([[2, 2, 2], [2, 2, 2]]) is None  # one value: no disagreement to expect
    assert krippendorff_alpha([[1, None], [None, 2]]) is None  # no item rated twice
    assert krippendorff_alpha([[None, None], [None, None]]) is None


def test_rank_correlations_match_scipy_on_ties_and_continuous_scores():
    rng = np.random.default_rng(11)
    for i in range(120):
        n = int(rng.integers(2, 70))
        x = rng.integers(1, 6, n).astype(float)
        y = np.clip(x + rng.integers(-2, 3, n), 1, 5) if i % 3 else rng.normal(size=n)
        with _quiet():
            assert _same(spearman(x.tolist(), y.tolist()), float(sps.spearmanr(x, y).statistic))
            assert _same(kendall_tau_b(x.tolist(), y.tolist()), float(sps.kendalltau(x, y).statistic))


@pytest.mark.parametrize("x,y", [([3, 3, 3], [1, 2, 3]), ([1, 2], [2, 1]), ([1, 2, 2, 3], [1, 2, 2, 3])])
def test_rank_correlation_edge_cases(x, y):
    with _quiet():
        assert _same(spearman(x, y), float(sps.spearmanr(x, y).statistic))
        assert _same(kendall_tau_b(x, y), float(sps.kendalltau(x, y).statistic))


def test_gwet_ac1_hand_computed_high_prevalence_example():
    # Two raters, 100 items: both pass 90, only A passes 4, only B passes 4, both fail 2.
    # p_a = 0.92; pi_pass = (94 + 94) / 200 = 0.94; p_e = 2 * 0.94 * 0.06 / (2 - 1) = 0.1128;
    # AC1 = (0.92 - 0.1128) / (1 - 0.1128) = 0.8072 / 0.8872 = 0.909828...
    # Cohen's kappa on the same table: p_e = 0.94^2 + 0.06^2 = 0.8872, kappa = 0.0328 / 0.1128 = 0.2908 (paradox)
    a = [1] * 90 + [1] * 4 + [0] * 4 + [0] * 2
    b = [1] * 90 + [0] * 4 + [1] * 4 + [0] * 2
    assert gwet_ac1(a, b, categories=(0, 1)) == pytest.approx(0.8072 / 0.8872, abs=1e-12)
    assert cohen_kappa(a, b) == pytest.approx(0.0328 / 0.1128, abs=1e-12)


def test_gwet_ac1_three_categories_hand_computed():
    # 3 categories, 6 items: agreements on items 1-4 -> p_a = 4/6.
    # A = [a, a, b, c, a, b], B = [a, a, b, c, b, c]: of the 12 ratings pi_a = 5/12, pi_b = 4/12, pi_c = 3/12
    # p_e = (5*7 + 4*8 + 3*9) / 144 / (3 - 1) = 94/288; AC1 = (192/288 - 94/288) / (194/288) = 98/194
    assert gwet_ac1([0, 0, 1, 2, 0, 1], [0, 0, 1, 2, 1, 2]) == pytest.approx(98 / 194, abs=1e-12)


def test_gwet_ac1_edge_cases():
    assert gwet_ac1([1, 1, 1], [1, 1, 1], categories=(0, 1)) == pytest.approx(1.0)
    assert gwet_ac1([1, 1, 1], [1, 1, 1]) is None  # one category seen, none declared
    assert gwet_ac1([], []) is None


def test_confusion_counts_rates_and_wilson_intervals(wilson):
    judge = [1, 1, 1, 0, 1, 0, 0, 1, None]
    human = [1, 1, 0, 1, 1, 0, 0, 0, 1]
    c = confusion(judge, human)
    assert (c.tp, c.fp, c.fn, c.tn, c.n) == (3, 2, 1, 2, 8)
    assert c.tpr.estimate == pytest.approx(0.75) and c.fpr.estimate == pytest.approx(0.5)
    assert (c.tpr.low, c.tpr.high) == pytest.approx(wilson(0.75, 4, 1.959963984540054))
    assert c.youden == pytest.approx(0.25) and c.accuracy == pytest.approx(5 / 8)
    with pytest.raises(ValueError, match="binary"):
        confusion([2], [1])


def test_missing_pairs_are_dropped_everywhere():
    x, y = paired_scores([1, None, 3, float("nan")], [1, 2, None, 4])
    assert x.tolist() == [1.0] and y.tolist() == [1.0]
    with pytest.raises(ValueError, match="one score per item"):
        paired_scores([1], [1, 2])


def test_scale_agreement_bias_and_mae():
    judge, human = [5, 4, 4, 3, 5, None], [4, 4, 2, 3, 5, 1]
    got = scale_agreement(judge, human, scale=range(1, 6))
    assert got.n == 5 and got.bias == pytest.approx(3 / 5) and got.mae == pytest.approx(3 / 5)
    assert got.exact_agreement == pytest.approx(3 / 5)
    assert _same(got.quadratic_kappa, _oracle_kappa(judge[:5], human[:5], weights="quadratic", labels=[1, 2, 3, 4, 5]))
    assert _same(got.krippendorff_alpha_ordinal, _oracle_alpha([judge[:5], human[:5]], "ordinal"))
    assert bias_and_mae([], []) == (None, None)


def _clustered_items(rng, scenarios, per):
    clusters = np.repeat(np.arange(scenarios), per)
    human = (rng.random(scenarios * per) < 0.7).astype(int)
    hard = rng.random(scenarios)[clusters] < 0.3  # the judge errs a lot on some scenarios
    flip = rng.random(scenarios * per) < np.where(hard, 0.5, 0.05)
    return np.where(flip, 1 - human, human), human, clusters


def test_cluster_bootstrap_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(5)
    judge, human, clusters = _clustered_items(rng, 30, 4)

    def kappa(i):
        return cohen_kappa(judge[i].tolist(), human[i].tolist())

    first = cluster_interval(kappa, clusters.tolist(), BootstrapConfig(n_resamples=400, seed=1))
    again = cluster_interval(kappa, clusters.tolist(), BootstrapConfig(n_resamples=400, seed=1))
    other = cluster_interval(kappa, clusters.tolist(), BootstrapConfig(n_resamples=400, seed=2))
    assert first == again and (first.low, first.high) != (other.low, other.high)
    assert first.method == "cluster_bootstrap" and first.n_clusters == 30 and first.n_items == 120
    assert first.low < first.estimate < first.high


def test_few_clusters_fall_back_to_jackknife_with_t():
    rng = np.random.default_rng(8)
    judge, human, clusters = _clustered_items(rng, 5, 6)

    def agree(i):
        return float(np.mean(judge[i] == human[i]))

    got = cluster_interval(agree, clusters.tolist(), BootstrapConfig(support=(0.0, 1.0)))
    means = np.array([np.mean(np.delete(judge == human, clusters == g)) for g in range(5)])
    se = math.sqrt(4 / 5 * np.sum((means - means.mean()) ** 2))
    half = float(sps.t.ppf(0.975, 4)) * se
    assert got.method == "cluster_jackknife" and "few scenarios" in got.note
    assert got.low == pytest.approx(max(0.0, got.estimate - half))
    assert got.high == pytest.approx(min(1.0, got.estimate + half))


def test_one_cluster_or_undefined_statistic_gives_no_interval():
    one = cluster_interval(lambda i: float(len(i)), ["s"] * 4)
    assert one.method == "no_interval" and one.low is None and one.estimate == 4.0
    undefined = cluster_interval(lambda i: None, list(range(20)))
    assert undefined.method == "no_interval" and undefined.estimate is None


def test_cluster_bootstrap_is_wider_than_item_bootstrap_when_scenarios_differ():
    rng = np.random.default_rng(12)
    judge, human, clusters = _clustered_items(rng, 20, 10)

    def agree(i):
        return float(np.mean(judge[i] == human[i]))

    clustered = cluster_interval(agree, clusters.tolist(), BootstrapConfig(n_resamples=1000))
    items = cluster_interval(agree, list(range(len(judge))), BootstrapConfig(n_resamples=1000))
    assert clustered.high - clustered.low > 1.2 * (items.high - items.low)


@pytest.mark.parametrize("g", [10, 20, 40])
def test_bootstrap_is_bca_at_the_expanded_levels(g):
    level = 1 - 2 * sps.norm.cdf(-math.sqrt(g / (g - 1)) * sps.t.ppf(0.975, g - 1))
    assert expanded_confidence(0.95, g) == pytest.approx(level, abs=1e-12)
    rng = np.random.default_rng(g)
    values = rng.random(g * 3) ** 3  # skewed, so bias correction and acceleration matter
    clusters = np.repeat(np.arange(g), 3)

    def mean(i):
        return float(values[i].mean())

    got = cluster_interval(mean, clusters.tolist(), BootstrapConfig(n_resamples=300, seed=4, support=(0.0, 1.0)))
    # Efron's BCa written out, on the same resamples (numpy's default generator, seed 4)
    by_cluster = values.reshape(g, 3)
    picks = np.random.default_rng(4).integers(0, g, size=(300, g))
    boot = np.array([by_cluster[row].mean() for row in picks])
    est = values.mean()
    loo = np.array([np.delete(by_cluster, k, axis=0).mean() for k in range(g)])
    d = loo.mean() - loo
    a = np.sum(d**3) / (6 * np.sum(d**2) ** 1.5)
    z0 = sps.norm.ppf(np.mean(boot < est))
    z = sps.norm.ppf(0.5 + level / 2)
    levels = [sps.norm.cdf(z0 + (z0 + q) / (1 - a * (z0 + q))) for q in (-z, z)]
    assert (got.low, got.high) == pytest.approx(tuple(np.quantile(boot, levels)), abs=1e-9)
    plain = np.quantile(boot, [(1 - level) / 2, 1 - (1 - level) / 2])
    assert (got.low, got.high) != pytest.approx(tuple(plain), abs=1e-6)
