"""`decide_trial`: one session's outcome from its transcript, rubric verdicts and checks.

The rule, in order (the first that applies decides):

1. The session was spoiled by something other than the agent: simulator error
   or a guardrail set to invalidate, infrastructure error, or cancellation
   -> INVALID (never blamed on the agent).
2. The agent crashed (agent_error) or ran out of time (timeout) -> FAIL, with
   the termination reason; rubric scores are kept for the record.
3. Any rubric verdict or check is invalid -> INVALID, with its reason.
4. Any rubric verdict or check failed -> FAIL, listing every reason.
5. Otherwise -> PASS.

The trial score is the mean of the rubric scores (None when the trial is
invalid or no rubric produced a score; checks alone give the mean of checks).
"""

from __future__ import annotations

from statistics import mean

from evalkit.conversation.transcript import TerminationReason, Transcript
from evalkit.judging.verdict import CriterionScore, Outcome, RubricVerdict, TrialVerdict

_NOT_THE_AGENT = {
    TerminationReason.infrastructure_error,
    TerminationReason.cancelled,
    TerminationReason.simulator_error,
}
_AGENT_FAULT = {TerminationReason.agent_error, TerminationReason.timeout}


def _spoiled_reason(transcript: Transcript) -> str | None:
    if transcript.termination in _NOT_THE_AGENT:
        detail = f": {transcript.termination_detail}" if transcript.termination_detail else ""
        return f"session ended by {transcript.termination.value}{detail}"  # type: ignore[union-attr]
    flags = [f for f in transcript.guardrail_flags if f.action == "invalidate"]
    if flags:
        return f"simulator guardrail {flags[0].name} at turn {flags[0].turn}: {flags[0].detail}"
    return None


def _score(verdicts: list[RubricVerdict], checks: list[CriterionScore]) -> float | None:
    scores = [v.score for v in verdicts if v.score is not None]
    if not scores and not verdicts:
        scores = [c.score for c in checks if c.score is not None]
    return mean(scores) if scores else None


def decide_trial(
    transcript: Transcript, verdicts: list[RubricVerdict], check_scores: list[CriterionScore]
) -> TrialVerdict:
    """Apply the module's rule. Pure: no model calls, never raises on well-formed input."""
    spoiled = _spoiled_reason(transcript)
    if spoiled:
        return TrialVerdict(outcome=Outcome.invalid, invalid_reason=spoiled)
    score = _score(verdicts, check_scores)
    if transcript.termination in _AGENT_FAULT:
        detail = f": {transcript.termination_detail}" if transcript.termination_detail else ""
        return TrialVerdict(
            outcome=Outcome.failed, score=score, fail_reasons=[f"{transcript.termination.value}{detail}"]
        )  # type: ignore[union-attr]
    for verdict in verdicts:
        if verdict.outcome == Outcome.invalid:
            return TrialVerdict(
                outcome=Outcome.invalid, invalid_reason=f"{verdict.provenance.rubric_ref}: {verdict.invalid_reason}"
            )
    for check in check_scores:
        if check.outcome == Outcome.invalid:
            return TrialVerdict(
                outcome=Outcome.invalid, invalid_reason=f"check {check.criterion_id}: {check.invalid_reason}"
            )
    reasons = [
        f"{v.provenance.rubric_ref}: {r}"
        for v in verdicts
        if v.outcome == Outcome.failed
        for r in (v.fail_reasons or ["failed"])
    ]
    reasons += [f"check {c.criterion_id}: {c.reasoning}" for c in check_scores if c.outcome == Outcome.failed]
    if reasons:
        return TrialVerdict(outcome=Outcome.failed, score=score, fail_reasons=reasons)
    return TrialVerdict(outcome=Outcome.passed, score=score)


DECISION_RULE: str = (__doc__ or "").split("\n\n", 1)[-1].strip()
