"""The history as pandas DataFrames: what trends, flakiness, drift and the history page compute on.

    frames = load_frames("sqlite:///reports/history.db", suite="support-demo", branch="main", limit_runs=50)
    frames.runs     # one row per run, oldest first
    frames.trials   # one row per trial of those runs

Columns are fixed (`RUN_COLUMNS`, `TRIAL_COLUMNS`) whatever the database holds, so an empty history is
empty frames of the same shape. Times are tz-aware UTC. Outcomes are evalkit's own strings
(`pass`, `fail`, `invalid`, `error`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from evalkit.history.engine import READONLY, open_engine
from evalkit.history.migrate import upgrade
from evalkit.history.run_cells import RUN_COLUMNS, TRIAL_COLUMNS
from evalkit.history.schema import run_suites, runs, trials


@dataclass
class HistoryFrames:
    """`runs`: one row per run (suite = its suite names joined by ", "); `trials`: one row per trial."""

    runs: Any  # pandas.DataFrame, RUN_COLUMNS
    trials: Any  # pandas.DataFrame, TRIAL_COLUMNS


@dataclass(frozen=True)
class FrameQuery:
    """Which runs and trials to load (None: all)."""

    suite: str | None = None
    branch: str | None = None
    tier: str | None = None
    limit_runs: int | None = None  # the newest N runs (by start time), returned oldest first


def load_frames(
    url: str,
    *,
    suite: str | None = None,
    branch: str | None = None,
    tier: str | None = None,
    limit_runs: int | None = None,
) -> HistoryFrames:
    """Runs and trials from the history database at `url` (upgraded first if an older evalkit wrote it).

    `suite` keeps runs that ran that suite and only that suite's trials; `tier` keeps only that tier's
    trials (runs are kept whole); `branch` keeps runs recorded on that branch.
    """
    engine = open_engine(url)
    try:
        upgrade(engine)
        with engine.connect().execution_options(**{READONLY: True}) as conn:
            return read_frames(conn, FrameQuery(suite, branch, tier, limit_runs))
    finally:
        engine.dispose()


def read_frames(conn: Any, query: FrameQuery) -> HistoryFrames:
    import pandas as pd

    run_rows = conn.execute(_runs_select(query)).mappings().all()
    ids = [r["run_id"] for r in run_rows]
    trial_rows = conn.execute(_trials_select(query, ids)).mappings().all() if ids else []
    by_run = {r["run_id"]: r for r in run_rows}
    run_frame = pd.DataFrame([_run_record(r) for r in reversed(run_rows)], columns=RUN_COLUMNS)
    trial_frame = pd.DataFrame([_trial_record(t, by_run[t["run_id"]]) for t in trial_rows], columns=TRIAL_COLUMNS)
    for frame, cols in ((run_frame, ("started_at", "ended_at")), (trial_frame, ("started_at",))):
        for col in cols:
            frame[col] = pd.to_datetime(frame[col], utc=True)
    for frame, cols in ((run_frame, ("pass_rate", "cost_usd")), (trial_frame, ("score",))):
        for col in cols:
            frame[col] = pd.to_numeric(frame[col]).astype("float64")
    trial_frame["trial"] = trial_frame["trial"].astype("int64")
    if len(trial_frame):
        order = {run_id: i for i, run_id in enumerate(run_frame["run_id"])}
        trial_frame = trial_frame.sort_values(
            ["run_id", "suite", "scenario", "tier", "trial"], key=lambda s: s.map(order) if s.name == "run_id" else s
        )
        trial_frame = trial_frame.reset_index(drop=True)
    return HistoryFrames(runs=run_frame, trials=trial_frame)


def _runs_select(query: FrameQuery) -> Select[Any]:
    stmt = select(runs).order_by(runs.c.started_at.desc(), runs.c.run_id.desc())
    if query.suite is not None:
        stmt = stmt.where(runs.c.run_id.in_(select(run_suites.c.run_id).where(run_suites.c.suite == query.suite)))
    if query.branch is not None:
        stmt = stmt.where(runs.c.branch == query.branch)
    if query.limit_runs is not None:
        stmt = stmt.limit(query.limit_runs)
    return stmt


def _trials_select(query: FrameQuery, run_ids: list[str]) -> Select[Any]:
    stmt = select(
        trials.c.run_id,
        trials.c.suite,
        trials.c.scenario_id,
        trials.c.tier,
        trials.c.trial,
        trials.c.outcome,
        trials.c.score,
    ).where(trials.c.run_id.in_(run_ids))
    if query.suite is not None:
        stmt = stmt.where(trials.c.suite == query.suite)
    if query.tier is not None:
        stmt = stmt.where(trials.c.tier == query.tier)
    return stmt


def _run_record(row: Any) -> dict[str, Any]:
    return {
        "run_id": row["run_id"],
        "started_at": row["started_at"],
        "ended_at": row["ended_at"],
        "status": row["status"],
        "branch": row["branch"],
        "commit": row["git_commit"],
        "suite": ", ".join(row["suites"] or []),
        "verdict": row["verdict"],
        "pass_rate": row["pass_rate"],
        "cost_usd": row["cost_usd"],
        "report_path": row["report_path"],
        "instrument": row["instrument"],
    }


def _trial_record(row: Any, run: Any) -> dict[str, Any]:
    return {
        "run_id": row["run_id"],
        "started_at": run["started_at"],
        "branch": run["branch"],
        "suite": row["suite"],
        "scenario": row["scenario_id"],
        "tier": row["tier"],
        "trial": row["trial"],
        "outcome": row["outcome"],
        "score": row["score"],
    }
