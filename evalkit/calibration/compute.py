"""Agreement per criterion on the holdout labels: the numbers of the calibration record.

Unit of analysis: one holdout label line (a transcript labelled by two people
counts twice, each against the same judge reading). A scale is compared twice:
cut at its pass mark (the criterion's threshold, else the rubric's, exactly as
`evalkit.judging.scoring` decides a pass) with the binary statistics, and on its
own points with the scale statistics (the judge's mean over samples rounded to
the nearest point). Invalid judge readings are left out of agreement and
counted in `invalid`. Intervals resample scenarios (`cluster`), seeded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from evalkit.calibration.items import Item
from evalkit.calibration.readings import Readings
from evalkit.calibration.record import CriterionCalibration, InvalidGap
from evalkit.judging.scoring import criterion_passes, normalise_score, scale_bounds
from evalkit.judging.verdict import CriterionScore, Outcome, RubricVerdict
from evalkit.spec.models import Criterion, Rubric
from evalkit.stats.agreement import (
    BinaryAgreement,
    binary_agreement,
    cohen_kappa,
    gwet_ac1,
    quadratic_weighted_kappa,
    scale_agreement,
)
from evalkit.stats.cluster_bootstrap import BootstrapConfig, ClusterInterval, cluster_interval
from evalkit.stats.kripp_alpha import krippendorff_alpha
from evalkit.stats.variance_share import VarianceShare, variance_share
from evalkit.verdicts.trust_record import Disagreement

Pair = tuple[float | None, float]  # (judge, human)


@dataclass(frozen=True)
class Row:
    """One holdout label line on one criterion."""

    cluster: str
    transcript: str
    labeller: str
    human_raw: float
    human_pass: float
    judge: CriterionScore | None
    cited: frozenset[int] = frozenset()  # turns the labeller cited
    note: str = ""  # the labeller's note on this criterion
    path: str = ""  # the label's transcript path


def _pass(criterion: Criterion, raw: float, rubric: Rubric) -> float:
    return float(criterion_passes(normalise_score(raw, criterion), criterion, rubric.threshold))


def _judge_pass(score: CriterionScore | None) -> float | None:
    if score is None or score.outcome == Outcome.invalid:
        return None
    return 1.0 if score.outcome == Outcome.passed else 0.0


def _judge_point(score: CriterionScore | None) -> float | None:
    if score is None or score.outcome == Outcome.invalid or score.raw_score is None:
        return None
    return float(np.floor(score.raw_score + 0.5))


def _criterion(verdict: RubricVerdict, criterion_id: str) -> CriterionScore | None:
    return next((c for c in verdict.criteria if c.criterion_id == criterion_id), None)


def rows_for(criterion: Criterion, rubric: Rubric, items: list[Item], readings: dict[str, Readings]) -> list[Row]:
    rows = []
    for item in items:
        scored = item.label.criteria.get(criterion.id)
        if scored is None:
            continue
        raw = float(scored.score)
        rows.append(
            Row(
                item.label.cluster,
                item.key,
                item.label.labeller or "",
                raw,
                _pass(criterion, raw, rubric),
                _criterion(readings[item.key].first, criterion.id),
                frozenset(c.turn for c in scored.cited),
                scored.note,
                item.label.transcript,
            )
        )
    return rows


# ---------------------------------------------------------------- statistics on index arrays


def _rate(j: np.ndarray, h: np.ndarray, human: float) -> float | None:
    picked = j[h == human]
    return float(picked.mean()) if len(picked) else None


def _binary_statistics(j: np.ndarray, h: np.ndarray) -> dict[str, Callable[[np.ndarray], float | None]]:
    pairs = lambda i: (j[i].tolist(), h[i].tolist())  # noqa: E731
    return {
        "agreement": lambda i: float(np.mean(j[i] == h[i])),
        "cohen_kappa": lambda i: cohen_kappa(*pairs(i), labels=(0, 1)),
        "gwet_ac1": lambda i: gwet_ac1(*pairs(i), categories=(0, 1)),
        "krippendorff_alpha": lambda i: krippendorff_alpha(list(pairs(i)), "nominal"),
        "tpr": lambda i: _rate(j[i], h[i], 1.0),
        "fpr": lambda i: _rate(j[i], h[i], 0.0),
    }


PROPORTIONS = {"agreement", "tpr", "fpr"}


def _intervals(
    statistics: dict[str, Callable[[np.ndarray], float | None]], clusters: Sequence[str], seed: int
) -> dict[str, ClusterInterval]:
    out = {}
    for name, statistic in statistics.items():
        support = (0.0, 1.0) if name in PROPORTIONS else (-1.0, 1.0)
        out[name] = cluster_interval(statistic, clusters, BootstrapConfig(seed=seed, support=support))
    return out


def _invalid_gap(rows: list[Row]) -> InvalidGap:
    def share(human: float) -> tuple[float | None, int]:
        picked = [r for r in rows if r.human_pass == human]
        if not picked:
            return None, 0
        return sum(_judge_pass(r.judge) is None for r in picked) / len(picked), len(picked)

    fail, n_fail = share(0.0)
    passed, n_pass = share(1.0)
    gap = fail - passed if fail is not None and passed is not None else None
    return InvalidGap(
        p_invalid_human_fail=fail, p_invalid_human_pass=passed, gap=gap, n_human_fail=n_fail, n_human_pass=n_pass
    )


def human_pairs(keyed: list[tuple[str, str, float]]) -> tuple[list[float], list[float]]:
    """(transcript, labeller, value) -> the first two labellers (by name) of each transcript labelled by two."""
    by_transcript: dict[str, dict[str, float]] = defaultdict(dict)
    for transcript, labeller, value in keyed:
        by_transcript[transcript].setdefault(labeller, value)
    a, b = [], []
    for values in by_transcript.values():
        if len(values) >= 2:
            first, second = sorted(values)[:2]
            a.append(values[first])
            b.append(values[second])
    return a, b


def _judge_noise(rows: list[Row], readings: dict[str, Readings], criterion_id: str) -> VarianceShare | None:
    """Judge vs agent variance within scenarios from each transcript's readings (None without re-readings)."""
    per_cluster: dict[str, list[list[float]]] = defaultdict(list)
    seen = set()
    for row in rows:
        if row.transcript in seen:
            continue
        seen.add(row.transcript)
        taken = readings[row.transcript]
        scores = [_criterion(v, criterion_id) for v in [taken.first, *taken.again]]
        values = [s.score for s in scores if s is not None and s.score is not None]
        if len(values) >= 2:
            per_cluster[row.cluster].append(values)
    if not any(readings[r.transcript].again for r in rows):
        return None
    return variance_share(dict(sorted(per_cluster.items())))


def cited_match(rows: list[Row]) -> tuple[float | None, int]:
    """(share, n): of valid items the labeller cited turns for, how many the judge cites one of those turns in."""
    cited = [r for r in rows if r.cited and r.judge is not None and _judge_pass(r.judge) is not None]
    if not cited:
        return None, 0
    hits = sum(bool(r.cited & {e.turn for e in r.judge.evidence}) for r in cited if r.judge is not None)
    return hits / len(cited), len(cited)


def disagreements(rows: list[Row]) -> list[Disagreement]:
    """Valid items where the judge's pass differs from the human's, in label order (the report lists them)."""
    return [
        Disagreement(
            transcript=r.path,
            transcript_hash=r.transcript,
            cluster=r.cluster,
            labeller=r.labeller,
            human_score=r.human_raw,
            human_pass=bool(r.human_pass),
            human_note=r.note,
            judge_score=r.judge.raw_score,
            judge_reasoning=r.judge.reasoning,
            judge_evidence=list(r.judge.evidence),
        )
        for r in rows
        if r.judge is not None and _judge_pass(r.judge) not in (None, r.human_pass)
    ]


def calibrate_criterion(
    criterion: Criterion, rubric: Rubric, rows: list[Row], readings: dict[str, Readings], seed: int
) -> CriterionCalibration:
    valid = [r for r in rows if _judge_pass(r.judge) is not None]
    j = np.array([_judge_pass(r.judge) for r in valid], dtype=float)
    h = np.array([r.human_pass for r in valid], dtype=float)
    clusters = [r.cluster for r in valid]
    statistics = _binary_statistics(j, h)
    scale_stats = None
    is_scale = criterion.scale != "binary"
    if is_scale:
        low, high = scale_bounds(criterion)
        points = list(range(low, high + 1))
        jp = np.array([_judge_point(r.judge) for r in valid], dtype=float)
        hp = np.array([r.human_raw for r in valid], dtype=float)
        scale_stats = scale_agreement(jp.tolist(), hp.tolist(), scale=points)
        statistics["quadratic_kappa"] = lambda i: quadratic_weighted_kappa(
            jp[i].tolist(), hp[i].tolist(), labels=points
        )
    a, b = human_pairs([(r.transcript, r.labeller, r.human_pass) for r in rows])
    match, n_cited = cited_match(rows)
    return CriterionCalibration(
        criterion_id=criterion.id,
        scale="scale" if is_scale else "binary",
        threshold=(criterion.threshold if criterion.threshold is not None else rubric.threshold) if is_scale else None,
        n_items=len(valid),
        n_clusters=len(set(clusters)),
        binary=binary_agreement(j.tolist(), h.tolist()),
        intervals=_intervals(statistics, clusters, seed) if valid else {},
        scale_stats=scale_stats,
        invalid=_invalid_gap(rows),
        human_human=binary_agreement(a, b) if a else None,
        judge_noise=_judge_noise(rows, readings, criterion.id),
        cited_match=match,
        n_cited=n_cited,
        disagreements=disagreements(rows),
    )


def verdict_agreement(
    items: list[Item], readings: dict[str, Readings]
) -> tuple[BinaryAgreement | None, BinaryAgreement | None]:
    """(judge vs human, human vs human) on the overall verdict, where labels carry one."""
    with_verdict = [i for i in items if i.label.verdict is not None]
    if not with_verdict:
        return None, None
    human = [1.0 if i.label.verdict == "pass" else 0.0 for i in with_verdict]
    judge = [_judge_outcome(readings[i.key].first) for i in with_verdict]
    a, b = human_pairs([(i.key, i.label.labeller or "", h) for i, h in zip(with_verdict, human, strict=True)])
    return binary_agreement(judge, human), (binary_agreement(a, b) if a else None)


def _judge_outcome(verdict: RubricVerdict) -> float | None:
    if verdict.outcome == Outcome.passed:
        return 1.0
    return 0.0 if verdict.outcome == Outcome.failed else None
