"""The history database's tables as the current code reads and writes them (schema revision `HEAD`).

The migrations under `migrations/versions/` create and change these tables; they are frozen copies
and never import this module, so an old database is upgraded by what that revision meant, not by what
the code says today. A test checks that a database migrated to head has exactly these tables and columns.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

HEAD = "0002"  # the newest migration's revision id

metadata = MetaData()

_ID = String(96)  # run ids are `20261203T120728Z-3975d1`; room for names a user passes with --evalkit-run-id
_NAME = String(255)


def _run_fk() -> Column[str]:
    return Column("run_id", _ID, ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False)


runs = Table(
    "runs",
    metadata,
    Column("run_id", _ID, primary_key=True),
    Column("started_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("status", String(32), nullable=False),
    Column("status_reason", Text),
    Column("suites", JSON, nullable=False),  # suite names
    Column("tiers", JSON, nullable=False),
    Column("rubrics", JSON, nullable=False),  # [{ref, fingerprint}]
    Column("judge_models", JSON, nullable=False),
    Column("simulator_models", JSON, nullable=False),
    Column("agent_models", JSON, nullable=False),
    Column("instrument", Text),  # rev 0002: rubric fingerprints + judge + simulator (`instrument_of`)
    Column("evalkit_version", String(64)),
    Column("git_commit", String(64)),
    Column("branch", _NAME),
    Column("dirty", Boolean),
    Column("ci_provider", String(64)),
    Column("ci_job_url", Text),
    Column("offline", Boolean),
    Column("sessions", Integer, nullable=False),
    Column("cost_usd", Float),
    Column("verdict", String(16)),
    Column("pass_rate", Float),
    Column("run_dir", Text),
    Column("report_path", Text),
    Index("ix_runs_branch_started", "branch", "started_at"),  # rev 0002
    Index("ix_runs_started", "started_at"),  # rev 0002
)

run_suites = Table(  # rev 0002: one row per suite of a run, for `--suite` filters without reading JSON
    "run_suites",
    metadata,
    _run_fk(),
    Column("suite", _NAME, nullable=False),
    UniqueConstraint("run_id", "suite", name="uq_run_suites"),
    Index("ix_run_suites_suite", "suite"),
)

trials = Table(
    "trials",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _run_fk(),
    Column("suite", _NAME, nullable=False),
    Column("scenario_id", _NAME, nullable=False),
    Column("tier", _NAME, nullable=False),
    Column("trial", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("score", Float),
    Column("termination", String(32)),
    Column("invalid_reason", Text),
    Column("cost_usd", Float),
    Column("turns", Integer),
    Column("latency_s", Float),
    Column("agent_model", _NAME),
    Column("transcript_path", Text),
    Column("transcript_hash", String(128)),
    UniqueConstraint("run_id", "suite", "scenario_id", "tier", "trial", name="uq_trials_key"),
    Index("ix_trials_scenario", "suite", "scenario_id", "tier"),  # rev 0002
)

criterion_scores = Table(
    "criterion_scores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _run_fk(),
    Column("suite", _NAME, nullable=False),
    Column("scenario_id", _NAME, nullable=False),
    Column("tier", _NAME, nullable=False),
    Column("trial", Integer, nullable=False),
    Column("rubric_ref", _NAME, nullable=False),
    Column("rubric_fingerprint", String(64)),
    Column("criterion_id", _NAME, nullable=False),
    Column("kind", String(64)),
    Column("outcome", String(16), nullable=False),
    Column("score", Float),
    Column("weight", Float),
    Column("must_pass", Boolean),
    Column("judge_models", JSON),
    Index("ix_criterion_scores_run", "run_id"),
)

gates = Table(
    "gates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _run_fk(),
    Column("suite", _NAME, nullable=False),
    Column("tier", _NAME, nullable=False),
    Column("name", String(64), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("detail", Text),
    Index("ix_gates_run", "run_id"),
)

CHILD_TABLES = (run_suites, trials, criterion_scores, gates)
