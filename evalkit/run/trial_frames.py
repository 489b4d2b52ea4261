"""The per-trial frames' rows: one per trial, one per criterion or check reading, one per trial x role.

Built from the rows as every reader reads them (`TrialRecord`, `ResultRow`), so a field an older run
lacks reads as that model's default, and costs follow `TrialRecord.cost` (a role with no calls costs 0;
unknown is NaN). Each row carries the trial's key (run_id, suite, scenario, tier, trial), with the
run's own id, so the verdicts and gates frames of the same run join on it.
"""

from __future__ import annotations

from typing import Any

from evalkit.verdicts.rows import ROLES, ResultRow, TrialRecord

_FLATTENED = ("tokens", "cost_usd")  # a trial's per-role mappings, spread over columns of their own


def _key(run_id: str, row: TrialRecord | ResultRow) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "suite": row.suite,
        "scenario": row.scenario_id,
        "scenario_id": row.scenario_id,
        "tier": row.tier,
        "trial": row.trial,
    }


def trial_record(run_id: str, row: TrialRecord) -> dict[str, Any]:
    """One trials-frame row: the trial's fields, with tokens and cost per role in columns."""
    flat = {**row.model_dump(mode="json", exclude=set(_FLATTENED)), **_key(run_id, row)}
    for role in ROLES:
        count = row.tokens.get(role)
        flat[f"tokens_{role}_input"] = count.input if count else 0
        flat[f"tokens_{role}_output"] = count.output if count else 0
        flat[f"cost_{role}_usd"] = row.cost(role)
    flat["cost_total_usd"] = row.cost("total")
    return flat


def score_record(run_id: str, row: ResultRow) -> dict[str, Any]:
    """One scores-frame row: a criterion (or check) reading of one trial, with its provenance."""
    return {**row.model_dump(mode="json"), **_key(run_id, row)}


def cost_records(run_id: str, row: TrialRecord) -> list[dict[str, Any]]:
    """The costs-frame rows of one trial: tokens and USD for each role."""
    out = []
    for role in ROLES:
        count = row.tokens.get(role)
        out.append(
            {
                **_key(run_id, row),
                "role": role,
                "input_tokens": count.input if count else 0,
                "output_tokens": count.output if count else 0,
                "cost_usd": row.cost(role),
            }
        )
    return out
