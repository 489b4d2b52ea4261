import asyncio
import json
from pathlib import Path

import pytest
from run_helpers import NullHub, Recorder, make_suite

from evalkit.run import Progress, RunConfig, execute_run, load_run, plan_run
from evalkit.run.events import read_events


@pytest.mark.asyncio
async def test_every_item_is_run_judged_and_written(tmp_path: Path, config: RunConfig, recorder: Recorder) -> None:
    items = plan_run([make_suite(tmp_path, scenarios=3, trials=2)], config)
    summary = await execute_run(items, config, NullHub(), stages=recorder.stages())
    assert summary.status == "complete" and summary.decided == 6
    assert sorted(recorder.sessions) == sorted(recorder.judged) == sorted(i.key for i in items)
    run = load_run(summary.run_dir)
    assert run.manifest["status"] == "complete"
    assert run.manifest["totals"]["trials"] == {"pass": 3, "fail": 3}
    assert len(run.trials) == 6 and len(run.results) == 6
    kinds = [e["kind"] for e in run.events()]
    assert kinds[0] == "run_started" and kinds[-1] == "run_ended"
    for kind in ("session_started", "turn", "session_ended", "judged", "trial_decided"):
        assert kinds.count(kind) == 6, kind


@pytest.mark.asyncio
async def test_judging_starts_while_other_sessions_still_run(tmp_path: Path, config: RunConfig) -> None:
    rec = Recorder()
    items = plan_run([make_suite(tmp_path, scenarios=4, trials=2)], config)
    delays = {item.key: 0.01 * (n + 1) for n, item in enumerate(items)}  # sessions end at different times

    async def session(item, ctx):
        rec.session_delay = delays[item.key]
        return await Recorder.session(rec, item, ctx)

    from evalkit.run import Stages

    await execute_run(items, config, NullHub(), stages=Stages(session=session, judge=rec.judge))
    first_judge = min(t for t, kind, _ in rec.timeline if kind == "judge_start")
    last_session_end = max(t for t, kind, _ in rec.timeline if kind == "session_end")
    assert first_judge < last_session_end
    # all sessions were open together: nothing serialised them
    assert rec.max_open == len(items)


@pytest.mark.asyncio
async def test_max_open_sessions_bounds_open_sessions(tmp_path: Path, recorder: Recorder) -> None:
    config = RunConfig(report_dir=tmp_path / "r", max_open_sessions=3)
    recorder.session_delay = 0.005
    items = plan_run([make_suite(tmp_path, scenarios=5, trials=2)], config)
    summary = await execute_run(items, config, NullHub(), stages=recorder.stages())
    assert summary.decided == 10
    assert recorder.max_open == 3


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("budget", "expected_sessions", "reason"),
    [
        ({"max_sessions": 4}, 4, "max_sessions=4"),
        ({"max_tokens": 250}, 2, "max_tokens=250"),  # 115 tokens per trial: a third would pass 250
        ({"max_cost_usd": 0.02}, 2, "max_cost_usd=0.02"),  # 0.011 per trial
    ],
)
async def test_budgets_stop_new_work_and_say_so(
    tmp_path: Path, budget: dict, expected_sessions: int, reason: str
) -> None:
    config = RunConfig(report_dir=tmp_path / "r", max_open_sessions=1, **budget)
    recorder = Recorder()
    seen: list[Progress] = []
    items = plan_run([make_suite(tmp_path, scenarios=5, trials=2)], config)
    summary = await execute_run(items, config, NullHub(), seen.append, stages=recorder.stages())
    assert len(recorder.sessions) == expected_sessions
    assert summary.status == "budget_stopped" and reason in summary.status_reason
    assert summary.not_run == 10 - expected_sessions
    manifest = json.loads((summary.run_dir / "run.json").read_text())
    assert manifest["status"] == "budget_stopped" and reason in manifest["status_reason"]
    assert reason in seen[-1].stopped_reason


@pytest.mark.asyncio
async def test_a_stage_that_raises_is_recorded_and_the_run_goes_on(tmp_path: Path, config: RunConfig) -> None:
    items = plan_run([make_suite(tmp_path, scenarios=2, trials=1)], config)
    recorder = Recorder(fail_sessions={items[0].key})
    summary = await execute_run(items, config, NullHub(), stages=recorder.stages())
    assert summary.status == "complete" and summary.decided == 2
    rows = {r["scenario_id"]: r for r in load_run(summary.run_dir).trials}
    assert rows["s0"]["termination"] == "infrastructure_error"
    assert "stage exploded" in rows["s0"]["termination_detail"]
    assert rows["s1"]["termination"] == "user_stop"


@pytest.mark.asyncio
async def test_cancellation_leaves_no_pending_tasks_and_marks_the_run_interrupted(
    tmp_path: Path, config: RunConfig
) -> None:
    recorder = Recorder(gate=asyncio.Event())
    items = plan_run([make_suite(tmp_path, scenarios=4, trials=2)], config)
    before = asyncio.all_tasks()
    run = asyncio.create_task(execute_run(items, config, NullHub(), stages=recorder.stages()))
    while len(recorder.sessions) < len(items):
        await asyncio.sleep(0.001)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert asyncio.all_tasks() == before
    run_dir = next(p for p in (tmp_path / "reports").iterdir() if p.is_dir() and not p.is_symlink())
    manifest = json.loads((run_dir / "run.json").read_text())
    assert manifest["status"] == "interrupted"
    assert [e["kind"] for e in read_events(run_dir / "events.jsonl")][-1] == "run_ended"


@pytest.mark.asyncio
async def test_progress_reports_done_running_queued_tokens_cost_and_eta(tmp_path: Path, recorder: Recorder) -> None:
    config = RunConfig(report_dir=tmp_path / "r", max_open_sessions=2)
    seen: list[Progress] = []
    items = plan_run([make_suite(tmp_path, scenarios=3, trials=2)], config)
    await execute_run(items, config, NullHub(), seen.append, stages=recorder.stages())
    assert seen[0].queued == 6 and seen[0].done == 0
    assert max(p.running for p in seen) == 2
    last = seen[-1]
    assert (last.done, last.running, last.queued, last.judging) == (6, 0, 0, 0)
    assert last.tokens == 6 * 115 and last.cost_usd == pytest.approx(6 * 0.011)
    assert any(p.eta_s is not None for p in seen if 0 < p.done < 6)


@pytest.mark.asyncio
async def test_a_cost_budget_paces_sessions_instead_of_starting_everything_at_once(tmp_path: Path) -> None:
    config = RunConfig(report_dir=tmp_path / "r", max_cost_usd=0.05)  # ~4.5 trials at 0.011 each
    recorder = Recorder(session_delay=0.002)
    items = plan_run([make_suite(tmp_path, scenarios=10, trials=2)], config)
    summary = await execute_run(items, config, NullHub(), stages=recorder.stages())
    assert summary.status == "budget_stopped" and "max_cost_usd=0.05" in summary.status_reason
    assert recorder.max_open <= 3
    spent = 0.011 * len(recorder.sessions)
    assert 0.05 - 0.011 <= spent <= 0.05 + 0.011  # stops within one session of the budget
