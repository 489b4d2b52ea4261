"""One writer per run directory: a second resume (or one during the original) is refused, no row doubled."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_project import rules, write_project
from run_helpers import NullHub, Recorder, make_suite

from evalkit.run import ResumeError, RunConfig, execute_run, load_run, plan_run, run_in_thread
from evalkit.run.events import read_events
from evalkit.run.run_dir import RunDir
from evalkit.testing import FakeLLMServer

pytestmark = pytest.mark.reliability  # a standing test of issue #13 (items 2-3: locks, kills, resume)

HERE = Path(__file__).parent


def _child(root: Path, url: str, reports: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "OPENAI_API_KEY": "sk-fake-run-test", "PYTHONPATH": str(HERE)}
    cmd = [sys.executable, str(HERE / "run_child.py"), str(root), url, str(reports), *extra]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(predicate, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, f"child ended before {what}: {proc.stderr.read()[-2000:]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _decided(run_dir: Path) -> int:
    return sum(1 for e in read_events(run_dir / "events.jsonl") if e["kind"] == "trial_decided")


def _resumes_started(run_dir: Path) -> int:
    return sum(1 for e in read_events(run_dir / "events.jsonl") if e["kind"] == "run_started" and e.get("resumed"))


def _assert_refused(proc: subprocess.Popen, run_dir: Path, holder: int) -> None:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, (out, err[-2000:])
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert str(run_dir) in lines[0] and f"pid {holder}" in lines[0]


def _assert_rows_once(run_dir: Path, planned: int) -> None:
    run = load_run(run_dir)
    keys = [(t["scenario_id"], t["trial"]) for t in run.trials]
    assert len(keys) == len(set(keys)) == planned
    criteria = [(r["scenario_id"], r["trial"], r["criterion_id"]) for r in run.results]
    assert len(criteria) == len(set(criteria)) == 2 * planned
    assert run.problems == []


def test_two_resumes_at_once_the_second_is_refused_and_no_row_is_written_twice(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_project(root, scenarios=4, trials=2, turns=2)
    reports = tmp_path / "reports"
    with FakeLLMServer(rules(turns=2), latency_s=0.03) as server:
        first = _child(root, server.openai_base_url, reports, "--open", "1")
        _wait_for(
            lambda: any(reports.glob("*-*/events.jsonl")) and _decided(next(reports.glob("*-*"))) >= 1,
            first,
            "a first decided trial",
        )
        first.send_signal(signal.SIGKILL)
        first.wait()
        run_dir = next(reports.glob("*-*")).resolve()
        assert _decided(run_dir) < 8

        resume_a = _child(root, server.openai_base_url, reports, "--resume", str(run_dir), "--open", "1")
        _wait_for(lambda: _resumes_started(run_dir) == 1, resume_a, "the first resume to start")
        resume_b = _child(root, server.openai_base_url, reports, "--resume", str(run_dir), "--open", "1")
        _assert_refused(resume_b, run_dir, resume_a.pid)
        _out, err = resume_a.communicate(timeout=120)
        assert resume_a.returncode == 0, err[-2000:]
    _assert_rows_once(run_dir, planned=8)


def test_a_resume_while_the_original_still_runs_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_project(root, scenarios=3, trials=2, turns=2)
    reports = tmp_path / "reports"
    with FakeLLMServer(rules(turns=2), latency_s=0.03) as server:
        original = _child(root, server.openai_base_url, reports, "--open", "1")
        _wait_for(lambda: any(reports.glob("*-*/run.json")), original, "the run directory")
        run_dir = next(reports.glob("*-*")).resolve()
        resume = _child(root, server.openai_base_url, reports, "--resume", "latest")
        _assert_refused(resume, run_dir, original.pid)
        _out, err = original.communicate(timeout=120)
        assert original.returncode == 0, err[-2000:]
    _assert_rows_once(run_dir, planned=6)


def test_an_open_run_refuses_a_second_writer_in_the_same_process_and_frees_the_directory_when_done(
    tmp_path: Path, config: RunConfig
) -> None:
    gate = asyncio.Event()  # never set: the run stays open until cancelled
    items = plan_run([make_suite(tmp_path, scenarios=1, trials=2)], config)
    handle = run_in_thread(items, config, stages=Recorder(gate=gate).stages(), hub_factory=NullHub)
    resumed = config.model_copy(update={"resume": str(handle.run_dir)})
    with pytest.raises(ResumeError) as err:
        run_in_thread(items, resumed, stages=Recorder().stages(), hub_factory=NullHub)
    assert str(handle.run_dir) in str(err.value) and f"pid {os.getpid()}" in str(err.value)
    assert "\n" not in str(err.value)
    handle.cancel()
    assert handle.wait(timeout=10).status == "interrupted"
    again = Recorder()
    summary = asyncio.run(execute_run(items, resumed, NullHub(), stages=again.stages()))  # the lock went with the run
    assert summary.status == "complete" and sorted(again.sessions) == sorted(i.key for i in items)


def test_a_new_run_never_takes_over_an_existing_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports = tmp_path / "reports"
    (reports / "20260101T000000Z-aaaaaa").mkdir(parents=True)  # another process's run, its files not yet written
    ids = iter(["20260101T000000Z-aaaaaa", "20260101T000000Z-bbbbbb"])
    monkeypatch.setattr("evalkit.run.run_dir.new_run_id", lambda now=None: next(ids))
    created = RunDir.create(reports)
    assert created.path.name == "20260101T000000Z-bbbbbb"
    assert not any((reports / "20260101T000000Z-aaaaaa").iterdir())
    with pytest.raises(FileExistsError, match="20260101T000000Z-bbbbbb"):
        RunDir.create(reports, "20260101T000000Z-bbbbbb")  # a fixed id is never shared either
    created.release()


def test_a_run_directory_that_cannot_be_locked_is_a_one_line_refusal(tmp_path: Path, config: RunConfig) -> None:
    items = plan_run([make_suite(tmp_path, scenarios=1, trials=1)], config)
    run_dir = asyncio.run(execute_run(items, config, NullHub(), stages=Recorder().stages())).run_dir
    (run_dir / ".lock").unlink()
    (run_dir / ".lock").mkdir()  # stands in for any lock file that cannot be opened (read-only copy, other owner)
    with pytest.raises(ResumeError, match=r"cannot resume .*: cannot lock it for writing \(Is a directory\)"):
        asyncio.run(
            execute_run(
                items, config.model_copy(update={"resume": str(run_dir)}), NullHub(), stages=Recorder().stages()
            )
        )
