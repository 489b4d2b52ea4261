"""How well a judge agrees with a person (or two people with each other), per criterion.

Inputs are two equally long sequences of scores for the same items: the judge's
and the human's for judge-human agreement, two labellers' for human-human
agreement; the functions do not care which. A pair with a missing side (None or
NaN) is dropped before anything is computed. Binary criteria are coded 1 = pass,
0 = fail, so the "positive" class of TPR / FPR is *pass*: TPR = P(judge passes |
human passes), FPR = P(judge passes | human fails). An undefined statistic (a
kappa when every item is in one class) is None, never a silent 0 or 1.

Formulas and when to use each: docs/judge_trust.md. Krippendorff's alpha (any
number of raters, missing values) is in ``evalkit.stats.kripp_alpha``, rank
correlations in ``evalkit.stats.rank_correlation``, intervals by cluster
bootstrap in ``evalkit.stats.cluster_bootstrap``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from evalkit.stats.intervals import Interval, wilson_interval
from evalkit.stats.kripp_alpha import krippendorff_alpha
from evalkit.stats.rank_correlation import kendall_tau_b, paired_scores, spearman

Score = float | int | None
KappaWeights = Literal["linear", "quadratic"] | None


def _binary(x: np.ndarray, name: str) -> np.ndarray:
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError(f"{name}: binary scores must be 0 (fail) or 1 (pass), got {sorted(set(x.tolist()))}")
    return x.astype(int)


class BinaryConfusion(BaseModel):
    """Judge (rows) against human (columns), pass = positive; TPR and FPR with Wilson intervals.

    The Wilson intervals treat items as independent; with several items per
    scenario use ``cluster_bootstrap.cluster_interval`` for the clustered one.
    """

    model_config = ConfigDict(frozen=True)

    tp: int  # judge pass, human pass
    fp: int  # judge pass, human fail
    fn: int  # judge fail, human pass
    tn: int  # judge fail, human fail
    tpr: Interval  # over the human passes (estimate None when there are none)
    fpr: Interval  # over the human fails

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def accuracy(self) -> float | None:
        return (self.tp + self.tn) / self.n if self.n else None

    @property
    def youden(self) -> float | None:
        """TPR - FPR: 1 for a perfect judge, 0 for one that ignores the transcript."""
        t, f = self.tpr.estimate, self.fpr.estimate
        return None if t is None or f is None else t - f


def confusion(judge: Sequence[Score], human: Sequence[Score], confidence: float = 0.95) -> BinaryConfusion:
    """Confusion matrix of binary judge verdicts against human ones (pass = 1 = positive)."""
    j, h = paired_scores(judge, human)
    j, h = _binary(j, "judge"), _binary(h, "human")
    tp, fp = int(np.sum((j == 1) & (h == 1))), int(np.sum((j == 1) & (h == 0)))
    fn, tn = int(np.sum((j == 0) & (h == 1))), int(np.sum((j == 0) & (h == 0)))
    return BinaryConfusion(
        tp=tp,
        fp=fp,
        fn=fn,
        tn=tn,
        tpr=wilson_interval(tp, tp + fn, confidence),
        fpr=wilson_interval(fp, fp + tn, confidence),
    )


def _table(x: np.ndarray, y: np.ndarray, labels: Sequence[float] | None) -> tuple[np.ndarray, np.ndarray]:
    """Contingency table over ``labels`` (default: the values seen) and the label values."""
    values = np.unique(np.concatenate([x, y])) if labels is None else np.asarray(labels, dtype=float)
    if len(np.unique(values)) != len(values):
        raise ValueError(f"labels must be distinct, got {list(values)}")
    index = {float(v): i for i, v in enumerate(values)}
    outside = sorted({float(v) for v in np.concatenate([x, y]) if float(v) not in index})
    if outside:
        raise ValueError(f"scores {outside} are not among the labels {values.tolist()}")
    k = len(values)
    ix = np.array([index[float(v)] for v in x], dtype=int)
    iy = np.array([index[float(v)] for v in y], dtype=int)
    return np.bincount(ix * k + iy, minlength=k * k).reshape(k, k).astype(float), values


def cohen_kappa(
    a: Sequence[Score], b: Sequence[Score], weights: KappaWeights = None, labels: Sequence[float] | None = None
) -> float | None:
    """Cohen's kappa, optionally weighted: 1 - sum(w O) / sum(w E).

    O is the observed table of proportions, E the outer product of its
    margins, w = 1 - identity (unweighted), |i - j| (linear) or (i - j)^2
    (quadratic), with i, j the *positions* of the categories in ``labels``.
    For a 1..5 scale pass ``labels=range(1, 6)`` so a scale point nobody used
    still counts as a step (the default is the values seen, as scikit-learn
    does). None when sum(w E) = 0 (every item in one category on both sides).
    """
    x, y = paired_scores(a, b)
    if len(x) == 0:
        return None
    table, _ = _table(x, y, labels)
    k = table.shape[0]
    i, j = np.indices((k, k))
    w = {
        None: (i != j).astype(float),
        "linear": np.abs(i - j).astype(float),
        "quadratic": ((i - j) ** 2).astype(float),
    }[weights]
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    denominator = float(np.sum(w * expected))
    if denominator == 0.0:
        return None
    return 1.0 - float(np.sum(w * table)) / denominator


def quadratic_weighted_kappa(
    a: Sequence[Score], b: Sequence[Score], labels: Sequence[float] | None = None
) -> float | None:
    """Cohen's kappa with quadratic weights: the agreement statistic for ordinal scales (1..5)."""
    return cohen_kappa(a, b, weights="quadratic", labels=labels)


def gwet_ac1(a: Sequence[Score], b: Sequence[Score], categories: Sequence[float] | None = None) -> float | None:
    """Gwet's AC1 for two raters: (p_a - p_e) / (1 - p_e), p_e = sum_q pi_q (1 - pi_q) / (Q - 1).

    p_a is the share of items both put in the same category, pi_q the share of
    all 2n ratings in category q, Q the number of categories (``categories``,
    default the values seen; pass ``(0, 1)`` for binary criteria so a criterion
    where everyone always passed still has two). Unlike kappa's chance term,
    p_e shrinks as one category dominates, so AC1 stays high when a judge and
    a person agree on a 90%-pass criterion. None with no item or Q < 2.
    """
    x, y = paired_scores(a, b)
    if len(x) == 0:
        return None
    table, _ = _table(x, y, categories)
    q = table.shape[0]
    if q < 2:
        return None
    n = table.sum()
    p_a = float(np.trace(table)) / n
    pi = (table.sum(axis=1) + table.sum(axis=0)) / (2.0 * n)
    p_e = float(np.sum(pi * (1.0 - pi))) / (q - 1)
    return (p_a - p_e) / (1.0 - p_e)


def bias_and_mae(judge: Sequence[Score], human: Sequence[Score]) -> tuple[float | None, float | None]:
    """Mean (judge - human), which says in which direction the judge errs, and mean |judge - human|."""
    x, y = paired_scores(judge, human)
    if len(x) == 0:
        return None, None
    d = x - y
    return float(d.mean()), float(np.abs(d).mean())


class BinaryAgreement(BaseModel):
    """Everything evalkit reports for one binary criterion, judge (or labeller A) against human (B)."""

    model_config = ConfigDict(frozen=True)

    n: int
    percent_agreement: float | None
    confusion: BinaryConfusion
    cohen_kappa: float | None
    gwet_ac1: float | None
    krippendorff_alpha: float | None  # nominal, two raters


def binary_agreement(judge: Sequence[Score], human: Sequence[Score], confidence: float = 0.95) -> BinaryAgreement:
    """Agreement on a pass/fail criterion (also for scales cut at the criterion's threshold)."""
    j, h = paired_scores(judge, human)
    conf = confusion(j.tolist(), h.tolist(), confidence)
    return BinaryAgreement(
        n=len(j),
        percent_agreement=float(np.mean(j == h)) if len(j) else None,
        confusion=conf,
        cohen_kappa=cohen_kappa(j.tolist(), h.tolist(), labels=(0, 1)),
        gwet_ac1=gwet_ac1(j.tolist(), h.tolist(), categories=(0, 1)),
        krippendorff_alpha=krippendorff_alpha([j.tolist(), h.tolist()], "nominal"),
    )


class ScaleAgreement(BaseModel):
    """Agreement on a scored criterion (e.g. 1..5): chance-corrected, rank and distance measures."""

    model_config = ConfigDict(frozen=True)

    n: int
    exact_agreement: float | None
    quadratic_kappa: float | None
    krippendorff_alpha_ordinal: float | None
    krippendorff_alpha_interval: float | None
    spearman: float | None
    kendall_tau_b: float | None
    bias: float | None  # mean judge - human: > 0 means the judge is lenient
    mae: float | None


def scale_agreement(
    judge: Sequence[Score], human: Sequence[Score], scale: Sequence[float] | None = None
) -> ScaleAgreement:
    """Agreement on a scale criterion; ``scale`` lists its points (e.g. range(1, 6)) for the kappa weights."""
    j, h = paired_scores(judge, human)
    js, hs = j.tolist(), h.tolist()
    bias, mae = bias_and_mae(js, hs)
    return ScaleAgreement(
        n=len(j),
        exact_agreement=float(np.mean(j == h)) if len(j) else None,
        quadratic_kappa=quadratic_weighted_kappa(js, hs, labels=scale),
        krippendorff_alpha_ordinal=krippendorff_alpha([js, hs], "ordinal"),
        krippendorff_alpha_interval=krippendorff_alpha([js, hs], "interval"),
        spearman=spearman(js, hs),
        kendall_tau_b=kendall_tau_b(js, hs),
        bias=bias,
        mae=mae,
    )
