"""report.html and summary.md "Judge noise": present where the judge took samples >= 2, computed by variance_share."""

from __future__ import annotations

import asyncio
import json
import random
import sys
from pathlib import Path

import pytest
from report_runs import T, write_run

from evalkit.judging.verdict import CriterionScore, Outcome
from evalkit.report import render_html_report, render_markdown_summary
from evalkit.report.judge_noise import judge_noise
from evalkit.report.render import pct
from evalkit.report.rundata import open_run
from evalkit.stats.variance_share import VarianceShare, variance_share

sys.path.insert(0, str(Path(__file__).parents[1] / "calibration"))

ADVICE = {"add_judge_samples": "add judge samples", "add_trials_or_scenarios": "add trials or scenarios"}


def _criterion(readings: list[float], outcome: Outcome = Outcome.passed) -> CriterionScore:
    mean = sum(readings) / len(readings)
    return CriterionScore(
        criterion_id="tone",
        kind="llm",
        outcome=outcome,
        raw_score=mean,
        score=(mean - 1) / 4,
        samples=readings,
        reasoning="polite",
    )


def _run(tmp_path: Path, readings: dict[tuple[str, str], list[list[float]]], samples: int, extra: list[T] = ()) -> Path:  # type: ignore[assignment]
    """A run whose 'tone' rows carry these readings (per scenario and tier, per trial) and judge_params.samples."""
    trials = [
        T(scenario, i, "pass", tier=tier, criteria=[_criterion(r)])
        for (scenario, tier), per_trial in readings.items()
        for i, r in enumerate(per_trial)
    ]
    run = write_run(tmp_path, [*trials, *extra])
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    for row in rows:
        row["judge_params"] = {"temperature": 0.0, "samples": samples}
    (run / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return run


def _readings(judge_sd: float, agent_sd: float, k: int, seed: int) -> dict[tuple[str, str], list[list[float]]]:
    rng = random.Random(seed)
    out = {}
    for tier, offset in (("mock:small", 0.0), ("mock:large", 1.5)):  # tiers differ: not noise about one mean
        for scenario in ("a", "b", "c", "d"):
            base = 2.0 + offset + rng.random()
            out[(scenario, tier)] = [
                [t + rng.gauss(0, judge_sd) for _ in range(k)]
                for t in (base + rng.gauss(0, agent_sd) for _ in range(4))
            ]
    return out


def same(a: VarianceShare, b: VarianceShare) -> bool:
    """Equal up to summation order (cells are summed in another order than the test's dict)."""
    numbers = ("judge_variance", "agent_variance", "judge_share_reading", "judge_share_trial", "readings_per_trial")
    return all(getattr(a, n) == pytest.approx(getattr(b, n), rel=1e-12, abs=1e-15) for n in numbers) and (
        a.judge_df,
        a.trial_df,
        a.advice,
    ) == (b.judge_df, b.trial_df, b.advice)


def _noise_text(html: str) -> str:
    start = html.index('<h2 id="judge-noise">')
    return html[start : html.index("<h2", start + 10)]


def test_one_judge_sample_shows_no_noise_section(tmp_path: Path) -> None:
    run = _run(tmp_path, {("a", "default"): [[3.0], [4.0]], ("b", "default"): [[2.0], [5.0]]}, samples=1)
    assert judge_noise(open_run(run)) == []
    assert 'id="judge-noise"' not in render_html_report(run)
    assert "Judge noise" not in render_markdown_summary(run)


def test_a_noisy_judge_is_told_to_take_more_samples(tmp_path: Path) -> None:
    readings = _readings(judge_sd=1.0, agent_sd=0.05, k=3, seed=1)
    run = _run(tmp_path, readings, samples=3)
    expected = variance_share({f"{s}[{tier}]": r for (s, tier), r in readings.items()})
    assert expected.advice == "add_judge_samples"
    rows = judge_noise(open_run(run))
    assert len(rows) == 1 and same(rows[0].share, expected)
    assert (rows[0].samples, rows[0].trials, rows[0].cells) == (3, 32, 8)
    html = _noise_text(render_html_report(run))
    assert pct(expected.judge_share_trial) in html and "add judge samples" in html
    assert 'data-advice="add_judge_samples"' in html
    md = render_markdown_summary(run)
    line = next(x for x in md.splitlines() if x.startswith("| support.resolution@2:tone"))
    assert f"| 3 | 32 / 8 | {pct(expected.judge_share_trial)} | **add judge samples**" in line


def test_a_steady_judge_is_told_to_add_trials_or_scenarios(tmp_path: Path) -> None:
    readings = _readings(judge_sd=0.1, agent_sd=1.0, k=2, seed=2)
    run = _run(tmp_path, readings, samples=2)
    expected = variance_share({f"{s}[{tier}]": r for (s, tier), r in readings.items()})
    assert expected.advice == "add_trials_or_scenarios"
    rows = judge_noise(open_run(run))
    assert same(rows[0].share, expected)
    html = _noise_text(render_html_report(run))
    assert pct(expected.judge_share_trial) in html and "add trials or scenarios" in html
    assert "add judge samples" not in html
    assert "**add trials or scenarios**" in render_markdown_summary(run)


def test_tiers_are_separate_cells_and_invalid_rows_and_checks_are_left_out(tmp_path: Path) -> None:
    readings = _readings(judge_sd=0.5, agent_sd=0.5, k=3, seed=3)
    wild = [
        T(
            "a",
            9,
            "invalid",
            tier="mock:small",
            invalid_reason="judge down",
            criteria=[
                _criterion([1.0, 5.0, 1.0], Outcome.invalid),
                CriterionScore(
                    criterion_id="refund_called",
                    kind="tool_called",
                    outcome=Outcome.passed,
                    score=1.0,
                    samples=[0.0, 1.0, 0.0],
                ),
            ],
        )
    ]
    run = _run(tmp_path, readings, samples=3, extra=wild)
    expected = variance_share({f"{s}[{tier}]": r for (s, tier), r in readings.items()})
    pooled = variance_share({s: [r for (s2, _), rs in readings.items() if s2 == s for r in rs] for s in "abcd"})
    assert not same(expected, pooled)  # pooling the tiers would read the tier difference as agent noise
    rows = judge_noise(open_run(run))
    assert [r.criterion_id for r in rows] == ["tone"] and same(rows[0].share, expected)


def test_a_real_run_records_the_samples_the_section_reads(tmp_path: Path) -> None:
    """Through the run engine and the fake server: results.jsonl carries judge_params.samples and each reading."""
    from calib_project import rubric, write_project

    from evalkit.llm import ModelHub
    from evalkit.llm.rules_file import load_rules
    from evalkit.run import RunConfig, execute_run, plan_run
    from evalkit.spec import load_suite
    from evalkit.testing import FakeLLMServer, hub_config_for

    suite_path = write_project(tmp_path)
    spec = rubric()
    spec["judge"]["samples"] = 3
    (tmp_path / "rubrics" / "quality.yaml").write_text(json.dumps(spec))
    with FakeLLMServer(load_rules(tmp_path / "suites" / "rules" / "offline.yaml")) as server:
        config = RunConfig(report_dir=tmp_path / "reports", fsync_interval_s=0, cache=False)

        async def go() -> Path:
            async with ModelHub(hub_config_for(server, no_cache=True)) as hub:
                plan = plan_run([load_suite(suite_path, root=tmp_path)], config)
                return (await execute_run(plan, config, hub)).run_dir

        run = asyncio.run(go())
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    assert {r["judge_params"]["samples"] for r in rows} == {3} and all(len(r["samples"]) == 3 for r in rows)
    noise = {r.criterion_id: r.share for r in judge_noise(open_run(run))}
    for criterion in ("helpful", "tone"):
        cells: dict[str, list[list[float]]] = {}
        for r in rows:
            if r["criterion_id"] == criterion:
                cells.setdefault(r["scenario_id"], []).append([float(s) for s in r["samples"]])
        assert same(noise[criterion], variance_share(cells))
        assert noise[criterion].judge_variance == 0.0  # the scripted judge answers a transcript alike every time
    assert "Judge noise" in render_markdown_summary(run)
