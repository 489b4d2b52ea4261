"""The verdict in report.html and summary.md: banner, verdict column, order, gates, pass@k / pass^k.

Every expected verdict is asked of `evalkit.verdicts.decide_run` directly, so the report is checked
against the one place a verdict is decided rather than against numbers written into the test.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from report_runs import RunSpec, T, write_run

from evalkit.judging.verdict import CriterionScore, Outcome
from evalkit.report import open_run, render_html_report, render_markdown_summary
from evalkit.spec.models import GateConfig
from evalkit.stats import mean_pass_at_k, mean_pass_hat_k
from evalkit.verdicts import VerdictInputs, decide_run

ROW = re.compile(r'<tr data-filter="cell" data-verdict="(\w+)" data-scenario="([^"]+)" data-tier="([^"]+)"')
BANNER = re.compile(
    r'<div id="verdict-banner" class="banner (\w+)" role="status"><span class="headline">(\w+)</span> '
    r'<span class="counts">([^<]+)</span>'
)


def _run(root: Path, trials: list[T], gate: dict[str, Any] | None = None) -> Path:
    return write_run(root, trials, RunSpec(gate=gate))


def _decided(run: Path, gate: dict[str, Any] | None = None) -> dict[tuple[str, str], str]:
    """(scenario, tier) -> outcome, straight from evalkit.verdicts."""
    data = open_run(run)
    verdict = decide_run(data.trials, data.results, VerdictInputs(gates={"support": GateConfig(**(gate or {}))}))
    return {(s.scenario_id, s.tier): s.outcome for s in verdict.scenarios}


def _banner(html: str) -> tuple[str, str, str]:
    found = BANNER.search(html)
    assert found, "no verdict banner"
    return found.group(1), found.group(2), found.group(3)


def _md_rows(md: str) -> list[tuple[str, str]]:
    """(scenario, verdict) of summary.md's scenario table, in order."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^\| (\S+) \| \S+ \| \S+ (\w+) \| \d+ / ", md, re.M)]


def _threshold_criteria(score: float) -> list[CriterionScore]:
    return [
        CriterionScore(
            criterion_id="resolved",
            kind="llm",
            outcome=Outcome.passed,
            score=score,
            raw_score=score,
            reasoning="partly resolved",
        )
    ]


def test_failing_run_has_a_fail_banner_not_just_a_complete_badge(tmp_path: Path) -> None:
    run = _run(tmp_path, [T("s1", i, "pass") for i in range(3)] + [T("s2", i, "fail") for i in range(3)])
    html = render_html_report(run)
    assert _banner(html) == (
        "fail",
        "FAIL",
        "2 scenarios: 1 passing, 1 failing, 0 invalid, 0 error · 1 gate: 0 failing · fails the build",
    )
    assert "**❌ FAIL** — 2 scenarios: 1 passing, 1 failing" in render_markdown_summary(run)


def test_passing_run_banner(tmp_path: Path) -> None:
    run = _run(tmp_path, [T(s, i, "pass") for s in ("s1", "s2") for i in range(3)])
    outcome, headline, counts = _banner(render_html_report(run))
    assert (outcome, headline) == ("pass", "PASS") and counts.endswith("· passes the build")
    assert "**✅ PASS** — 2 scenarios: 2 passing, 0 failing, 0 invalid, 0 error" in render_markdown_summary(run)
    assert "every scenario passes" in render_markdown_summary(run)


@pytest.mark.parametrize(("policy", "build"), [("fail", "fails the build"), ("warn", "passes the build")])
def test_inconclusive_run_banner(tmp_path: Path, policy: str, build: str) -> None:
    """Every scenario passes (1 of 2 at scenario_pass_rate 0.5), but the suite-mean interval straddles 0.5."""
    gate = {"scenario_pass_rate": 0.5, "suite_mean_lower_ci": 0.5, "inconclusive": policy}
    run = _run(tmp_path, [T(f"s{s}", i, "pass" if i == 0 else "fail") for s in range(3) for i in range(2)], gate)
    assert set(_decided(run, gate).values()) == {"pass"}
    outcome, headline, counts = _banner(render_html_report(run))
    assert (outcome, headline) == ("inconclusive", "INCONCLUSIVE")
    assert "3 passing" in counts and "1 gate: 0 failing, 1 inconclusive" in counts and counts.endswith(build)
    assert "**⚠️ INCONCLUSIVE**" in render_markdown_summary(run)


def test_error_run_banner(tmp_path: Path) -> None:
    """An agent that could not be built is an ERROR, not a quality FAIL (the invalid gate is opened wide here)."""
    gate = {"max_invalid_rate": 1.0}
    trials = [T("ok", i, "pass") for i in range(2)]
    trials += [T("broken", i, "error", invalid_reason="agent factory raised ImportError") for i in range(2)]
    run = _run(tmp_path, trials, gate)
    assert _decided(run, gate)[("broken", "default")] == "error"
    html = render_html_report(run)
    outcome, headline, counts = _banner(html)
    assert (outcome, headline) == ("error", "ERROR") and "1 passing, 0 failing, 0 invalid, 1 error" in counts
    assert "agent factory raised ImportError" in html
    md = render_markdown_summary(run)
    assert "**💥 ERROR**" in md and "| broken | default | 💥 error | 0 / 0 / 0 + 2 error |" in md


def _mixed(root: Path) -> tuple[Path, dict[str, Any]]:
    """Scenarios in run order pass, fail, invalid, error, pass, fail, and a criterion-threshold miss."""
    gate = {"max_invalid_rate": 1.0, "criterion_thresholds": {"resolved": 0.8}}
    trials = [T("p1", i, "pass") for i in range(2)]
    trials += [T("f1", i, "fail") for i in range(2)]
    trials += [T("i1", i, "invalid", invalid_reason="judge output unparseable") for i in range(2)]
    trials += [T("e1", i, "error", invalid_reason="agent_error") for i in range(2)]
    trials += [T("p2", i, "pass") for i in range(2)]
    trials += [T("f2", 0, "pass"), T("f2", 1, "fail")]
    # Every trial passes, but the criterion's mean score misses its threshold: the old report showed nothing.
    trials += [T("thr", i, "pass", score=0.6, criteria=_threshold_criteria(0.6)) for i in range(2)]
    return _run(root, trials, gate), gate


def test_verdict_column_is_decide_runs_outcome_for_every_scenario(tmp_path: Path) -> None:
    run, gate = _mixed(tmp_path)
    decided = _decided(run, gate)
    assert decided[("thr", "default")] == "fail"  # all trials passed; the threshold miss fails it
    html = render_html_report(run)
    shown = {(sid, tier): verdict for verdict, sid, tier in ROW.findall(html)}
    assert shown == decided
    assert "resolved mean 0.60 below threshold 0.80" in html
    md = render_markdown_summary(run)
    assert dict(_md_rows(md)) == {sid: outcome for (sid, _), outcome in decided.items()}
    assert "resolved mean 0.60 below threshold 0.80" in md


def test_failing_scenarios_come_first(tmp_path: Path) -> None:
    run, _ = _mixed(tmp_path)
    rank = {"fail": 0, "error": 1, "invalid": 2, "inconclusive": 3, "pass": 4}
    html_order = [(verdict, sid) for verdict, sid, _ in ROW.findall(render_html_report(run))]
    assert [v for v, _ in html_order] == sorted((v for v, _ in html_order), key=rank.__getitem__)
    assert [sid for _, sid in html_order] == ["f1", "f2", "thr", "e1", "i1", "p1", "p2"]  # run order within a verdict
    md_order = [sid for sid, _ in _md_rows(render_markdown_summary(run))]
    assert md_order == [sid for _, sid in html_order]


def test_gates_list_the_scenarios_that_did_not_pass(tmp_path: Path) -> None:
    run, gate = _mixed(tmp_path)
    html = render_html_report(run)
    head = re.search(r'<tr class="gate" data-gate="support\[default\]">.*?</tr>', html, re.S)
    assert head, "no gate row"
    linked = re.findall(r'<a href="#s-support-(\w+)">', head.group(0))
    failing = [sid for (sid, _), outcome in _decided(run, gate).items() if outcome in ("fail", "error", "invalid")]
    assert sorted(linked) == sorted(failing) and linked[:3] == ["f1", "f2", "thr"]
    assert all(f'id="s-support-{sid}"' in html for sid in linked)  # each link has a target
    md = render_markdown_summary(run)
    # The gate's own checks pass (invalid rate allowed up to 100%); the scenarios behind it are listed anyway.
    assert (
        "| **gate** | support | default | ✅ **pass** | scenarios not passing: f1 (fail), f2 (fail), thr (fail), "
        "e1 (error), i1 (invalid) |" in md
    )


def test_pass_k_shown_when_trials_at_least_two(tmp_path: Path) -> None:
    outcomes = {"s1": ["pass", "pass", "fail"], "s2": ["pass"] * 3, "s3": ["fail", "pass", "fail"]}
    run = _run(tmp_path, [T(s, i, o) for s, outs in outcomes.items() for i, o in enumerate(outs)])
    counts = {s: (len(outs), outs.count("pass")) for s, outs in outcomes.items()}
    at, hat = mean_pass_at_k(counts, 3).value, mean_pass_hat_k(counts, 3).value
    assert at is not None and hat is not None
    expected = f"{at:.0%} / {hat:.0%}"  # 100% / 33%
    html, md = render_html_report(run), render_markdown_summary(run)
    assert "<th>pass@3 / pass^3</th>" in html and f'<td class="n pass-k">{expected}</td>' in html
    assert "| pass@3 / pass^3 |" in md and f"| {expected} |" in md


def test_pass_k_absent_with_one_trial(tmp_path: Path) -> None:
    run = _run(tmp_path, [T("s1", 0, "pass"), T("s2", 0, "fail")])
    html, md = render_html_report(run), render_markdown_summary(run)
    assert "pass@" not in html and "pass^" not in html
    assert "pass@" not in md and "pass^" not in md


def test_pass_k_names_scenarios_left_out(tmp_path: Path) -> None:
    """A scenario with fewer valid trials than k cannot enter an unbiased pass^k: say so, don't shrink silently."""
    trials = [T("s1", i, "pass") for i in range(3)]
    trials += [T("s2", 0, "pass"), T("s2", 1, "invalid", invalid_reason="x"), T("s2", 2, "pass")]
    md = render_markdown_summary(_run(tmp_path, trials, {"max_invalid_rate": 1.0}))
    assert "| 100% / 100% (1 scenario with fewer than 3 valid trials left out) |" in md


def test_pass_k_names_k_per_tier_when_tiers_differ(tmp_path: Path) -> None:
    trials = [T("s1", i, "pass", tier="big") for i in range(3)] + [T("s1", i, "pass", tier="small") for i in range(2)]
    run = _run(tmp_path, trials)
    html, md = render_html_report(run), render_markdown_summary(run)
    assert "<th>pass@k / pass^k</th>" in html and "k=3</span>" in html and "k=2</span>" in html
    assert "| pass@k / pass^k |" in md and "| 100% / 100% (k=3) |" in md and "| 100% / 100% (k=2) |" in md
