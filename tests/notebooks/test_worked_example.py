"""docs/notebooks.md's worked example runs as written, in a project with two runs, and computes what it says.

Its blocks are executed in order in one namespace, from the project's directory; the pass rates per
tier and the changed verdicts it finds are checked against the raw rows of trials.jsonl.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections import defaultdict
from typing import Any

import pandas as pd
import pytest
from doc_tables import python_blocks
from nb_runs import Runs

from evalkit.run import LoadedRun


def _suite_rates(run: LoadedRun) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str, str], str]]:
    """(suite, tier) -> mean of per-scenario pass rates over valid trials; (suite, scenario, tier) -> outcomes."""
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    outcomes: dict[tuple[str, str, str], str] = defaultdict(str)
    for line in (run.path / "trials.jsonl").read_text().splitlines():
        row = json.loads(line)
        key = (row["suite"], row["scenario_id"], row["tier"])
        outcomes[key] += row["outcome"][0]
        if row["outcome"] in ("pass", "fail"):
            counts[key][0] += row["outcome"] == "pass"
            counts[key][1] += 1
    by_tier: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (suite, _, tier), (passed, valid) in counts.items():
        by_tier[(suite, tier)].append(passed / valid)
    return {k: sum(v) / len(v) for k, v in by_tier.items()}, outcomes


def _run_example(runs: Runs, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], str]:
    blocks = python_blocks("Worked example")
    assert len(blocks) == 2
    monkeypatch.chdir(runs.root)
    namespace: dict[str, Any] = {"__name__": "notebook"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, "docs/notebooks.md", "exec"), namespace)
    return namespace, out.getvalue()


def test_the_worked_example_compares_pass_rates_per_tier(runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    ns, printed = _run_example(runs, monkeypatch)
    assert (ns["before"].run_id, ns["after"].run_id) == (runs.before.run_id, runs.after.run_id)
    rates_before, _ = _suite_rates(runs.before)
    rates_after, _ = _suite_rates(runs.after)
    per_tier: pd.DataFrame = ns["per_tier"]
    assert set(per_tier.index) == set(rates_before) == set(rates_after)
    for key in rates_before:
        row = per_tier.loc[key]
        assert row[runs.before.run_id] == pytest.approx(rates_before[key])
        assert row[runs.after.run_id] == pytest.approx(rates_after[key])
        assert row["change"] == pytest.approx(rates_after[key] - rates_before[key])
    assert (per_tier["change"] < 0).sum() == 2  # tier-b got worse in both suites, nothing else moved
    assert "change" in printed and runs.after.run_id in printed


def test_the_worked_example_finds_the_scenarios_whose_verdict_changed(
    runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    ns, _ = _run_example(runs, monkeypatch)
    _, before = _suite_rates(runs.before)
    _, after = _suite_rates(runs.after)
    moved = {key for key in before if before[key] != after[key]}
    assert moved and set(ns["changed"].index) == moved  # ("alpha" | "beta", "refund", "openai:tier-b")
    trials = ns["trials"]  # the second block: one run's trials joined to their scenario's verdict
    assert len(trials) == len(runs.after.trials) and trials.verdict.notna().all()
