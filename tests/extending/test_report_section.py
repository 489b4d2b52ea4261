"""docs/extending.md's report section example, rendered through the report's own jinja2 environment."""

from __future__ import annotations

import sys
from pathlib import Path

from evalkit.report.render import environment
from evalkit.report.rundata import RunData
from evalkit.verdicts.rows import TrialRecord

sys.path.insert(0, str(Path(__file__).parent / "report_section"))

from slowest_trials import MACRO, slowest_trials


def _run() -> RunData:
    rows = [("refund", 0, 2.5), ("refund", 1, 9.4), ("<script>alert(1)</script>", 0, 4.0), ("cancel", 0, None)]
    trials = [
        TrialRecord(scenario_id=s, trial=n, outcome="pass", latency_s=lat, tier="openai:gpt-4.1") for s, n, lat in rows
    ]
    return RunData(path=Path("reports/run"), manifest={"run_id": "run"}, trials=trials, results=[])


def test_the_view_function_orders_the_slowest_sessions_and_skips_untimed_ones() -> None:
    rows = slowest_trials(_run(), n=2)
    assert [(r.scenario_id, r.trial, r.latency_s) for r in rows] == [
        ("refund", 1, 9.4),
        ("<script>alert(1)</script>", 0, 4.0),
    ]
    assert slowest_trials(RunData(path=Path("r"), manifest={}, trials=[], results=[])) == []


def test_the_macro_renders_escaped_in_the_report_environment() -> None:
    page = environment().from_string(MACRO + "{{ slowest_section(rows) }}").render(rows=slowest_trials(_run()))
    cells = [line for line in page.splitlines() if line.startswith("<tr><td>")]
    assert cells[0] == ('<tr><td>refund</td><td>openai:gpt-4.1</td><td class="n">1</td><td class="n">9.4</td></tr>')
    assert len(cells) == 3 and "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
