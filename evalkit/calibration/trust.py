"""`evalkit calibrate check`: is each rubric x judge the project's suites use backed by a current record?

trusted: every criterion's interval bounds clear the floors (kappa's lower
bound >= min_kappa, TPR's lower bound >= min_tpr, FPR's upper bound <= max_fpr).
weak: the point estimates clear them but some bound does not (too few labels),
or the labels come from fewer than min_clusters scenarios (the few-scenarios
interval is optimistic, docs/judge_trust.md).
untrusted: some point estimate misses a floor. missing: no record.
stale: the record was made for another fingerprint, judge or template.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from evalkit.calibration.record import CalibrationRecord, CriterionCalibration, read_record, record_path
from evalkit.judging.judge import resolve_judge
from evalkit.judging.render import DEFAULT_JUDGE_TEMPLATE, builtin_template, template_hash
from evalkit.run.judge_stage import judging_setup
from evalkit.run.plan import WorkItem

TrustState = Literal["trusted", "weak", "untrusted", "missing", "stale"]


class TrustFloors(BaseModel):
    """The judge_trust floors, applied to interval bounds (the issue's defaults)."""

    model_config = ConfigDict(frozen=True)

    min_kappa: float = 0.6
    min_tpr: float = 0.8
    max_fpr: float = 0.15
    min_clusters: int = 10


@dataclass(frozen=True)
class InUse:
    """One rubric version x judge as a suite judges with it now."""

    rubric: str
    fingerprint: str
    judge_models: tuple[str, ...]
    template_hash: str
    suites: tuple[str, ...]


@dataclass(frozen=True)
class TrustRow:
    use: InUse
    state: TrustState
    why: str
    path: Path


def in_use(loaded_suites: list[Any], judge_model: str | None = None) -> list[InUse]:
    """Every (rubric version, judge models) the suites' scenarios are judged with, resolved as a run does."""
    found: dict[tuple[str, tuple[str, ...]], InUse] = {}
    for loaded in loaded_suites:
        for scenario in loaded.scenarios:
            default_judge, rubrics = judging_setup(WorkItem(loaded, scenario, None, 0, 0), judge_model)
            for resolved in rubrics:
                models = tuple(resolve_judge(resolved.rubric.judge, default_judge).models())
                text = resolved.template_text or builtin_template(DEFAULT_JUDGE_TEMPLATE)
                key = (resolved.ref, models)
                old = found.get(key)
                suites = tuple(sorted({*(old.suites if old else ()), loaded.suite.suite}))
                found[key] = InUse(resolved.ref, resolved.fingerprint, models, template_hash(text), suites)
    return [found[k] for k in sorted(found)]


def _bound(criterion: CriterionCalibration, name: str, side: str) -> float | None:
    interval = criterion.intervals.get(name)
    value = getattr(interval, side, None) if interval is not None else None
    if value is None and name in ("tpr", "fpr"):  # no clustered interval: the Wilson one
        wilson = getattr(criterion.binary.confusion, name)
        return getattr(wilson, side) if wilson.estimate is not None else None
    return value


def _misses(criterion: CriterionCalibration, floors: TrustFloors, bounds: bool) -> list[str]:
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


def judge_record(record: CalibrationRecord, use: InUse, floors: TrustFloors) -> tuple[TrustState, str]:
    key = record.key
    changed = [name for name, same in (("rubric fingerprint", key.rubric_fingerprint == use.fingerprint),
                                        ("judge models", tuple(key.judge_models) == use.judge_models),
                                        ("judge template", key.template_hash in (None, use.template_hash)))
               if not same]
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
    return "trusted", f"every criterion clears the floors ({record.n_holdout} holdout labels, {record.n_clusters} scenarios)"


def check_project(project: Path, loaded_suites: list[Any], floors: TrustFloors,
                  judge_model: str | None = None) -> list[TrustRow]:
    rows = []
    for use in in_use(loaded_suites, judge_model):
        path = record_path(project, use.rubric, list(use.judge_models))
        if not path.is_file():
            rows.append(TrustRow(use, "missing", "no calibration record (run `evalkit calibrate`)", path))
            continue
        try:
            record = read_record(path)
        except ValueError as exc:
            rows.append(TrustRow(use, "missing", str(exc), path))
            continue
        state, why = judge_record(record, use, floors)
        rows.append(TrustRow(use, state, why, path))
    return rows
