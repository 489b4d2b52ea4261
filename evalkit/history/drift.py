"""`evalkit history drift`: scenarios whose pass rate in the last window of runs fell below the window before.

Per cell (suite, scenario, tier), the runs holding a valid trial of it are put
in start order; the last ``window`` runs are compared with the ``window`` runs
before them. Pass rates count valid trials only (invalid and error trials are
counted and shown, never pass or fail).

* Test: one-sided Boschloo exact test on design-effect counts: each window's
  passes and valid trials divided by 1 + (n0 - 1) rho, rho the intra-run
  correlation pooled over the whole history (`evalkit.history.drift_stats`
  says why not plain pooled counts and why not a permutation over runs).
* Correction: Holm over every cell tested, family-wise error rate <= alpha:
  the job fails when any cell drifts, so that is the job's false-alarm rate.
* Effect size: after - before in pass rate with Newcombe's interval
  (`evalkit.stats.newcombe_diff`) on the same effective counts, so run-to-run
  spread widens it as it widens the test.

bench/history_drift.py checks the false-alarm rate on seeded noise histories
with correlated runs and measures the power on planted drops.
"""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from evalkit.history.drift_stats import RunCounts, boschloo_greater, design_effect, effective, holm, icc_anova
from evalkit.history.run_cells import CELL, FramesLike, per_run
from evalkit.stats import newcombe_diff

METHOD = "one-sided Boschloo exact test on design-effect counts"


class DriftConfig(BaseModel):
    """What `evalkit history drift` compares, and at which error rate."""

    model_config = ConfigDict(frozen=True)

    window: int = Field(5, ge=1, le=100)
    alpha: float = Field(0.05, gt=0.0, lt=1.0)  # family-wise, over every cell tested
    confidence: float = Field(0.95, gt=0.0, lt=1.0)  # of the effect-size interval
    branch: str | None = None
    suite: str | None = None
    tier: str | None = None


class WindowStats(BaseModel):
    """One window of one cell: its runs, raw trial counts and the effective counts the test used."""

    model_config = ConfigDict(frozen=True)

    runs: list[str]
    passes: int
    valid: int
    invalid: int
    errors: int
    eff_passes: int
    eff_valid: int

    @property
    def rate(self) -> float:
        return self.passes / self.valid


class DriftRow(BaseModel):
    """One tested cell."""

    model_config = ConfigDict(frozen=True)

    suite: str
    scenario: str
    tier: str
    before: WindowStats
    after: WindowStats
    deff: float
    diff: float  # after - before, in pass rate
    diff_low: float
    diff_high: float
    p_value: float
    p_holm: float
    drifting: bool

    @property
    def label(self) -> str:
        return f"{self.suite}/{self.scenario} [{self.tier}]"


class Skipped(BaseModel):
    """A cell with fewer than 2 x window runs holding a valid trial."""

    model_config = ConfigDict(frozen=True)

    suite: str
    scenario: str
    tier: str
    runs: int


class DriftReport(BaseModel):
    """Every tested cell (drifting first), the cells with too little history, and the test's settings."""

    model_config = ConfigDict(frozen=True)

    config: DriftConfig
    rho: float  # intra-run correlation pooled over the tested cells' windows
    rows: list[DriftRow]
    skipped: list[Skipped]

    @property
    def drifting(self) -> list[DriftRow]:
        return [r for r in self.rows if r.drifting]

    @property
    def method(self) -> str:
        return METHOD


def _counts(part: pd.DataFrame) -> list[RunCounts]:
    return [RunCounts(passes=int(p), valid=int(v)) for p, v in zip(part["passes"], part["valid"], strict=True)]


def _window(part: pd.DataFrame, deff: float) -> WindowStats:
    passes, valid = int(part["passes"].sum()), int(part["valid"].sum())
    eff_passes, eff_valid = effective(passes, valid, deff)
    return WindowStats(
        runs=[str(r) for r in part["run_id"]],
        passes=passes,
        valid=valid,
        invalid=int(part["invalid"].sum()),
        errors=int(part["errors"].sum()),
        eff_passes=eff_passes,
        eff_valid=eff_valid,
    )


def _filtered(trials: pd.DataFrame, config: DriftConfig) -> pd.DataFrame:
    for column in ("branch", "suite", "tier"):
        value = getattr(config, column)
        if value is not None:
            trials = trials[trials[column] == value]
    return trials


Cell = tuple[str, str, str]
Windows = dict[Cell, tuple[pd.DataFrame, pd.DataFrame]]  # cell -> (before runs, after runs)


def _windows(frames: FramesLike, config: DriftConfig) -> tuple[Windows, list[Skipped]]:
    runs = per_run(_filtered(frames.trials, config), CELL)
    runs = runs[runs["valid"] > 0]
    w = config.window
    windows: Windows = {}
    skipped: list[Skipped] = []
    for (suite, scenario, tier), cell in runs.groupby(CELL, sort=True):
        key = (str(suite), str(scenario), str(tier))
        if len(cell) < 2 * w:
            skipped.append(Skipped(suite=key[0], scenario=key[1], tier=key[2], runs=len(cell)))
        else:
            windows[key] = (cell.iloc[-2 * w : -w], cell.iloc[-w:])
    return windows, skipped


def _row(key: Cell, before: pd.DataFrame, after: pd.DataFrame, rho: float, confidence: float) -> tuple[DriftRow, float]:
    deff = design_effect(rho, _counts(before) + _counts(after))
    b, a = _window(before, deff), _window(after, deff)
    p = boschloo_greater(b.eff_passes, b.eff_valid, a.eff_passes, a.eff_valid)
    interval = newcombe_diff(b.eff_passes, b.eff_valid, a.eff_passes, a.eff_valid, confidence)
    assert interval.low is not None and interval.high is not None  # both windows hold valid trials
    row = DriftRow(
        suite=key[0],
        scenario=key[1],
        tier=key[2],
        before=b,
        after=a,
        deff=deff,
        diff=a.rate - b.rate,
        diff_low=interval.low,
        diff_high=interval.high,
        p_value=p,
        p_holm=1.0,
        drifting=False,
    )
    return row, p


def drift(frames: FramesLike, config: DriftConfig = DriftConfig()) -> DriftReport:
    """Test every cell with 2 x window runs of history; Holm over the cells tested."""
    windows, skipped = _windows(frames, config)
    rho = icc_anova([_counts(part) for pair in windows.values() for part in pair])
    tested = [_row(key, before, after, rho, config.confidence) for key, (before, after) in windows.items()]
    reject, adjusted = holm([p for _, p in tested], config.alpha) if tested else ([], [])
    rows = [
        row.model_copy(update={"p_holm": p_holm, "drifting": hit})
        for (row, _), hit, p_holm in zip(tested, reject, adjusted, strict=True)
    ]
    rows.sort(key=lambda r: (not r.drifting, r.p_value, r.label))
    return DriftReport(config=config, rho=rho, rows=rows, skipped=skipped)


def drift_line(row: DriftRow, confidence: float) -> str:
    """The one line a drifting cell gets on the terminal and in CI logs."""
    pts = lambda v: f"{v * 100:+.0f}"  # noqa: E731
    return (
        f"DRIFT {row.label}: {row.before.rate:.0%} -> {row.after.rate:.0%} "
        f"({pts(row.diff)} pts, {confidence:.0%} CI {pts(row.diff_low)} to {pts(row.diff_high)}) over "
        f"{len(row.before.runs)} vs {len(row.after.runs)} runs; p={row.p_value:.2g}, Holm-adjusted "
        f"{row.p_holm:.2g}; invalid/error {row.before.invalid + row.before.errors} -> "
        f"{row.after.invalid + row.after.errors}"
    )
