"""Calibration records built from constructed judge / human verdicts, for the judge_trust gate tests."""

from __future__ import annotations

from evalkit.stats.agreement import binary_agreement
from evalkit.stats.cluster_bootstrap import ClusterInterval
from evalkit.verdicts.judge_trust import InUse
from evalkit.verdicts.trust_record import (
    CalibrationKey,
    CalibrationRecord,
    CriterionCalibration,
    InvalidGap,
    judge_slug,
)


def interval(estimate: float | None, low: float | None, high: float | None, n_clusters: int = 12) -> ClusterInterval:
    return ClusterInterval(
        estimate=estimate,
        low=low,
        high=high,
        confidence=0.95,
        method="cluster_bootstrap",
        n_clusters=n_clusters,
        n_items=60,
        n_undefined=0,
        note="constructed",
    )


def record_for(
    use: InUse,
    judge: list[int],
    human: list[int],
    *,
    n_clusters: int = 12,
    date: str = "2026-12-01",
    bounds: dict[str, tuple[float | None, float | None]] | None = None,
    verdict: bool = True,
    criterion: str = "resolved",
) -> CalibrationRecord:
    """A record of `use` whose one criterion (and verdict) has the agreement of these verdicts.

    `bounds` sets clustered intervals by statistic name (cohen_kappa, tpr, fpr): (low, high);
    a statistic left out falls back to its Wilson interval (TPR, FPR) or has no bound (kappa).
    """
    agreement = binary_agreement([float(j) for j in judge], [float(h) for h in human])
    estimates = {
        "cohen_kappa": agreement.cohen_kappa,
        "tpr": agreement.confusion.tpr.estimate,
        "fpr": agreement.confusion.fpr.estimate,
    }
    intervals = {name: interval(estimates[name], low, high, n_clusters) for name, (low, high) in (bounds or {}).items()}
    crit = CriterionCalibration(
        criterion_id=criterion,
        scale="binary",
        threshold=None,
        n_items=len(judge),
        n_clusters=n_clusters,
        binary=agreement,
        intervals=intervals,
        invalid=InvalidGap(
            p_invalid_human_fail=0.0,
            p_invalid_human_pass=0.0,
            gap=0.0,
            n_human_fail=human.count(0),
            n_human_pass=human.count(1),
        ),
    )
    key = CalibrationKey(
        rubric=use.rubric,
        rubric_fingerprint=use.fingerprint,
        judge_models=list(use.judge_models),
        template_hash=use.template_hash,
        judge_params={"temperature": 0},
        evalkit_version="test",
        label_set_hash="constructed",
        date=date,
    )
    return CalibrationRecord(
        key=key,
        judge_slug=judge_slug(list(use.judge_models)),
        seed=0,
        rejudge=0,
        n_labels=len(judge),
        n_holdout=len(judge),
        n_transcripts=len(judge),
        n_clusters=n_clusters,
        criteria=[crit],
        verdict=agreement if verdict else None,
    )


def good_judge(n: int = 60) -> tuple[list[int], list[int]]:
    """A judge that agrees with the human on all but one pass and one fail (TPR 29/30, FPR 1/30)."""
    human = [1] * (n // 2) + [0] * (n // 2)
    judge = list(human)
    judge[0], judge[-1] = 0, 1
    return judge, human
