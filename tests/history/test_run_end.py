"""`evalkit run`'s end: a run directory the plugin did not record is recorded once, into the project's database."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_run_dirs import RunSpec, write_run

from evalkit.history import load_frames
from evalkit.history.record import record_if_missed, record_run


def test_a_run_the_plugin_missed_is_recorded_and_one_it_handled_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVALKIT_HISTORY_URL", raising=False)
    (tmp_path / "pyproject.toml").write_text("[tool.evalkit]\n")
    reports = tmp_path / "reports"
    url = f"sqlite:///{reports / 'history.db'}"
    missed = write_run(reports, RunSpec("missed"))
    handled = write_run(reports, RunSpec("handled", started_at="2026-11-02T10:00:00+00:00"))
    assert record_run("postgresql+psycopg://u@127.0.0.1:1/x", handled) is not None  # the plugin tried and warned

    assert record_if_missed(missed, tmp_path, reports) is None
    assert record_if_missed(handled, tmp_path, reports) is None  # no second attempt, no second warning
    assert list(load_frames(url).runs["run_id"]) == ["missed"]


def test_history_off_records_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALKIT_HISTORY_URL", "false")
    run_dir = write_run(tmp_path / "reports", RunSpec("r"))
    assert record_if_missed(run_dir, tmp_path, tmp_path / "reports") is None
    assert not (tmp_path / "reports" / "history.db").exists()
