"""`evalkit runs prune`: --keep N and --older-than AGE (by run.json's start, else the directory's mtime), --dry-run;
never the run `latest` points at, never a run still being written (its lock, or an xdist part's)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from runs_fixtures import days_ago, fake_run

from evalkit.cli import main
from evalkit.report.runs_commands import human_size
from evalkit.run.lock import RunLock
from evalkit.run.run_dir import update_latest

IDS = [f"2026010{i}T000000Z-00000{i}" for i in range(1, 6)]  # oldest first


def _reports(tmp_path: Path, ages: list[float]) -> tuple[Path, list[Path]]:
    """Runs started `ages` days ago (IDS[0] gets ages[0]); latest -> the newest; a history file and a non-run dir."""
    reports = tmp_path / "reports"
    runs = [fake_run(reports, run_id, days_ago(age)) for run_id, age in zip(IDS, ages, strict=False)]
    update_latest(reports, runs[-1])
    (reports / "history.db").write_text("rows")
    (reports / "notes").mkdir()
    return reports, runs


def _prune(reports: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["runs", "prune", "--report-dir", str(reports), *args])
    return result.exit_code, result.output


def _size(*runs: Path) -> str:
    return human_size(sum(p.stat().st_size for run in runs for p in run.rglob("*") if p.is_file()))


def _left(reports: Path) -> list[str]:
    return sorted(p.name for p in reports.iterdir())


def test_keep_n_deletes_all_but_the_newest_n(tmp_path: Path) -> None:
    reports, runs = _reports(tmp_path, [50, 40, 30, 20, 10])
    freed = _size(*runs[:3])
    code, out = _prune(reports, "--keep", "2")
    assert code == 0, out
    assert _left(reports) == sorted([IDS[3], IDS[4], "history.db", "latest", "notes"])
    assert [ln.split()[1] for ln in out.splitlines() if ln.startswith("deleted 2026")] == [IDS[2], IDS[1], IDS[0]]
    assert out.splitlines()[-1] == f"deleted 3 run(s), {freed}"


def test_older_than_goes_by_the_recorded_start_and_else_the_directory_mtime(tmp_path: Path) -> None:
    reports, _ = _reports(tmp_path, [45, 31, 29, 2, 1])
    stray = reports / "20251201T000000Z-ffffff"  # named like a run, no run.json (killed before it wrote one)
    stray.mkdir()
    old = time.time() - 40 * 86400
    os.utime(stray, (old, old))
    code, out = _prune(reports, "--older-than", "30d")
    assert code == 0, out
    assert _left(reports) == sorted([IDS[2], IDS[3], IDS[4], "history.db", "latest", "notes"])


def test_keep_and_older_than_together_delete_only_what_both_select(tmp_path: Path) -> None:
    reports, _ = _reports(tmp_path, [45, 40, 35, 2, 1])
    code, _out = _prune(reports, "--keep", "4", "--older-than", "30d")
    assert code == 0 and _left(reports) == sorted([*IDS[1:], "history.db", "latest", "notes"])


def test_dry_run_names_what_would_go_and_deletes_nothing(tmp_path: Path) -> None:
    reports, runs = _reports(tmp_path, [50, 40, 30, 20, 10])
    before = _left(reports)
    code, out = _prune(reports, "--keep", "1", "--dry-run")
    assert code == 0 and _left(reports) == before
    assert sum(ln.startswith("would delete 2026") for ln in out.splitlines()) == 4
    assert out.splitlines()[-1] == f"would delete 4 run(s), {_size(*runs[:4])}"


def test_latest_is_never_deleted(tmp_path: Path) -> None:
    reports, runs = _reports(tmp_path, [50, 40, 30, 20, 10])
    update_latest(reports, runs[0])  # latest is the oldest run (the newer ones did not complete, say)
    code, out = _prune(reports, "--keep", "0")
    assert code == 0 and _left(reports) == sorted([IDS[0], "history.db", "latest", "notes"])
    assert f"kept {IDS[0]}: reports/latest points at it" in out.splitlines()
    assert (reports / "latest" / "run.json").is_file()


def test_a_run_being_written_is_skipped_with_a_line(tmp_path: Path) -> None:
    reports, runs = _reports(tmp_path, [50, 40, 30, 20, 10])
    part = runs[1] / ".parts" / "001.gw0.b0" / IDS[1]  # an xdist worker writing its part of an old run
    part.mkdir(parents=True)
    holders = [RunLock.acquire(runs[0]), RunLock.acquire(part)]
    try:
        code, out = _prune(reports, "--older-than", "35d")
    finally:
        for holder in holders:
            holder.release()
    assert code == 0, out
    assert runs[0].is_dir() and runs[1].is_dir()
    kept = [ln for ln in out.splitlines() if ln.startswith("kept ")]
    assert len(kept) == 2 and all(f"is being written by another evalkit run (pid {os.getpid()})" in ln for ln in kept)
    assert out.splitlines()[-1] == "deleted 0 run(s), 0 B; 2 kept"
    code, out = _prune(reports, "--older-than", "35d")  # the writers ended: now they go
    assert code == 0 and not runs[0].exists() and not runs[1].exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "say which runs to delete: --keep N, --older-than AGE, or both"),
        (
            ("--older-than", "30 days"),
            "Invalid value for --older-than: expected a duration like 30d, 12h, 2w, 90m or 45s, got '30 days'",
        ),
        (("--keep", "-1"), "Invalid value for '--keep'"),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    reports, _ = _reports(tmp_path, [50, 40, 30, 20, 10])
    code, out = _prune(reports, *args)
    assert code == 2 and expected in out and len(list(reports.iterdir())) == 8
