"""Deterministic checks: evaluated on the transcript alone, as scenario checks or rubric criteria.

`claims_match_actions` is the one kind that needs a (small) judge call; the
others never touch a model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evalkit.conversation.transcript import Transcript
from evalkit.judging.check_common import Finding
from evalkit.judging.check_limits import check_budget, check_max_turns
from evalkit.judging.check_text import check_json_schema, check_pattern
from evalkit.judging.check_tools import check_tool_called, check_tool_not_called, check_tool_sequence
from evalkit.judging.claims import check_claims
from evalkit.judging.verdict import CriterionScore, Outcome
from evalkit.spec.checks import Check, check_ids
from evalkit.spec.models import JudgeConfig

_DETERMINISTIC: dict[str, Callable[[Check, Transcript], Finding]] = {
    "regex": check_pattern,
    "not_regex": check_pattern,
    "contains": check_pattern,
    "not_contains": check_pattern,
    "json_schema": lambda c, t: check_json_schema(c.json_schema, t),  # type: ignore[arg-type]
    "tool_called": lambda c, t: check_tool_called(c.tool_called, t),  # type: ignore[arg-type]
    "tool_not_called": lambda c, t: check_tool_not_called(c.tool_not_called, t),  # type: ignore[arg-type]
    "tool_sequence": lambda c, t: check_tool_sequence(c.tool_sequence, t),  # type: ignore[arg-type]
    "max_turns": lambda c, t: check_max_turns(c.max_turns, t),  # type: ignore[arg-type]
    "budget": lambda c, t: check_budget(c.budget, t),  # type: ignore[arg-type]
}


def finding_to_score(
    finding: Finding, criterion_id: str, kind: str, *, weight: float = 1.0, must_pass: bool = False
) -> CriterionScore:
    """A check passes as 1.0 and fails as 0.0; a check that cannot be evaluated is invalid, never a number."""
    if finding.passed is None:
        outcome, score = Outcome.invalid, None
    else:
        outcome, score = (Outcome.passed, 1.0) if finding.passed else (Outcome.failed, 0.0)
    return CriterionScore(
        criterion_id=criterion_id,
        kind=kind,
        outcome=outcome,
        score=score,
        raw_score=score,
        weight=weight,
        must_pass=must_pass,
        reasoning=finding.reasoning,
        evidence=finding.evidence,
        flags=finding.flags,
        invalid_reason=finding.reasoning if outcome == Outcome.invalid else None,
    )


def evaluate_check(check: Check, transcript: Transcript) -> Finding:
    """Evaluate one deterministic (non-claims) check."""
    try:
        return _DETERMINISTIC[check.kind](check, transcript)
    except Exception as exc:  # a broken check is recorded, never crashes the run
        return Finding(passed=None, reasoning=f"{check.kind} check failed to evaluate: {type(exc).__name__}: {exc}")


async def evaluate_any(check: Check, transcript: Transcript, hub: Any, default_judge: JudgeConfig | None) -> Finding:
    """Any check, claims included (those need `hub` and a judge model)."""
    if check.claims_match_actions is None:
        return evaluate_check(check, transcript)
    try:
        return await check_claims(check.claims_match_actions, transcript, hub, default_judge)
    except Exception as exc:  # never crash the run
        return Finding(passed=None, reasoning=f"claims check failed: {type(exc).__name__}: {exc}")


async def run_checks(
    transcript: Transcript, checks: list[Check], hub: Any, default_judge: JudgeConfig | None = None
) -> list[CriterionScore]:
    """Scenario checks -> one CriterionScore each. Never raises; `hub` is used only by claims checks."""
    scores = []
    for check, criterion_id in zip(checks, check_ids(checks), strict=True):
        finding = await evaluate_any(check, transcript, hub, default_judge)
        scores.append(finding_to_score(finding, criterion_id, check.kind))
    return scores
