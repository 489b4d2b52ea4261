"""compare on constructed runs with known differences."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from report_runs import RunSpec, T, write_run
from scipy import stats as sps

from evalkit.report import (
    ComparabilityError,
    CompareConfig,
    ReportError,
    compare_runs,
    to_csv,
    to_html,
    to_json,
    to_markdown,
)

LARGE = (0.02, 0.001, 0.002)  # agent, simulator, judge cost per session
SMALL = (0.005, 0.001, 0.002)


def outcomes_run(root: Path, run_id: str, tier: str, outcomes: dict[str, list[str]], cost=LARGE, **spec) -> Path:  # type: ignore[no-untyped-def]
    trials = [
        T(s, i, o, tier=tier, cost=cost, tags=[s.rstrip("0123456789")])
        for s, outs in outcomes.items()
        for i, o in enumerate(outs)
    ]
    return write_run(root, trials, RunSpec(run_id=run_id, **spec))


def test_mcnemar_counts_discordant_pairs_and_matches_scipy(tmp_path: Path) -> None:
    a = outcomes_run(tmp_path, "run-a", "big", {"s1": ["pass"] * 5 + ["fail", "pass"], "s2": ["pass", "pass"]})
    b = outcomes_run(
        tmp_path, "run-b", "small", {"s1": ["fail"] * 5 + ["pass", "invalid"], "s2": ["pass", "pass"]}, cost=SMALL
    )
    pair = compare_runs([a, b]).pairs[0]
    m = pair.overall.mcnemar
    assert (m.b, m.c, m.n_pairs) == (5, 1, 8)  # the invalid trial's pair is dropped
    assert m.p_value == pytest.approx(14 / 64)
    assert m.p_value == pytest.approx(sps.binomtest(1, 6, 0.5).pvalue)
    s1 = next(s for s in pair.scenarios if s.scenario == "s1")
    assert s1.flipped == "pass→fail" and (s1.wins, s1.ties, s1.losses) == (1, 0, 5)


def test_paired_interval_of_scores_matches_scipy(tmp_path: Path) -> None:
    diffs = [0.1, 0.2, 0.0, 0.3, 0.1, 0.2, 0.4, 0.1]
    ta = [T(f"s{i}", j, "pass", score=0.5, tier="big") for i in range(8) for j in range(2)]
    tb = [T(f"s{i}", j, "pass", score=0.5 + d, tier="small", cost=SMALL) for i, d in enumerate(diffs) for j in range(2)]
    a = write_run(tmp_path, ta, RunSpec(run_id="run-a"))
    b = write_run(tmp_path, tb, RunSpec(run_id="run-b"))
    comp = compare_runs([a, b], CompareConfig(n_resamples=4000))
    diff = comp.pairs[0].overall.score_diff
    assert diff.mean_diff == pytest.approx(np.mean(diffs))  # 0.175, b - a
    ref = sps.ttest_1samp(diffs, 0.0).confidence_interval(confidence_level=0.95)  # t over scenario differences
    assert diff.low == pytest.approx(ref.low, abs=1e-6)
    assert diff.high == pytest.approx(ref.high, abs=1e-6)
    assert comp.pairs[0].overall.wins == 14 and comp.pairs[0].overall.ties == 2
    by_criterion = {d.criterion_id: d for d in comp.pairs[0].criteria}
    assert by_criterion["resolved"].diff.mean_diff == pytest.approx(
        np.mean(diffs)
    )  # criterion score = trial score here
    assert by_criterion["refund_called"].diff.mean_diff == 0 and by_criterion["refund_called"].kind == "tool_called"


def _ni_runs(root: Path, b_fails: dict[int, int], n_scenarios: int = 12) -> tuple[Path, Path]:
    a = outcomes_run(root, "run-a", "big", {f"s{i}": ["pass"] * 5 for i in range(n_scenarios)})
    b = outcomes_run(
        root,
        "run-b",
        "small",
        {f"s{i}": ["fail"] * b_fails.get(i, 0) + ["pass"] * (5 - b_fails.get(i, 0)) for i in range(n_scenarios)},
        cost=SMALL,
    )
    return a, b


def test_non_inferiority_clear_and_unclear(tmp_path: Path) -> None:
    a, b = _ni_runs(tmp_path, {0: 1, 1: 1})  # small drops 0.2 on two of twelve scenarios
    wide = compare_runs([a, b], CompareConfig(margin=0.15)).pairs[0]
    assert wide.candidate == "run-b" and wide.reference == "run-a"
    assert wide.overall.pass_diff.low > -0.15
    assert wide.overall.verdict == "non_inferior"
    narrow = compare_runs([a, b], CompareConfig(margin=0.01)).pairs[0]
    assert narrow.overall.pass_diff.low < -0.01 < narrow.overall.pass_diff.high
    assert narrow.overall.verdict == "inconclusive"


def test_non_inferiority_clearly_inferior(tmp_path: Path) -> None:
    a, b = _ni_runs(tmp_path, dict.fromkeys(range(12), 5))
    pair = compare_runs([a, b], CompareConfig(margin=0.1)).pairs[0]
    assert pair.overall.verdict == "inferior"
    assert all(s.verdict == "inferior" for s in pair.scenarios)
    assert pair.routing.scenarios == [] and pair.routing.saving_per_1000 == 0


def test_candidate_is_the_cheaper_side_even_when_first(tmp_path: Path) -> None:
    a = outcomes_run(tmp_path, "run-a", "small", {f"s{i}": ["fail"] * 5 for i in range(6)}, cost=SMALL)
    b = outcomes_run(tmp_path, "run-b", "big", {f"s{i}": ["pass"] * 5 for i in range(6)})
    pair = compare_runs([a, b]).pairs[0]
    assert pair.candidate == "run-a"
    assert pair.overall.pass_diff.mean_diff == pytest.approx(1.0)  # still b - a
    assert pair.overall.verdict == "inferior"  # the cheap side, run-a, is worse


def test_cost_per_passing_session_and_routing_saving(tmp_path: Path) -> None:
    a = outcomes_run(tmp_path, "run-a", "big", {"easy1": ["pass"] * 40, "hard1": ["pass"] * 40})
    b = outcomes_run(
        tmp_path, "run-b", "small", {"easy1": ["pass"] * 40, "hard1": ["pass"] * 10 + ["fail"] * 30}, cost=SMALL
    )
    pair = compare_runs([a, b], CompareConfig(margin=0.1)).pairs[0]
    hard = next(s for s in pair.scenarios if s.scenario == "hard1")
    assert hard.b.cost_per_pass == pytest.approx(40 * 0.005 / 10)
    assert pair.overall.b.cost_per_pass == pytest.approx(80 * 0.005 / 50)
    assert pair.overall.a.cost_per_pass == pytest.approx(0.02)
    assert pair.overall.b.eval_cost_per_session == pytest.approx(0.003)
    assert [s.verdict for s in pair.scenarios] == ["non_inferior", "inferior"]
    assert pair.routing.scenarios == ["easy1"] and pair.routing.tags == ["easy"]
    assert pair.routing.saving_per_1000 == pytest.approx(1000 * (0.02 - 0.005) / 2)
    assert "$7.50 per 1,000 sessions" in pair.routing.text


def test_few_perfect_trials_are_not_evidence_of_non_inferiority(tmp_path: Path) -> None:
    """5/5 vs 5/5: the scenario bootstrap collapses to [0, 0]; the verdict uses Newcombe's interval instead."""
    a = outcomes_run(tmp_path, "run-a", "big", {"s1": ["pass"] * 5})
    b = outcomes_run(tmp_path, "run-b", "small", {"s1": ["pass"] * 5}, cost=SMALL)
    card = compare_runs([a, b], CompareConfig(margin=0.1)).pairs[0].scenarios[0]
    assert (card.pass_diff.low, card.pass_diff.high) == (0.0, 0.0)
    z2 = 1.959963984540054**2
    assert card.ni_diff.method == "newcombe"
    assert card.ni_diff.low == pytest.approx(-(1 - 5 / (5 + z2)))  # 1 - Wilson lower bound of 5/5
    assert card.verdict == "inconclusive"


def test_unknown_price_makes_cost_unknown_not_zero(tmp_path: Path) -> None:
    a = outcomes_run(tmp_path, "run-a", "big", {"s1": ["pass"] * 40})
    b = outcomes_run(tmp_path, "run-b", "small", {"s1": ["pass"] * 40}, cost=(None, 0.001, 0.002))
    pair = compare_runs([a, b], CompareConfig(margin=0.1)).pairs[0]
    assert pair.overall.b.agent_cost_per_session is None and pair.overall.b.cost_per_pass is None
    assert pair.routing.scenarios == ["s1"] and pair.routing.saving_per_1000 is None
    assert "saves unknown (a price is missing)" in pair.routing.text


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"fingerprint": "fp-other"},
            "rubric support.resolution@2 fingerprint differs: fp-resolution-1 (run-a) vs fp-other (run-b)",
        ),
        ({"judge_model": "mock:judge2"}, "judge model differs: mock:judge (run-a) vs mock:judge2 (run-b)"),
        ({"simulator_model": "mock:sim2"}, "simulator model differs: mock:sim (run-a) vs mock:sim2 (run-b)"),
    ],
)
def test_mismatch_is_refused_and_named(tmp_path: Path, spec: dict[str, str], message: str) -> None:
    a = outcomes_run(tmp_path, "run-a", "big", {"s1": ["pass"] * 2})
    b = outcomes_run(tmp_path, "run-b", "small", {"s1": ["pass"] * 2}, cost=SMALL, **spec)
    with pytest.raises(ComparabilityError) as err:
        compare_runs([a, b])
    assert message in str(err.value) and "\n" not in str(err.value)
    comp = compare_runs([a, b], CompareConfig(allow_mismatch=True))
    assert comp.warnings == [message]


def test_tiers_inside_one_run(tmp_path: Path) -> None:
    trials = [
        T("s1", i, "pass", tier=tier, cost=cost) for tier, cost in (("big", LARGE), ("small", SMALL)) for i in range(3)
    ]
    run = write_run(tmp_path, trials)
    auto = compare_runs([run])
    assert auto.sides == ["big", "small"] and auto.pairs[0].candidate == "small"
    explicit = compare_runs([run], CompareConfig(tiers=["small", "big"]))
    assert explicit.sides == ["small", "big"] and explicit.pairs[0].candidate == "small"
    with pytest.raises(ReportError, match="no tier 'medium'"):
        compare_runs([run], CompareConfig(tiers=["big", "medium"]))
    with pytest.raises(ReportError, match="ONE run"):
        compare_runs([run, run], CompareConfig(tiers=["big", "small"]))
    for one in (["small"], ["small", "small"]):  # a single side has nothing to pair: say so, not print nothing
        with pytest.raises(ReportError, match="two or more different tiers"):
            compare_runs([run], CompareConfig(tiers=one))


def test_three_runs_compare_against_the_first(tmp_path: Path) -> None:
    runs = [outcomes_run(tmp_path, f"run-{n}", n, {"s1": ["pass"] * 2}) for n in "abc"]
    comp = compare_runs(runs)
    assert [(p.a, p.b) for p in comp.pairs] == [("run-a", "run-b"), ("run-a", "run-c")]


def test_unmatched_scenarios_are_left_out_with_a_warning(tmp_path: Path) -> None:
    a = outcomes_run(tmp_path, "run-a", "big", {"s1": ["pass"], "only_a": ["pass"]})
    b = outcomes_run(tmp_path, "run-b", "small", {"s1": ["pass"]})
    comp = compare_runs([a, b])
    assert [s.scenario for s in comp.pairs[0].scenarios] == ["s1"]
    assert any("only_a" in w for w in comp.warnings)
    disjoint = outcomes_run(tmp_path, "run-c", "small", {"other": ["pass"]})
    with pytest.raises(ReportError, match="share no scenario"):
        compare_runs([a, disjoint])


def test_outputs_csv_json_markdown_html(tmp_path: Path) -> None:
    a, b = _ni_runs(tmp_path, {0: 2}, n_scenarios=3)
    comp = compare_runs([a, b])
    rows = list(csv.DictReader(io.StringIO(to_csv(comp))))
    assert [r["scenario"] for r in rows] == ["s0", "s1", "s2", "overall"]
    assert float(rows[0]["pass_diff"]) == pytest.approx(-0.4) and rows[0]["candidate"] == "run-b"
    assert rows[0]["ni_method"] == "newcombe" and float(rows[0]["ni_high"]) < 0.4
    data = json.loads(to_json(comp))
    assert data["pairs"][0]["overall"]["verdict"] in ("non_inferior", "inferior", "inconclusive")
    md = to_markdown(comp)
    assert "| **overall** |" in md and "**Routing:**" in md
    html = to_html(comp)
    assert html.count("<circle") == 2 and "Content-Security-Policy" in html and "<script src" not in html


def test_win_tie_loss_ranks_outcome_before_score_and_equal_costs_are_explained(tmp_path: Path) -> None:
    ta = [
        T("s1", 0, "fail", score=0.9, tier="big"),
        T("s1", 1, "pass", score=0.8, tier="big"),
        T("s1", 2, "pass", score=0.8, tier="big"),
    ]
    tb = [
        T("s1", 0, "pass", score=0.6, tier="small"),
        T("s1", 1, "pass", score=0.9, tier="small"),
        T("s1", 2, "pass", score=0.8, tier="small"),
    ]
    a = write_run(tmp_path, ta, RunSpec(run_id="run-a"))
    b = write_run(tmp_path, tb, RunSpec(run_id="run-b"))
    pair = compare_runs([a, b]).pairs[0]
    assert (pair.overall.wins, pair.overall.ties, pair.overall.losses) == (2, 1, 0)
    assert pair.candidate == "run-b" and "equal or unknown" in pair.candidate_by


def test_one_scenario_shows_newcombe_pass_interval_and_flags_constant_scores(tmp_path: Path) -> None:
    """0/3 -> 3/3 is not `+1.00 [+1.00,+1.00]`: the shown interval is Newcombe's, b - a, in every export."""
    ta = [T("s1", i, "fail", score=0.2, tier="big") for i in range(3)] + [
        T("s2", i, "pass", tier="big") for i in range(3)
    ]
    tb = [T("s1", i, "pass", score=0.9, tier="small", cost=SMALL) for i in range(3)]
    tb += [T("s2", i, "pass", tier="small", cost=SMALL) for i in range(3)]
    a, b = write_run(tmp_path, ta, RunSpec(run_id="run-a")), write_run(tmp_path, tb, RunSpec(run_id="run-b"))
    comp = compare_runs([a, b])
    s1 = comp.pairs[0].scenarios[0]
    assert (s1.pass_diff.low, s1.pass_diff.high) == (1.0, 1.0)  # the bootstrap collapses
    z2 = 1.959963984540054**2
    assert s1.pass_ci.method == "newcombe" and s1.pass_ci.mean_diff == pytest.approx(1.0)
    assert s1.pass_ci.low == pytest.approx(1 - 2**0.5 * (z2 / (3 + z2))) and s1.pass_ci.high == 1.0  # b - a
    assert s1.score_note == "no trial variation" and comp.pairs[0].overall.score_note is None
    assert comp.pairs[0].overall.pass_ci.method == "paired_cluster_t"
    row = next(r for r in csv.DictReader(io.StringIO(to_csv(comp))) if r["scenario"] == "s1")
    assert float(row["pass_diff_low"]) == pytest.approx(s1.pass_ci.low) and row["pass_diff_method"] == "newcombe"
    assert row["score_note"] == "no trial variation"
    low = f"{s1.pass_ci.low:+.2f}"
    assert f"+1.00 [{low}, +1.00]" in to_markdown(comp) and f"+1.00 [{low}, +1.00]" in to_html(comp)
    assert "+0.70 (no trial variation)" in to_markdown(comp) and "+0.70 (no trial variation)" in to_html(comp)
    assert json.loads(to_json(comp))["pairs"][0]["scenarios"][0]["pass_ci"]["low"] == pytest.approx(s1.pass_ci.low)


def test_absent_cost_role_means_no_calls_not_unknown(tmp_path: Path) -> None:
    """A scripted, check-only scenario has no simulator or judge calls: its trials carry no such cost key."""
    a = outcomes_run(tmp_path, "run-a", "big", {"s1": ["pass"] * 4})
    b = outcomes_run(tmp_path, "run-b", "small", {"s1": ["pass"] * 4}, cost=SMALL)
    for run in (a, b):
        path = run / "trials.jsonl"
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        for row in rows:
            row["cost_usd"] = {"agent": row["cost_usd"]["agent"], "total": row["cost_usd"]["agent"]}
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    side = compare_runs([a, b]).pairs[0].overall.b
    assert side.eval_cost_per_session == 0.0 and side.agent_cost_per_session == pytest.approx(SMALL[0])


def _exact_sign_flip(diffs: list[float]) -> float:
    """Reference: enumerate every sign pattern (independent of evalkit.stats)."""
    import itertools

    observed = abs(sum(diffs)) / len(diffs)
    flips = [
        abs(sum(s * d for s, d in zip(signs, diffs, strict=True))) / len(diffs)
        for signs in itertools.product((1, -1), repeat=len(diffs))
    ]
    return sum(f >= observed - 1e-12 for f in flips) / len(flips)


def test_mcnemar_is_labelled_and_the_scenario_level_test_is_shown(tmp_path: Path) -> None:
    from rich.console import Console

    from evalkit.report import print_table

    drops = [0, 1, 2, 1, 0, 3, 1, 2]  # failing trials of b per scenario, out of 4
    a = outcomes_run(tmp_path, "run-a", "big", {f"s{i}": ["pass"] * 4 for i in range(8)})
    b = outcomes_run(
        tmp_path,
        "run-b",
        "small",
        {f"s{i}": ["fail"] * d + ["pass"] * (4 - d) for i, d in enumerate(drops)},
        cost=SMALL,
    )
    comp = compare_runs([a, b])
    overall = comp.pairs[0].overall
    expected = _exact_sign_flip([-d / 4 for d in drops])
    assert overall.scenario_test is not None and overall.scenario_test.method == "sign_flip_exact"
    assert overall.scenario_test.p_value == pytest.approx(expected) and overall.scenario_test.n_scenarios == 8
    assert overall.mcnemar.p_value < expected  # 10 discordant trials, all one way: McNemar counts 32 trials as 32 units
    assert all(s.scenario_test is None for s in comp.pairs[0].scenarios)
    shown = f"{expected:.3f} (8 scenarios)"
    md, html = to_markdown(comp), to_html(comp)
    for text in (md, html):
        assert "trial-level McNemar p" in text and "ignores scenario clustering" in text
        assert "scenario-level p" in text and shown in text and "one scenario" in text
    console = Console(record=True, width=400)
    print_table(comp, console)
    table = console.export_text()
    assert "McNemar p, trials (ignores clustering)" in table and shown in table
    row = next(r for r in csv.DictReader(io.StringIO(to_csv(comp))) if r["scenario"] == "overall")
    assert float(row["scenario_test_p"]) == pytest.approx(expected) and row["scenario_test_method"] == "sign_flip_exact"


def test_scenario_level_test_says_when_it_cannot_reach_significance(tmp_path: Path) -> None:
    a = outcomes_run(tmp_path, "run-a", "big", {f"s{i}": ["pass"] * 3 for i in range(3)})
    b = outcomes_run(tmp_path, "run-b", "small", {f"s{i}": ["fail"] * 3 for i in range(3)}, cost=SMALL)
    test = compare_runs([a, b]).pairs[0].overall.scenario_test
    assert test is not None and test.p_value == pytest.approx(0.25) and not test.reachable  # 2 / 2**3: best possible
    assert "cannot reach 0.05: smallest possible p 0.25" in to_markdown(compare_runs([a, b]))


def test_compare_shows_pass_k_when_trials_at_least_two(tmp_path: Path) -> None:
    from evalkit.stats import mean_pass_at_k, mean_pass_hat_k

    out_a = {"s1": ["pass"] * 3, "s2": ["pass", "fail", "pass"]}
    out_b = {"s1": ["pass", "fail", "fail"], "s2": ["pass", "pass", "pass"]}
    a = outcomes_run(tmp_path, "run-a", "big", out_a)
    b = outcomes_run(tmp_path, "run-b", "small", out_b, cost=SMALL)
    pair = compare_runs([a, b]).pairs[0]
    assert pair.k == 3
    for side, outs in ((pair.overall.a, out_a), (pair.overall.b, out_b)):
        counts = {s: (len(o), o.count("pass")) for s, o in outs.items()}
        assert side.pass_k is not None
        assert side.pass_k.pass_at_k == pytest.approx(mean_pass_at_k(counts, 3).value)
        assert side.pass_k.pass_hat_k == pytest.approx(mean_pass_hat_k(counts, 3).value)
    comp = compare_runs([a, b])
    md = to_markdown(comp)
    assert "pass@3 / pass^3 a → b" in md and "| 100% / 50% → 100% / 50% |" in md  # overall: both sides 1 and 0.5
    assert "pass@3 / pass^3" in to_html(comp)


def test_compare_has_no_pass_k_with_one_trial(tmp_path: Path) -> None:
    from rich.console import Console

    from evalkit.report import print_table

    a = outcomes_run(tmp_path, "run-a", "big", {f"s{i}": ["pass"] for i in range(4)})
    b = outcomes_run(tmp_path, "run-b", "small", {f"s{i}": ["fail"] for i in range(4)}, cost=SMALL)
    comp = compare_runs([a, b])
    assert comp.pairs[0].k is None and comp.pairs[0].overall.a.pass_k is None
    console = Console(record=True, width=400)
    print_table(comp, console)
    for text in (to_markdown(comp), to_html(comp), console.export_text()):
        assert "pass@" not in text and "pass^" not in text


def test_scenario_verdicts_in_compare_come_from_decide_run(tmp_path: Path) -> None:
    """Equal pass rates, but b misses a criterion threshold: decide_run fails it, and compare says pass→fail."""
    from evalkit.judging.verdict import CriterionScore, Outcome
    from evalkit.report import open_run
    from evalkit.spec.models import GateConfig
    from evalkit.verdicts import VerdictInputs, decide_run

    gate = {"criterion_thresholds": {"resolved": 0.8}}

    def crit(score: float) -> list[CriterionScore]:
        return [
            CriterionScore(
                criterion_id="resolved",
                kind="llm",
                outcome=Outcome.passed,
                score=score,
                raw_score=score,
                reasoning="ok",
            )
        ]

    a = write_run(
        tmp_path,
        [T("s1", i, "pass", score=0.9, tier="big", criteria=crit(0.9)) for i in range(3)],
        RunSpec(run_id="run-a", gate=gate),
    )
    b = write_run(
        tmp_path,
        [T("s1", i, "pass", score=0.6, tier="small", cost=SMALL, criteria=crit(0.6)) for i in range(3)],
        RunSpec(run_id="run-b", gate=gate),
    )
    comp = compare_runs([a, b])
    card = comp.pairs[0].scenarios[0]
    decided = []
    for run in (a, b):
        data = open_run(run)
        verdict = decide_run(data.trials, data.results, VerdictInputs(gates={"support": GateConfig(**gate)}))
        decided.append(verdict.scenarios[0].outcome)
    assert card.a.pass_rate == card.b.pass_rate == 1.0
    assert (card.verdict_a, card.verdict_b) == tuple(decided) == ("pass", "fail")
    assert card.flipped == "pass→fail"
    assert "| s1 (pass→fail) | pass → fail |" in to_markdown(comp)
