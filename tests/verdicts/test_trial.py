"""decide_trial: who is to blame, in the documented order."""

from __future__ import annotations

from verdicts_helpers import build

from evalkit.conversation.transcript import GuardrailFlag, TerminationReason
from evalkit.judging import CriterionScore, Outcome, Provenance, RubricVerdict
from evalkit.verdicts import decide_trial, decided_without_judge

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
        build(("user", "x"), ("agent", "y")),
        [verdict(Outcome.passed, 0.9), verdict(Outcome.passed, 0.7)],
        [check(Outcome.passed)],
    )
    assert d.outcome == Outcome.passed and d.score == 0.8 and not d.fail_reasons


def test_simulator_and_infrastructure_are_invalid_not_fail():
    for reason in (TerminationReason.simulator_error, TerminationReason.infrastructure_error):
        d = decide_trial(build(("user", "x"), ("agent", "y"), termination=reason), [verdict(Outcome.failed, 0.1)], [])
        assert d.outcome == Outcome.invalid and reason.value in d.invalid_reason and d.score is None
    flagged = build(
        ("user", "x"),
        ("agent", "y"),
        guardrail_flags=[GuardrailFlag(name="role_flip", turn=2, detail="acted as agent", action="invalidate")],
    )
    assert decide_trial(flagged, [verdict(Outcome.passed, 1.0)], []).outcome == Outcome.invalid
    warned = build(
        ("user", "x"),
        ("agent", "y"),
        guardrail_flags=[GuardrailFlag(name="role_flip", turn=2, detail="d", action="warn")],
    )
    assert decide_trial(warned, [verdict(Outcome.passed, 1.0)], []).outcome == Outcome.passed


def test_agent_error_and_timeout_fail():
    t = build(
        ("user", "x"), ("agent", "y"), termination=TerminationReason.agent_error, termination_detail="KeyError: 'x'"
    )
    d = decide_trial(t, [verdict(Outcome.invalid, invalid_reason="nothing to judge")], [])
    assert d.outcome == Outcome.failed and d.fail_reasons == ["agent_error: KeyError: 'x'"]
    assert (
        decide_trial(build(("user", "x"), ("agent", "y"), termination=TerminationReason.timeout), [], []).outcome
        == Outcome.failed
    )


def test_invalid_rubric_or_check_invalidates_a_trial_that_did_not_fail():
    d = decide_trial(
        build(("user", "x"), ("agent", "y")),
        [verdict(Outcome.passed, 0.9), verdict(Outcome.invalid, invalid_reason="judge down")],
        [],
    )
    assert d.outcome == Outcome.invalid and d.invalid_reason == "support.resolution@2: judge down"
    assert (
        decide_trial(
            build(("user", "x"), ("agent", "y")), [verdict(Outcome.passed, 1.0)], [check(Outcome.invalid)]
        ).outcome
        == Outcome.invalid
    )


def test_failures_are_listed():
    d = decide_trial(
        build(("user", "x"), ("agent", "y")),
        [verdict(Outcome.failed, 0.4, fail_reasons=["score 0.40 below threshold 0.75"])],
        [check(Outcome.failed)],
    )
    assert d.outcome == Outcome.failed and d.score == 0.4
    assert d.fail_reasons == [
        "support.resolution@2: score 0.40 below threshold 0.75",
        "check tool_called: refund_order called 0 time(s)",
    ]


def test_checks_only_score():
    d = decide_trial(build(("user", "x"), ("agent", "y")), [], [check(Outcome.passed), check(Outcome.failed)])
    assert d.outcome == Outcome.failed and d.score == 0.5


def test_a_valid_failure_beats_an_invalid_reading():
    """An unparseable judge reply must not turn a failed tool_called check into a dropped (invalid) trial."""
    failed_check = decide_trial(
        build(("user", "x"), ("agent", "y")),
        [verdict(Outcome.invalid, invalid_reason="unparseable")],
        [check(Outcome.failed)],
    )
    assert failed_check.outcome == Outcome.failed
    assert failed_check.fail_reasons == [
        "check tool_called: refund_order called 0 time(s)",
        "also invalid: support.resolution@2: unparseable",
    ]
    failed_rubric = decide_trial(
        build(("user", "x"), ("agent", "y")),
        [verdict(Outcome.failed, 0.2), verdict(Outcome.invalid, invalid_reason="down")],
        [],
    )
    assert failed_rubric.outcome == Outcome.failed


def test_an_agent_that_never_ran_is_an_error_and_never_judged():
    setup = build(
        ("user", "x"),
        termination=TerminationReason.setup_error,
        termination_detail="agent setup failed: ModuleNotFoundError: No module named 'agentx'",
    )
    d = decide_trial(setup, [], [])
    assert d.outcome == Outcome.error and "agentx" in d.invalid_reason and d.score is None
    assert decided_without_judge(setup) == d
    first_turn = build(("user", "x"), termination=TerminationReason.agent_error, termination_detail="TypeError: boom")
    assert decide_trial(first_turn, [], []).outcome == Outcome.error
    assert decided_without_judge(build(("user", "x"), ("agent", "y"))) is None


def test_the_agents_model_client_failing_is_invalid_not_a_failure():
    infra = build(
        ("user", "x"),
        termination=TerminationReason.infrastructure_error,
        termination_detail="agent failed at turn 1: RateLimitError: 429",
    )
    assert decide_trial(infra, [], []).outcome == Outcome.invalid
