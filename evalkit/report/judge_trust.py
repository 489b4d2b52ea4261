"""The report's "Judge trust" section: per rubric version x judge the run used, what its calibration record says.

The instrument is read from the run's own rows (rubric fingerprint, judge
models, template hash, exactly what judged), the record from the project's
`calibration/` directory, and the state from `evalkit.verdicts.judge_trust`,
the classification `evalkit calibrate check` and the judge_trust gate use.
The record's age is counted today (UTC), as `calibrate check` and the gate
the report re-decides count it, so the section and the gate row agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from evalkit.report.drilldown import anchor_for
from evalkit.report.gates import gate_config
from evalkit.report.rundata import RunData
from evalkit.spec.project import find_project_root
from evalkit.stats.cluster_bootstrap import ClusterInterval
from evalkit.stats.intervals import Interval
from evalkit.verdicts.judge_trust import InUse, TrustState, judge_record
from evalkit.verdicts.rows import CHECKS_REF, TrialRecord
from evalkit.verdicts.trust_record import CalibrationRecord, CriterionCalibration, Disagreement, read_record, record_path

PROJECT_MARKER = "pyproject.toml"  # as evalkit.spec.project.find_project_root


@dataclass(frozen=True)
class Stat:
    """A statistic and its interval (clustered by scenario when the record has one)."""

    estimate: float | None
    low: float | None = None
    high: float | None = None

    @property
    def text(self) -> str:
        if self.estimate is None:
            return "–"
        if self.low is None or self.high is None:
            return f"{self.estimate:.2f}"
        return f"{self.estimate:.2f} [{self.low:.2f}, {self.high:.2f}]"


@dataclass(frozen=True)
class CriterionTrust:
    criterion_id: str
    threshold: float | None  # the pass mark a scale was cut at
    n_items: int
    n_clusters: int
    confusion: tuple[int, int, int, int]  # TP FP FN TN, judge vs human, pass = positive
    kappa: Stat
    ac1: Stat
    tpr: Stat
    fpr: Stat


@dataclass(frozen=True)
class DisagreementView:
    criterion_id: str
    scale: bool
    item: Disagreement
    anchor: str | None  # the trial of this run with the same transcript, if any
    trial: TrialRecord | None  # that trial


@dataclass
class TrustSection:
    """One rubric version x judge: its state and, when a record exists, what the record measured."""

    use: InUse
    state: TrustState
    why: str  # the classification's reason ("" for no record at all)
    path: str  # the record's path, relative to the project when inside it
    record: CalibrationRecord | None = None
    criteria: list[CriterionTrust] = field(default_factory=list)
    disagreements: list[DisagreementView] = field(default_factory=list)
    probes: list[tuple[str, str]] = field(default_factory=list)  # (probe, what it measured), when the record has them


def project_of(run: RunData) -> Path:
    """The project the run belongs to: the nearest one above the run directory (a run under its `reports/`),
    else the one above its suite file as run.json names it, else the working directory's."""
    here = run.path.resolve()
    for candidate in (here, *here.parents):
        if (candidate / PROJECT_MARKER).is_file():
            return candidate
    for entry in run.manifest.get("suites", []) or []:
        path = Path(str(entry.get("path") or ""))
        if path.is_absolute() and path.exists():
            return find_project_root(path)
    return find_project_root()


def uses_of(run: RunData) -> list[InUse]:
    """Each rubric version x judge the run's LLM criteria were judged with, and the suites that used it."""
    suites: dict[tuple[str, str, tuple[str, ...], str], set[str]] = defaultdict(set)
    for row in run.results:
        if row.rubric_ref == CHECKS_REF or row.kind != "llm" or not row.judge_models:
            continue
        suites[(row.rubric_ref, row.rubric_fingerprint or "", tuple(row.judge_models), row.template_hash or "")].add(
            row.suite)
    return [InUse(ref, fp, models, th, tuple(sorted(s))) for (ref, fp, models, th), s in sorted(suites.items())]


def _stat(criterion: CriterionCalibration, name: str, point: float | None, wilson: Interval | None = None) -> Stat:
    interval: ClusterInterval | None = criterion.intervals.get(name)
    if interval is not None and interval.low is not None and interval.high is not None:
        return Stat(interval.estimate, interval.low, interval.high)
    if wilson is not None and wilson.estimate is not None:
        return Stat(wilson.estimate, wilson.low, wilson.high)
    return Stat(point)


def criterion_trust(c: CriterionCalibration) -> CriterionTrust:
    m = c.binary.confusion
    return CriterionTrust(
        criterion_id=c.criterion_id, threshold=c.threshold, n_items=c.n_items, n_clusters=c.n_clusters,
        confusion=(m.tp, m.fp, m.fn, m.tn), kappa=_stat(c, "cohen_kappa", c.binary.cohen_kappa),
        ac1=_stat(c, "gwet_ac1", c.binary.gwet_ac1), tpr=_stat(c, "tpr", m.tpr.estimate, m.tpr),
        fpr=_stat(c, "fpr", m.fpr.estimate, m.fpr))


def probe_rows(probes: Any) -> list[tuple[str, str]]:
    """Whatever probes the record carries, as (name, its scalar fields) pairs: the report does not own their shape."""
    if not probes:
        return []
    if isinstance(probes, BaseModel):  # one model with a field per probe
        probes = {name: value for name, value in probes if value is not None}
    items = probes.items() if isinstance(probes, dict) else enumerate(probes)
    rows = []
    for key, probe in items:
        data = probe.model_dump(mode="json") if hasattr(probe, "model_dump") else probe
        if not isinstance(data, dict):
            rows.append((str(key), str(data)))
            continue
        name = str(data.get("name") or data.get("probe") or data.get("kind") or key)
        fields = [f"{k} {_scalar(v)}" for k, v in data.items()
                  if k not in ("name", "probe", "kind") and isinstance(v, str | int | float | bool | None)]
        rows.append((name, "; ".join(fields)))
    return rows


def _scalar(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _relative(path: Path, project: Path) -> str:
    try:
        return str(path.relative_to(project))
    except ValueError:
        return str(path)


def section_for(run: RunData, use: InUse, project: Path, today: dt.date) -> TrustSection:
    path = record_path(project, use.rubric, list(use.judge_models))
    shown = _relative(path, project)
    if not path.is_file():
        return TrustSection(use, "missing", "", shown)  # the template says what to do
    try:
        record = read_record(path)
    except ValueError as exc:
        return TrustSection(use, "missing", str(exc), shown)
    floors = gate_config(run, use.suites[0] if use.suites else "").judge_trust  # the first suite's floors
    state, why = judge_record(record, use, floors, today)
    trials = {t.transcript_hash: t for t in run.trials if t.transcript_hash}
    disagreements = []
    for c in record.criteria:
        for d in c.disagreements:
            t = trials.get(d.transcript_hash)
            disagreements.append(DisagreementView(c.criterion_id, c.scale == "scale", d, anchor_for(t) if t else None, t))
    return TrustSection(use, state, why, shown, record, [criterion_trust(c) for c in record.criteria], disagreements,
                        probe_rows(getattr(record, "probes", None)))


def judge_trust(run: RunData) -> list[TrustSection]:
    """One section per rubric version x judge the run used (none for a run judged only by checks)."""
    uses = uses_of(run)
    if not uses:
        return []
    project, today = project_of(run), dt.datetime.now(dt.UTC).date()
    return [section_for(run, use, project, today) for use in uses]
