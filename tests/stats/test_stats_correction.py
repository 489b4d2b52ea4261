"""Corrected pass rates: Rogan-Gladen against a hand computation, PPI++ against its classical special case."""

import math
import subprocess
import sys

import numpy as np
import pytest

from evalkit.stats.correction import (
    CorrectionConfig,
    Proportion,
    binomial_proportion,
    proportion_from_interval,
    rogan_gladen,
)
from evalkit.stats.means import pass_rate_estimate
from evalkit.stats.ppi import PPIStratum, ppi_core, ppi_plus_plus, summarise_strata

Z95 = 1.959963984540054


def ac_se(x: int, n: int, z: float = Z95) -> float:
    """Agresti-Coull standard error written out: r~ = (x + z^2/2) / (n + z^2), sqrt(r~ (1 - r~) / (n + z^2))."""
    r = (x + z * z / 2) / (n + z * z)
    return math.sqrt(r * (1 - r) / (n + z * z))


def test_binomial_proportion_keeps_uncertainty_at_a_perfect_count():
    p = binomial_proportion(40, 40)
    assert p.estimate == 1.0 and p.se == pytest.approx(ac_se(40, 40)) and p.se > 0.02
    with pytest.raises(ValueError):
        binomial_proportion(3, 2)


def test_rogan_gladen_hand_computed():
    # judge rate q = 0.74 (se 0.03); calibration: 90 of 100 human passes judged pass, 20 of 100 human fails
    # p = (0.74 - 0.20) / (0.90 - 0.20) = 0.54 / 0.70 = 0.771428...
    # Var p = (0.03^2 + p^2 se_t^2 + (1 - p)^2 se_f^2) / 0.70^2
    q = Proportion(estimate=0.74, se=0.03)
    got = rogan_gladen(q, binomial_proportion(90, 100), binomial_proportion(20, 100))
    p = 0.54 / 0.70
    se = math.sqrt(0.03**2 + p**2 * ac_se(90, 100) ** 2 + (1 - p) ** 2 * ac_se(20, 100) ** 2) / 0.70
    assert got.status == "ok" and got.method == "rogan_gladen" and got.raw == 0.74
    assert got.estimate == pytest.approx(p, abs=1e-12) and got.se == pytest.approx(se, abs=1e-12)
    assert (got.low, got.high) == pytest.approx((p - Z95 * se, p + Z95 * se), abs=1e-12)
    assert got.youden == pytest.approx(0.7)
    assert got.youden_low == pytest.approx(0.7 - Z95 * math.hypot(ac_se(90, 100), ac_se(20, 100)))


def test_rogan_gladen_corrects_a_lenient_judge_downwards_and_a_strict_one_upwards():
    tpr, fpr = Proportion(estimate=0.95, se=0.01), Proportion(estimate=0.30, se=0.01)
    # truth 0.6: a judge with these rates shows 0.6 * 0.95 + 0.4 * 0.30 = 0.69
    lenient = rogan_gladen(Proportion(estimate=0.69, se=0.02), tpr, fpr)
    assert lenient.estimate == pytest.approx(0.6)
    strict = rogan_gladen(
        Proportion(estimate=0.5, se=0.02), Proportion(estimate=0.7, se=0.01), Proportion(estimate=0.0, se=0.01)
    )
    assert strict.estimate == pytest.approx(0.5 / 0.7)


def test_rogan_gladen_clips_to_the_unit_interval():
    got = rogan_gladen(
        Proportion(estimate=0.05, se=0.02), Proportion(estimate=0.9, se=0.02), Proportion(estimate=0.1, se=0.02)
    )
    assert got.estimate == 0.0 and got.low == 0.0 and 0.0 < got.high < 0.1


def test_rogan_gladen_refuses_a_weak_or_barely_measured_judge():
    weak = rogan_gladen(Proportion(estimate=0.7, se=0.02), binomial_proportion(60, 100), binomial_proportion(35, 100))
    assert weak.status == "inconclusive" and weak.estimate is None and weak.low is None
    assert "lower bound" in weak.reason and weak.youden == pytest.approx(0.25)
    # a good judge measured on 10 labels: TPR - FPR = 0.6 but its lower bound is far below 0.3
    few = rogan_gladen(Proportion(estimate=0.7, se=0.02), binomial_proportion(4, 5), binomial_proportion(1, 5))
    assert few.status == "inconclusive" and few.youden == pytest.approx(0.6) and few.youden_low < 0.3
    lenient_floor = rogan_gladen(
        Proportion(estimate=0.7, se=0.02),
        binomial_proportion(4, 5),
        binomial_proportion(1, 5),
        CorrectionConfig(min_youden=-1.0),
    )
    assert lenient_floor.status == "ok"


def test_proportion_from_interval_reads_the_suite_interval():
    est = pass_rate_estimate({f"s{i}": (4 if i % 3 else 2, 5) for i in range(12)})
    q = proportion_from_interval(est.mean, est.low, est.high)
    assert q.estimate == est.mean and q.se == pytest.approx((est.high - est.low) / (2 * Z95))


def _strata(rng, scenarios=12, trials=10, labelled=4, tpr=0.9, fpr=0.2):
    out, truth = [], []
    for _ in range(scenarios):
        p = rng.beta(3, 1)
        y = (rng.random(trials) < p).astype(float)
        f = np.where(y == 1, rng.random(trials) < tpr, rng.random(trials) < fpr).astype(float)
        idx = rng.choice(trials, labelled, replace=False)
        out.append(PPIStratum(judge=f.tolist(), labelled_judge=f[idx].tolist(), labels=y[idx].tolist()))
        truth.append(p)
    return out, float(np.mean(truth))


def _pooled_label_variance(strata, z=Z95):
    """The pooled within-scenario label variance with z^2 Agresti-Coull pseudo-labels, written out."""
    ss = sum(float(np.sum((np.array(st.labels) - np.mean(st.labels)) ** 2)) for st in strata)
    df = sum(len(st.labels) - 1 for st in strata)
    n = sum(len(st.labels) for st in strata)
    p = (sum(sum(st.labels) for st in strata) + z * z / 2) / (n + z * z)
    return (ss + z * z * p * (1 - p)) / (df + z * z)


def test_ppi_with_lambda_zero_is_the_classical_stratified_estimate():
    strata, _ = _strata(np.random.default_rng(1))
    got = ppi_plus_plus(strata, CorrectionConfig(lam=0.0))
    g = len(strata)
    classical = np.mean([np.mean(st.labels) for st in strata])
    var = sum(_pooled_label_variance(strata) / len(st.labels) for st in strata) / g**2
    assert got.status == "ok" and got.lam == 0.0 and got.n_labels == 48
    assert got.estimate == pytest.approx(classical, abs=1e-12)
    assert got.se == pytest.approx(math.sqrt(var), abs=1e-12)


def test_tuned_lambda_is_cov_over_var_f_and_shrinks_the_interval():
    strata, _ = _strata(np.random.default_rng(2), scenarios=20, trials=20, labelled=5, fpr=0.05)
    tuned = ppi_plus_plus(strata)
    dev = [
        (np.array(st.labels) - np.mean(st.labels), np.array(st.labelled_judge) - np.mean(st.labelled_judge))
        for st in strata
    ]
    cov = sum(float(np.sum(a * b)) for a, b in dev) / sum(len(st.labels) - 1 for st in strata)
    var_f = sum(float(np.sum((np.array(st.judge) - np.mean(st.judge)) ** 2)) for st in strata) / sum(
        len(st.judge) - 1 for st in strata
    )
    assert tuned.lam == pytest.approx(min(1.0, max(0.0, cov / var_f)))
    lam = tuned.lam
    by_hand = np.mean([np.mean(st.labels) - lam * (np.mean(st.labelled_judge) - np.mean(st.judge)) for st in strata])
    assert tuned.estimate == pytest.approx(by_hand, abs=1e-12)
    classical = ppi_plus_plus(strata, CorrectionConfig(lam=0.0))
    assert tuned.se < classical.se and tuned.high - tuned.low < classical.high - classical.low


def test_ppi_with_a_perfect_judge_and_lambda_one_is_the_judges_rate():
    rng = np.random.default_rng(3)
    strata = []
    for _ in range(6):
        y = (rng.random(8) < 0.7).astype(float)
        strata.append(PPIStratum(judge=y.tolist(), labelled_judge=y[:3].tolist(), labels=y[:3].tolist()))
    got = ppi_plus_plus(strata, CorrectionConfig(lam=1.0))
    assert got.estimate == pytest.approx(np.mean([np.mean(st.judge) for st in strata]))
    assert got.raw == pytest.approx(got.estimate)


def test_ppi_when_every_trial_is_labelled_ignores_the_judge():
    rng = np.random.default_rng(4)
    strata = []
    for _ in range(5):
        y = (rng.random(6) < 0.6).astype(float)
        f = 1.0 - y  # a judge that is always wrong
        strata.append(PPIStratum(judge=f.tolist(), labelled_judge=f.tolist(), labels=y.tolist()))
    for lam in (0.0, 0.5, 1.0):
        got = ppi_plus_plus(strata, CorrectionConfig(lam=lam))
        assert got.estimate == pytest.approx(np.mean([np.mean(st.labels) for st in strata]))


def test_ppi_inclusion_probability_enters_the_variance():
    strata, _ = _strata(np.random.default_rng(5))
    default = ppi_plus_plus(strata, CorrectionConfig(lam=1.0))
    told = [st.model_copy(update={"inclusion_probability": 0.4}) for st in strata]  # 4 of 10, as drawn
    assert ppi_plus_plus(told, CorrectionConfig(lam=1.0)).se == pytest.approx(default.se)
    rarer = [st.model_copy(update={"inclusion_probability": 0.05}) for st in strata]
    assert ppi_plus_plus(rarer, CorrectionConfig(lam=1.0)).se != pytest.approx(default.se)


def test_population_interval_contains_the_run_scenarios_interval():
    strata, _ = _strata(np.random.default_rng(6))
    run = ppi_plus_plus(strata)
    population = ppi_plus_plus(strata, CorrectionConfig(estimand="scenario_population"))
    assert population.estimate == run.estimate
    assert population.low <= run.low and population.high >= run.high


def test_ppi_is_unbiased_where_the_raw_judge_rate_is_not():
    rng = np.random.default_rng(7)
    pairs = [_strata(rng, scenarios=10, trials=10, labelled=3, tpr=0.8, fpr=0.4) for _ in range(300)]
    s = [summarise_strata(st) for st, _ in pairs]
    stacked = type(s[0])(**{k: np.stack([getattr(x, k) for x in s]) for k in s[0].__dataclass_fields__})
    r = ppi_core(stacked, CorrectionConfig())
    truth = np.array([t for _, t in pairs])
    bias, raw_bias = float(np.mean(r.estimate - truth)), float(np.mean(r.raw - truth))
    assert abs(bias) < 0.015 < abs(raw_bias)
    assert np.mean((r.low <= truth) & (truth <= r.high)) > 0.9


def test_ppi_refuses_without_labels_to_correct_with():
    strata, _ = _strata(np.random.default_rng(8), scenarios=3)
    empty = strata[0].model_copy(update={"labels": [], "labelled_judge": []})
    got = ppi_plus_plus([empty, *strata[1:]])
    assert got.status == "inconclusive" and "no labelled trial" in got.reason and got.estimate is None
    single = [st.model_copy(update={"labels": st.labels[:1], "labelled_judge": st.labelled_judge[:1]}) for st in strata]
    assert "two labelled" in ppi_plus_plus(single).reason
    assert ppi_plus_plus([]).status == "inconclusive"
    with pytest.raises(ValueError, match="judge scores for"):
        ppi_plus_plus([strata[0].model_copy(update={"labels": [1.0]})])


def test_runtime_maths_needs_no_scipy_or_test_oracles():
    code = (
        "import sys, evalkit.stats.agreement, evalkit.stats.correction, evalkit.stats.ppi, "
        "evalkit.stats.variance_share, evalkit.stats.cluster_bootstrap; "
        "print(sorted(m for m in ('scipy', 'sklearn', 'krippendorff', 'statsmodels') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
