"""Pass rates corrected for the judge's errors: Rogan-Gladen and scenario-stratified PPI++.

A judge with TPR 0.9 and FPR 0.2 reports 0.74 on a suite whose true pass rate
is 0.7: the raw rate is biased by the judge, and a gate on it gates the judge
too. Two corrections, for two sources of human labels:

* **Rogan-Gladen** when TPR and FPR come from a calibration set labelled
  elsewhere: p = (q - FPR) / (TPR - FPR), q the judge's pass rate on this run.
  It *assumes* the judge errs on this run's transcripts as it did on the
  calibration ones (same rubric version, judge and kind of agent). Refused
  (INCONCLUSIVE) when the lower bound of TPR - FPR is below 0.3: a judge that
  barely separates pass from fail turns small errors in q into large ones in p.
* **PPI++** when the labels were sampled from this run's own trials
  (uniformly within each scenario): no transfer assumption; the judge's scores
  on all trials only reduce the variance of the labelled estimate.

PPI++ lives in ``evalkit.stats.ppi``; the result model and settings shared by
both are here. ``rogan_gladen_core`` takes arrays (one entry per data set) so
bench/correction_coverage.py simulates the very code used here. Formulas:
docs/judge_trust.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from evalkit.stats.distributions import check_confidence, two_sided_z

Status = Literal["ok", "inconclusive"]
Estimand = Literal["run_scenarios", "scenario_population"]


class Proportion(BaseModel):
    """A rate with its standard error (binomial, or clustered by scenario)."""

    model_config = ConfigDict(frozen=True)

    estimate: float
    se: float


def binomial_proportion(successes: int, n: int, confidence: float = 0.95) -> Proportion:
    """The observed rate with the Agresti-Coull standard error.

    The plain sqrt(r (1 - r) / n) is 0 when the calibration set shows a
    perfect TPR or FPR, as if 40 out of 40 proved TPR = 1; adding z^2 / 2
    successes and failures keeps it honest: sqrt(r~ (1 - r~) / (n + z^2)).
    """
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n >= 1, got {successes}/{n}")
    z2 = two_sided_z(confidence) ** 2
    adjusted = (successes + z2 / 2.0) / (n + z2)
    return Proportion(estimate=successes / n, se=float(np.sqrt(adjusted * (1.0 - adjusted) / (n + z2))))


def proportion_from_interval(estimate: float, low: float, high: float, confidence: float = 0.95) -> Proportion:
    """The judge's suite rate q as Rogan-Gladen needs it, from its suite interval (``pass_rate_estimate``).

    The standard error is the interval's width / (2 z), so q keeps the suite
    interval's allowance for between-scenario spread that the scenarios drawn
    did not show (``MeanEstimate.se`` alone leaves it out, and undercovers with
    10 scenarios: see bench/README.md).
    """
    return Proportion(estimate=estimate, se=(high - low) / (2.0 * two_sided_z(confidence)))


class CorrectedRate(BaseModel):
    """A corrected pass rate, or INCONCLUSIVE with the reason it was refused."""

    model_config = ConfigDict(frozen=True)

    method: Literal["rogan_gladen", "ppi++"]
    status: Status
    reason: str | None
    raw: float | None  # the judge's own pass rate
    estimate: float | None  # clipped to [0, 1]
    se: float | None
    low: float | None
    high: float | None
    confidence: float
    youden: float | None = None  # TPR - FPR (Rogan-Gladen)
    youden_low: float | None = None
    lam: float | None = None  # PPI++ power-tuning parameter
    n_labels: int | None = None


class CorrectionConfig(BaseModel):
    """Settings shared by both corrections."""

    model_config = ConfigDict(frozen=True)

    confidence: float = 0.95
    min_youden: float = 0.3  # Rogan-Gladen is refused when the lower bound of TPR - FPR is below this
    lam: float | None = None  # PPI++: None tunes lambda; 0 is the labels alone, 1 is plain PPI
    estimand: Estimand = "run_scenarios"  # PPI++: the run's scenarios, or the population they stand for


@dataclass(frozen=True)
class RGArrays:
    """Rogan-Gladen on arrays (one entry per data set)."""

    estimate: np.ndarray  # clipped
    se: np.ndarray
    low: np.ndarray
    high: np.ndarray
    youden: np.ndarray
    youden_low: np.ndarray
    refused: np.ndarray  # bool


def rogan_gladen_core(
    q: np.ndarray,
    q_se: np.ndarray,
    tpr: np.ndarray,
    tpr_se: np.ndarray,
    fpr: np.ndarray,
    fpr_se: np.ndarray,
    config: CorrectionConfig,
) -> RGArrays:
    """p = (q - f) / (t - f); Var p = (Var q + p^2 Var t + (1 - p)^2 Var f) / (t - f)^2 (delta method)."""
    z = two_sided_z(config.confidence)
    youden = tpr - fpr
    youden_low = youden - z * np.sqrt(tpr_se**2 + fpr_se**2)
    refused = youden_low < config.min_youden
    safe = np.where(refused, 1.0, youden)
    p = (q - fpr) / safe
    se = np.sqrt(q_se**2 + p**2 * tpr_se**2 + (1.0 - p) ** 2 * fpr_se**2) / np.abs(safe)
    return RGArrays(
        estimate=np.clip(p, 0.0, 1.0),
        se=se,
        low=np.clip(p - z * se, 0.0, 1.0),
        high=np.clip(p + z * se, 0.0, 1.0),
        youden=youden,
        youden_low=youden_low,
        refused=refused,
    )


def rogan_gladen(
    q: Proportion, tpr: Proportion, fpr: Proportion, config: CorrectionConfig = CorrectionConfig()
) -> CorrectedRate:
    """Correct the judge's pass rate ``q`` on this run with TPR / FPR measured on a calibration set.

    ``q`` should carry its clustered standard error
    (``proportion_from_interval`` of ``pass_rate_estimate``); ``tpr`` / ``fpr`` come from
    ``binomial_proportion(tp, tp + fn)`` and ``binomial_proportion(fp, fp + tn)``
    (or a cluster bootstrap). The three are taken as independent samples.
    """
    check_confidence(config.confidence)
    q_a, q_se, t_a, t_se, f_a, f_se = (
        np.array([v]) for v in (q.estimate, q.se, tpr.estimate, tpr.se, fpr.estimate, fpr.se)
    )
    r = rogan_gladen_core(q_a, q_se, t_a, t_se, f_a, f_se, config=config)
    youden, youden_low = float(r.youden[0]), float(r.youden_low[0])
    common = dict(
        method="rogan_gladen", raw=q.estimate, confidence=config.confidence, youden=youden, youden_low=youden_low
    )
    if r.refused[0]:
        reason = (
            f"TPR - FPR = {youden:.2f}, lower bound {youden_low:.2f} < {config.min_youden:.2f}: "
            "the judge separates pass from fail too weakly (or on too few labels) to correct with"
        )
        return CorrectedRate(
            **common, status="inconclusive", reason=reason, estimate=None, se=None, low=None, high=None
        )
    return CorrectedRate(
        **common,
        status="ok",
        reason=None,
        estimate=float(r.estimate[0]),
        se=float(r.se[0]),
        low=float(r.low[0]),
        high=float(r.high[0]),
    )
