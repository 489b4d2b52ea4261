"""Per-run outcome counts from the history's trials frame: what trend, flaky, drift and the page share.

A *cell* is (suite, scenario, tier). Only ``pass`` and ``fail`` are valid
trials; ``invalid``, ``error`` and any other outcome string are counted and
shown but never enter a pass rate (the three-outcome rule of ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

CELL = ["suite", "scenario", "tier"]
# the history frames' fixed columns (history/frames.py builds its frames with them; this module stays free of SQLAlchemy)
TRIAL_COLUMNS = ["run_id", "started_at", "branch", "suite", "scenario", "tier", "trial", "outcome", "score"]
RUN_COLUMNS = [
    "run_id",
    "started_at",
    "ended_at",
    "status",
    "branch",
    "commit",
    "suite",
    "verdict",
    "pass_rate",
    "cost_usd",
    "report_path",
    "instrument",
]


class FramesLike(Protocol):
    """What the analyses read: `evalkit.history.frames.HistoryFrames` has both."""

    runs: pd.DataFrame
    trials: pd.DataFrame


class HistoryInputError(ValueError):
    """The history cannot answer the question asked (no such scenario, missing columns)."""


def check_columns(frame: pd.DataFrame, needed: list[str], name: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise HistoryInputError(
            f"history {name} frame: missing column(s) {', '.join(missing)}; expected {', '.join(needed)}"
        )


def counted(trials: pd.DataFrame) -> pd.DataFrame:
    """The trials with 0/1 columns pass, fail, invalid (anything not pass/fail/error), error."""
    check_columns(trials, TRIAL_COLUMNS, "trials")
    out = trials.copy()
    outcome = out["outcome"].astype(str)
    out["pass"] = (outcome == "pass").astype(int)
    out["fail"] = (outcome == "fail").astype(int)
    out["error"] = (outcome == "error").astype(int)
    out["invalid"] = 1 - out["pass"] - out["fail"] - out["error"]
    out["valid_score"] = out["score"].where(outcome.isin(["pass", "fail"]))
    return out


def per_run(trials: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per run and ``keys`` group: passes, fails, invalid, errors, valid, score sum and count.

    Rows are ordered by the run's start (then run id), the order every analysis reads history in.
    """
    t = counted(trials)
    grouped = t.groupby(["run_id", *keys], sort=False, dropna=False)
    rows = grouped.agg(
        started_at=("started_at", "min"),
        branch=("branch", "first"),
        passes=("pass", "sum"),
        fails=("fail", "sum"),
        invalid=("invalid", "sum"),
        errors=("error", "sum"),
        score_n=("valid_score", "count"),
        score_sum=("valid_score", "sum"),
    ).reset_index()
    rows["valid"] = rows["passes"] + rows["fails"]
    return rows.sort_values(["started_at", "run_id", *keys], kind="stable").reset_index(drop=True)
