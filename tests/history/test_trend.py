"""`evalkit history trend`: per-run pass rate and score with the intervals a run's own report uses."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from history_frames_synth import frames

from evalkit.history.run_cells import HistoryInputError
from evalkit.history.trend import TrendConfig, trend, trend_lines
from evalkit.stats import pass_rate_estimate, wilson_interval

HISTORY = frames(
    {
        ("support", "refund", "mock:large"): ["ppppi", "pppfe", "ffpii"],
        ("support", "cancel", "mock:large"): ["ppppp", "ppppp", "pfppp"],
        ("support", "refund", "mock:small"): ["pfpfp", "ffffp", "fffff"],
        ("billing", "invoice", "mock:large"): ["pp", "pp", "pp"],
    }
)


def test_scenario_points_use_wilson_over_valid_trials_only() -> None:
    result = trend(HISTORY, TrendConfig(target="refund", tier="mock:large"))
    assert result.kind == "scenario" and [p.run_id for p in result.points] == ["run-000", "run-001", "run-002"]
    p = result.points[1]  # "pppfe": 3 of 4 valid, the error is neither pass nor fail
    assert (p.passes, p.valid, p.invalid, p.errors) == (3, 4, 0, 1)
    w = wilson_interval(3, 4)
    assert (p.rate, p.rate_low, p.rate_high) == (0.75, w.low, w.high)
    last = result.points[2]  # "ffpii"
    assert (last.passes, last.valid, last.invalid) == (1, 3, 2) and last.rate == pytest.approx(1 / 3)
    assert last.score == pytest.approx((0.2 + 0.2 + 0.9) / 3)  # invalid trials carry no score
    assert 0.0 <= last.score_low <= last.score <= last.score_high <= 1.0


def test_suite_points_are_clustered_by_scenario_per_tier() -> None:
    result = trend(HISTORY, TrendConfig(target="support"))
    assert result.kind == "suite" and result.tiers() == ["mock:large", "mock:small"]
    first = next(p for p in result.points if p.tier == "mock:large" and p.run_id == "run-000")
    expected = pass_rate_estimate({"cancel": (5, 5), "refund": (4, 4)})
    assert (first.rate, first.rate_low, first.rate_high) == (expected.mean, expected.low, expected.high)
    assert all(p.suite == "support" for p in result.points)  # billing's runs stay out


def test_suite_slash_scenario_and_unknown_names() -> None:
    assert trend(HISTORY, TrendConfig(target="billing/invoice")).points[0].suite == "billing"
    with pytest.raises(HistoryInputError, match="did you mean refund"):
        trend(HISTORY, TrendConfig(target="refnd"))
    with pytest.raises(HistoryInputError, match=r"--tier 'mock:tiny'.*expected one of mock:large, mock:small"):
        trend(HISTORY, TrendConfig(target="refund", tier="mock:tiny"))
    clash = frames({("refund", "refund", "t"): ["p"]})
    with pytest.raises(HistoryInputError, match="both a suite and a scenario"):
        trend(clash, TrendConfig(target="refund"))


def test_branch_filter_and_terminal_lines() -> None:
    assert trend(frames({("s", "x", "t"): ["p"]}, branch="feature"), TrendConfig(target="x")).points
    with pytest.raises(HistoryInputError):
        trend(frames({("s", "x", "t"): ["p"]}, branch="feature"), TrendConfig(target="x", branch="main"))
    lines = trend_lines(trend(HISTORY, TrendConfig(target="refund", tier="mock:small")))
    assert lines[0].startswith("scenario refund · suite support · tier mock:small")
    assert "pass 0% [0%-" in lines[3] and "0/5 valid, 0 invalid, 0 error" in lines[3]
