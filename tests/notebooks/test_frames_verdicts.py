"""The verdicts and gates frames say what pytest decided for the same run, and what the report decides.

pytest's own record: each scenario item's JUnit properties (evalkit_outcome, pass_rate, interval,
trials, invalid) and the gate checks it wrote into run.json. The report's: `run_verdict(open_run(...))`.
The gate figures (threshold, estimate, interval) are checked against the suite file and the raw rows.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from nb_runs import Runs

from evalkit.report import open_run
from evalkit.report.gates import run_verdict
from evalkit.run import LoadedRun
from evalkit.run.keys import tier_label

ITEM = re.compile(r"^(?P<scenario>[^\[]+)\[(?P<tier>.+)\]$")


def _pct(value: float) -> str:
    return f"{value:.0%}"


def junit_items(path: Path, suites: dict[str, str]) -> dict[tuple[str, str, str], dict[str, str]]:
    """(suite, scenario, tier label) -> the scenario item's JUnit properties; gate items left out."""
    items = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        props = {str(p.get("name")): str(p.get("value")) for p in case.iter("property")}
        if "evalkit_outcome" not in props:
            continue
        found = ITEM.match(str(case.get("name")))
        assert found, f"unexpected item name {case.get('name')!r}"
        suite = suites[str(case.get("classname")).rsplit(".", 2)[-2]]  # suites.alpha.yaml -> the file's suite
        items[(suite, found["scenario"], found["tier"])] = props
    return items


def _suite_names(run: LoadedRun) -> dict[str, str]:
    return {Path(s["path"]).stem: s["name"] for s in run.manifest["suites"]}


@pytest.mark.parametrize("which", ["before", "after"])
def test_verdicts_are_what_pytest_reported_for_each_item(runs: Runs, which: str) -> None:
    run, junit = (runs.before, runs.junit_before) if which == "before" else (runs.after, runs.junit_after)
    items = junit_items(junit, _suite_names(run))
    verdicts = run.to_pandas().verdicts
    assert len(verdicts) == len(items) == 10  # 2 suites x (3 + 2) scenarios x 2 tiers
    for row in verdicts.itertuples():
        props = items[(row.suite, row.scenario, tier_label(row.tier))]
        assert props["evalkit_outcome"] == row.verdict
        assert props["trials"] == str(row.trials) and props["invalid"] == str(row.invalid)
        if row.valid:
            assert props["pass_rate"] == _pct(row.pass_rate)
            assert props["interval"] == f"{row.confidence:.0%} CI {_pct(row.ci_low)}-{_pct(row.ci_high)}"
        else:
            assert pd.isna(row.pass_rate) and pd.isna(row.ci_low) and props["interval"] == "no valid trials"
    assert {"pass", "fail", "invalid"} <= set(verdicts.verdict)  # the runs exercise each verdict


@pytest.mark.parametrize("which", ["before", "after"])
def test_gates_are_the_checks_pytest_recorded_in_run_json(runs: Runs, which: str) -> None:
    run = runs.before if which == "before" else runs.after
    recorded = json.loads((run.path / "run.json").read_text())["gates"]
    gates = run.to_pandas().gates
    assert recorded, "pytest recorded no gate checks"
    framed = [
        {"suite": g.suite, "tier": g.tier, "name": g.kind, "decision": g.outcome, "detail": g.reason}
        for g in gates.itertuples()
    ]
    assert sorted(framed, key=repr) == sorted(recorded, key=repr)


@pytest.mark.parametrize("which", ["before", "after"])
def test_verdicts_and_gates_are_the_reports(runs: Runs, which: str) -> None:
    run = runs.before if which == "before" else runs.after
    decided = run_verdict(open_run(run.path))
    frames = run.to_pandas()
    expected = [
        (
            s.suite,
            s.scenario_id,
            s.tier,
            s.outcome,
            s.passed,
            s.failed,
            s.invalid,
            s.errors,
            s.pass_rate,
            s.interval,
            s.flaky,
        )
        for s in decided.scenarios
    ]
    got = [
        (
            v.suite,
            v.scenario,
            v.tier,
            v.verdict,
            v.passed,
            v.failed,
            v.invalid,
            v.errors,
            _none(v.pass_rate),
            None if pd.isna(v.ci_low) else (v.ci_low, v.ci_high),
            v.flaky,
        )
        for v in frames.verdicts.itertuples()
    ]
    assert got == expected
    checks = [
        (g.suite, g.tier, c.name, c.decision, c.detail, g.outcome, g.failed) for g in decided.gates for c in g.checks
    ]
    assert [
        (g.suite, g.tier, g.kind, g.outcome, g.reason, g.gate_outcome, g.gate_failed) for g in frames.gates.itertuples()
    ] == checks


def _none(value: Any) -> Any:
    return None if pd.isna(value) else value


def _rows(run: LoadedRun) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run.path / "trials.jsonl").read_text().splitlines() if line.strip()]


def test_the_gate_figures_are_the_ones_decided_on(runs: Runs) -> None:
    """suite_mean: the mean of per-scenario pass rates over valid trials, held against suite_mean_lower_ci;
    invalid_rate: invalid trials over all trials, held against max_invalid_rate (from the suite file)."""
    run = runs.after
    gates = run.to_pandas().gates.set_index(["suite", "tier", "kind"])
    per_scenario: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    invalid: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in _rows(run):
        invalid[(row["suite"], row["tier"])][0] += row["outcome"] in ("invalid", "error")
        invalid[(row["suite"], row["tier"])][1] += 1
        if row["outcome"] in ("pass", "fail"):
            per_scenario[(row["suite"], row["tier"], row["scenario_id"])][0] += row["outcome"] == "pass"
            per_scenario[(row["suite"], row["tier"], row["scenario_id"])][1] += 1
    for tier in ("openai:tier-a", "openai:tier-b"):
        rates = [c / n for (suite, t, _), (c, n) in per_scenario.items() if suite == "alpha" and t == tier]
        mean = gates.loc[("alpha", tier, "suite_mean")]
        assert mean.estimate == pytest.approx(sum(rates) / len(rates)) and mean.threshold == 0.2
        assert 0 <= mean.ci_low <= mean.estimate <= mean.ci_high <= 1 and mean.confidence == 0.95
        for suite, allowed in (("alpha", 0.5), ("beta", 0.1)):
            bad, total = invalid[(suite, tier)]
            check = gates.loc[(suite, tier, "invalid_rate")]
            assert check.estimate == pytest.approx(bad / total) and check.threshold == allowed
            assert pd.isna(check.ci_low)
    assert ("beta", "openai:tier-a", "suite_mean") not in gates.index  # beta's gate has no suite_mean_lower_ci
