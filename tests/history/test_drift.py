"""`evalkit history drift`: the test, the correction, clustering by run, and the planted-drop simulation."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from scipy.stats import boschloo_exact, fisher_exact

sys.path.insert(0, str(Path(__file__).parent))

from history_frames_synth import frames

from evalkit.history.drift import DriftConfig, drift, drift_line
from evalkit.history.drift_stats import (
    RunCounts,
    boschloo_greater,
    design_effect,
    fisher_greater,
    holm,
    icc_anova,
)

BENCH = Path(__file__).parents[2] / "bench" / "history_drift.py"


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_history_drift", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "table",
    [(5, 5, 0, 5), (20, 25, 12, 25), (3, 10, 7, 10), (0, 4, 4, 4), (9, 9, 9, 9), (1, 1, 0, 1), (22, 24, 15, 25)],
)
def test_fisher_matches_scipy_one_sided(table: tuple[int, int, int, int]) -> None:
    bp, bn, ap, an = table
    expected = fisher_exact([[bp, bn - bp], [ap, an - ap]], alternative="greater")[1]
    assert fisher_greater(bp, bn, ap, an) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "table",
    [
        (22, 25, 12, 25),
        (5, 5, 0, 5),
        (20, 25, 15, 25),
        (9, 10, 5, 12),
        (3, 4, 3, 4),
        (0, 6, 3, 6),
        (12, 14, 6, 9),
        (1, 1, 0, 1),
    ],
)
def test_boschloo_matches_scipy_and_is_never_weaker_than_fisher(table: tuple[int, int, int, int]) -> None:
    bp, bn, ap, an = table
    expected = boschloo_exact([[bp, ap], [bn - bp, an - ap]], alternative="greater").pvalue
    assert boschloo_greater(bp, bn, ap, an) == pytest.approx(expected, rel=1e-6, abs=1e-12)
    assert boschloo_greater(bp, bn, ap, an) <= fisher_greater(bp, bn, ap, an) + 1e-12


def test_holm_step_down_by_hand() -> None:
    reject, adjusted = holm([0.01, 0.04, 0.03, 0.005], alpha=0.05)
    # 0.005 <= .05/4, 0.01 <= .05/3, 0.03 > .05/2: stop there, even though 0.04 <= .05/1.
    assert reject == [True, False, False, True]
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    with pytest.raises(ValueError, match="alpha"):
        holm([0.1], alpha=0.0)


def test_icc_reads_run_to_run_spread_not_binomial_noise() -> None:
    clumped = [[RunCounts(5, 5), RunCounts(0, 5), RunCounts(5, 5), RunCounts(0, 5)]] * 4
    mixed = [[RunCounts(3, 5), RunCounts(2, 5), RunCounts(3, 5), RunCounts(2, 5)]] * 4
    assert icc_anova(clumped) == pytest.approx(1.0)
    assert icc_anova(mixed) == 0.0  # less spread than binomial: clipped at 0, deff 1
    assert design_effect(1.0, clumped[0]) == pytest.approx(5.0)
    assert icc_anova([[RunCounts(3, 5)]]) == 0.0  # one run says nothing about spread


def test_clustered_runs_weaken_the_same_counts() -> None:
    """20/25 -> 10/25 is drift when runs look like independent trials, not when whole runs pass or fail together."""
    steady = {("s", "drop", "t"): ["ppppf"] * 5 + ["ppfff"] * 5}
    independent = frames({**steady, **{("s", f"o{i}", "t"): ["ppfpp", "pfppp"] * 5 for i in range(4)}})
    clumped = frames({**steady, **{("s", f"o{i}", "t"): ["ppppp", "fffff"] * 5 for i in range(4)}})
    free = drift(independent, DriftConfig(window=5))
    tied = drift(clumped, DriftConfig(window=5))
    assert [r.scenario for r in free.drifting] == ["drop"]
    assert tied.rho > 0.5 and free.rho < 0.1
    assert not tied.drifting
    row = next(r for r in tied.rows if r.scenario == "drop")
    assert row.deff > 3 and row.before.eff_valid < 10  # same raw counts, fewer effective trials
    assert row.diff == pytest.approx(-0.4)
    free_row = next(r for r in free.rows if r.scenario == "drop")
    assert free_row.diff_low < -0.4 < free_row.diff_high < 0  # interval around the effect, below 0
    assert row.diff_low < free_row.diff_low  # clustering widens the effect's interval too


def test_invalid_and_error_trials_never_count_as_failures() -> None:
    history = frames({("s", "spoiled", "t"): ["ppppp"] * 5 + ["piiee"] * 5, ("s", "steady", "t"): ["ppppp"] * 10})
    report = drift(history, DriftConfig(window=5))
    assert not report.drifting
    row = next(r for r in report.rows if r.scenario == "spoiled")
    assert row.after.rate == 1.0 and row.after.valid == 5 and (row.after.invalid, row.after.errors) == (10, 10)


def test_windows_are_the_latest_runs_and_short_histories_are_skipped() -> None:
    history = frames(
        {
            ("s", "old-drop", "t"): ["fffff"] * 5 + ["ppppp"] * 10,  # dropped long ago, then recovered
            ("s", "new", "t"): [""] * 12 + ["ppppp"] * 3,
        }
    )
    report = drift(history, DriftConfig(window=5))
    assert not report.drifting
    row = report.rows[0]
    assert row.before.runs == [f"run-{i:03d}" for i in range(5, 10)] and row.after.runs[-1] == "run-014"
    assert [(s.scenario, s.runs) for s in report.skipped] == [("new", 3)]


def test_filters_by_branch_suite_and_tier() -> None:
    cells = {("a", "x", "t1"): ["ppppp"] * 3 + ["fffff"] * 3, ("b", "x", "t2"): ["ppppp"] * 3 + ["fffff"] * 3}
    report = drift(frames(cells), DriftConfig(window=3, suite="a"))
    assert [(r.suite, r.tier) for r in report.drifting] == [("a", "t1")]
    assert drift(frames(cells), DriftConfig(window=3, tier="t2")).drifting[0].suite == "b"
    assert drift(frames(cells), DriftConfig(window=3, branch="release")).rows == []


def test_drift_line_names_cell_effect_interval_and_test() -> None:
    report = drift(frames({("support", "refund", "mock:small"): ["ppppp"] * 5 + ["fffff"] * 5}), DriftConfig())
    line = drift_line(report.drifting[0], 0.95)
    assert line.startswith("DRIFT support/refund [mock:small]: 100% -> 0% (-100 pts, 95% CI")
    assert "p=" in line and "Holm-adjusted" in line and "5 vs 5 runs" in line and "\n" not in line


def test_tiny_simulation_planted_drop_found_noise_not_flagged() -> None:
    """A seeded miniature of bench/history_drift.py; the false-alarm rate itself is measured there."""
    bench = _bench()
    config = bench.SimConfig(scenarios=4, tiers=1, window=5, trials=6)
    noise = [drift(bench.simulate(config, seed), DriftConfig()) for seed in range(5)]
    assert not any(r.drifting for r in noise)
    planted = drift(bench.simulate(replace(config, delta=0.7, base_low=0.9, base_high=0.95), 7), DriftConfig())
    assert [(r.scenario, r.tier) for r in planted.drifting] == [("s00", "tier0")]
