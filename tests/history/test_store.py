"""Recording run directories into history (SQLite and PostgreSQL): every table filled, idempotent by run id."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_run_dirs import RunSpec, write_run
from sqlalchemy import create_engine, func, select

from evalkit.history import load_frames, record_dir, record_run
from evalkit.history.capture import RunPlace
from evalkit.history.rows import instrument_of
from evalkit.history.schema import criterion_scores, gates, run_suites, runs, trials


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (runs, run_suites, trials, criterion_scores, gates)
            }
    finally:
        engine.dispose()


def _run_row(url: str, run_id: str) -> dict:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(select(runs).where(runs.c.run_id == run_id)).mappings().one())
    finally:
        engine.dispose()


def test_a_run_fills_every_table(db_url: str, tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "reports", RunSpec("r1", outcomes={"refund": ["pass", "fail", "invalid"]}))
    place = RunPlace(
        branch="main", dirty=False, ci_provider="github", ci_job_url="https://github.com/o/r/actions/runs/7"
    )
    done = record_dir(db_url, run_dir, verdict="fail", place=place)

    assert (done.run_id, done.sessions, done.verdict) == ("r1", 3, "fail")
    assert _counts(db_url) == {"runs": 1, "run_suites": 1, "trials": 3, "criterion_scores": 3, "gates": 1}
    row = _run_row(db_url, "r1")
    assert (row["branch"], row["dirty"], row["ci_provider"]) == ("main", False, "github")
    assert row["ci_job_url"] == "https://github.com/o/r/actions/runs/7"
    assert row["pass_rate"] == pytest.approx(0.5)  # invalid left out: 1 of 2 valid trials
    assert row["cost_usd"] == pytest.approx(0.03)
    assert row["instrument"] == instrument_of(row["rubrics"], row["judge_models"], row["simulator_models"])
    assert "support.resolution@3#15b2e2445336" in row["instrument"]
    assert row["started_at"].replace(tzinfo=None).isoformat() == "2026-11-01T10:00:00"


def test_recording_again_replaces_the_run_never_duplicates_it(db_url: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    spec = RunSpec("r1", outcomes={"refund": ["pass"]}, status="interrupted")
    record_dir(db_url, write_run(reports, spec), place=RunPlace(branch="feature-x"))
    spec.outcomes, spec.status = {"refund": ["pass", "fail"], "cancel": ["pass"]}, "complete"  # resumed, finished
    record_dir(db_url, write_run(reports, spec))  # a backfill: knows no branch
    record_dir(db_url, write_run(reports, spec))

    assert _counts(db_url) == {"runs": 1, "run_suites": 1, "trials": 3, "criterion_scores": 3, "gates": 1}
    row = _run_row(db_url, "r1")
    assert row["status"] == "complete" and row["sessions"] == 3
    assert row["branch"] == "feature-x"  # recorded live; a later backfill without a branch keeps it


def test_the_verdict_is_decided_from_the_rows_when_not_handed_over(db_url: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    record_dir(db_url, write_run(reports, RunSpec("good", outcomes={"a": ["pass", "pass"], "b": ["pass", "pass"]})))
    record_dir(db_url, write_run(reports, RunSpec("bad", outcomes={"a": ["fail", "fail"], "b": ["pass", "pass"]})))
    assert _run_row(db_url, "good")["verdict"] == "pass"
    assert _run_row(db_url, "bad")["verdict"] == "fail"  # scenario a below scenario_pass_rate 0.5


def test_frames_have_the_promised_columns_and_filters(db_url: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    for i, (branch, suite) in enumerate([("main", "support"), ("main", "billing"), ("dev", "support")]):
        spec = RunSpec(
            f"r{i}",
            suite=suite,
            started_at=f"2026-11-0{i + 1}T10:00:00+00:00",
            gates=[],
            outcomes={"refund": ["pass", "fail"]},
        )
        record_dir(db_url, write_run(reports, spec), place=RunPlace(branch=branch))

    frames = load_frames(db_url)
    assert list(frames.runs.columns) == [
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
    assert list(frames.trials.columns) == [
        "run_id",
        "started_at",
        "branch",
        "suite",
        "scenario",
        "tier",
        "trial",
        "outcome",
        "score",
    ]
    assert list(frames.runs["run_id"]) == ["r0", "r1", "r2"]  # oldest first
    assert str(frames.runs["started_at"].dt.tz) == "UTC" and str(frames.trials["started_at"].dt.tz) == "UTC"
    assert set(frames.trials["outcome"]) == {"pass", "fail"}

    main_support = load_frames(db_url, suite="support", branch="main")
    assert list(main_support.runs["run_id"]) == ["r0"]
    assert set(main_support.trials["run_id"]) == {"r0"} and set(main_support.trials["suite"]) == {"support"}
    assert list(load_frames(db_url, limit_runs=2).runs["run_id"]) == ["r1", "r2"]  # newest two, oldest first
    assert load_frames(db_url, tier="nope").trials.empty


def test_empty_history_gives_empty_frames_of_the_same_shape(sqlite_url: str) -> None:
    frames = load_frames(sqlite_url)
    assert frames.runs.empty and frames.trials.empty
    assert "instrument" in frames.runs.columns and "scenario" in frames.trials.columns


def test_a_history_failure_is_one_line_and_never_shows_the_password(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "reports", RunSpec("r1"))
    secret = "hunter2-Sup3rSecret"
    url = f"postgresql+psycopg://bob:{secret}@127.0.0.1:1/history"  # nothing listens on port 1
    warning = record_run(url, run_dir, verdict="pass")
    assert warning is not None and "\n" not in warning
    assert warning.startswith("evalkit: history not recorded (postgresql+psycopg://bob:***@127.0.0.1:1/history)")
    assert secret not in warning


def test_a_missing_run_directory_is_a_warning_not_a_crash(sqlite_url: str, tmp_path: Path) -> None:
    warning = record_run(sqlite_url, tmp_path / "gone")
    assert warning is not None and "not a run directory" in warning
