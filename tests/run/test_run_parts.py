"""Folding the parts xdist workers write into their run directory: one row per trial, the latest attempt's
transcript, idempotent when a merge is cut short, and a part still being written left alone."""

import json
from pathlib import Path

from evalkit.run.lock import RunLock
from evalkit.run.parts import merge_parts, part_name, part_report_dir

RUN = "20260101T000000Z-abcdef"


def _event(ts: float, kind: str, key: str, **extra: object) -> dict:
    return {"ts": ts, "kind": kind, "key": key, **extra}


def _part(run: Path, invocation: str, worker: str, trials: dict[str, str], ts: float, status: str = "complete") -> Path:
    """A finished part deciding `trials` (scenario -> transcript hash), its events starting at `ts`."""
    part = part_report_dir(run, part_name(invocation, worker, 0)) / RUN
    (part / "transcripts").mkdir(parents=True)
    events, rows, results = [], [], []
    for n, (scenario, digest) in enumerate(trials.items()):
        key = f"s::{scenario}[default]#0"
        t = ts + n
        events += [
            _event(t, "session_started", key, seed=n),
            _event(
                t + 0.1, "session_ended", key, transcript_hash=digest, transcript_path=f"transcripts/{scenario}.json"
            ),
            _event(t + 0.2, "trial_decided", key),
        ]
        (part / "transcripts" / f"{scenario}.json").write_text(digest)
        base = {"suite": "s", "scenario_id": scenario, "tier": "default", "trial": 0, "transcript_hash": digest}
        rows.append(
            {
                **base,
                "outcome": "pass",
                "criteria_scored": 1,
                "cost_usd": {"total": 0.5},
                "transcript_path": f"transcripts/{scenario}.json",
            }
        )
        results.append({**base, "rubric_ref": "r@1", "criterion_id": "c", "outcome": "pass"})
    for name, lines in (("events.jsonl", events), ("trials.jsonl", rows), ("results.jsonl", results)):
        (part / name).write_text("".join(json.dumps(r) + "\n" for r in lines))
    manifest = {
        "run_id": RUN,
        "status": status,
        "started_at": "2026-01-01T00:00:00",
        "planned_sessions": 2,
        "suites": [{"path": "s.yaml", "scenarios": sorted(trials)}],
        "config": {"part_of": str(run)},
        "part": part.parent.name,
    }
    (part / "run.json").write_text(json.dumps(manifest))
    return part


def _rows(run: Path, name: str) -> list[dict]:
    return [json.loads(line) for line in (run / name).read_text().splitlines()]


def test_parts_fold_into_the_run_and_a_trial_run_twice_keeps_its_latest_attempt(tmp_path: Path) -> None:
    run = tmp_path / "reports" / RUN
    _part(run, "001", "gw0", {"x": "old-x", "y": "y1"}, ts=10)  # the worker crashed after deciding x and y...
    _part(run, "001", "gw2", {"x": "new-x"}, ts=20)  # ...and x ran again (say its transcript was damaged)
    _part(run, "001", "gw1", {"z": "z1"}, ts=15, status="interrupted")
    merged = merge_parts(run)
    assert len(merged.merged) == 3 and merged.busy == []
    trials = _rows(run, "trials.jsonl")
    assert sorted((t["scenario_id"], t["transcript_hash"]) for t in trials) == [
        ("x", "new-x"),
        ("y", "y1"),
        ("z", "z1"),
    ]
    assert (run / "transcripts" / "x.json").read_text() == "new-x"  # the transcript its row names
    assert sorted((r["scenario_id"], r["transcript_hash"]) for r in _rows(run, "results.jsonl")) == [
        ("x", "new-x"),
        ("y", "y1"),
        ("z", "z1"),
    ]
    ts = [e["ts"] for e in _rows(run, "events.jsonl")]
    assert ts == sorted(ts) and len(ts) == 12
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["workers"] == 3 and manifest["totals"]["sessions"] == 3
    assert manifest["status"] == "interrupted" and "part_of" not in manifest["config"]  # 3 of 6 planned decided
    assert not (run / ".parts").exists()
    assert not (tmp_path / "reports" / "latest").exists()  # merged, interrupted: `latest` moves only with a report


def test_a_merge_cut_short_is_completed_by_the_next_without_doubling_anything(tmp_path: Path) -> None:
    run = tmp_path / RUN
    _part(run, "001", "gw0", {"x": "x1", "y": "y1"}, ts=10)
    merge_parts(run)
    before = {name: (run / name).read_text() for name in ("events.jsonl", "trials.jsonl", "results.jsonl")}
    _part(run, "001", "gw0", {"x": "x1", "y": "y1"}, ts=10)  # as if the merge died before deleting the part
    merge_parts(run)
    assert {name: (run / name).read_text() for name in before} == before
    assert json.loads((run / "run.json").read_text())["status"] == "complete"


def test_a_part_still_being_written_is_left_alone_and_named(tmp_path: Path) -> None:
    run = tmp_path / RUN
    done = _part(run, "001", "gw0", {"x": "x1"}, ts=10)
    writing = _part(run, "001", "gw1", {"y": "y1"}, ts=10, status="running")
    lock = RunLock.acquire(writing)
    try:
        merged = merge_parts(run)
    finally:
        lock.release()
    assert merged.merged == [str(done)]
    assert len(merged.busy) == 1 and str(writing) in merged.busy[0] and "being written" in merged.busy[0]
    assert writing.is_dir() and [t["scenario_id"] for t in _rows(run, "trials.jsonl")] == ["x"]
    assert merge_parts(run).merged == [str(writing)]  # once its writer is gone
    assert sorted(t["scenario_id"] for t in _rows(run, "trials.jsonl")) == ["x", "y"]
