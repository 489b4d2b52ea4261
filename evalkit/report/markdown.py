"""`summary.md`: the run in a few Markdown tables, for CI comments and step summaries."""

from __future__ import annotations

from pathlib import Path

from evalkit.llm.costs import sum_costs
from evalkit.report.gates import run_verdict
from evalkit.report.judge_noise import judge_noise
from evalkit.report.judge_trust import judge_trust
from evalkit.report.overview import RoleCost, build_overview
from evalkit.report.render import render_text
from evalkit.report.rundata import RunData, open_run
from evalkit.report.verdict_view import banner, gate_views
from evalkit.security import redact

ICONS = {"pass": "✅", "fail": "❌", "inconclusive": "⚠️", "skipped": "⏭️", "invalid": "⚠️", "error": "💥", "empty": "⏭️"}
MAX_DISAGREEMENTS = 10  # per rubric x judge in summary.md (a CI comment); report.html lists them all


def render_markdown_summary(run: RunData | Path | str) -> str:
    """Verdict banner, gates, per-tier and per-scenario tables and costs of a run, as GitHub-flavoured Markdown.

    Every verdict is `evalkit.verdicts.decide_run`'s, decided once here.
    """
    data = open_run(run)
    verdict = run_verdict(data)
    overview = build_overview(data, verdict)
    roles = [
        RoleCost(
            role=role,
            input_tokens=sum(r.input_tokens for r in rs),
            output_tokens=sum(r.output_tokens for r in rs),
            cost_usd=sum_costs(r.cost_usd for r in rs),
        )
        for role in ("agent", "simulator", "judge")
        for rs in [[r for t in overview.tiers for r in t.roles if r.role == role]]
    ]
    text = render_text(
        "summary.md.j2",
        run_id=data.run_id,
        status=str(data.manifest.get("status") or "unknown"),
        banner=banner(verdict),
        gates=gate_views(verdict),
        overview=overview,
        roles=roles,
        icons=ICONS,
        cost_label=data.cost_label,
        judge_trust=judge_trust(data),
        judge_noise=judge_noise(data),
        max_disagreements=MAX_DISAGREEMENTS,
    )
    return text.strip() + "\n"


def write_markdown_summary(run: RunData | Path | str, out: Path | None = None) -> Path:
    data = open_run(run)
    target = out or data.path / "summary.md"
    target.write_text(redact(render_markdown_summary(data)), encoding="utf-8")
    return target
