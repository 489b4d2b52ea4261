"""Build run directories with known contents, in the run engine's record format."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.conversation.transcript import (
    GuardrailFlag,
    RoleUsage,
    TerminationReason,
    ToolResult,
    Transcript,
    TranscriptMessage,
    TranscriptMeta,
)
from evalkit.judging.verdict import CriterionScore, Evidence, Outcome
from evalkit.llm.types import ToolCall, Usage

QUOTE = "refunded order 1234"

# Agent text that would run script, load an image or navigate if the report ever rendered it as HTML.
PAYLOAD = (
    '<script>document.title="pwned-script"</script> '
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\"> "
    "<a href=\"javascript:document.title='pwned-link'\">click me</a> "
    "<svg onload=\"document.body.setAttribute('data-pwned','svg')\"></svg> "
    "see https://example.com/track.png and I have refunded order 1234."
)


@dataclass
class T:
    """One trial to write: scenario, trial number, outcome and what it cost."""

    scenario: str
    trial: int
    outcome: str
    score: float | None = None
    tier: str = "default"
    tags: list[str] = field(default_factory=list)
    cost: tuple[float | None, float | None, float | None] = (0.01, 0.002, 0.003)  # agent, simulator, judge
    latency_s: float = 1.0
    messages: list[TranscriptMessage] | None = None
    criteria: list[CriterionScore] | None = None
    termination: TerminationReason = TerminationReason.user_stop
    invalid_reason: str | None = None
    flags: list[GuardrailFlag] = field(default_factory=list)
    suite: str = "support"


def default_messages(reply: str = f"I have {QUOTE}. Anything else?") -> list[TranscriptMessage]:
    call = ToolCall(id="c1", name="refund_order", arguments={"order_id": "1234"})
    return [
        TranscriptMessage(role="user", content="my blender arrived broken", turn=1),
        TranscriptMessage(role="assistant", content="", tool_calls=[call], turn=1),
        TranscriptMessage(
            role="tool", turn=1, tool_result=ToolResult(call_id="c1", name="refund_order", output={"status": "ok"})
        ),
        TranscriptMessage(role="assistant", content=reply, turn=1),
        TranscriptMessage(role="user", content="thanks, bye", turn=2),
    ]


def default_criteria(t: T) -> list[CriterionScore]:
    if t.outcome == "error":  # a setup error: the agent never ran, nothing was judged
        return []
    if t.outcome == "invalid":
        return [
            CriterionScore(
                criterion_id="resolved", kind="llm", outcome=Outcome.invalid, invalid_reason=t.invalid_reason or "x"
            )
        ]
    ok = t.outcome == "pass"
    return [
        CriterionScore(
            criterion_id="resolved",
            kind="llm",
            outcome=Outcome.passed if ok else Outcome.failed,
            score=t.score if t.score is not None else (1.0 if ok else 0.0),
            raw_score=1.0 if ok else 0.0,
            weight=2.0,
            must_pass=True,
            reasoning="The agent refunded the order." if ok else "The agent did not resolve it.",
            evidence=[Evidence(turn=4, quote=QUOTE, verified=True)],  # message #4: the agent's reply
        ),
        CriterionScore(
            criterion_id="refund_called", kind="tool_called", outcome=Outcome.passed, score=1.0, reasoning="called"
        ),
    ]


@dataclass
class RunSpec:
    run_id: str = "run-a"
    simulator_model: str = "mock:sim"
    judge_model: str = "mock:judge"
    fingerprint: str = "fp-resolution-1"
    rubric_ref: str = "support.resolution@2"
    status: str = "complete"
    gate: dict[str, Any] | None = None  # the suite's gate as run.json records it (else the defaults)
    extra_manifest: dict[str, Any] = field(default_factory=dict)


def write_run(root: Path, trials: list[T], spec: RunSpec | None = None) -> Path:
    """Write run.json, trials.jsonl, results.jsonl and transcripts/ under root/run_id."""
    spec = spec or RunSpec()
    run_dir = root / spec.run_id
    (run_dir / "transcripts").mkdir(parents=True)
    rid, version = spec.rubric_ref.split("@")
    with (run_dir / "trials.jsonl").open("w") as tf, (run_dir / "results.jsonl").open("w") as rf:
        for t in trials:
            transcript = _transcript(t, spec)
            rel = f"transcripts/{t.suite}__{t.scenario}__{t.tier.replace(':', '_')}__{t.trial}.json"
            (run_dir / rel).write_text(transcript.model_dump_json(indent=1))
            tf.write(json.dumps(_trial_row(t, spec, rel, transcript)) + "\n")
            for c in t.criteria or default_criteria(t):
                llm = c.kind == "llm"
                row = {
                    "run_id": spec.run_id,
                    "suite": t.suite,
                    "scenario_id": t.scenario,
                    "tier": t.tier,
                    "trial": t.trial,
                    "rubric_ref": spec.rubric_ref if llm else "checks",
                    "rubric_id": rid if llm else "checks",
                    "rubric_version": int(version) if llm else None,
                    "rubric_fingerprint": spec.fingerprint if llm else None,
                    "judge_models": [spec.judge_model] if llm else [],
                    "judge_params": {"temperature": 0},
                    "template_hash": "th1",
                    "evalkit_version": "0.1.0",
                    "transcript_hash": transcript.content_hash(),
                    **c.model_dump(mode="json"),
                }
                rf.write(json.dumps(row) + "\n")
    tiers = list(dict.fromkeys(t.tier for t in trials))
    manifest = {
        "run_id": spec.run_id,
        "evalkit_version": "0.1.0",
        "python": "3.11",
        "git_commit": None,
        "started_at": "2026-11-27T03:00:00Z",
        "ended_at": "2026-11-27T03:05:00Z",
        "status": spec.status,
        "config": {},
        "suites": [
            {
                "path": "suites/support.yaml",
                "name": "support",
                "file_hash": "h",
                "scenarios": sorted({t.scenario for t in trials}),
                "tiers": tiers,
                **({"gate": spec.gate} if spec.gate is not None else {}),
            }
        ],
        "models": {"agent": tiers, "simulator": [spec.simulator_model], "judge": [spec.judge_model]},
        "rubrics": [{"ref": spec.rubric_ref, "fingerprint": spec.fingerprint}],
        "totals": {"sessions": len(trials)},
        **spec.extra_manifest,
    }
    (run_dir / "run.json").write_text(json.dumps(manifest, indent=1))
    return run_dir


def _transcript(t: T, spec: RunSpec) -> Transcript:
    agent, sim, _ = t.cost
    return Transcript(
        meta=TranscriptMeta(
            run_id=spec.run_id,
            suite=t.suite,
            scenario_id=t.scenario,
            trial=t.trial,
            agent_model=t.tier,
            simulator_model=spec.simulator_model,
            agent_tier=t.tier,
        ),
        messages=t.messages if t.messages is not None else default_messages(),
        termination=t.termination,
        usage_by_role={
            "agent": RoleUsage(usage=Usage(input_tokens=100, output_tokens=50), cost_usd=agent, calls=2),
            "simulator": RoleUsage(usage=Usage(input_tokens=80, output_tokens=20), cost_usd=sim, calls=2),
        },
        guardrail_flags=t.flags,
        started_at=1000.0,
        ended_at=1000.0 + t.latency_s,
    )


def _trial_row(t: T, spec: RunSpec, rel: str, transcript: Transcript) -> dict[str, Any]:
    agent, sim, judge = t.cost
    parts = [agent, sim, judge]
    total = None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]
    return {
        "run_id": spec.run_id,
        "suite": t.suite,
        "suite_path": "suites/support.yaml",
        "scenario_id": t.scenario,
        "tier": t.tier,
        "trial": t.trial,
        "seed": t.trial,
        "tags": t.tags,
        "outcome": t.outcome,
        "score": None
        if t.outcome in ("invalid", "error")
        else (t.score if t.score is not None else float(t.outcome == "pass")),
        "fail_reasons": ["resolved: must_pass failed"] if t.outcome == "fail" else [],
        "invalid_reason": t.invalid_reason if t.outcome in ("invalid", "error") else None,
        "termination": str(t.termination),
        "termination_detail": "",
        "transcript_path": rel,
        "transcript_hash": transcript.content_hash(),
        "turns": 2,
        "agent_model": t.tier,
        "simulator_model": spec.simulator_model,
        "judge_models": [spec.judge_model],
        "guardrail_flags": [f.model_dump(mode="json") for f in t.flags],
        "latency_s": t.latency_s,
        "tokens": {
            "agent": {"input": 100, "output": 50},
            "simulator": {"input": 80, "output": 20},
            "judge": {"input": 300, "output": 40},
        },
        "cost_usd": {"agent": agent, "simulator": sim, "judge": judge, "total": total},
        "cached_judge_calls": 0,
        "rubric_refs": [spec.rubric_ref],
    }
