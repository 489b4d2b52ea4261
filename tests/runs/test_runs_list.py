"""`evalkit runs list`: every run newest first with its start, suites, tiers, status, verdict, cost and size;
interrupted, crashed, rejudged and still-written runs are marked; what is not a run is left out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from runs_fixtures import days_ago, engine_run, interrupted_run, set_manifest

from evalkit.cli import main
from evalkit.history.verdict import decide_verdict
from evalkit.run import load_run
from evalkit.run.lock import RunLock


def _size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _mixed_reports(tmp_path: Path) -> dict[str, Path]:
    reports = tmp_path / "reports"
    runs = {"complete": engine_run(tmp_path, reports).run_dir, "interrupted": interrupted_run(tmp_path, reports)}
    rejudged = reports / "20260102T000000Z-cccccc"
    shutil.copytree(runs["complete"], rejudged)
    set_manifest(rejudged, run_id=rejudged.name, rejudged_from=runs["complete"].name)
    runs["rejudged"] = rejudged
    crashed = reports / "20260103T000000Z-dddddd"
    shutil.copytree(runs["complete"], crashed)
    set_manifest(crashed, run_id=crashed.name, status="running", ended_at=None)  # killed: run.json never closed
    runs["crashed"] = crashed
    writing = reports / "20260104T000000Z-eeeeee"
    shutil.copytree(runs["complete"], writing)
    set_manifest(writing, run_id=writing.name, status="running")
    runs["writing"] = writing
    for age, key in enumerate(["writing", "crashed", "rejudged", "interrupted", "complete"]):  # newest first
        set_manifest(runs[key], started_at=days_ago(age + 1))
    (reports / "notes").mkdir()  # not a run: never listed
    (reports / "history.db").write_text("")
    return runs


def test_list_shows_each_run_newest_first_and_marks_the_incomplete_ones(tmp_path: Path) -> None:
    runs = _mixed_reports(tmp_path)
    holder = RunLock.acquire(runs["writing"])  # a process still writing this one
    try:
        result = CliRunner().invoke(main, ["runs", "list", "--report-dir", str(tmp_path / "reports"), "--json"])
    finally:
        holder.release()
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    by_id = {r["run_id"]: r for r in listed}
    assert [r["path"] for r in listed] == [
        str(runs[k]) for k in ("writing", "crashed", "rejudged", "interrupted", "complete")
    ]
    assert [r["status"] for r in listed] == ["running", "crashed", "complete", "interrupted", "complete"]
    assert [r["complete"] for r in listed] == [False, False, True, False, True]
    writing = by_id[runs["writing"].name]
    assert writing["being_written"] and "being written by another evalkit run" in writing["writer"]
    assert writing["verdict"] is None  # not decided while rows are still being added
    complete = by_id[runs["complete"].name]
    assert complete["latest"] and complete["verdict"] == decide_verdict(load_run(runs["complete"]))
    assert complete["verdict"] in ("pass", "fail")
    assert complete["suites"] == ["demo"] and complete["tiers"] == ["openai:small"]
    manifest = json.loads((runs["complete"] / "run.json").read_text())
    assert complete["cost_usd"] == manifest["totals"]["cost_usd"]["total"] and complete["cost_usd"] > 0
    assert by_id[runs["rejudged"].name]["rejudged_from"] == runs["complete"].name
    for run in listed:
        assert run["size_bytes"] == _size(Path(run["path"])) > 0


def test_the_table_names_status_verdict_cost_size_and_the_latest_run(tmp_path: Path) -> None:
    runs = _mixed_reports(tmp_path)
    result = CliRunner().invoke(main, ["runs", "list", "--report-dir", str(tmp_path / "reports")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["run", "started", "(UTC)", "suite(s)", "tiers", "status", "verdict", "cost", "size"]
    line = {key: next(ln for ln in lines if ln.startswith(path.name)) for key, path in runs.items()}
    assert line["complete"].endswith("latest; no report") and " complete " in line["complete"]  # engine-only run
    assert " interrupted " in line["interrupted"] and " crashed " in line["crashed"]
    assert f"rejudge of {runs['complete'].name}" in line["rejudged"]
    assert "notes" not in result.output and "history.db" not in result.output
    assert " crashed " in line["writing"]  # "running", and no process holds its lock in this test
    assert lines[-1].startswith("5 run(s), ") and lines[-1].endswith("; 3 not complete")


def test_an_empty_or_missing_reports_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["runs", "list", "--report-dir", str(tmp_path / "nothing")])
    assert result.exit_code == 0 and result.output.strip() == f"no runs in {tmp_path / 'nothing'}"
    result = CliRunner().invoke(main, ["runs", "list", "--report-dir", str(tmp_path / "nothing"), "--json"])
    assert json.loads(result.output) == []
