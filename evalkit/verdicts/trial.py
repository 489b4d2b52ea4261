"""`decide_trial`: one session's outcome from its transcript, rubric verdicts and checks.

The rule, in order (the first that applies decides):

1. The agent never ran: it could not be imported or built (setup_error), or it
   failed before producing a single turn -> ERROR (a setup error, shown as a
   pytest error; the transcript is not sent to the judge).
2. The session was spoiled by something other than the agent: simulator error
   or a guardrail set to invalidate, infrastructure error (including the
   agent's own model client failing with a rate limit, overload, 5xx,
   connection error, timeout or a malformed response body), or cancellation
   -> INVALID (never blamed on the agent).
3. The agent crashed (agent_error) or ran out of time (timeout) -> FAIL, with
   the termination reason; rubric scores are kept for the record.
4. Any rubric verdict or check failed -> FAIL, listing every reason. A valid
   failure stands even when another rubric or check is invalid: no reading of
   the invalid one could turn the trial into a pass.
5. Any rubric verdict or check is invalid -> INVALID, with its reason.
6. Otherwise -> PASS.

The trial score is the mean of the rubric scores (None when the trial is
invalid or an error, or no rubric produced a score; checks alone give the mean
of checks).
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


def _detail(transcript: Transcript) -> str:
    return f": {transcript.termination_detail}" if transcript.termination_detail else ""


def setup_error_reason(transcript: Transcript) -> str | None:
    """Rule 1: why the agent never ran, or None when it produced at least one turn."""
    ended = transcript.termination
    if ended == TerminationReason.setup_error:
        return transcript.termination_detail or "agent setup failed"
    never_replied = not any(m.role == "assistant" for m in transcript.messages)
    if ended == TerminationReason.agent_error and never_replied:
        return f"the agent failed before its first reply{_detail(transcript)}"
    return None


def spoiled_reason(transcript: Transcript) -> str | None:
    """Rule 2: why the session says nothing about the agent, or None."""
    if transcript.termination in _NOT_THE_AGENT:
        return f"session ended by {transcript.termination.value}{_detail(transcript)}"
    flags = [f for f in transcript.guardrail_flags if f.action == "invalidate"]
    if flags:
        return f"simulator guardrail {flags[0].name} at turn {flags[0].turn}: {flags[0].detail}"
    return None


def decided_without_judge(transcript: Transcript) -> TrialVerdict | None:
    """The verdict of a session that must not be sent to the judge (rules 1-2), or None.

    Judging such a transcript could not change its outcome and would only cost money.
    """
    return decide_trial(transcript, [], []) if setup_error_reason(transcript) or spoiled_reason(transcript) else None


def _score(verdicts: list[RubricVerdict], checks: list[CriterionScore]) -> float | None:
    scores = [v.score for v in verdicts if v.score is not None]
    if not scores and not verdicts:
        scores = [c.score for c in checks if c.score is not None]
    return mean(scores) if scores else None


def _fail_reasons(verdicts: list[RubricVerdict], checks: list[CriterionScore]) -> list[str]:
    reasons = [
        f"{v.provenance.rubric_ref}: {r}"
        for v in verdicts
        if v.outcome == Outcome.failed
        for r in (v.fail_reasons or ["failed"])
    ]
    return reasons + [f"check {c.criterion_id}: {c.reasoning}" for c in checks if c.outcome == Outcome.failed]


def _invalid_reasons(verdicts: list[RubricVerdict], checks: list[CriterionScore]) -> list[str]:
    reasons = [f"{v.provenance.rubric_ref}: {v.invalid_reason}" for v in verdicts if v.outcome == Outcome.invalid]
    return reasons + [f"check {c.criterion_id}: {c.invalid_reason}" for c in checks if c.outcome == Outcome.invalid]


def decide_trial(
    transcript: Transcript, verdicts: list[RubricVerdict], check_scores: list[CriterionScore]
) -> TrialVerdict:
    """Apply the module's rule. Pure: no model calls, never raises on well-formed input."""
    setup = setup_error_reason(transcript)
    if setup:
        return TrialVerdict(outcome=Outcome.error, invalid_reason=setup)
    spoiled = spoiled_reason(transcript)
    if spoiled:
        return TrialVerdict(outcome=Outcome.invalid, invalid_reason=spoiled)
    score = _score(verdicts, check_scores)
    if transcript.termination in _AGENT_FAULT:
        reason = f"{transcript.termination.value}{_detail(transcript)}"
        return TrialVerdict(outcome=Outcome.failed, score=score, fail_reasons=[reason])
    failed, invalid = _fail_reasons(verdicts, check_scores), _invalid_reasons(verdicts, check_scores)
    if failed:
        also = [f"also invalid: {r}" for r in invalid]
        return TrialVerdict(outcome=Outcome.failed, score=score, fail_reasons=failed + also)
    if invalid:
        return TrialVerdict(outcome=Outcome.invalid, invalid_reason=invalid[0])
    return TrialVerdict(outcome=Outcome.passed, score=score)


DECISION_RULE: str = (__doc__ or "").split("\n\n", 1)[-1].strip()
