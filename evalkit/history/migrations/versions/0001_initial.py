"""Schema 1: runs, trials, criterion scores and decided gates.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.String(96)
_NAME = sa.String(255)


def _run_fk() -> sa.Column[str]:
    return sa.Column("run_id", _ID, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", _ID, primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_reason", sa.Text),
        sa.Column("suites", sa.JSON, nullable=False),
        sa.Column("tiers", sa.JSON, nullable=False),
        sa.Column("rubrics", sa.JSON, nullable=False),
        sa.Column("judge_models", sa.JSON, nullable=False),
        sa.Column("simulator_models", sa.JSON, nullable=False),
        sa.Column("agent_models", sa.JSON, nullable=False),
        sa.Column("evalkit_version", sa.String(64)),
        sa.Column("git_commit", sa.String(64)),
        sa.Column("branch", _NAME),
        sa.Column("dirty", sa.Boolean),
        sa.Column("ci_provider", sa.String(64)),
        sa.Column("ci_job_url", sa.Text),
        sa.Column("offline", sa.Boolean),
        sa.Column("sessions", sa.Integer, nullable=False),
        sa.Column("cost_usd", sa.Float),
        sa.Column("verdict", sa.String(16)),
        sa.Column("pass_rate", sa.Float),
        sa.Column("run_dir", sa.Text),
        sa.Column("report_path", sa.Text),
    )
    op.create_table(
        "trials",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_fk(),
        sa.Column("suite", _NAME, nullable=False),
        sa.Column("scenario_id", _NAME, nullable=False),
        sa.Column("tier", _NAME, nullable=False),
        sa.Column("trial", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("termination", sa.String(32)),
        sa.Column("invalid_reason", sa.Text),
        sa.Column("cost_usd", sa.Float),
        sa.Column("turns", sa.Integer),
        sa.Column("latency_s", sa.Float),
        sa.Column("agent_model", _NAME),
        sa.Column("transcript_path", sa.Text),
        sa.Column("transcript_hash", sa.String(128)),
        sa.UniqueConstraint("run_id", "suite", "scenario_id", "tier", "trial", name="uq_trials_key"),
    )
    op.create_table(
        "criterion_scores",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_fk(),
        sa.Column("suite", _NAME, nullable=False),
        sa.Column("scenario_id", _NAME, nullable=False),
        sa.Column("tier", _NAME, nullable=False),
        sa.Column("trial", sa.Integer, nullable=False),
        sa.Column("rubric_ref", _NAME, nullable=False),
        sa.Column("rubric_fingerprint", sa.String(64)),
        sa.Column("criterion_id", _NAME, nullable=False),
        sa.Column("kind", sa.String(64)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("weight", sa.Float),
        sa.Column("must_pass", sa.Boolean),
        sa.Column("judge_models", sa.JSON),
    )
    op.create_index("ix_criterion_scores_run", "criterion_scores", ["run_id"])
    op.create_table(
        "gates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_fk(),
        sa.Column("suite", _NAME, nullable=False),
        sa.Column("tier", _NAME, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_gates_run", "gates", ["run_id"])


def downgrade() -> None:
    for table in ("gates", "criterion_scores", "trials", "runs"):
        op.drop_table(table)
