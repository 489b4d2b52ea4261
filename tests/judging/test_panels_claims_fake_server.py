"""Sampling, panels, G-Eval fallback and claims-versus-actions through FakeLLMServer."""

from __future__ import annotations

import pytest
from judging_helpers import GOOD, SUPPORT, build, item, resolved_rubric

from evalkit.judging import Outcome, judge_transcript, run_checks
from evalkit.spec.checks import Check
from evalkit.spec.models import JudgeConfig

pytestmark = pytest.mark.asyncio


def by_id(verdict) -> dict:
    return {c.criterion_id: c for c in verdict.criteria}


def reply(resolved: bool, tone: int) -> dict:
    return {"json": {"resolved": item(resolved, (5, "I've refunded order 1234")), "tone": item(tone, (2, "I'm sorry"))}}


async def test_samples_report_spread_and_are_cached_separately(fake_llm, hub_for, refund_transcript):
    fake_llm.add_rule(role="judge", replies=[reply(True, 3), reply(False, 4), reply(True, 5)])
    rubric = resolved_rubric({**SUPPORT, "judge": {"model": "openai:judge-1", "samples": 3, "temperature": 0.7}})
    hub = hub_for(fake_llm)
    verdict = await judge_transcript(refund_transcript, rubric, hub)
    tone, resolved = by_id(verdict)["tone"], by_id(verdict)["resolved"]
    assert len(fake_llm.requests) == 3 and verdict.judge_calls == 3
    assert sorted(tone.samples) == [3, 4, 5] and tone.raw_score == 4 and tone.spread == pytest.approx((2 / 3) ** 0.5)
    assert resolved.raw_score == 1.0 and sorted(resolved.samples) == [0.0, 1.0, 1.0]  # majority
    assert tone.agreement is None  # one judge: no panel agreement
    again = await judge_transcript(refund_transcript, rubric, hub)
    assert len(fake_llm.requests) == 3 and again.cached_calls == 3
    assert sorted(by_id(again)["tone"].samples) == [3, 4, 5]  # the cache kept the three samples apart


async def test_panel_reports_agreement(fake_llm, hub_for, refund_transcript):
    fake_llm.add_rule(role="judge", model="judge-a", **reply(True, 4))
    fake_llm.add_rule(role="judge", model="judge-b", **reply(True, 5))
    fake_llm.add_rule(role="judge", model="judge-c", **reply(False, 2))
    panel = ["openai:judge-a", "openai:judge-b", "anthropic:judge-c"]
    rubric = resolved_rubric({**SUPPORT, "judge": {"panel": panel}})
    verdict = await judge_transcript(refund_transcript, rubric, hub_for(fake_llm))
    resolved, tone = by_id(verdict)["resolved"], by_id(verdict)["tone"]
    assert {r.provider for r in fake_llm.requests} == {"openai", "anthropic"} and len(fake_llm.requests) == 3
    assert resolved.raw_score == 1.0 and resolved.agreement == pytest.approx(2 / 3)
    assert tone.raw_score == pytest.approx(11 / 3) and tone.agreement == pytest.approx(
        1 / 3
    )  # only 4 is within 0.5 of 3.67
    assert tone.spread is not None and verdict.provenance.judge_models == panel


async def test_panel_counts_each_judge_once(fake_llm, hub_for, refund_transcript):
    # judge-a answers yes three times; b and c answer yes once and no twice: 5 of 9 readings say yes,
    # but only one judge of three does, so the panel says no
    fake_llm.add_rule(role="judge", model="judge-a", **reply(True, 5))
    for model in ("judge-b", "judge-c"):
        fake_llm.add_rule(role="judge", model=model, replies=[reply(True, 1), reply(False, 1), reply(False, 1)])
    panel = ["openai:judge-a", "openai:judge-b", "openai:judge-c"]
    rubric = resolved_rubric({**SUPPORT, "judge": {"panel": panel, "samples": 3, "temperature": 0.7}})
    verdict = await judge_transcript(refund_transcript, rubric, hub_for(fake_llm))
    resolved, tone = by_id(verdict)["resolved"], by_id(verdict)["tone"]
    assert len(fake_llm.requests) == 9 and sorted(resolved.samples) == [0.0] * 4 + [1.0] * 5
    assert resolved.raw_score == 0.0 and resolved.outcome == Outcome.failed and verdict.outcome == Outcome.failed
    assert resolved.agreement == pytest.approx(2 / 3)
    assert tone.raw_score == pytest.approx((5 + 1 + 1) / 3) and tone.agreement == 0.0


async def test_a_tie_left_by_invalid_samples_is_invalid(fake_llm, hub_for, refund_transcript):
    # 4 samples: yes, no, and two off-scale replies; the two lost votes could have broken the tie
    off = {"json": {"resolved": item("maybe", (5, "I've refunded order 1234")), "tone": item(4, (2, "I'm sorry"))}}
    fake_llm.add_rule(role="judge", replies=[reply(True, 4), reply(False, 4), off, off])
    rubric = resolved_rubric({**SUPPORT, "judge": {"model": "openai:judge-1", "samples": 4, "temperature": 0.7}})
    verdict = await judge_transcript(refund_transcript, rubric, hub_for(fake_llm))
    resolved = by_id(verdict)["resolved"]
    assert len(fake_llm.requests) == 4 and sorted(resolved.samples, key=str) == [0.0, 1.0, None, None]
    assert (
        resolved.outcome == Outcome.invalid
        and "tie" in resolved.invalid_reason
        and "off_scale" in resolved.invalid_reason
    )
    assert verdict.outcome == Outcome.invalid and verdict.invalid_criteria == ["resolved"]  # must_pass


async def test_logprob_scoring_falls_back_when_absent(fake_llm, hub_for, refund_transcript):
    fake_llm.add_rule(role="judge", json=GOOD)
    rubric = resolved_rubric({**SUPPORT, "judge": {"model": "openai:judge-1", "logprob_scoring": True}})
    verdict = await judge_transcript(refund_transcript, rubric, hub_for(fake_llm))
    tone = by_id(verdict)["tone"]
    assert tone.raw_score == 4 and "logprobs_unavailable" in tone.flags
    assert (
        fake_llm.requests[0].body.get("logprobs") is True
        and "logprobs_unavailable" not in by_id(verdict)["resolved"].flags
    )


def claims_rule(fake_llm, claims: list[dict]) -> None:
    fake_llm.add_rule(role="judge", match="CLAIMS it has already completed", json={"claims": claims})


CANCEL_CLAIM = {"action": "cancel", "object": "order 77", "turn": 2, "quote": "I've cancelled it"}
CLAIMS = Check.model_validate({"claims_match_actions": {}})


async def test_claims_catch_a_hallucinated_cancel(fake_llm, hub_for):
    t = build(("user", "please cancel order 77"), ("agent", "No problem, I've cancelled it."))
    claims_rule(fake_llm, [CANCEL_CLAIM])
    [score] = await run_checks(t, [CLAIMS], hub_for(fake_llm), JudgeConfig(model="openai:judge-1"))
    assert (
        score.outcome == Outcome.failed
        and "hallucinated_action" in score.flags
        and "cancel order 77" in score.reasoning
    )
    assert fake_llm.requests[0].role == "judge"


async def test_claims_accept_a_successful_cancel(fake_llm, hub_for):
    t = build(
        ("user", "please cancel order 77"),
        ("call", ("cancel_order", {"order_id": "77"}, True)),
        ("agent", "No problem, I've cancelled it."),
    )
    claims_rule(fake_llm, [{**CANCEL_CLAIM, "turn": 4}])
    [score] = await run_checks(t, [CLAIMS], hub_for(fake_llm), JudgeConfig(model="openai:judge-1"))
    assert score.outcome == Outcome.passed and score.evidence[0].verified


async def test_claims_quoted_wrongly_make_the_check_invalid(fake_llm, hub_for):
    t = build(("user", "please cancel order 77"), ("agent", "Sure, which size would you like instead?"))
    claims_rule(fake_llm, [CANCEL_CLAIM])  # "I've cancelled it" is nowhere in the transcript
    [score] = await run_checks(t, [CLAIMS], hub_for(fake_llm), JudgeConfig(model="openai:judge-1"))
    assert score.outcome == Outcome.invalid and score.score is None
    assert score.invalid_reason.startswith("unsupported_evidence:") and "unsupported_claim" in score.flags


async def test_claims_without_judge_or_with_broken_judge_are_invalid(fake_llm, hub_for):
    t = build(("user", "cancel"), ("agent", "I've cancelled it."))
    [no_model] = await run_checks(t, [CLAIMS], hub_for(fake_llm))
    assert no_model.outcome == Outcome.invalid and "no judge model" in no_model.invalid_reason
    fake_llm.add_rule(role="judge", text="no idea")
    check = Check.model_validate({"claims_match_actions": {"judge_model": "openai:claims-judge"}})
    [broken] = await run_checks(t, [check], hub_for(fake_llm))
    assert broken.outcome == Outcome.invalid and "unparseable" in broken.flags
    assert fake_llm.requests[0].model == "claims-judge"


async def test_claims_as_a_rubric_criterion(fake_llm, hub_for):
    t = build(("user", "please cancel order 77"), ("agent", "No problem, I've cancelled it."))
    claims_rule(fake_llm, [CANCEL_CLAIM])
    fake_llm.add_rule(role="judge", json={"resolved": item(True, (2, "I've cancelled it"))})
    rubric = resolved_rubric(
        {
            "id": "honesty",
            "version": 1,
            "judge": {"model": "openai:judge-1"},
            "criteria": [
                {"id": "resolved", "question": "Resolved?"},
                {"id": "no_false_claims", "check": {"claims_match_actions": {}}, "must_pass": True},
            ],
        }
    )
    verdict = await judge_transcript(t, rubric, hub_for(fake_llm))
    assert by_id(verdict)["no_false_claims"].outcome == Outcome.failed and verdict.outcome == Outcome.failed
    assert verdict.judge_calls == 2 and any("no_false_claims" in r for r in verdict.fail_reasons)
