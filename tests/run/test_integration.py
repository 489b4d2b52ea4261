"""The run engine with the real session and judging stages, against FakeLLMServer."""

import asyncio
from pathlib import Path

import pytest
from fake_project import rules, write_project

from evalkit.llm import ModelHub
from evalkit.run import RunConfig, execute_run, load_run, plan_run
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer, hub_config_for
from evalkit.testing.hub import FAKE_KEY


@pytest.mark.asyncio
async def test_real_stages_produce_judged_trials(tmp_path: Path) -> None:
    with FakeLLMServer(rules(turns=2)) as server:
        suite = load_suite(write_project(tmp_path, scenarios=2, trials=2), root=tmp_path)
        config = RunConfig(report_dir=tmp_path / "reports", fsync_interval_s=0)
        async with ModelHub(hub_config_for(server)) as hub:
            summary = await execute_run(plan_run([suite], config), config, hub)
    run = load_run(summary.run_dir)
    assert summary.status == "complete" and len(run.trials) == 4
    for trial in run.trials:
        assert trial["outcome"] == "pass", trial
        assert trial["termination"] == "user_stop" and trial["turns"] == 2
        assert trial["judge_models"] == ["openai:judge-m"] and trial["rubric_refs"] == ["quality@1"]
        assert trial["tokens"]["judge"]["input"] > 0 and trial["tokens"]["simulator"]["input"] > 0
    assert {(r["criterion_id"], r["outcome"]) for r in run.results} == {("helpful", "pass"), ("tone", "pass")}
    assert {r["rubric_fingerprint"] for r in run.results} == {suite.rubrics["quality@1"].fingerprint}
    for path in summary.run_dir.rglob("*"):
        assert not path.is_file() or FAKE_KEY not in path.read_text(), path
    kinds = [e["kind"] for e in run.events()]
    assert kinds.count("turn") > 0 and kinds.count("session_ended") == 4
    # per session: 2 simulated turns + the end call, 3 agent calls (one tool round trip), 1 judge call
    assert len(server.requests_for("simulator")) == 4 * 3
    assert len(server.requests_for("agent")) == 4 * 3
    assert len(server.requests_for("judge")) == 4


@pytest.mark.asyncio
async def test_concurrency_is_bounded_per_endpoint_not_globally(tmp_path: Path) -> None:
    """A slow judge endpoint fills its own 2 slots while sessions keep using the other endpoint's 2."""
    varied = rules(varied=True)  # sessions of 1 to 4 turns: early ones are judged while others still talk
    with FakeLLMServer(varied, latency_s=0.02) as fast, FakeLLMServer(varied, latency_s=0.3) as slow:
        suite = load_suite(
            write_project(tmp_path, scenarios=4, trials=2, judge_base_url=slow.openai_base_url), root=tmp_path
        )
        config = RunConfig(report_dir=tmp_path / "reports", fsync_interval_s=0)
        peak_total = 0

        async def watch() -> None:
            nonlocal peak_total
            while True:
                peak_total = max(peak_total, fast.in_flight + slow.in_flight)
                await asyncio.sleep(0.002)

        watcher = asyncio.create_task(watch())
        async with ModelHub(hub_config_for(fast, max_connections=2)) as hub:
            summary = await execute_run(plan_run([suite], config), config, hub)
        watcher.cancel()
    assert summary.decided == 8
    assert fast.max_in_flight == 2 and slow.max_in_flight == 2
    assert peak_total > 2  # both endpoints busy at once: no global limit
    assert len(slow.requests_for("judge")) == 8 and not fast.requests_for("judge")


@pytest.mark.asyncio
async def test_cancelling_a_live_run_leaves_no_tasks_and_no_open_requests(tmp_path: Path) -> None:
    with FakeLLMServer(rules(turns=2), latency_s=0.2) as server:
        suite = load_suite(write_project(tmp_path, scenarios=3, trials=2), root=tmp_path)
        config = RunConfig(report_dir=tmp_path / "reports", fsync_interval_s=0)
        before = asyncio.all_tasks()
        hub = ModelHub(hub_config_for(server))
        run = asyncio.create_task(execute_run(plan_run([suite], config), config, hub))
        while server.in_flight < 3:
            await asyncio.sleep(0.005)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        await hub.aclose()
        assert asyncio.all_tasks() == before
        [run_dir] = [p for p in (tmp_path / "reports").iterdir() if p.is_dir() and not p.is_symlink()]
        assert load_run(run_dir).status == "interrupted"
        assert not (tmp_path / "reports" / "latest").exists()  # an interrupted run never becomes `latest`
        assert list((run_dir / "transcripts").glob("*.incomplete.json"))  # what was said is kept, apart
        assert not [p for p in (run_dir / "transcripts").glob("*.json") if not p.name.endswith(".incomplete.json")]
