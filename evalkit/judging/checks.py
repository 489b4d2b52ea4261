"""Deterministic checks: evaluated on the transcript alone, as scenario checks or rubric criteria.

Every kind is an entry of the check registry (`evalkit.spec.check_registry.CHECKS`), registered by
the module that evaluates it; this module only looks the kind up and never raises.
`claims_match_actions` is the one built-in kind that needs a (small) judge call; the others never
touch a model.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable

from evalkit.conversation.transcript import Transcript
from evalkit.judging.check_api import CHECKS, CheckContext
from evalkit.judging.check_common import Finding
from evalkit.judging.verdict import CriterionScore, Outcome
from evalkit.llm.source import ModelSource
from evalkit.registry import RegistryError
from evalkit.spec.checks import Check, check_ids
from evalkit.spec.models import JudgeConfig


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
    """Evaluate one check that needs no model (a kind whose evaluator is async is invalid here)."""
    result = _call(CheckContext(check, transcript))
    if isinstance(result, Finding):
        return result
    close = getattr(result, "close", None)
    if close is not None:
        close()  # a coroutine never awaited would warn
    return Finding(passed=None, reasoning=f"{check.kind} check asks a model; evaluate it with evaluate_any")


async def evaluate_any(
    check: Check, transcript: Transcript, hub: ModelSource, default_judge: JudgeConfig | None
) -> Finding:
    """Any check, those that ask a model included (they get `hub` and the default judge)."""
    result = _call(CheckContext(check, transcript, hub, default_judge))
    if isinstance(result, Finding):
        return result
    try:
        return _checked(check, await result)
    except Exception as exc:  # noqa: BLE001 - never crash the run
        return _broken(check, exc)


def _call(ctx: CheckContext) -> Finding | Awaitable[object]:
    """The registered evaluator's Finding, or its awaitable; its failures become invalid findings."""
    check = ctx.check
    try:
        result = CHECKS.get(check.kind).value(check.spec, ctx)
    except RegistryError as exc:
        return Finding(passed=None, reasoning=f"check cannot be evaluated: {exc}")
    except Exception as exc:  # noqa: BLE001 - a broken check is recorded, never crashes the run
        return _broken(check, exc)
    return result if inspect.isawaitable(result) else _checked(check, result)


def _checked(check: Check, result: object) -> Finding:
    if isinstance(result, Finding):
        return result
    return Finding(passed=None, reasoning=f"{check.kind} check returned {type(result).__name__}, not a Finding")


def _broken(check: Check, exc: Exception) -> Finding:
    return Finding(passed=None, reasoning=f"{check.kind} check failed to evaluate: {type(exc).__name__}: {exc}")


async def run_checks(
    transcript: Transcript, checks: list[Check], hub: ModelSource, default_judge: JudgeConfig | None = None
) -> list[CriterionScore]:
    """Scenario checks -> one CriterionScore each. Never raises; `hub` is used only by claims checks."""
    scores = []
    for check, criterion_id in zip(checks, check_ids(checks), strict=True):
        finding = await evaluate_any(check, transcript, hub, default_judge)
        scores.append(finding_to_score(finding, criterion_id, check.kind))
    return scores
