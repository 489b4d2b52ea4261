"""How far a calibration record backs the judge in use: trusted, weak, untrusted, missing, stale or aged.

trusted: every criterion's interval bounds clear the floors (kappa's lower
bound >= min_kappa, TPR's lower bound >= min_tpr, FPR's upper bound <= max_fpr).
weak: the point estimates clear them but some bound does not (too few labels),
or the labels come from fewer than min_clusters scenarios (the few-scenarios
interval is optimistic, docs/judge_trust.md).
untrusted: some point estimate misses a floor. missing: no (readable) record.
stale: the record was made for another fingerprint, judge or template.
aged: current and clearing the floors, but older than max_age_days.
Pure: no file system and no clock (the caller passes `today`), so the gate and
`evalkit calibrate check` classify the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from evalkit.spec.models import JudgeTrustGate
from evalkit.verdicts.trust_record import CalibrationRecord, CriterionCalibration

TrustState = Literal["trusted", "weak", "untrusted", "missing", "stale", "aged"]
TrustFloors = JudgeTrustGate  # one model: the gate's config carries the floors `calibrate check` applies


@dataclass(frozen=True)
class InUse:
    """One rubric version x judge as it judges now: the instrument key a record must match."""

    rubric: str
    fingerprint: str
    judge_models: tuple[str, ...]
    template_hash: str
    suites: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.rubric} x {'+'.join(self.judge_models) or '-'}"


def _bound(criterion: CriterionCalibration, name: str, side: str) -> float | None:
    interval = criterion.intervals.get(name)
    value = getattr(interval, side, None) if interval is not None else None
    if value is None and name in ("tpr", "fpr"):  # no clustered interval: the Wilson one
        wilson = getattr(criterion.binary.confusion, name)
        return getattr(wilson, side) if wilson.estimate is not None else None
    return value


def strictest(floors: list[JudgeTrustGate]) -> JudgeTrustGate:
    """What every one of these gates demands: the report and `evalkit calibrate check` combine suites' floors so."""
    if not floors:
        return JudgeTrustGate()
    ages = [f.max_age_days for f in floors if f.max_age_days is not None]
    return JudgeTrustGate(
        min_kappa=max(f.min_kappa for f in floors),
        min_tpr=max(f.min_tpr for f in floors),
        max_fpr=min(f.max_fpr for f in floors),
        min_clusters=max(f.min_clusters for f in floors),
        max_age_days=min(ages) if ages else None,
    )


def _misses(criterion: CriterionCalibration, floors: JudgeTrustGate, bounds: bool) -> list[str]:
    """Which floors this criterion misses, on its bounds (bounds=True) or its point estimates."""
    b = criterion.binary
    kappa = _bound(criterion, "cohen_kappa", "low") if bounds else b.cohen_kappa
    tpr = _bound(criterion, "tpr", "low") if bounds else b.confusion.tpr.estimate
    fpr = _bound(criterion, "fpr", "high") if bounds else b.confusion.fpr.estimate
    misses = []
    if kappa is None or kappa < floors.min_kappa:
        misses.append(f"kappa{' low' if bounds else ''} {_show(kappa)} < {floors.min_kappa}")
    if tpr is None or tpr < floors.min_tpr:
        misses.append(f"TPR{' low' if bounds else ''} {_show(tpr)} < {floors.min_tpr}")
    if fpr is None or fpr > floors.max_fpr:
        misses.append(f"FPR{' high' if bounds else ''} {_show(fpr)} > {floors.max_fpr}")
    return [f"{criterion.criterion_id}: {m}" for m in misses]


def _show(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def record_age_days(record: CalibrationRecord, today: date) -> int | None:
    """Days since the record was made; None when its date does not parse."""
    try:
        return (today - date.fromisoformat(record.key.date)).days
    except ValueError:
        return None


def judge_record(
    record: CalibrationRecord, use: InUse, floors: JudgeTrustGate, today: date | None = None
) -> tuple[TrustState, str]:
    """Classify one record against the instrument in use; `today` enables the max_age_days check."""
    key = record.key
    same_template = key.template_hash in (None, use.template_hash) or not use.template_hash  # unknown on a side
    changed = [
        name
        for name, same in (
            ("rubric fingerprint", key.rubric_fingerprint == use.fingerprint),
            ("judge models", tuple(key.judge_models) == use.judge_models),
            ("judge template", same_template),
        )
        if not same
    ]
    if changed:
        return "stale", f"{', '.join(changed)} changed since the record of {key.date}"
    if not record.criteria:
        return "untrusted", "the record has no criterion with holdout labels"
    points = [m for c in record.criteria for m in _misses(c, floors, bounds=False)]
    if points:
        return "untrusted", "; ".join(points)
    bounds = [m for c in record.criteria for m in _misses(c, floors, bounds=True)]
    if record.n_clusters < floors.min_clusters:
        bounds.append(f"labels from {record.n_clusters} scenarios (< {floors.min_clusters})")
    if bounds:
        return "weak", "; ".join(bounds)
    age = record_age_days(record, today) if today is not None else None
    if today is not None and floors.max_age_days is not None and (age is None or age > floors.max_age_days):
        made = f"{age} days ago" if age is not None else f"on an unreadable date {key.date!r}"
        return "aged", f"the record was made {made} (older than max_age_days {floors.max_age_days})"
    return (
        "trusted",
        f"every criterion clears the floors ({record.n_holdout} holdout labels, {record.n_clusters} scenarios)",
    )
