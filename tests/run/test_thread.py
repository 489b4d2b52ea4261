import asyncio
import threading
from pathlib import Path

import pytest
from run_helpers import NullHub, Recorder, make_suite

from evalkit.run import RunConfig, plan_run, run_in_thread


@pytest.mark.asyncio
async def test_run_in_thread_works_while_a_loop_runs_in_the_calling_thread(tmp_path: Path, config: RunConfig) -> None:
    recorder = Recorder(session_delay=0.001)
    hubs: list[NullHub] = []
    items = plan_run([make_suite(tmp_path, scenarios=3, trials=2)], config)
    handle = run_in_thread(
        items, config, stages=recorder.stages(), hub_factory=lambda: hubs.append(NullHub()) or hubs[-1]
    )
    first = handle.wait_for(items[0].key, timeout=10)
    assert first.status == "done" and first.trial["scenario_id"] == "s0"
    per_item = handle.wait_for_item(items[2].item_key, timeout=10)
    assert [r.trial["trial"] for r in per_item] == [0, 1]
    summary = handle.wait(timeout=10)
    assert summary.status == "complete" and summary.decided == 6
    assert hubs[0].closed
    assert len(handle.results) == 6


def test_cancel_from_the_main_thread_interrupts_and_wakes_waiters(tmp_path: Path, config: RunConfig) -> None:
    gate = asyncio.Event()  # never set: sessions hang until cancelled
    recorder = Recorder(gate=gate)
    hub = NullHub()
    items = plan_run([make_suite(tmp_path, scenarios=2, trials=2)], config)
    handle = run_in_thread(items, config, stages=recorder.stages(), hub_factory=lambda: hub)
    while len(recorder.sessions) < len(items):
        threading.Event().wait(0.001)
    handle.cancel()
    summary = handle.wait(timeout=10)
    assert summary.status == "interrupted"
    result = handle.wait_for(items[0].key, timeout=1)
    assert result.status == "not_run" and result.reason == "cancelled"
    assert hub.closed
    assert not [t for t in threading.enumerate() if t.name.startswith("evalkit-run")]


def test_a_refused_resume_raises_in_the_calling_thread(tmp_path: Path, config: RunConfig) -> None:
    from evalkit.run import ResumeError

    items = plan_run([make_suite(tmp_path, scenarios=1, trials=1)], config)
    with pytest.raises(ResumeError, match="not a run directory"):
        run_in_thread(items, config.model_copy(update={"resume": str(tmp_path / "nope")}), stages=Recorder().stages())
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "run.json").write_text("[]")  # a manifest that is no JSON object is refused the same way
    with pytest.raises(ResumeError, match=r"cannot resume: .*run.json: expected a JSON object"):
        run_in_thread(items, config.model_copy(update={"resume": str(broken)}), stages=Recorder().stages())


def test_ctrl_c_while_waiting_cancels_the_run_cleanly(tmp_path: Path, config: RunConfig) -> None:
    import json
    import os
    import signal

    recorder = Recorder(gate=asyncio.Event())  # sessions hang until cancelled
    hub = NullHub()
    items = plan_run([make_suite(tmp_path, scenarios=2, trials=1)], config)
    handle = run_in_thread(items, config, stages=recorder.stages(), hub_factory=lambda: hub)
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()  # a real Ctrl-C
    with pytest.raises(KeyboardInterrupt):
        handle.wait(timeout=10)
    assert handle.done() and hub.closed
    assert json.loads((handle.run_dir / "run.json").read_text())["status"] == "interrupted"
