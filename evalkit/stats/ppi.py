"""Scenario-stratified PPI++: a pass rate from human labels sampled from this run, sharpened by the judge.

Prediction-powered inference (Angelopoulos et al. 2023, "PPI++: Efficient
Prediction-Powered Inference"): label a random few trials of each scenario,
and use the judge's scores on *all* trials to cancel most of the labels'
sampling noise. The labels keep the estimate unbiased whatever the judge's
errors, so unlike Rogan-Gladen nothing has to transfer from another data set.

Per scenario s (N_s trials, n_s labelled uniformly, inclusion probability
pi_s = n_s / N_s by default):
theta_s = mean_labelled(Y) - lambda (mean_labelled(f) - mean_all(f)), and the
suite estimate is sum_s w_s theta_s (w_s equal: scenarios weigh the same, as
in evalkit's suite rate). lambda = 0 is the labels alone; lambda = 1 plain PPI;
the tuned lambda minimises the variance. Small-sample safeguards (pseudo-labels
in the label variance, Satterthwaite degrees of freedom, a continuity
correction) are what make the interval cover with 60 labels at a 90% pass rate;
docs/judge_trust.md has every formula, bench/correction_coverage.py the check.

``ppi_core`` works on arrays (one row per data set) so the bench simulates the
very code used here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pydantic import BaseModel

from evalkit.stats.correction import CorrectedRate, CorrectionConfig
from evalkit.stats.distributions import check_confidence, two_sided_t, two_sided_z
from evalkit.stats.suite_rate import RateSummary, unseen_spread_bounds


class PPIStratum(BaseModel):
    """One scenario of the run: the judge's score on every trial, and the labelled ones.

    ``labelled_judge[i]`` and ``labels[i]`` are the judge's and the human's
    score of the same trial. ``inclusion_probability`` is the chance each trial
    had of being labelled (default: labelled / all trials, as for a uniform
    draw of a fixed number within the scenario).
    """

    judge: list[float]
    labelled_judge: list[float]
    labels: list[float]
    inclusion_probability: float | None = None
    weight: float = 1.0  # scenarios weigh the same, as in evalkit's suite rate


@dataclass(frozen=True)
class StrataArrays:
    """Per-scenario summaries (arrays with the scenarios on the last axis)."""

    n: np.ndarray  # labelled trials
    big_n: np.ndarray  # all trials
    pi: np.ndarray  # inclusion probability
    w: np.ndarray  # scenario weights, summing to 1 along the last axis
    y_mean: np.ndarray  # mean label
    f_lab: np.ndarray  # mean judge score on the labelled trials
    f_all: np.ndarray  # mean judge score on all trials
    syy: np.ndarray  # sum of squares of labels about their scenario mean
    syf: np.ndarray  # cross products label x judge (labelled, about scenario means)
    sff: np.ndarray  # sum of squares of judge scores about their scenario mean (all trials)
    sff_lab: np.ndarray  # the same over the labelled trials only


@dataclass(frozen=True)
class PPIArrays:
    estimate: np.ndarray
    se: np.ndarray
    low: np.ndarray
    high: np.ndarray
    lam: np.ndarray
    raw: np.ndarray


@lru_cache(maxsize=4096)
def _t_cached(confidence: float, df: float) -> float:
    return two_sided_t(confidence, df)


def _t_quantiles(confidence: float, df: np.ndarray) -> np.ndarray:
    """two_sided_t at each ``df`` rounded down to a whole number (slightly conservative, and cached)."""
    df = np.floor(np.maximum(np.asarray(df, dtype=float), 1.0))
    values, inverse = np.unique(df, return_inverse=True)
    return np.array([_t_cached(confidence, float(v)) for v in values])[inverse].reshape(df.shape)


def ppi_core(s: StrataArrays, config: CorrectionConfig) -> PPIArrays:
    """theta = sum_s w_s [mean_lab(Y) - lambda (mean_lab(f) - mean_all(f))] with its interval.

    Moments are pooled within scenarios (a few labels per scenario cannot
    estimate a variance each): Var Y and Cov(Y, f) over the labelled trials
    with sum(n_s - 1) degrees of freedom (Var Y with z^2 pseudo-labels added),
    Var f over all trials. Per scenario
    Var_s = Var Y / n_s + a_s (lambda^2 Var f - 2 lambda Cov), a_s = (1 - pi_s) / n_s;
    tuned lambda = Cov / Var f, clipped to [0, 1]. Interval: estimate +- (t se + c),
    t at Satterthwaite's degrees of freedom, c = max_s w_s / (2 n_s).
    """
    z = two_sided_z(config.confidence)
    df_lab = np.maximum((s.n - 1.0).sum(axis=-1), 1.0)
    # z^2 pseudo-labels, independent of the judge, at the Agresti-Coull label rate: a few labels
    # that all pass must not read as "no label variance" (the same reason as binomial_proportion).
    p_tilde = ((s.n * s.y_mean).sum(axis=-1) + z * z / 2.0) / (s.n.sum(axis=-1) + z * z)
    var_y = (s.syy.sum(axis=-1) + z * z * p_tilde * (1.0 - p_tilde)) / (df_lab + z * z)
    cov = s.syf.sum(axis=-1) / df_lab
    var_f = s.sff.sum(axis=-1) / np.maximum((s.big_n - 1.0).sum(axis=-1), 1.0)
    if config.lam is None:
        lam = np.clip(np.divide(cov, var_f, out=np.zeros_like(cov), where=var_f > 0), 0.0, 1.0)
    else:
        lam = np.full_like(cov, float(config.lam))
    a = (1.0 - s.pi) / s.n
    lam_, var_y_, cov_, var_f_ = (v[..., None] for v in (lam, var_y, cov, var_f))
    var_s = np.maximum(var_y_ / s.n + a * (lam_**2 * var_f_ - 2.0 * lam_ * cov_), 0.0)
    theta_s = s.y_mean - lam_ * (s.f_lab - s.f_all)
    estimate = (s.w * theta_s).sum(axis=-1)
    var = (s.w**2 * var_s).sum(axis=-1)
    t = _t_quantiles(config.confidence, satterthwaite_df(s, lam, df_lab))
    est = np.clip(estimate, 0.0, 1.0)
    if config.estimand == "scenario_population":
        g = s.n.shape[-1]
        between = g / max(g - 1, 1) * (s.w**2 * (theta_s - estimate[..., None]) ** 2).sum(axis=-1)
        var = np.maximum(var, between)
        t = np.maximum(t, two_sided_t(config.confidence, max(g - 1, 1)))
    se = np.sqrt(var)
    # Continuity correction: half the step one label moves the estimate by. Labels are 0/1, and
    # without it the interval dips below nominal near 100% (bench/correction_coverage.py).
    half = t * se + 0.5 * (s.w / s.n).max(axis=-1)
    low, high = np.clip(estimate - half, 0.0, 1.0), np.clip(estimate + half, 0.0, 1.0)
    if config.estimand == "scenario_population":
        low, high = _with_unseen_spread(est, np.clip(theta_s, 0.0, 1.0), z, low, high)
    return PPIArrays(estimate=est, se=se, low=low, high=high, lam=lam, raw=(s.w * s.f_all).sum(axis=-1))


def _with_unseen_spread(
    est: np.ndarray, theta_s: np.ndarray, z: float, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Union with the suite interval's spread-unseen part, as for the raw pass rate.

    G scenarios that all look alike cannot show that other scenarios of the
    kind fail: the same bound as ``suite_rate.unseen_spread_bounds``, at the
    corrected rate, with the corrected scenario rates as the within part.
    """
    g = np.full(est.shape, float(theta_s.shape[-1]))
    summary = RateSummary(p=est, s2=np.zeros_like(est), m=(theta_s * (1.0 - theta_s)).mean(axis=-1), g=g, n_h=g)
    low2, high2 = unseen_spread_bounds(summary, z)
    return np.minimum(low, low2), np.maximum(high, high2)


def satterthwaite_df(s: StrataArrays, lam: np.ndarray, df_pooled: np.ndarray) -> np.ndarray:
    """Effective degrees of freedom of sum_s w_s^2 e_s / n_s, e_s the scenario's residual variance.

    With scenarios of very different pass rates one or two of them carry most
    of the variance, and the pooled sum(n_s - 1) overstates how well it is
    known (Welch-Satterthwaite: (sum c_s e_s)^2 / sum (c_s e_s)^2 / (n_s - 1)).
    Kept within [1, sum(n_s - 1)]; the pooled value when no residual varies.
    """
    lam_ = lam[..., None]
    resid = np.maximum(s.syy - 2.0 * lam_ * s.syf + lam_**2 * s.sff_lab, 0.0)
    df_s = s.n - 1.0
    e = np.divide(resid, df_s, out=np.zeros_like(resid), where=df_s > 0) * s.w**2 / s.n
    num, den = e.sum(axis=-1) ** 2, np.divide(e**2, df_s, out=np.zeros_like(e), where=df_s > 0).sum(axis=-1)
    df = np.divide(num, den, out=np.array(df_pooled, dtype=float, copy=True), where=den > 0)
    return np.clip(df, 1.0, df_pooled)


def summarise_strata(strata: Sequence[PPIStratum]) -> StrataArrays:
    """Per-scenario summaries of ``strata`` (each needs >= 1 labelled trial)."""
    cols: dict[str, list[float]] = {k: [] for k in StrataArrays.__dataclass_fields__}
    total_weight = sum(st.weight for st in strata)
    for st in strata:
        f, fl, y = (np.asarray(v, dtype=float) for v in (st.judge, st.labelled_judge, st.labels))
        pi = st.inclusion_probability if st.inclusion_probability is not None else len(y) / len(f)
        row = dict(
            n=len(y),
            big_n=len(f),
            pi=pi,
            w=st.weight / total_weight,
            y_mean=y.mean(),
            f_lab=fl.mean(),
            f_all=f.mean(),
            syy=np.sum((y - y.mean()) ** 2),
            syf=np.sum((y - y.mean()) * (fl - fl.mean())),
            sff=np.sum((f - f.mean()) ** 2),
            sff_lab=np.sum((fl - fl.mean()) ** 2),
        )
        for k, v in row.items():
            cols[k].append(float(v))
    return StrataArrays(**{k: np.array(v) for k, v in cols.items()})


def _refusal(strata: Sequence[PPIStratum]) -> str | None:
    if not strata:
        return "no scenario"
    for i, st in enumerate(strata):
        if len(st.labelled_judge) != len(st.labels):
            raise ValueError(f"scenario {i}: {len(st.labelled_judge)} judge scores for {len(st.labels)} labels")
        if not st.judge or len(st.labels) > len(st.judge):
            raise ValueError(f"scenario {i}: {len(st.labels)} labelled of {len(st.judge)} trials")
        if st.inclusion_probability is not None and not 0.0 < st.inclusion_probability <= 1.0:
            raise ValueError(f"scenario {i}: inclusion probability must be in (0, 1], got {st.inclusion_probability}")
    unlabelled = sum(1 for st in strata if not st.labels)
    if unlabelled:
        return f"{unlabelled} of {len(strata)} scenarios have no labelled trial; each needs one to be corrected"
    if all(len(st.labels) < 2 for st in strata):
        return "no scenario has two labelled trials, so the label variance cannot be estimated"
    return None


def ppi_plus_plus(strata: Sequence[PPIStratum], config: CorrectionConfig = CorrectionConfig()) -> CorrectedRate:
    """Scenario-stratified PPI++ (Angelopoulos et al. 2023) for labels sampled from this run.

    With lambda = 0 it is the classical stratified estimate from the labels
    alone; the tuned lambda uses the judge's scores on every trial to shrink
    the variance without adding bias. ``config.estimand``: "run_scenarios"
    (the pass rate of these scenarios, sampling error within them only) or
    "scenario_population" (the population they stand for: the between-scenario
    spread of the corrected scenario rates is added, with t(G - 1)).
    """
    check_confidence(config.confidence)
    reason = _refusal(strata)
    n_labels = sum(len(st.labels) for st in strata)
    if reason is not None:
        return CorrectedRate(
            method="ppi++",
            status="inconclusive",
            reason=reason,
            raw=None,
            estimate=None,
            se=None,
            low=None,
            high=None,
            confidence=config.confidence,
            n_labels=n_labels,
        )
    r = ppi_core(summarise_strata(strata), config)
    return CorrectedRate(
        method="ppi++",
        status="ok",
        reason=None,
        raw=float(r.raw),
        estimate=float(r.estimate),
        se=float(r.se),
        low=float(r.low),
        high=float(r.high),
        confidence=config.confidence,
        lam=float(r.lam),
        n_labels=n_labels,
    )
