import asyncio
import os
from pathlib import Path

import pytest
from run_helpers import NullHub, Recorder, make_suite

from evalkit.run import RunConfig, execute_run, load_run, plan_run
from evalkit.run.manifest import scrub
from evalkit.run.run_dir import update_latest

TRIAL_FIELDS = [
    "run_id",
    "suite",
    "suite_path",
    "scenario_id",
    "tier",
    "trial",
    "seed",
    "tags",
    "outcome",
    "score",
    "fail_reasons",
    "invalid_reason",
    "termination",
    "termination_detail",
    "transcript_path",
    "transcript_hash",
    "turns",
    "agent_model",
    "simulator_model",
    "judge_models",
    "guardrail_flags",
    "latency_s",
    "judge_latency_s",
    "tokens",
    "cost_usd",
    "cached_judge_calls",
    "rubric_refs",
    "rubric_fingerprints",
    "criteria_scored",
    "invalid_criteria",
]
RESULT_FIELDS = [
    "run_id",
    "suite",
    "scenario_id",
    "tier",
    "trial",
    "rubric_ref",
    "rubric_id",
    "rubric_version",
    "rubric_fingerprint",
    "criterion_id",
    "kind",
    "outcome",
    "score",
    "raw_score",
    "weight",
    "must_pass",
    "reasoning",
    "evidence",
    "flags",
    "invalid_reason",
    "samples",
    "spread",
    "agreement",
    "judge_models",
    "judge_params",
    "template_hash",
    "evalkit_version",
    "transcript_hash",
]
MANIFEST_FIELDS = [
    "run_id",
    "evalkit_version",
    "python",
    "git_commit",
    "started_at",
    "ended_at",
    "status",
    "config",
    "suites",
    "models",
    "rubrics",
    "totals",
]


@pytest.fixture
def finished(tmp_path: Path, config: RunConfig):
    loaded = make_suite(tmp_path, scenarios=2, trials=2, tiers=["openai:small"])
    items = plan_run([loaded], config)
    return asyncio.run(execute_run(items, config, NullHub(), stages=Recorder().stages()))


def test_run_directory_layout_and_records(finished, tmp_path: Path) -> None:
    run_dir = finished.run_dir
    assert run_dir.parent == tmp_path / "reports"
    assert (tmp_path / "reports" / "latest").resolve() == run_dir
    run = load_run(run_dir)
    assert set(MANIFEST_FIELDS) <= set(run.manifest)
    assert run.manifest["suites"][0]["file_hash"] and run.manifest["suites"][0]["tiers"] == ["openai:small"]
    assert run.manifest["rubrics"] == [{"ref": "quality@1", "fingerprint": "fp1"}]
    assert run.manifest["models"]["agent"] == ["openai:small"]
    trial = run.trials[0]
    assert list(trial) == TRIAL_FIELDS
    assert trial["tokens"]["agent"] == {"input": 50, "output": 50}
    assert trial["cost_usd"] == {"agent": 0.01, "simulator": 0.0, "judge": 0.001, "total": 0.011}
    assert trial["rubric_refs"] == ["quality@1"] and trial["judge_models"] == ["openai:judge"]
    assert (run_dir / trial["transcript_path"]).exists()
    assert run.transcript(trial).content_hash() == trial["transcript_hash"]
    assert list(run.results[0]) == RESULT_FIELDS
    assert run.results[0]["rubric_fingerprint"] == "fp1"


def test_to_pandas_gives_sessions_scores_and_costs(finished) -> None:
    frames = load_run(finished.run_dir).to_pandas()
    sessions, scores, costs = frames["sessions"], frames.scores, frames.costs
    assert len(sessions) == 4 and len(scores) == 4 and len(costs) == 4 * 3
    for col in ("cost_agent_usd", "cost_simulator_usd", "cost_judge_usd", "cost_total_usd", "tokens_judge_input"):
        assert col in sessions.columns
    assert sessions["cost_total_usd"].sum() == pytest.approx(4 * 0.011)
    assert set(costs["role"]) == {"agent", "simulator", "judge"}
    kept = [
        "scenario_id",
        "tier",
        "trial",
        "role",
        "input_tokens",
        "output_tokens",
        "cost_usd",
    ]  # the columns before #15
    assert set(kept) <= set(costs.columns) and {"run_id", "suite", "scenario"} <= set(
        costs.columns
    )  # #15 adds the keys


def test_latest_falls_back_to_a_text_file_where_symlinks_fail(tmp_path: Path, monkeypatch) -> None:
    run_dir = tmp_path / "20260101T000000Z-abc123"
    run_dir.mkdir()
    (run_dir / "run.json").write_text("{}")

    def no_symlinks(*args, **kwargs):
        raise OSError("symlinks not supported")

    monkeypatch.setattr(os, "symlink", no_symlinks)
    update_latest(tmp_path, run_dir)
    assert (tmp_path / "latest").read_text().strip() == run_dir.name
    assert load_run("latest", report_dir=tmp_path).path == run_dir.resolve()


def test_secrets_never_reach_the_manifest() -> None:
    cleaned = scrub(
        {"base_urls": {"openai": "https://user:sk-123@gw.example/v1?key=sk-456"}, "api_key": "sk-789", "max_tokens": 5}
    )
    text = repr(cleaned)
    assert "sk-" not in text and cleaned["max_tokens"] == 5
    assert cleaned["base_urls"]["openai"] == "https://gw.example/v1"


def test_record_gates_adds_decided_gates_to_run_json(finished) -> None:
    from evalkit.run.manifest import record_gates

    gate = {"suite": "s", "tier": "small", "name": "suite_mean", "decision": "inconclusive", "detail": "straddles"}
    assert record_gates(finished.run_dir, [gate])
    manifest = load_run(finished.run_dir).manifest
    assert manifest["gates"] == [gate]
    assert manifest["status"] == "complete" and manifest["totals"]  # the rest of the manifest is kept
    assert not record_gates(finished.run_dir / "missing", [gate])
