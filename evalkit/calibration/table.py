"""Terminal tables: per-criterion agreement of a record, and the trust state of each rubric x judge."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from evalkit.calibration.record import CalibrationRecord, CriterionCalibration
from evalkit.calibration.trust import TrustRow
from evalkit.stats.cluster_bootstrap import ClusterInterval

STATE_STYLES = {
    "trusted": "green",
    "weak": "yellow",
    "untrusted": "bold red",
    "missing": "dim",
    "stale": "magenta",
    "aged": "yellow",
}


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _ci(interval: ClusterInterval | None, fallback: float | None = None) -> str:
    if interval is None:
        return _num(fallback)
    if interval.low is None or interval.high is None:
        return _num(interval.estimate)
    return f"{_num(interval.estimate)} [{_num(interval.low)}, {_num(interval.high)}]"


def _row(c: CriterionCalibration) -> list[str]:
    m = c.binary.confusion
    scale = c.scale_stats
    noise = c.judge_noise.judge_share_trial if c.judge_noise else None
    return [
        c.criterion_id + (f" (>= {c.threshold:g})" if c.threshold is not None else ""),
        f"{c.n_items}/{c.n_clusters}",
        f"{m.tp} {m.fp} {m.fn} {m.tn}",
        _ci(c.intervals.get("tpr"), m.tpr.estimate),
        _ci(c.intervals.get("fpr"), m.fpr.estimate),
        _ci(c.intervals.get("cohen_kappa"), c.binary.cohen_kappa),
        _ci(c.intervals.get("gwet_ac1"), c.binary.gwet_ac1),
        _num(c.binary.krippendorff_alpha),
        _ci(c.intervals.get("quadratic_kappa")) if scale else "-",
        f"{_num(scale.spearman)}/{_num(scale.bias)}/{_num(scale.mae)}" if scale else "-",
        _num(c.human_human.cohen_kappa) if c.human_human else "-",
        _num(c.invalid.gap),
        _num(c.cited_match),
        _num(noise),
    ]


def record_table(record: CalibrationRecord) -> Table:
    key = record.key
    title = (
        f"{key.rubric} x {', '.join(key.judge_models) or 'no judge'}: {record.n_holdout} holdout labels, "
        f"{record.n_transcripts} transcripts, {record.n_clusters} scenarios"
    )
    table = Table(
        title=title, caption="intervals: 95% clustered by scenario; TP FP FN TN: judge vs human, pass = positive"
    )
    for column in (
        "criterion",
        "n/scen",
        "TP FP FN TN",
        "TPR",
        "FPR",
        "kappa",
        "AC1",
        "alpha",
        "qw-kappa",
        "rho/bias/MAE",
        "human kappa",
        "invalid gap",
        "same turn",
        "judge share",
    ):
        table.add_column(column)
    for criterion in record.criteria:
        table.add_row(*_row(criterion))
    if record.verdict is not None:
        v = record.verdict
        m = v.confusion
        hh = record.verdict_human_human
        table.add_row(
            "[bold]verdict[/]",
            str(v.n),
            f"{m.tp} {m.fp} {m.fn} {m.tn}",
            _num(m.tpr.estimate),
            _num(m.fpr.estimate),
            _num(v.cohen_kappa),
            _num(v.gwet_ac1),
            _num(v.krippendorff_alpha),
            "-",
            "-",
            _num(hh.cohen_kappa) if hh else "-",
            "-",
            "-",
            "-",
        )
    return table


def trust_table(rows: list[TrustRow]) -> Table:
    table = Table(title="judge trust")
    for column in ("rubric", "judge", "state", "why", "suites"):
        table.add_column(column)
    for row in rows:
        style = STATE_STYLES[row.state]
        table.add_row(
            row.use.rubric,
            ", ".join(row.use.judge_models) or "-",
            f"[{style}]{row.state}[/]",
            row.why,
            ", ".join(row.use.suites),
        )
    return table


def print_table(table: Table) -> None:
    Console(width=max(120, Console().width)).print(table)
