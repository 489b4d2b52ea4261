"""Reading runs back for `evalkit history runs`: one summary per run, newest first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from evalkit.history.rows import run_pass_rate
from evalkit.history.schema import run_suites, runs, trials
from evalkit.stats import MeanEstimate


@dataclass(frozen=True)
class RunFilter:
    suite: str | None = None
    branch: str | None = None
    limit: int | None = 20


@dataclass(frozen=True)
class RunLine:
    """One run as `history runs` lists it; `pass_rate` over the filtered suite's trials when a suite is given."""

    run_id: str
    started_at: datetime | None
    branch: str | None
    dirty: bool | None
    status: str
    verdict: str | None
    pass_rate: MeanEstimate
    sessions: int
    cost_usd: float | None
    offline: bool
    ci_job_url: str | None
    report_path: str | None


def list_runs(conn: Connection, where: RunFilter) -> list[RunLine]:
    stmt = select(runs).order_by(runs.c.started_at.desc(), runs.c.run_id.desc())
    if where.suite is not None:
        stmt = stmt.where(runs.c.run_id.in_(select(run_suites.c.run_id).where(run_suites.c.suite == where.suite)))
    if where.branch is not None:
        stmt = stmt.where(runs.c.branch == where.branch)
    if where.limit is not None:
        stmt = stmt.limit(where.limit)
    rows = conn.execute(stmt).mappings().all()
    counts = _outcome_counts(conn, [r["run_id"] for r in rows], where.suite)
    return [_line(r, counts.get(r["run_id"], [])) for r in rows]


def _outcome_counts(conn: Connection, run_ids: list[str], suite: str | None) -> dict[str, list[Any]]:
    if not run_ids:
        return {}
    cols = (trials.c.run_id, trials.c.suite, trials.c.scenario_id, trials.c.tier, trials.c.outcome)
    stmt = select(*cols, func.count()).where(trials.c.run_id.in_(run_ids)).group_by(*cols)
    if suite is not None:
        stmt = stmt.where(trials.c.suite == suite)
    out: dict[str, list[Any]] = defaultdict(list)
    for run_id, *rest in conn.execute(stmt):
        out[run_id].append(tuple(rest))
    return out


def _line(row: Any, counts: list[Any]) -> RunLine:
    started = row["started_at"]
    if started is not None and started.tzinfo is None:  # SQLite keeps no zone; evalkit writes UTC
        started = started.replace(tzinfo=UTC)
    return RunLine(
        run_id=row["run_id"],
        started_at=started,
        branch=row["branch"],
        dirty=row["dirty"],
        status=row["status"],
        verdict=row["verdict"],
        pass_rate=run_pass_rate(counts),
        sessions=row["sessions"],
        cost_usd=row["cost_usd"],
        offline=bool(row["offline"]),
        ci_job_url=row["ci_job_url"],
        report_path=row["report_path"],
    )
