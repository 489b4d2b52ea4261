"""Resume checks rows against the event log: lost rows are rebuilt (no model call), a changed transcript re-run."""

import asyncio
import json
from pathlib import Path

import pytest
from fake_project import rules, write_project
from run_helpers import NullHub, Recorder, make_suite

from evalkit.llm import ModelHub
from evalkit.run import RunConfig, execute_run, load_run, plan_run
from evalkit.run.events import read_events
from evalkit.run.resume import load_state
from evalkit.run.run_dir import EVENTS, RESULTS, TRIALS, RunDir
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer, hub_config_for

pytestmark = pytest.mark.reliability  # a standing test of issue #13 (items 2-3: locks, kills, resume)


def _rows(run_dir: Path) -> tuple[list[str], list[str]]:
    """Every trials and results row, canonically, sorted: equal lists mean the very same records."""
    run = load_run(run_dir)
    canon = lambda rows: sorted(json.dumps(r, sort_keys=True) for r in rows)  # noqa: E731
    return canon(run.trials), canon(run.results)


def _finished(tmp_path: Path, config: RunConfig, scenarios: int = 3, trials: int = 2) -> tuple[list, Path]:
    items = plan_run([make_suite(tmp_path, scenarios=scenarios, trials=trials)], config)
    summary = asyncio.run(execute_run(items, config, NullHub(), stages=Recorder().stages()))
    return items, summary.run_dir


def _resume(items: list, config: RunConfig, run_dir: Path) -> tuple[Recorder, object]:
    again = Recorder()
    resumed = config.model_copy(update={"resume": str(run_dir)})
    return again, asyncio.run(execute_run(items, resumed, NullHub(), stages=again.stages()))


def _tamper(run_dir: Path, item) -> None:
    path = run_dir / "transcripts" / f"{item.file_stem}.json"
    data = json.loads(path.read_text())
    data["messages"][-1]["content"] = "I have refunded you twice."
    path.write_text(json.dumps(data))


def test_a_deleted_results_file_is_rebuilt_from_the_event_log_without_a_model_call(
    tmp_path: Path, config: RunConfig
) -> None:
    items, run_dir = _finished(tmp_path, config)
    before = _rows(run_dir)
    (run_dir / RESULTS).unlink()
    again, summary = _resume(items, config, run_dir)
    assert again.sessions == [] and again.judged == []
    assert summary.status == "complete" and _rows(run_dir) == before


def test_truncated_trials_and_results_are_rebuilt_exactly(tmp_path: Path, config: RunConfig) -> None:
    items, run_dir = _finished(tmp_path, config)
    before = _rows(run_dir)
    for name in (TRIALS, RESULTS):
        data = (run_dir / name).read_bytes()
        (run_dir / name).write_bytes(data[: len(data) // 2])  # cut mid-line, as a full disk or a bad copy would
    again, summary = _resume(items, config, run_dir)
    assert again.sessions == [] and again.judged == []
    assert summary.status == "complete" and _rows(run_dir) == before
    assert load_run(run_dir).problems == []


@pytest.mark.parametrize("damage", ["edited", "deleted"])
def test_a_decided_trial_whose_transcript_changed_or_went_missing_is_run_again(
    tmp_path: Path, config: RunConfig, damage: str
) -> None:
    items, run_dir = _finished(tmp_path, config)
    victim = items[3]
    if damage == "edited":
        _tamper(run_dir, victim)
    else:
        (run_dir / "transcripts" / f"{victim.file_stem}.json").unlink()
    again, summary = _resume(items, config, run_dir)
    assert again.sessions == [victim.key] and again.judged == [victim.key]
    run = load_run(run_dir)
    [row] = [t for t in run.trials if (t["scenario_id"], t["trial"]) == (victim.scenario_id, victim.trial)]
    assert RunDir(run_dir).read_transcript(row["transcript_path"]).content_hash() == row["transcript_hash"]
    assert len(run.trials) == len(items) and summary.status == "complete" and run.problems == []


def test_a_judged_but_undecided_trial_with_a_changed_transcript_is_run_again_not_judged_from_it(
    tmp_path: Path, config: RunConfig
) -> None:
    items, run_dir = _finished(tmp_path, config, scenarios=1, trials=2)
    events = list(read_events(run_dir / EVENTS))
    keep = [e for e in events if not (e.get("key") == items[1].key and e["kind"] == "trial_decided")]
    (run_dir / EVENTS).write_text("".join(json.dumps(e) + "\n" for e in keep))
    _tamper(run_dir, items[1])
    again, _ = _resume(items, config, run_dir)
    assert again.sessions == [items[1].key] and again.judged == [items[1].key]


def test_a_decision_is_revoked_by_a_later_attempt_in_the_log(tmp_path: Path) -> None:
    """A resume re-ran a decided trial and was killed mid-way: the old decision and judgement no longer stand."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    events = [
        {"kind": "session_started", "key": "a"},
        {"kind": "session_ended", "key": "a", "transcript_path": "t/a.json", "transcript_hash": "h1"},
        {"kind": "judged", "key": "a", "judgement": {"outcome": "pass"}},
        {"kind": "trial_decided", "key": "a"},
        {"kind": "session_started", "key": "a"},
        {"kind": "session_ended", "key": "a", "transcript_path": "t/a.json", "transcript_hash": "h2"},
    ]
    (run_dir / EVENTS).write_text("".join(json.dumps(e) + "\n" for e in events))
    state = load_state(RunDir(run_dir))
    assert state.decided == set() and state.judged == {} and state.hashes == {"a": "h2"}


def test_load_run_says_when_rows_and_events_disagree(tmp_path: Path, config: RunConfig) -> None:
    from click.testing import CliRunner

    from evalkit.cli import main
    from evalkit.report.markdown import render_markdown_summary

    _items, run_dir = _finished(tmp_path, config)
    assert load_run(run_dir).problems == [] and load_run(run_dir).status == "complete"
    rows = (run_dir / RESULTS).read_text().splitlines(keepends=True)
    (run_dir / RESULTS).write_text("".join(rows[:2]))
    with open(run_dir / TRIALS, "a") as fh:
        fh.write((run_dir / TRIALS).read_text().splitlines(keepends=True)[0])  # a second writer's duplicate
    run = load_run(run_dir)
    assert run.status == "inconsistent"
    text = " ".join(run.problems)
    assert "4 trials are missing criterion rows" in text and "1 trial has more than one row" in text
    assert "inconsistent" in render_markdown_summary(run_dir).splitlines()[0]
    result = CliRunner().invoke(main, ["report", str(run_dir)])
    assert result.exit_code == 0 and "warning: " in result.stderr and "missing criterion rows" in result.stderr


def test_a_run_with_its_results_truncated_and_resumed_is_rebuilt_with_no_request_to_the_model_server(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    write_project(root, scenarios=3, trials=2, turns=2)
    suite = load_suite(root / "suites" / "run.yaml", root=root)
    config = RunConfig(report_dir=tmp_path / "reports", fsync_interval_s=0, cache=False)

    async def run(cfg: RunConfig, server: FakeLLMServer) -> Path:
        async with ModelHub(hub_config_for(server)) as hub:
            return (await execute_run(plan_run([suite], cfg), cfg, hub)).run_dir

    with FakeLLMServer(rules(turns=2)) as server:
        run_dir = asyncio.run(run(config, server))
        before, calls = _rows(run_dir), len(server.requests)
        data = (run_dir / RESULTS).read_bytes()
        (run_dir / RESULTS).write_bytes(data[: len(data) // 3])  # the trials rows stay: only criterion rows lost
        asyncio.run(run(config.model_copy(update={"resume": str(run_dir)}), server))
        assert len(server.requests) == calls
    assert _rows(run_dir) == before and len(before[1]) == 12


def test_resuming_part_of_a_run_leaves_the_rows_of_the_rest_alone(tmp_path: Path, config: RunConfig) -> None:
    """`-k` on a resume (or one xdist worker's share) plans a subset: the other trials' rows are not its to drop."""
    items, run_dir = _finished(tmp_path, config)
    before = _rows(run_dir)
    again, _ = _resume([i for i in items if i.scenario_id == "s0"], config, run_dir)
    assert again.sessions == [] and _rows(run_dir) == before


def test_a_run_still_running_keeps_its_status_while_its_rows_run_ahead_of_the_log(
    tmp_path: Path, config: RunConfig
) -> None:
    """Rows are written just before their trial_decided event: mid-write is not damage, and `running` says enough."""
    items, run_dir = _finished(tmp_path, config)
    manifest = json.loads((run_dir / "run.json").read_text())
    (run_dir / "run.json").write_text(json.dumps({**manifest, "status": "running"}))
    events = list(read_events(run_dir / EVENTS))
    keep = [e for e in events if not (e.get("key") == items[0].key and e["kind"] == "trial_decided")]
    (run_dir / EVENTS).write_text("".join(json.dumps(e) + "\n" for e in keep))
    run = load_run(run_dir)
    assert run.status == "running" and "1 row in trials.jsonl has no trial_decided event" in run.problems[0]
