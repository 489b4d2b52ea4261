"""The verdicts and gates frames' rows, copied from a `RunVerdict` (`evalkit.verdicts.decide_run`).

Nothing here decides: every outcome, rate, interval and reason is the verdict code's, so a notebook
reads what the pytest summary, summary.md and report.html show for the same run.
"""

from __future__ import annotations

from typing import Any

from evalkit.verdicts import GateCheck, GateResult, RunVerdict, ScenarioVerdict


def verdict_records(run_id: str, verdict: RunVerdict) -> list[dict[str, Any]]:
    """One row per suite x scenario x tier, in run order."""
    return [_scenario(run_id, v) for v in verdict.scenarios]


def gate_records(run_id: str, verdict: RunVerdict) -> list[dict[str, Any]]:
    """One row per check of each suite x tier gate, in the order the gate ran them."""
    return [_check(run_id, gate, check) for gate in verdict.gates for check in gate.checks]


def _scenario(run_id: str, v: ScenarioVerdict) -> dict[str, Any]:
    low, high = v.interval if v.interval else (None, None)
    return {
        "run_id": run_id,
        "suite": v.suite,
        "scenario": v.scenario_id,
        "tier": v.tier,
        "verdict": v.outcome,
        "trials": v.trials,
        "passed": v.passed,
        "failed": v.failed,
        "invalid": v.invalid,
        "errors": v.errors,
        "valid": v.valid,
        "pass_rate": v.pass_rate,
        "ci_low": low,
        "ci_high": high,
        "confidence": v.confidence,
        "mean_score": v.mean_score,
        "cost_usd": v.cost_usd,
        "flaky": v.flaky,
        "required": v.required,
        "reason": reason(v),
        "failing_criteria": ", ".join(c.label for c in v.failing_criteria),
        "transcript": v.transcript,
    }


def reason(v: ScenarioVerdict) -> str:
    """Why a scenario did not pass, in one line ('' when it passed): threshold misses, then the trials' reasons."""
    if v.outcome == "pass":
        return ""
    misses = [
        f"{c.label} mean {c.mean:.2f} below threshold {c.threshold:.2f}"
        for c in v.failing_criteria
        if c.threshold is not None and c.mean is not None
    ]
    return "; ".join(dict.fromkeys(misses + v.fail_reasons + v.invalid_reasons))


def _check(run_id: str, gate: GateResult, check: GateCheck) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "suite": gate.suite,
        "tier": gate.tier,
        "kind": check.name,
        "outcome": check.decision,
        "threshold": check.threshold,
        "estimate": check.estimate,
        "ci_low": check.low,
        "ci_high": check.high,
        "confidence": gate.confidence,
        "gate_outcome": gate.outcome,
        "gate_failed": gate.failed,
        "reason": check.detail,
    }
