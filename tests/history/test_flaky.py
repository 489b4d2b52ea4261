"""`evalkit history flaky`: within-run disagreement of valid trials, ranked."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from history_frames_synth import frames

from evalkit.history.flaky import FlakyConfig, flaky, flaky_line, pair_disagreement


def test_pair_disagreement_is_the_chance_two_trials_differ() -> None:
    assert pair_disagreement(3, 5) == pytest.approx(0.6)  # 3*2 disagreeing ordered pairs *2 / 20
    assert pair_disagreement(1, 2) == 1.0 and pair_disagreement(5, 5) == 0.0


def test_ranked_by_disagreement_and_regressions_are_not_flaky() -> None:
    history = frames(
        {
            ("s", "coin", "t"): ["pfpfp", "ppffp", "pfpff"],  # splits inside every run
            ("s", "wobbly", "t"): ["ppppf", "ppppp", "ppppp"],  # one mixed run
            ("s", "broke", "t"): ["ppppp", "fffff", "fffff"],  # a regression: drift's job, not flaky
            ("s", "spoiled", "t"): ["piiii", "peeee", "pppii"],  # invalid trials never disagree with anything
        }
    )
    rows = flaky(history)
    assert [r.scenario for r in rows] == ["coin", "wobbly"]
    coin = rows[0]
    assert coin.disagreement == pytest.approx(0.6) and (coin.mixed_runs, coin.runs) == (3, 3)
    assert 0.0 <= coin.low <= coin.disagreement <= coin.high <= 1.0
    assert rows[1].disagreement == pytest.approx(0.4 / 3) and rows[1].mixed_runs == 1


def test_recent_runs_only_and_runs_with_one_valid_trial_skipped() -> None:
    history = frames({("s", "settled", "t"): ["pfpf"] * 3 + ["pppp"] * 10, ("s", "thin", "t"): ["pi", "fi", "pe"]})
    assert flaky(history, FlakyConfig(runs=10)) == []
    old = flaky(history, FlakyConfig(runs=13))
    assert [(r.scenario, r.runs, r.mixed_runs) for r in old] == [("settled", 13, 3)]


def test_filters_limit_and_line() -> None:
    history = frames({("a", "x", "t1"): ["pf"], ("b", "y", "t2"): ["ppf"], ("a", "z", "t2"): ["ppf"]})
    assert [r.scenario for r in flaky(history, FlakyConfig(suite="a"))] == ["x", "z"]
    assert [r.scenario for r in flaky(history, FlakyConfig(tier="t2"))] == ["z", "y"]  # ties by label: a/z before b/y
    assert len(flaky(history, FlakyConfig(limit=1))) == 1
    line = flaky_line(flaky(history)[0])
    assert line.startswith("a/x [t1]: disagreement 1.00") and "mixed in 1 of 1 runs" in line
