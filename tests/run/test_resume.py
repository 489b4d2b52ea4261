import asyncio
import json
from pathlib import Path

import pytest
from run_helpers import NullHub, Recorder, make_suite

from evalkit.run import ResumeError, RunConfig, execute_run, load_run, plan_run
from evalkit.run.events import read_events
from evalkit.run.run_dir import EVENTS


def _result_set(run_dir: Path) -> set[tuple]:
    run = load_run(run_dir)
    trials = {(r["scenario_id"], r["tier"], r["trial"], r["outcome"], r["transcript_hash"]) for r in run.trials}
    assert len(trials) == len(run.trials), "a trial row is duplicated"
    return trials


async def _interrupted_run(tmp_path: Path, config: RunConfig, stop_after: int) -> tuple[list, Path, Recorder]:
    """Run until `stop_after` trials are decided, then cancel (as Ctrl-C would)."""
    recorder = Recorder(session_delay=0.002)
    loaded = make_suite(tmp_path, scenarios=5, trials=2)
    items = plan_run([loaded], config.model_copy(update={"max_open_sessions": 2}))
    task = asyncio.create_task(
        execute_run(items, config.model_copy(update={"max_open_sessions": 2}), NullHub(), stages=recorder.stages())
    )
    run_dir = None
    while run_dir is None or len(load_run(run_dir).trials) < stop_after:
        await asyncio.sleep(0.001)
        dirs = list((tmp_path / "reports").glob("*-*")) if (tmp_path / "reports").exists() else []
        run_dir = dirs[0] if dirs else None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return items, run_dir, recorder


@pytest.mark.asyncio
async def test_resume_runs_only_what_is_missing_and_ends_with_the_same_results(
    tmp_path: Path, config: RunConfig
) -> None:
    items, run_dir, _first = await _interrupted_run(tmp_path, config, stop_after=3)
    decided_before = {r["scenario_id"] + str(r["trial"]) for r in load_run(run_dir).trials}
    assert 3 <= len(decided_before) < 10

    second = Recorder()
    resumed = config.model_copy(update={"resume": "latest"})
    summary = await execute_run(plan_run([items[0].suite], resumed), resumed, NullHub(), stages=second.stages())
    assert summary.status == "complete" and summary.run_dir == run_dir
    assert summary.kept_from_resume == len(decided_before)
    # no decided trial ran again
    assert not set(second.sessions) & {i.key for i in items if i.scenario_id + str(i.trial) in decided_before}
    manifest = json.loads((run_dir / "run.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["resumed_at"]) == 1
    assert manifest["totals"]["sessions"] == 10

    clean_cfg = RunConfig(report_dir=tmp_path / "clean", fsync_interval_s=0)
    clean = await execute_run(plan_run([items[0].suite], clean_cfg), clean_cfg, NullHub(), stages=Recorder().stages())
    assert _result_set(run_dir) == _result_set(clean.run_dir)


@pytest.mark.asyncio
async def test_a_finished_but_unjudged_session_is_only_judged(tmp_path: Path, config: RunConfig) -> None:
    recorder = Recorder()
    items = plan_run([make_suite(tmp_path, scenarios=1, trials=2)], config)
    await execute_run(items, config, NullHub(), stages=recorder.stages())
    run_dir = tmp_path / "reports" / "latest"
    # Forget the judgement of trial 1, as if the process died right after its session ended.
    events = [json.loads(line) for line in (run_dir / EVENTS).read_text().splitlines()]
    keep = [e for e in events if not (e.get("key") == items[1].key and e["kind"] in ("judged", "trial_decided"))]
    (run_dir / EVENTS).write_text("".join(json.dumps(e) + "\n" for e in keep))

    again = Recorder()
    resumed = config.model_copy(update={"resume": str(run_dir)})
    summary = await execute_run(items, resumed, NullHub(), stages=again.stages())
    assert again.sessions == [] and again.judged == [items[1].key]
    assert summary.decided == 2 and len(load_run(run_dir).trials) == 2  # the stale row was replaced, not duplicated


@pytest.mark.asyncio
async def test_a_judged_but_undecided_trial_reuses_the_stored_judgement(tmp_path: Path, config: RunConfig) -> None:
    items = plan_run([make_suite(tmp_path, scenarios=1, trials=1)], config)
    await execute_run(items, config, NullHub(), stages=Recorder().stages())
    run_dir = (tmp_path / "reports" / "latest").resolve()
    events = [json.loads(line) for line in (run_dir / EVENTS).read_text().splitlines()]
    (run_dir / EVENTS).write_text("".join(json.dumps(e) + "\n" for e in events if e["kind"] != "trial_decided"))
    again = Recorder()
    await execute_run(items, config.model_copy(update={"resume": str(run_dir)}), NullHub(), stages=again.stages())
    assert again.sessions == [] and again.judged == []
    assert load_run(run_dir).trials[0]["outcome"] == "pass"


@pytest.mark.asyncio
async def test_resume_refuses_when_the_suite_or_a_rubric_changed(tmp_path: Path, config: RunConfig) -> None:
    loaded = make_suite(tmp_path, scenarios=1, trials=1)
    await execute_run(plan_run([loaded], config), config, NullHub(), stages=Recorder().stages())
    resumed = config.model_copy(update={"resume": "latest"})

    loaded.rubric.fingerprint = "fp2"
    with pytest.raises(ResumeError, match=r"rubric quality@1 changed") as err:
        await execute_run(plan_run([loaded], resumed), resumed, NullHub(), stages=Recorder().stages())
    assert "\n" not in str(err.value)

    loaded.rubric.fingerprint = "fp1"
    loaded.file_hash = "different"
    with pytest.raises(ResumeError, match=r"demo.yaml changed since the run started"):
        await execute_run(plan_run([loaded], resumed), resumed, NullHub(), stages=Recorder().stages())


@pytest.mark.asyncio
async def test_resume_keeps_the_stored_shape_of_the_run(tmp_path: Path, config: RunConfig) -> None:
    loaded = make_suite(tmp_path, scenarios=1, trials=3)
    first = config.model_copy(update={"trials": 1})
    await execute_run(plan_run([loaded], first), first, NullHub(), stages=Recorder().stages())
    resumed = config.model_copy(update={"resume": "latest"})  # no trials override given this time
    assert len(plan_run([loaded], resumed)) == 1


def test_a_torn_tail_in_the_event_log_does_not_block_resume(tmp_path: Path, config: RunConfig) -> None:
    loaded = make_suite(tmp_path, scenarios=2, trials=1)
    items = plan_run([loaded], config)
    asyncio.run(execute_run(items, config, NullHub(), stages=Recorder().stages()))
    run_dir = (tmp_path / "reports" / "latest").resolve()
    with open(run_dir / EVENTS, "ab") as fh:
        fh.write(b'{"kind": "session_started", "key": "de')
    again = Recorder()
    summary = asyncio.run(
        execute_run(items, config.model_copy(update={"resume": "latest"}), NullHub(), stages=again.stages())
    )
    assert again.sessions == [] and summary.kept_from_resume == 2
    kinds = [e["kind"] for e in read_events(run_dir / EVENTS)]
    assert kinds.count("run_started") == 2 and kinds[-1] == "run_ended"  # the resumed run's events stay readable


@pytest.mark.asyncio
async def test_a_transcript_on_disk_without_its_event_is_not_run_again(tmp_path: Path, config: RunConfig) -> None:
    """Killed between writing the transcript (atomically) and logging session_ended: the session was paid for."""
    items = plan_run([make_suite(tmp_path, scenarios=1, trials=1)], config)
    await execute_run(items, config, NullHub(), stages=Recorder().stages())
    run_dir = (tmp_path / "reports" / "latest").resolve()
    events = [json.loads(line) for line in (run_dir / EVENTS).read_text().splitlines()]
    keep = [e for e in events if e["kind"] not in ("session_ended", "judged", "trial_decided")]
    (run_dir / EVENTS).write_text("".join(json.dumps(e) + "\n" for e in keep))
    again = Recorder()
    await execute_run(items, config.model_copy(update={"resume": str(run_dir)}), NullHub(), stages=again.stages())
    assert again.sessions == [] and again.judged == [items[0].key]
    assert len(load_run(run_dir).trials) == 1
