"""Synthetic run directories for the history tests: run.json, trials.jsonl and results.jsonl as the engine writes them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.verdicts.rows import ResultRow, TrialRecord

RUBRICS = [{"ref": "support.resolution@3", "fingerprint": "15b2e2445336"}]
MODELS = {"agent": ["openai:gpt-4.1-mini"], "simulator": ["openai:gpt-4.1-mini"], "judge": ["openai:gpt-4.1-mini"]}


@dataclass
class RunSpec:
    """One run: outcomes per scenario (one entry per trial) of one suite and tier."""

    run_id: str
    outcomes: dict[str, list[str]] = field(
        default_factory=lambda: {"refund": ["pass", "pass"], "cancel": ["fail", "pass"]}
    )
    suite: str = "support"
    tier: str = "openai:gpt-4.1-mini"
    status: str = "complete"
    started_at: str = "2026-11-01T10:00:00+00:00"
    gates: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "suite": "support",
                "tier": "openai:gpt-4.1-mini",
                "name": "scenario_pass_rate",
                "decision": "pass",
                "detail": "every scenario at or above 0.5",
            }
        ]
    )
    rubrics: list[dict[str, str]] = field(default_factory=lambda: list(RUBRICS))
    cost_per_trial: float = 0.01
    extra_manifest: dict[str, Any] = field(default_factory=dict)


def write_run(reports: Path, spec: RunSpec) -> Path:
    """Write the run directory `reports/<run_id>` and return it."""
    path = reports / spec.run_id
    (path / "transcripts").mkdir(parents=True, exist_ok=True)
    trials, results = [], []
    for scenario, outcomes in spec.outcomes.items():
        for trial, outcome in enumerate(outcomes):
            trials.append(_trial(spec, scenario, trial, outcome))
            results.append(_result(spec, scenario, trial, outcome))
    _jsonl(path / "trials.jsonl", trials)
    _jsonl(path / "results.jsonl", results)
    cost = round(spec.cost_per_trial * len(trials), 8)
    manifest = {
        "run_id": spec.run_id,
        "evalkit_version": "0.1.0",
        "git_commit": "a" * 40,
        "started_at": spec.started_at,
        "ended_at": spec.started_at.replace("10:00:00", "10:05:00"),
        "status": spec.status,
        "status_reason": None if spec.status == "complete" else "interrupted by the user",
        "config": {"offline": True},
        "suites": [{"name": spec.suite, "path": "", "tiers": [spec.tier], "gate": {"scenario_pass_rate": 0.5}}],
        "models": MODELS,
        "rubrics": spec.rubrics,
        "planned_sessions": len(trials),
        "totals": {"sessions": len(trials), "cost_usd": {"total": cost}},
        "gates": spec.gates,
        **spec.extra_manifest,
    }
    (path / "run.json").write_text(json.dumps(manifest, indent=2))
    return path


def _trial(spec: RunSpec, scenario: str, trial: int, outcome: str) -> dict[str, Any]:
    score = {"pass": 1.0, "fail": 0.25}.get(outcome)
    return TrialRecord(
        run_id=spec.run_id,
        suite=spec.suite,
        scenario_id=scenario,
        tier=spec.tier,
        trial=trial,
        outcome=outcome,
        score=score,
        termination="user_stop",
        transcript_path=f"transcripts/{scenario}-{trial}.json",
        transcript_hash=f"h-{scenario}-{trial}",
        turns=3,
        agent_model=spec.tier,
        criteria_scored=1,
        cost_usd={"agent": spec.cost_per_trial, "simulator": 0.0, "judge": 0.0, "total": spec.cost_per_trial},
        invalid_reason="judge reply unparseable" if outcome == "invalid" else None,
        rubric_refs=[r["ref"] for r in spec.rubrics],
    ).model_dump(mode="json")


def _result(spec: RunSpec, scenario: str, trial: int, outcome: str) -> dict[str, Any]:
    rubric = spec.rubrics[0]
    return ResultRow(
        run_id=spec.run_id,
        suite=spec.suite,
        scenario_id=scenario,
        tier=spec.tier,
        trial=trial,
        rubric_ref=rubric["ref"],
        rubric_id=rubric["ref"].split("@")[0],
        rubric_version=int(rubric["ref"].split("@")[1]),
        rubric_fingerprint=rubric["fingerprint"],
        criterion_id="resolved",
        outcome=outcome if outcome != "error" else "invalid",
        score={"pass": 1.0, "fail": 0.0}.get(outcome),
        must_pass=True,
        weight=2.0,
        judge_models=MODELS["judge"],
        evalkit_version="0.1.0",
        transcript_hash=f"h-{scenario}-{trial}",
    ).model_dump(mode="json")


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
