"""Schema 2: runs.instrument (what a baseline must match), run_suites (for --suite filters) and indexes.

Existing rows are backfilled: a database recorded by schema 1 reads like one recorded now.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _instrument(rubrics: Any, judges: Any, simulators: Any) -> str:
    """Frozen copy of `evalkit.history.rows.instrument_of` as of this revision (a test keeps them equal)."""
    refs = sorted(f"{r.get('ref')}#{r.get('fingerprint')}" for r in _list(rubrics) if isinstance(r, dict))
    return f"rubrics={','.join(refs)};judge={','.join(sorted(_list(judges)))};simulator={','.join(sorted(_list(simulators)))}"


def _list(value: Any) -> list[Any]:
    if isinstance(value, str):  # a JSON column read back as text by some drivers
        value = json.loads(value)
    return list(value or [])


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("instrument", sa.Text))
        batch.create_index("ix_runs_branch_started", ["branch", "started_at"])
        batch.create_index("ix_runs_started", ["started_at"])
    op.create_table(
        "run_suites",
        sa.Column("run_id", sa.String(96), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
        sa.Column("suite", sa.String(255), nullable=False),
        sa.UniqueConstraint("run_id", "suite", name="uq_run_suites"),
    )
    op.create_index("ix_run_suites_suite", "run_suites", ["suite"])
    op.create_index("ix_trials_scenario", "trials", ["suite", "scenario_id", "tier"])
    _backfill()


def _backfill() -> None:
    runs = sa.table(
        "runs",
        sa.column("run_id"),
        sa.column("suites", sa.JSON),
        sa.column("rubrics", sa.JSON),
        sa.column("judge_models", sa.JSON),
        sa.column("simulator_models", sa.JSON),
        sa.column("instrument"),
    )
    run_suites = sa.table("run_suites", sa.column("run_id"), sa.column("suite"))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(runs.c.run_id, runs.c.suites, runs.c.rubrics, runs.c.judge_models, runs.c.simulator_models)
    ).all()
    for run_id, suites, rubrics, judges, simulators in rows:
        bind.execute(
            runs.update().where(runs.c.run_id == run_id).values(instrument=_instrument(rubrics, judges, simulators))
        )
        names = sorted(set(_list(suites)))
        if names:
            bind.execute(run_suites.insert(), [{"run_id": run_id, "suite": s} for s in names])


def downgrade() -> None:
    op.drop_index("ix_trials_scenario", "trials")
    op.drop_table("run_suites")
    with op.batch_alter_table("runs") as batch:
        batch.drop_index("ix_runs_started")
        batch.drop_index("ix_runs_branch_started")
        batch.drop_column("instrument")
