"""Score arithmetic: normalisation, weighted mean, thresholds, must_pass and invalid weight."""

from __future__ import annotations

import pytest

from evalkit.judging import SCORING_RULE, CriterionScore, Outcome, normalise_score, score_rubric
from evalkit.spec.models import Rubric


def rubric(**extra) -> Rubric:
    return Rubric.model_validate(
        {
            "id": "r",
            "version": 1,
            "threshold": 0.7,
            "criteria": [
                {"id": "resolved", "question": "q", "weight": 2, "must_pass": True},
                {"id": "tone", "question": "q", "scale": {"min": 1, "max": 5}},
                {"id": "brief", "question": "q", "weight": 1},
            ],
            **extra,
        }
    )


def cs(
    cid: str, score: float | None, *, weight: float = 1.0, must_pass: bool = False, passed: bool | None = None
) -> CriterionScore:
    if score is None:
        return CriterionScore(
            criterion_id=cid,
            kind="llm",
            outcome=Outcome.invalid,
            weight=weight,
            must_pass=must_pass,
            invalid_reason="off_scale",
        )
    ok = passed if passed is not None else score >= 0.7
    return CriterionScore(
        criterion_id=cid,
        kind="llm",
        outcome=Outcome.passed if ok else Outcome.failed,
        score=score,
        weight=weight,
        must_pass=must_pass,
    )


def test_normalisation():
    r = rubric()
    assert normalise_score(1, r.criteria[0]) == 1.0 and normalise_score(0, r.criteria[0]) == 0.0
    assert normalise_score(1, r.criteria[1]) == 0.0
    assert normalise_score(4, r.criteria[1]) == 0.75
    assert normalise_score(5, r.criteria[1]) == 1.0


def test_weighted_mean_and_pass():
    result = score_rubric(
        [cs("resolved", 1.0, weight=2, must_pass=True), cs("tone", 0.5, passed=False), cs("brief", 1.0)], rubric()
    )
    assert result.score == pytest.approx((2 * 1.0 + 0.5 + 1.0) / 4)
    assert result.outcome == Outcome.passed


def test_below_threshold_fails():
    result = score_rubric([cs("resolved", 1.0, weight=2, must_pass=True), cs("tone", 0.0), cs("brief", 0.0)], rubric())
    assert result.score == pytest.approx(0.5) and result.outcome == Outcome.failed
    assert "below threshold" in result.fail_reasons[0]


def test_failed_must_pass_fails_despite_high_score():
    r = rubric(threshold=0.1)
    result = score_rubric([cs("resolved", 0.0, weight=2, must_pass=True), cs("tone", 1.0), cs("brief", 1.0)], r)
    assert result.score == pytest.approx(0.5) and result.outcome == Outcome.failed
    assert any("must_pass criterion 'resolved'" in reason for reason in result.fail_reasons)


def test_criterion_threshold_gates():
    r = Rubric.model_validate(
        {
            "id": "r",
            "version": 1,
            "threshold": 0.1,
            "criteria": [
                {"id": "a", "question": "q", "threshold": 0.9, "scale": {"min": 1, "max": 5}},
                {"id": "b", "question": "q"},
            ],
        }
    )
    result = score_rubric([cs("a", 0.75, passed=False), cs("b", 1.0)], r)
    assert result.outcome == Outcome.failed and "thresholded criterion 'a'" in result.fail_reasons[0]


def test_invalid_thresholded_criterion_invalidates():
    r = Rubric.model_validate(
        {
            "id": "r",
            "version": 1,
            "threshold": 0.1,
            "criteria": [
                {"id": "a", "question": "q", "threshold": 0.9, "weight": 0.1},
                {"id": "b", "question": "q"},
                {"id": "c", "question": "q"},
            ],
        }
    )
    # `a` carries 5% of the weight, far below max_invalid_weight, but its own threshold cannot be checked
    result = score_rubric([cs("a", None, weight=0.1), cs("b", 1.0), cs("c", 1.0)], r)
    assert result.outcome == Outcome.invalid and result.score is None
    assert "thresholded criterion 'a' is invalid" in result.invalid_reason and result.invalid_criteria == ["a"]


def test_invalid_criteria_are_listed_never_dropped_silently():
    # tone is invalid but carries 25% of the weight (under max_invalid_weight): the rubric is scored
    # over the other criteria and says which one it could not read
    result = score_rubric([cs("resolved", 1.0, weight=2, must_pass=True), cs("tone", None), cs("brief", 1.0)], rubric())
    assert result.outcome == Outcome.passed and result.score == 1.0 and result.invalid_criteria == ["tone"]
    clean = score_rubric([cs("resolved", 1.0, weight=2, must_pass=True), cs("tone", 1.0), cs("brief", 1.0)], rubric())
    assert clean.invalid_criteria == []
    bad = score_rubric([cs("resolved", None, weight=2, must_pass=True), cs("tone", None), cs("brief", 1.0)], rubric())
    assert bad.outcome == Outcome.invalid and bad.invalid_criteria == ["resolved", "tone"]


def test_invalid_must_pass_invalidates():
    result = score_rubric([cs("resolved", None, weight=2, must_pass=True), cs("tone", 1.0), cs("brief", 1.0)], rubric())
    assert result.outcome == Outcome.invalid and result.score is None
    assert "must_pass criterion 'resolved' is invalid" in result.invalid_reason


def test_invalid_weight_share():
    r = rubric(max_invalid_weight=0.3)
    # 1 of 4 weight invalid (25%): scored over the valid ones
    ok = score_rubric([cs("resolved", 1.0, weight=2, must_pass=True), cs("tone", None), cs("brief", 1.0)], r)
    assert ok.outcome == Outcome.passed and ok.score == 1.0
    # 2 of 4 weight invalid (50% > 30%)
    bad = score_rubric([cs("resolved", 1.0, weight=2, must_pass=True), cs("tone", None), cs("brief", None)], r)
    assert bad.outcome == Outcome.invalid and bad.score is None and "50%" in bad.invalid_reason


def test_all_invalid_is_invalid_even_when_allowed():
    r = Rubric.model_validate(
        {"id": "r", "version": 1, "max_invalid_weight": 1.0, "criteria": [{"id": "a", "question": "q"}]}
    )
    assert score_rubric([cs("a", None)], r).outcome == Outcome.invalid


def test_rule_is_quotable():
    assert SCORING_RULE.startswith("1. Each criterion") and "max_invalid_weight" in SCORING_RULE


def test_docs_quote_the_rules_verbatim():
    from pathlib import Path

    from evalkit.judging import AGGREGATION_RULE
    from evalkit.verdicts import DECISION_RULE

    text = (Path(__file__).resolve().parents[2] / "docs" / "judging.md").read_text(encoding="utf-8")
    assert SCORING_RULE in text and AGGREGATION_RULE in text and DECISION_RULE in text
