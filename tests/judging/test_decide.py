"""decide_trial: who is to blame, in the documented order."""

from __future__ import annotations

from judging_helpers import build

from evalkit.conversation.transcript import GuardrailFlag, TerminationReason
from evalkit.judging import CriterionScore, Outcome, Provenance, RubricVerdict, decide_trial

PROV = Provenance(rubric_id="support.resolution", rubric_version=2, rubric_fingerprint="f")


def verdict(outcome: Outcome, score: float | None = None, **extra) -> RubricVerdict:
    return RubricVerdict(transcript_hash="h", provenance=PROV, outcome=outcome, score=score, **extra)


def check(outcome: Outcome) -> CriterionScore:
    return CriterionScore(
        criterion_id="tool_called",
        kind="tool_called",
        outcome=outcome,
        score={Outcome.passed: 1.0, Outcome.failed: 0.0}.get(outcome),
        reasoning="refund_order called 0 time(s)",
        invalid_reason="bad" if outcome == Outcome.invalid else None,
    )


def test_pass():
    d = decide_trial(
        build(("user", "x")), [verdict(Outcome.passed, 0.9), verdict(Outcome.passed, 0.7)], [check(Outcome.passed)]
    )
    assert d.outcome == Outcome.passed and d.score == 0.8 and not d.fail_reasons


def test_simulator_and_infrastructure_are_invalid_not_fail():
    for reason in (TerminationReason.simulator_error, TerminationReason.infrastructure_error):
        d = decide_trial(build(("user", "x"), termination=reason), [verdict(Outcome.failed, 0.1)], [])
        assert d.outcome == Outcome.invalid and reason.value in d.invalid_reason and d.score is None
    flagged = build(
        ("user", "x"),
        guardrail_flags=[GuardrailFlag(name="role_flip", turn=2, detail="acted as agent", action="invalidate")],
    )
    assert decide_trial(flagged, [verdict(Outcome.passed, 1.0)], []).outcome == Outcome.invalid
    warned = build(("user", "x"), guardrail_flags=[GuardrailFlag(name="role_flip", turn=2, detail="d", action="warn")])
    assert decide_trial(warned, [verdict(Outcome.passed, 1.0)], []).outcome == Outcome.passed


def test_agent_error_and_timeout_fail():
    t = build(("user", "x"), termination=TerminationReason.agent_error, termination_detail="KeyError: 'x'")
    d = decide_trial(t, [verdict(Outcome.invalid, invalid_reason="nothing to judge")], [])
    assert d.outcome == Outcome.failed and d.fail_reasons == ["agent_error: KeyError: 'x'"]
    assert decide_trial(build(("user", "x"), termination=TerminationReason.timeout), [], []).outcome == Outcome.failed


def test_invalid_rubric_or_check_invalidates():
    d = decide_trial(
        build(("user", "x")), [verdict(Outcome.failed, 0.2), verdict(Outcome.invalid, invalid_reason="judge down")], []
    )
    assert d.outcome == Outcome.invalid and d.invalid_reason == "support.resolution@2: judge down"
    assert (
        decide_trial(build(("user", "x")), [verdict(Outcome.passed, 1.0)], [check(Outcome.invalid)]).outcome
        == Outcome.invalid
    )


def test_failures_are_listed():
    d = decide_trial(
        build(("user", "x")),
        [verdict(Outcome.failed, 0.4, fail_reasons=["score 0.40 below threshold 0.75"])],
        [check(Outcome.failed)],
    )
    assert d.outcome == Outcome.failed and d.score == 0.4
    assert d.fail_reasons == [
        "support.resolution@2: score 0.40 below threshold 0.75",
        "check tool_called: refund_order called 0 time(s)",
    ]


def test_checks_only_score():
    d = decide_trial(build(("user", "x")), [], [check(Outcome.passed), check(Outcome.failed)])
    assert d.outcome == Outcome.failed and d.score == 0.5
