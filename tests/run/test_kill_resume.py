"""SIGKILL a run mid-way in a subprocess, resume it: same results as a clean run, nothing finished paid twice."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_project import rules, session_ref, write_project

from evalkit.llm import ModelHub
from evalkit.run import RunConfig, execute_run, load_run, plan_run
from evalkit.run.events import read_events
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer, hub_config_for

pytestmark = pytest.mark.reliability  # a standing test of issue #13 (items 2-3: locks, kills, resume)

HERE = Path(__file__).parent


def _child(root: Path, url: str, reports: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "OPENAI_API_KEY": "sk-fake-run-test", "PYTHONPATH": str(HERE)}
    cmd = [sys.executable, str(HERE / "run_child.py"), str(root), url, str(reports), *extra]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])


def _results(run_dir: Path) -> tuple[set, set]:
    run = load_run(run_dir)
    trials = {(t["scenario_id"], t["trial"], t["outcome"], t["transcript_hash"]) for t in run.trials}
    assert len(trials) == len(run.trials)
    scores = {(r["scenario_id"], r["trial"], r["criterion_id"], r["outcome"], r["score"]) for r in run.results}
    assert len(scores) == len(run.results)
    return trials, scores


async def _clean_run(root: Path, server: FakeLLMServer, reports: Path) -> Path:
    config = RunConfig(report_dir=reports, fsync_interval_s=0)
    async with ModelHub(hub_config_for(server)) as hub:
        summary = await execute_run(
            plan_run([load_suite(root / "suites" / "run.yaml", root=root)], config), config, hub
        )
    return summary.run_dir


def test_sigkill_then_resume_matches_a_clean_run_without_paying_twice(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_project(root, scenarios=4, trials=2, turns=2)
    with FakeLLMServer(rules(turns=2), latency_s=0.02) as server:
        reports = tmp_path / "reports"
        proc = _child(root, server.openai_base_url, reports)
        trials_file = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = list(reports.glob("*-*/trials.jsonl")) if reports.exists() else []
            trials_file = found[0] if found else None
            if trials_file and len(trials_file.read_text().splitlines()) >= 2:
                break
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(0.2)
        before = len(server.requests)
        run_dir = trials_file.parent
        events = list(read_events(run_dir / "events.jsonl"))
        seed_of = {e["key"]: str(e["seed"]) for e in events if e["kind"] == "session_started"}
        ended = {seed_of[e["key"]] for e in events if e["kind"] == "session_ended"}
        judged = {seed_of[e["key"]] for e in events if e["kind"] == "judged"}
        decided = {e["key"] for e in events if e["kind"] == "trial_decided"}
        assert 2 <= len(judged) < 8, "the kill should land mid-run"
        assert json.loads((run_dir / "run.json").read_text())["status"] == "running"

        summary = _finish(_child(root, server.openai_base_url, reports, "--resume", "latest"))
        assert summary["status"] == "complete" and summary["decided"] == 8
        # every trial decided before the kill is kept or rebuilt from the log; a row written just before the kill,
        # whose trial_decided event never made it, is decided again from its logged judgement (no model call below)
        resumed = next(
            e for e in read_events(run_dir / "events.jsonl") if e["kind"] == "run_started" and e.get("resumed")
        )
        assert (
            resumed["kept"] + resumed["rebuilt"] == len(decided) >= 1 and summary["kept_from_resume"] == resumed["kept"]
        )
        after = server.requests[before:]
        repeated_sessions = [r for r in after if r.role in ("agent", "simulator") and session_ref(r.body) in ended]
        repeated_judging = [r for r in after if r.role == "judge" and session_ref(r.body) in judged]
        assert not repeated_sessions and not repeated_judging
        assert any(r.role == "simulator" for r in after)  # the unfinished sessions did run

        clean = asyncio.run(_clean_run(root, server, tmp_path / "clean"))
    assert _results(run_dir) == _results(clean)
    assert json.loads((run_dir / "run.json").read_text())["totals"]["sessions"] == 8
