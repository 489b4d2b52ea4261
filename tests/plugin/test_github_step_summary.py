"""The step summary's verdict table: every gate and scenario, failures first, with its reason (both summaries)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evalkit.plugin.ci import verdict_rows, write_step_summary
from evalkit.plugin.summary import RunView, build_view
from evalkit.verdicts import TrialRecord, VerdictInputs

OUTCOMES = {  # scenario -> its trials' outcomes, listed in an order that is not the table's
    "all-good": ["pass", "pass"],
    "no-agent": ["error", "error"],
    "bad-judge": ["invalid", "invalid"],
    "wrong": ["fail", "fail"],
}


def _view() -> RunView:
    rows = [
        TrialRecord(
            suite="support",
            scenario_id=sid,
            tier="m",
            trial=i,
            outcome=o,
            invalid_reason=f"{sid} broke: 100% sure" if o in ("invalid", "error") else None,
        )
        for sid, outcomes in OUTCOMES.items()
        for i, o in enumerate(outcomes)
    ]
    return build_view(rows, [], VerdictInputs())


def _table(text: str) -> list[list[str]]:
    return [
        [c.strip() for c in row.split("|")[1:-1]] for row in text.splitlines() if re.match(r"^\| \S+ [A-Z]+ \|", row)
    ]


def test_rows_put_failures_first_and_say_why() -> None:
    rows = verdict_rows(_view())
    scenarios = [(r.verdict, r.name) for r in rows if not r.gate]
    assert scenarios == [("FAIL", "wrong"), ("INVALID", "bad-judge"), ("ERROR", "no-agent"), ("PASS", "all-good")]
    reasons = {r.name: r.reason for r in rows}
    assert reasons["wrong"].startswith("0/2 valid trials passed") and reasons["all-good"] == ""
    assert "bad-judge broke" in reasons["bad-judge"] and "no-agent broke" in reasons["no-agent"]
    gate = [r for r in rows if r.gate]
    assert gate and rows.index(gate[0]) == 0 and gate[0].verdict == "FAIL"  # the failing gate leads


def test_compact_summary_without_a_run_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the run directory cannot be read, the plugin's own summary carries the same table."""
    target = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    assert write_step_summary(_view()) == target
    table = _table(target.read_text(encoding="utf-8"))
    assert [r[0].split()[-1] for r in table] == ["FAIL", "FAIL", "INVALID", "ERROR", "PASS"]
    assert [r[1] for r in table] == ["**gate**", "`wrong`", "`bad-judge`", "`no-agent`", "`all-good`"]
    assert "100% sure" in table[2][-1] and table[-1][-1] == ""
