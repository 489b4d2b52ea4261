"""Schema migrations: a database written by schema 1 is upgraded by the current code with its data intact."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from history_run_dirs import RunSpec, write_run
from sqlalchemy import create_engine, inspect, select, text

from evalkit.history import HistoryError, load_frames, record_dir
from evalkit.history.engine import open_engine
from evalkit.history.migrate import current_revision, upgrade
from evalkit.history.rows import instrument_of
from evalkit.history.schema import HEAD, metadata

RUBRICS = [{"ref": "support.resolution@2", "fingerprint": "aaaa11112222"}]


def _insert_schema1_run(url: str) -> None:
    """What evalkit at schema 1 wrote: plain SQL against the revision-1 tables (no code of today's)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO runs (run_id, started_at, ended_at, recorded_at, status, suites, tiers, rubrics, judge_models,"
                " simulator_models, agent_models, branch, sessions, cost_usd, verdict, pass_rate, git_commit)"
                " VALUES ('old-1', :t, :t, :t, 'complete', :suites, :tiers, :rubrics, :judges, :sims, :agents, 'main',"
                " 2, 0.5, 'pass', 1.0, 'abc')"
            ),
            {
                "t": datetime(2026, 10, 1, 9, tzinfo=UTC),
                "suites": json.dumps(["support", "billing"]),
                "tiers": json.dumps(["large"]),
                "rubrics": json.dumps(RUBRICS),
                "judges": json.dumps(["openai:j"]),
                "sims": json.dumps(["openai:s"]),
                "agents": json.dumps(["openai:a"]),
            },
        )
        for trial, outcome in enumerate(["pass", "fail"]):
            conn.execute(
                text(
                    "INSERT INTO trials (run_id, suite, scenario_id, tier, trial, outcome, score, transcript_path)"
                    " VALUES ('old-1', 'support', 'refund', 'large', :trial, :outcome, :score, :path)"
                ),
                {"trial": trial, "outcome": outcome, "score": 1.0 - trial, "path": f"transcripts/{trial}.json"},
            )
        conn.execute(
            text(
                "INSERT INTO criterion_scores (run_id, suite, scenario_id, tier, trial, rubric_ref,"
                " criterion_id, outcome, score) VALUES ('old-1', 'support', 'refund', 'large', 0,"
                " 'support.resolution@2', 'resolved', 'pass', 1.0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO gates (run_id, suite, tier, name, decision, detail)"
                " VALUES ('old-1', 'support', 'large', 'suite_mean', 'pass', 'ok')"
            )
        )
    engine.dispose()


def test_a_schema_1_database_is_upgraded_with_its_data_intact(db_url: str, tmp_path: Path) -> None:
    engine = open_engine(db_url)
    upgrade(engine, "0001")
    with engine.connect() as conn:
        assert current_revision(conn) == "0001"
        assert "instrument" not in {c["name"] for c in inspect(conn).get_columns("runs")}
    engine.dispose()
    _insert_schema1_run(db_url)

    # the current code records a new run into it: the upgrade happens on the way
    record_dir(db_url, write_run(tmp_path / "reports", RunSpec("new-1", started_at="2026-11-01T10:00:00+00:00")))

    engine = open_engine(db_url)
    with engine.connect() as conn:
        assert current_revision(conn) == HEAD
        old = conn.execute(text("SELECT instrument, branch, pass_rate FROM runs WHERE run_id = 'old-1'")).one()
        suites = conn.execute(text("SELECT suite FROM run_suites WHERE run_id = 'old-1' ORDER BY suite")).scalars()
        counts = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM trials WHERE run_id = 'old-1'),"
                " (SELECT count(*) FROM criterion_scores WHERE run_id = 'old-1'),"
                " (SELECT count(*) FROM gates WHERE run_id = 'old-1')"
            )
        ).one()
        assert list(suites) == ["billing", "support"]  # backfilled from runs.suites
    engine.dispose()
    assert old.instrument == instrument_of(RUBRICS, ["openai:j"], ["openai:s"])  # the frozen copy agrees
    assert (old.branch, old.pass_rate) == ("main", 1.0)
    assert tuple(counts) == (2, 1, 1)

    frames = load_frames(db_url)
    assert list(frames.runs["run_id"]) == ["old-1", "new-1"]
    old_trials = frames.trials[frames.trials["run_id"] == "old-1"]
    assert list(old_trials["outcome"]) == ["pass", "fail"] and list(old_trials["score"]) == [1.0, 0.0]
    assert list(load_frames(db_url, suite="billing").runs["run_id"]) == ["old-1"]


def test_head_has_exactly_the_tables_and_columns_the_code_uses(db_url: str) -> None:
    engine = open_engine(db_url)
    upgrade(engine)
    found = inspect(engine)
    for table in metadata.sorted_tables:
        assert {c["name"] for c in found.get_columns(table.name)} == set(table.columns.keys()), table.name
        assert {i["name"] for i in found.get_indexes(table.name)} >= {i.name for i in table.indexes}, table.name
    assert set(found.get_table_names()) == set(metadata.tables) | {"alembic_version"}
    engine.dispose()


def test_upgrading_twice_changes_nothing(sqlite_url: str, tmp_path: Path) -> None:
    record_dir(sqlite_url, write_run(tmp_path / "reports", RunSpec("r1")))
    engine = open_engine(sqlite_url)
    upgrade(engine)
    upgrade(engine)
    with engine.connect() as conn:
        assert current_revision(conn) == HEAD
        assert conn.execute(select(text("count(*)")).select_from(text("runs"))).scalar_one() == 1
    engine.dispose()


def test_a_database_from_a_newer_evalkit_is_refused_untouched(sqlite_url: str, tmp_path: Path) -> None:
    record_dir(sqlite_url, write_run(tmp_path / "reports", RunSpec("r1")))
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    with pytest.raises(HistoryError, match="schema revision 0999, newer than this evalkit"):
        record_dir(sqlite_url, write_run(tmp_path / "reports", RunSpec("r2")))
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT run_id FROM runs")).scalars().all() == ["r1"]
    engine.dispose()


def test_an_upgrade_that_fails_halfway_leaves_the_database_as_it_was(db_url: str) -> None:
    engine = open_engine(db_url)
    upgrade(engine, "0001")
    _insert_schema1_run(db_url)
    with engine.begin() as conn:  # a row the 0002 backfill cannot read, after its DDL has run
        conn.execute(text("UPDATE runs SET suites = :bad"), {"bad": json.dumps(5)})  # not a list
    with pytest.raises(Exception):  # noqa: B017 - whatever the backfill raises
        upgrade(engine)
    with engine.connect() as conn:
        assert current_revision(conn) == "0001"
        assert "instrument" not in {c["name"] for c in inspect(conn).get_columns("runs")}
        assert "run_suites" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT count(*) FROM trials")).scalar_one() == 2
    engine.dispose()
