"""The progress line's elapsed time is wall time since the run started, also while no session changes state.

The run hands the display a snapshot only when a session starts, finishes or is judged; a line written
between two snapshots used to repeat the last one's clock (a CI log showed "2s" for 25 seconds). Here one
session waits 3 s on a FakeLLMServer model while the display writes a line every 0.3 s.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from evalkit.plugin.terminal import ProgressDisplay
from evalkit.run import RunConfig, plan_run, run_in_thread
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer

LATENCY_S = 3.0
SUITE = """
suite: slow
agent: {kind: model, model: "openai:agent-m", system_prompt: "help"}
trials: 1
scenarios:
  - id: waits
    goal: get an answer
    turns: [{user: "hello"}]
    checks: [{contains: "ok"}]
"""
LINE = re.compile(r"evalkit: (\d+)/(\d+) sessions decided .*, (\d+)s(?:, ETA \d+s)?$")


def test_elapsed_grows_while_a_session_waits_on_its_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-progress-test")
    path = tmp_path / "suites" / "slow.yaml"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(SUITE).lstrip())
    lines: list[str] = []
    display = ProgressDisplay(lines.append, live=False, interval_s=0.3)
    with FakeLLMServer(latency_s=LATENCY_S) as server:
        server.add_rule(text="ok, done")
        config = RunConfig(
            report_dir=tmp_path / "reports",
            fsync_interval_s=0,
            cache=False,
            base_urls={"openai": server.openai_base_url},
        )
        handle = run_in_thread(plan_run([load_suite(path, root=tmp_path)], config), config, progress=display.update)
        display.wait(handle.done)
        summary = handle.wait(30)
    assert summary.status == "complete"
    parsed = [LINE.match(line.splitlines()[0]) for line in lines]
    assert all(parsed), lines
    waiting = [int(m.group(3)) for m in parsed if m and m.group(1) == "0"]  # the session still on its model call
    elapsed = [int(m.group(3)) for m in parsed if m]
    assert elapsed == sorted(elapsed), lines  # never goes back
    assert len(set(waiting)) >= 3 and max(waiting) >= LATENCY_S - 1, lines  # counts up while nothing changes
    assert elapsed[-1] >= LATENCY_S - 0.5, lines
