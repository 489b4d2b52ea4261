"""`evalkit history flaky`: scenarios whose valid trials disagree most often across recent runs.

The statistic, per cell (suite, scenario, tier) over its last ``runs`` runs
with at least two valid trials:

    disagreement = mean over those runs of 2 k (n - k) / (n (n - 1))

with k passes among n valid trials in the run: the chance that two different
valid trials *of the same run* disagree, averaged with each run weighing the
same. It is 0 for a cell that always passes (or always fails) within a run,
and 1 at most (n = 2, one of each); 5 trials split 3-2 give 0.6. Comparing
trials within a run keeps a scenario that broke once and stayed broken (a
regression, which `evalkit history drift` finds) from reading as flaky.
Its interval is a t interval over the runs' values (`clustered_mean`, cluster =
run). Beside it: the runs in which the cell had both a pass and a fail
(`evalkit.stats.flakiness`, the rule report.html's "Flaky scenarios" uses).
Invalid and error trials are excluded from both, and counted.
"""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from evalkit.history.run_cells import CELL, FramesLike, per_run
from evalkit.stats import clustered_mean, flakiness


class FlakyConfig(BaseModel):
    """How far back to look and how many cells to list."""

    model_config = ConfigDict(frozen=True)

    runs: int = Field(10, ge=1)  # the cell's most recent runs with >= 2 valid trials
    limit: int = Field(20, ge=1)
    branch: str | None = None
    suite: str | None = None
    tier: str | None = None
    confidence: float = 0.95


class FlakyRow(BaseModel):
    """One cell with some within-run disagreement."""

    model_config = ConfigDict(frozen=True)

    suite: str
    scenario: str
    tier: str
    disagreement: float
    low: float | None
    high: float | None
    runs: int  # runs counted (>= 2 valid trials)
    mixed_runs: int  # runs with both a pass and a fail
    passes: int
    valid: int
    invalid: int  # invalid and error trials in those runs

    @property
    def label(self) -> str:
        return f"{self.suite}/{self.scenario} [{self.tier}]"


def pair_disagreement(passes: int, valid: int) -> float:
    """Probability that two different valid trials of one run disagree (needs valid >= 2)."""
    return 2.0 * passes * (valid - passes) / (valid * (valid - 1))


def _row(key: tuple[str, str, str], cell: pd.DataFrame, confidence: float) -> FlakyRow:
    records = cell.to_dict("records")  # plain dicts: itertuples' fields type as any pandas scalar, which int() refuses
    values = {str(r["run_id"]): [pair_disagreement(int(r["passes"]), int(r["valid"]))] for r in records}
    est = clustered_mean(values, confidence)
    per_run_outcomes = {str(r["run_id"]): ["pass"] * int(r["passes"]) + ["fail"] * int(r["fails"]) for r in records}
    clip = lambda v: None if v is None else min(1.0, max(0.0, v))  # noqa: E731
    return FlakyRow(
        suite=key[0],
        scenario=key[1],
        tier=key[2],
        disagreement=float(est.mean or 0.0),
        low=clip(est.low),
        high=clip(est.high),
        runs=len(cell),
        mixed_runs=len(flakiness(per_run_outcomes).flaky),
        passes=int(cell["passes"].sum()),
        valid=int(cell["valid"].sum()),
        invalid=int((cell["invalid"] + cell["errors"]).sum()),
    )


def flaky(frames: FramesLike, config: FlakyConfig = FlakyConfig()) -> list[FlakyRow]:
    """Cells with disagreement > 0, most flaky first (ties: more mixed runs, then name); at most ``limit``."""
    trials = frames.trials
    for column in ("branch", "suite", "tier"):
        value = getattr(config, column)
        if value is not None:
            trials = trials[trials[column] == value]
    runs = per_run(trials, CELL)
    runs = runs[runs["valid"] >= 2]
    rows = [
        _row((str(s), str(sc), str(t)), cell.iloc[-config.runs :], config.confidence)
        for (s, sc, t), cell in runs.groupby(CELL, sort=True)
    ]
    rows = [r for r in rows if r.disagreement > 0]
    rows.sort(key=lambda r: (-r.disagreement, -r.mixed_runs, r.label))
    return rows[: config.limit]


def flaky_line(row: FlakyRow) -> str:
    interval = "" if row.low is None else f" [{row.low:.2f}-{row.high:.2f}]"
    return (
        f"{row.label}: disagreement {row.disagreement:.2f}{interval}, mixed in {row.mixed_runs} of {row.runs} "
        f"runs, pass {row.passes}/{row.valid} valid, {row.invalid} invalid/error"
    )
