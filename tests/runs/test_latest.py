"""`reports/latest` points only at a run that completed (after its report, where one is written) and moves by an
atomic rename; `--resume latest` continues the run started last, finished or not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from runs_fixtures import engine_run, interrupted_run

from evalkit.plugin.reports import write_reports
from evalkit.run import RunConfig, execute_run, load_run, plan_run
from evalkit.run.latest import publish_latest, resume_target
from evalkit.run.run_dir import update_latest


def _latest(reports: Path) -> Path:
    return (reports / "latest").resolve()


def test_an_interrupted_run_never_becomes_latest_but_is_what_resume_latest_continues(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first = engine_run(tmp_path, reports).run_dir
    assert _latest(reports) == first
    cut = interrupted_run(tmp_path, reports)
    assert load_run(cut).status == "interrupted"
    assert _latest(reports) == first  # still the complete run
    assert resume_target("latest", reports) == cut.resolve()

    import asyncio

    from run_helpers import NullHub, Recorder, make_suite

    config = RunConfig(report_dir=reports, fsync_interval_s=0, resume="latest")
    items = plan_run([make_suite(tmp_path, scenarios=2, trials=2, name="cut")], config)
    summary = asyncio.run(execute_run(items, config, NullHub(), stages=Recorder().stages()))
    assert summary.run_dir == cut.resolve() and summary.status == "complete"
    assert _latest(reports) == cut.resolve()  # completed by the resume: now it is latest


def test_with_a_report_to_write_latest_moves_only_once_report_html_exists(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first = engine_run(tmp_path, reports).run_dir
    second = engine_run(tmp_path, reports, name="again", publish=False).run_dir  # as the pytest plugin runs it
    assert _latest(reports) == first and not (second / "report.html").exists()
    assert not publish_latest(second, with_report=True)  # no report yet: refused
    report, error = write_reports(second)
    assert error is None and report == second / "report.html"
    assert _latest(reports) == second


def test_latest_is_replaced_atomically(tmp_path: Path) -> None:
    """A reader resolving `latest` while it is repointed always finds one of the two runs, never nothing."""
    runs = []
    for name in ("20260101T000000Z-aaaaaa", "20260102T000000Z-bbbbbb"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "run.json").write_text("{}")
        runs.append(tmp_path / name)
    update_latest(tmp_path, runs[0])
    misses: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            if not (tmp_path / "latest" / "run.json").exists():
                misses.append("latest/run.json missing")

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(400):
        update_latest(tmp_path, runs[i % 2])
    done.set()
    reader.join()
    assert misses == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [*(r.name for r in runs), "latest"]  # no temp link left


AGENT = """
import os, time

def agent(messages):
    if os.environ.get("EK_SLOW"):
        time.sleep(30)
    return "Done: refunded."
"""

SUITE = """
suite: hk
agent: hk_agent:agent
trials: 2
scenarios:
  - id: refund
    goal: get a refund
    turns: [{user: "refund please"}]
    checks: [{contains: "refunded"}]
"""


def _pytest(root: Path, slow: bool) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVALKIT_", "PYTEST_"))}
    env.update({"PYTHONPATH": str(root), **({"EK_SLOW": "1"} if slow else {})})
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "suites", "-p", "no:cacheprovider", "-q", "--evalkit-no-progress"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_start(reports: Path, known: set[Path], timeout: float = 60.0) -> Path:
    """The new run directory once its run.json says it is running (its agents then sleep for 30 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in reports.iterdir():
            manifest = path / "run.json"
            if path not in known and not path.is_symlink() and manifest.is_file() and "running" in manifest.read_text():
                time.sleep(1.0)  # into the sessions
                return path
        time.sleep(0.05)
    raise AssertionError("the second run never started")


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_a_pytest_run_stopped_mid_way_leaves_latest_at_the_previous_complete_run(
    tmp_path: Path, how: signal.Signals
) -> None:
    root = tmp_path / "project"
    (root / "suites").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.evalkit]\n")
    (root / "hk_agent.py").write_text(textwrap.dedent(AGENT))
    (root / "suites" / "hk.yaml").write_text(textwrap.dedent(SUITE))
    reports = root / "reports"
    out, _ = _pytest(root, slow=False).communicate(timeout=120)
    first = _latest(reports)
    assert (first / "report.html").is_file() and load_run(first).status == "complete", out[-2000:]
    proc = _pytest(root, slow=True)
    try:
        second = _wait_for_start(reports, {first})
        proc.send_signal(how)
        proc.communicate(timeout=25)  # well before its sessions could end by themselves
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _latest(reports) == first and (reports / "latest" / "report.html").is_file()
    assert load_run(second).status in ("interrupted", "running")  # "running": killed before it could say so
    assert resume_target("latest", reports) == second.resolve()
