"""Sampling and panel aggregation: mean / majority, spread, agreement, invalid readings."""

from __future__ import annotations

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
