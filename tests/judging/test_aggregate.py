"""Sampling and panel aggregation: mean / majority, spread, agreement, invalid readings."""

from __future__ import annotations

from statistics import pstdev

import pytest

from evalkit.judging import Outcome
from evalkit.judging.aggregate import aggregate_criterion
from evalkit.judging.schema import SampleScore
from evalkit.spec.models import Criterion

SCALE = Criterion(id="tone", question="q", scale={"min": 1, "max": 5})
BINARY = Criterion(id="resolved", question="q", must_pass=True, weight=2)


def r(raw: float | None, judge: str = "a") -> SampleScore:
    return SampleScore(
        raw=raw,
        reasoning=f"saw {raw}",
        judge=judge,
        invalid_reason=None if raw is not None else "off_scale: 9",
        flags=[] if raw is not None else ["off_scale"],
    )


def test_scale_mean_and_spread():
    score = aggregate_criterion(SCALE, [[r(4), r(5), r(3)]], 0.7)
    assert score.raw_score == 4 and score.score == 0.75 and score.outcome == Outcome.passed
    assert score.samples == [4, 5, 3] and score.spread == pytest.approx((2 / 3) ** 0.5)
    assert score.agreement is None and score.reasoning == "saw 4"


def test_binary_majority_and_tie():
    assert aggregate_criterion(BINARY, [[r(1), r(0), r(1)]], 0.7).raw_score == 1.0
    tie = aggregate_criterion(BINARY, [[r(1), r(0)]], 0.7)
    assert tie.raw_score == 0.0 and tie.outcome == Outcome.failed and "tie" in tie.flags
    assert tie.weight == 2 and tie.must_pass


def test_panel_agreement():
    binary = aggregate_criterion(BINARY, [[r(1, "a")], [r(1, "b")], [r(0, "c")]], 0.7)
    assert binary.raw_score == 1.0 and binary.agreement == pytest.approx(2 / 3)
    scale = aggregate_criterion(SCALE, [[r(4, "a"), r(4, "a")], [r(5, "b"), r(5, "b")]], 0.7)
    assert scale.raw_score == 4.5 and scale.agreement == 1.0 and scale.spread == 0.5
    split = aggregate_criterion(SCALE, [[r(2, "a")], [r(5, "b")]], 0.7)
    assert split.agreement == 0.0


def test_invalid_readings():
    partial = aggregate_criterion(SCALE, [[r(4), r(None), r(4)]], 0.7)
    assert partial.outcome == Outcome.passed and "partial_samples" in partial.flags and partial.samples == [4, None, 4]
    mostly_bad = aggregate_criterion(SCALE, [[r(4), r(None), r(None)]], 0.7)
    assert mostly_bad.outcome == Outcome.invalid and mostly_bad.score is None and mostly_bad.raw_score is None
    assert mostly_bad.invalid_reason.startswith("2/3 judge readings invalid; first: off_scale")
    single = aggregate_criterion(SCALE, [[r(None)]], 0.7)
    assert single.outcome == Outcome.invalid and single.invalid_reason == "off_scale: 9" and single.score is None


def test_a_tie_made_by_invalid_readings_is_invalid():
    # 4 samples, 2 valid and split: the two invalid readings could have broken the tie either way
    made = aggregate_criterion(BINARY, [[r(1), r(None), r(0), r(None)]], 0.7)
    assert made.outcome == Outcome.invalid and made.score is None and made.raw_score is None
    assert "tie" in made.invalid_reason and "2/4" in made.invalid_reason
    # 4 valid readings split 2/2: a real tie, the documented rule (no, flagged)
    real = aggregate_criterion(BINARY, [[r(1), r(0), r(1), r(0)]], 0.7)
    assert real.outcome == Outcome.failed and real.raw_score == 0.0 and "tie" in real.flags
    # a panel split 1/1 whose third judge is invalid
    panel = aggregate_criterion(BINARY, [[r(1, "a")], [r(0, "b")], [r(None, "c")]], 0.7)
    assert panel.outcome == Outcome.invalid and "tie" in panel.invalid_reason


def test_panel_votes_by_judge_not_by_pooled_reading():
    # judge a says yes three times, b and c say no two times in three: 5/9 readings are yes, 1/3 judges
    votes = [[r(1, "a")] * 3, [r(1, "b"), r(0, "b"), r(0, "b")], [r(1, "c"), r(0, "c"), r(0, "c")]]
    score = aggregate_criterion(BINARY, votes, 0.7)
    assert score.raw_score == 0.0 and score.outcome == Outcome.failed and "tie" not in score.flags
    assert score.agreement == pytest.approx(2 / 3) and score.reasoning == "saw 0"  # reasoning agrees with the vote
    assert score.samples == [1, 1, 1, 1, 0, 0, 1, 0, 0]


def test_panel_scale_is_the_mean_of_judge_means():
    # pooled mean of 5, 5, 5, 1, 1 is 3.4; judge means 5 and 1 give 3
    score = aggregate_criterion(SCALE, [[r(5, "a")] * 3, [r(1, "b"), r(1, "b"), r(None, "b")]], 0.7)
    assert score.raw_score == 3.0 and score.score == 0.5 and "partial_samples" in score.flags
    assert score.agreement == 0.0 and score.spread == pytest.approx(pstdev([5, 5, 5, 1, 1]))


def test_panel_judge_with_mostly_invalid_readings_has_no_vote():
    # b has one valid "no" in three: b is invalid, a's majority decides (1 of 2 judges invalid is not more than half)
    score = aggregate_criterion(BINARY, [[r(1, "a")] * 3, [r(None, "b"), r(None, "b"), r(0, "b")]], 0.7)
    assert score.raw_score == 1.0 and score.outcome == Outcome.passed and "partial_samples" in score.flags
    assert score.agreement == 0.5  # the judge without a vote counts as disagreeing
    gone = aggregate_criterion(BINARY, [[r(1, "a")], [r(None, "b")], [r(None, "c")]], 0.7)
    assert gone.outcome == Outcome.invalid and gone.invalid_reason.startswith("2/3 judges invalid")
