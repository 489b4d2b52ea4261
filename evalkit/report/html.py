"""`report.html`: one self-contained page per run (overview + drill-down)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.report.drilldown import TrialView, anchor_for, trial_view
from evalkit.report.gates import run_verdict
from evalkit.report.judge_noise import judge_noise
from evalkit.report.judge_trust import judge_trust
from evalkit.report.overview import CellStats, build_overview, group_cells
from evalkit.report.render import render_page
from evalkit.report.rundata import RunData, open_run
from evalkit.report.verdict_view import banner, gate_views
from evalkit.security import redact


@dataclass
class ScenarioGroup:
    suite: str
    scenario_id: str
    anchor: str
    views: list[TrialView]


def scenario_anchor(cell: CellStats | ScenarioGroup) -> str:
    return suite_scenario_anchor(cell.suite, cell.scenario_id)


def suite_scenario_anchor(suite: str, scenario_id: str) -> str:
    raw = f"s-{suite}-{scenario_id}"
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in raw)


def _groups(run: RunData) -> list[ScenarioGroup]:
    by_scenario: dict[tuple[str, str], list[TrialView]] = defaultdict(list)
    for t in sorted(run.trials, key=lambda t: (t.suite, t.scenario_id, t.tier, t.trial)):
        by_scenario[(t.suite, t.scenario_id)].append(trial_view(run, t))
    groups = [ScenarioGroup(suite=s, scenario_id=sid, anchor="", views=v) for (s, sid), v in by_scenario.items()]
    for g in groups:
        g.anchor = scenario_anchor(g)
    return groups


def report_context(run: RunData) -> dict[str, Any]:
    verdict = run_verdict(run)  # decided once; every outcome on the page comes from it
    overview = build_overview(run, verdict)
    cells = group_cells(run.trials)
    return {
        "banner": banner(verdict),
        "run_id": run.run_id,
        "status": str(run.manifest.get("status") or "unknown"),
        "manifest": run.manifest,
        "models": run.manifest.get("models") or {},
        "overview": overview,
        "gates": gate_views(verdict),
        "cost_label": run.cost_label,
        "tiers": run.tiers(),
        "all_tags": sorted({tag for t in run.trials for tag in t.tags}),
        "trials": run.trials,
        "cell_outcomes": [
            sorted({str(t.outcome) for t in cells[(c.suite, c.scenario_id, c.tier)]}) for c in overview.cells
        ],
        "scenario_groups": _groups(run),
        "scenario_anchor": scenario_anchor,
        "suite_scenario_anchor": suite_scenario_anchor,
        "anchor": anchor_for,
        "judge_trust": judge_trust(run),
        "judge_noise": judge_noise(run),
    }


def render_html_report(run: RunData | Path | str) -> str:
    """The HTML report of a run, as one self-contained string."""
    return render_page("report.html.j2", **report_context(open_run(run)))


def write_html_report(run: RunData | Path | str, out: Path | None = None) -> Path:
    """Write `report.html` into the run directory (or to `out`) and return its path."""
    data = open_run(run)
    target = out or data.path / "report.html"
    target.write_text(redact(render_html_report(data)), encoding="utf-8")
    return target
