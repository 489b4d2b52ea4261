"""Run directories for housekeeping tests: real ones from the run engine, and hand-written manifests."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from run_helpers import NullHub, Recorder, make_suite

from evalkit.run import RunConfig, RunSummary, execute_run, plan_run


def engine_run(tmp_path: Path, reports: Path, *, name: str = "demo", publish: bool = True) -> RunSummary:
    """A complete run of 2 scenarios x 2 trials (half the trials fail)."""
    config = RunConfig(report_dir=reports, fsync_interval_s=0, publish_latest=publish)
    items = plan_run([make_suite(tmp_path, scenarios=2, trials=2, name=name, tiers=["openai:small"])], config)
    return asyncio.run(execute_run(items, config, NullHub(), stages=Recorder().stages()))


def interrupted_run(tmp_path: Path, reports: Path) -> Path:
    """A run cancelled (as Ctrl-C would) after one of its four trials was decided."""

    before = set(reports.iterdir()) if reports.is_dir() else set()

    async def go() -> None:
        config = RunConfig(report_dir=reports, fsync_interval_s=0, max_open_sessions=1)
        items = plan_run([make_suite(tmp_path, scenarios=2, trials=2, name="cut")], config)
        recorder = Recorder(session_delay=0.05)
        task = asyncio.create_task(execute_run(items, config, NullHub(), stages=recorder.stages()))
        while len(recorder.judged) < 1:
            await asyncio.sleep(0.005)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(go())
    [run_dir] = [p for p in reports.iterdir() if p not in before and p.is_dir() and not p.is_symlink()]
    return run_dir


def set_manifest(run_dir: Path, **fields: Any) -> None:
    manifest = json.loads((run_dir / "run.json").read_text())
    manifest.update(fields)
    (run_dir / "run.json").write_text(json.dumps(manifest))


def days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


def fake_run(reports: Path, run_id: str, started: str, status: str = "complete", size: int = 1000) -> Path:
    """A hand-written run directory: run.json, a lock file as every run has, and `size` bytes of transcript."""
    run = reports / run_id
    (run / "transcripts").mkdir(parents=True)
    (run / ".lock").write_text("")
    (run / "transcripts" / "t.json").write_bytes(b"x" * size)
    (run / "run.json").write_text(
        json.dumps(
            {
                "run_id": run_id,
                "started_at": started,
                "status": status,
                "suites": [{"name": "s", "path": "s.yaml", "tiers": ["openai:m"]}],
                "models": {"agent": ["openai:m"]},
                "totals": {"cost_usd": {"agent": 0.5, "simulator": 0.25, "judge": None, "total": None}},
                "config": {"offline": False},
            }
        )
    )
    return run
