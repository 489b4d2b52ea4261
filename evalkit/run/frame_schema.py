"""The columns and dtypes of every frame `LoadedRun.to_pandas()` returns, fixed in one place.

Fixed so that frames of different runs, suites and evalkit versions concatenate and join: the same
columns in the same order with the same dtypes whatever a run holds (an empty run gives empty frames
of the same shape). Dtypes are pandas' nullable ones where a value can be missing (`string`, `Int64`),
numpy's where it cannot (`int64`, `bool`), `float64` with NaN for an unknown number, and `object` for
lists and mappings. docs/notebooks.md documents each column; tests/notebooks checks the two against
real frames, both ways.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.verdicts.rows import ROLES

if TYPE_CHECKING:
    import pandas as pd

Schema = dict[str, str]  # column -> pandas dtype

# What identifies a trial in every per-trial frame (a verdict drops `trial`, a gate `scenario` too).
_KEY: Schema = {"run_id": "string", "suite": "string", "scenario": "string", "tier": "string", "trial": "int64"}
_ALIAS: Schema = {"scenario_id": "string"}  # the name before `scenario`, kept for code written against it

TRIALS: Schema = {
    **_KEY,
    **_ALIAS,
    "suite_path": "string",
    "seed": "Int64",
    "tags": "object",
    "outcome": "string",
    "score": "float64",
    "fail_reasons": "object",
    "invalid_reason": "string",
    "termination": "string",
    "termination_detail": "string",
    "transcript_path": "string",
    "transcript_hash": "string",
    "turns": "int64",
    "agent_model": "string",
    "simulator_model": "string",
    "judge_models": "object",
    "guardrail_flags": "object",
    "latency_s": "float64",
    "judge_latency_s": "float64",
    "cached_judge_calls": "int64",
    "rubric_refs": "object",
    "rubric_fingerprints": "object",
    "criteria_scored": "int64",
    "invalid_criteria": "object",
    **{f"tokens_{role}_{side}": "int64" for role in ROLES for side in ("input", "output")},
    **{f"cost_{role}_usd": "float64" for role in ROLES},
    "cost_total_usd": "float64",
}

SCORES: Schema = {
    **_KEY,
    **_ALIAS,
    "rubric_ref": "string",
    "rubric_id": "string",
    "rubric_version": "Int64",
    "rubric_fingerprint": "string",
    "criterion_id": "string",
    "kind": "string",
    "outcome": "string",
    "score": "float64",
    "raw_score": "float64",
    "weight": "float64",
    "must_pass": "bool",
    "reasoning": "string",
    "evidence": "object",
    "flags": "object",
    "invalid_reason": "string",
    "samples": "object",
    "spread": "float64",
    "agreement": "float64",
    "judge_models": "object",
    "judge_params": "object",
    "template_hash": "string",
    "evalkit_version": "string",
    "transcript_hash": "string",
}

COSTS: Schema = {
    **_KEY,
    **_ALIAS,
    "role": "string",
    "input_tokens": "int64",
    "output_tokens": "int64",
    "cost_usd": "float64",
}

VERDICTS: Schema = {
    "run_id": "string",
    "suite": "string",
    "scenario": "string",
    "tier": "string",
    "verdict": "string",
    "trials": "int64",
    "passed": "int64",
    "failed": "int64",
    "invalid": "int64",
    "errors": "int64",
    "valid": "int64",
    "pass_rate": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
    "confidence": "float64",
    "mean_score": "float64",
    "cost_usd": "float64",
    "flaky": "bool",
    "required": "string",
    "reason": "string",
    "failing_criteria": "string",
    "transcript": "string",
}

GATES: Schema = {
    "run_id": "string",
    "suite": "string",
    "tier": "string",
    "kind": "string",
    "outcome": "string",
    "threshold": "float64",
    "estimate": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
    "confidence": "float64",
    "gate_outcome": "string",
    "gate_failed": "bool",
    "reason": "string",
}


def typed_frame(records: list[dict[str, Any]], schema: Schema) -> pd.DataFrame:
    """A frame with exactly `schema`'s columns, in order, at its dtypes (keys outside it are left out)."""
    import pandas as pd

    frame = pd.DataFrame([{col: rec.get(col) for col in schema} for rec in records], columns=list(schema), dtype=object)
    return frame.astype(schema)
