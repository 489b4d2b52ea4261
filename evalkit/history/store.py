"""Writing runs into the history database: one transaction per run, idempotent by run id.

A run recorded again (a resumed run, a re-import, two jobs racing on the same run) replaces its own
rows: the `runs` row is upserted first, which also serialises writers of the same run on that row's
lock (PostgreSQL) or the database's write lock (SQLite), then its child rows are replaced.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from evalkit.history.rows import RunRows
from evalkit.history.schema import CHILD_TABLES, criterion_scores, gates, run_suites, runs, trials

# Known only when recorded live (a backfill of the same run leaves them as they were)
KEEP_WHEN_UNKNOWN = ("branch", "dirty", "ci_provider", "ci_job_url", "git_commit", "verdict")
_CHILD_ROWS = ((run_suites, "suites"), (trials, "trials"), (criterion_scores, "criteria"), (gates, "gates"))


def write_run(engine: Engine, rows: RunRows) -> None:
    """Insert or replace one run and everything below it, atomically."""
    with engine.begin() as conn:
        _upsert_run(conn, rows.run)
        for table in CHILD_TABLES:
            conn.execute(table.delete().where(table.c.run_id == rows.run["run_id"]))
        for table, name in _CHILD_ROWS:
            values = getattr(rows, name)
            if values:
                conn.execute(table.insert(), values)


def _upsert_run(conn: Connection, row: dict[str, Any]) -> None:
    dialect = conn.dialect.name
    changes = {k: v for k, v in row.items() if k != "run_id"}
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(runs).values(**row)
        kept = {k: func.coalesce(stmt.excluded[k], runs.c[k]) for k in KEEP_WHEN_UNKNOWN}
        conn.execute(stmt.on_conflict_do_update(index_elements=[runs.c.run_id], set_={**changes, **kept}))
        return
    exists = conn.execute(select(runs.c.run_id).where(runs.c.run_id == row["run_id"])).first()
    if exists:
        changes = {k: v for k, v in changes.items() if v is not None or k not in KEEP_WHEN_UNKNOWN}
        conn.execute(runs.update().where(runs.c.run_id == row["run_id"]).values(**changes))
    else:
        conn.execute(runs.insert().values(**row))
