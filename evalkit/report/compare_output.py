"""A comparison as rows, JSON, CSV, Markdown, an HTML page or a terminal table."""

from __future__ import annotations

import csv
import io
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from evalkit.report.chart import scatter
from evalkit.report.compare import Comparison, Scorecard
from evalkit.report.render import num, pct, per_pass, render_page, render_text, signed, usd

COLUMNS = [
    "a", "b", "scenario", "n_a", "n_b", "pass_rate_a", "pass_rate_b", "pass_diff", "pass_diff_low", "pass_diff_high",
    "pass_diff_method", "mcnemar_p", "score_a", "score_b", "score_diff", "score_diff_low", "score_diff_high", "score_note", "wins", "ties", "losses",
    "flipped", "agent_cost_per_session_a", "agent_cost_per_session_b", "cost_per_pass_a", "cost_per_pass_b",
    "agent_tokens_per_session_a", "agent_tokens_per_session_b", "latency_a", "latency_b", "candidate", "verdict",
    "ni_low", "ni_high", "ni_method",
]


def card_row(a: str, b: str, candidate: str, card: Scorecard) -> dict[str, Any]:
    return {
        "a": a, "b": b, "scenario": card.scenario, "n_a": card.a.counts.n, "n_b": card.b.counts.n,
        "pass_rate_a": card.a.pass_rate, "pass_rate_b": card.b.pass_rate, "pass_diff": card.pass_ci.mean_diff,
        "pass_diff_low": card.pass_ci.low, "pass_diff_high": card.pass_ci.high, "pass_diff_method": card.pass_ci.method,
        "mcnemar_p": card.mcnemar.p_value,
        "score_a": card.a.mean_score, "score_b": card.b.mean_score, "score_diff": card.score_diff.mean_diff,
        "score_diff_low": card.score_diff.low, "score_diff_high": card.score_diff.high,
        "score_note": card.score_note or "",
        "wins": card.wins, "ties": card.ties, "losses": card.losses, "flipped": card.flipped or "",
        "agent_cost_per_session_a": card.a.agent_cost_per_session, "agent_cost_per_session_b": card.b.agent_cost_per_session,
        "cost_per_pass_a": card.a.cost_per_pass, "cost_per_pass_b": card.b.cost_per_pass,
        "agent_tokens_per_session_a": card.a.agent_tokens_per_session,
        "agent_tokens_per_session_b": card.b.agent_tokens_per_session,
        "latency_a": card.a.latency_per_session, "latency_b": card.b.latency_per_session,
        "candidate": candidate, "verdict": card.verdict,
        "ni_low": card.ni_diff.low, "ni_high": card.ni_diff.high, "ni_method": card.ni_diff.method,
    }


def score_text(card: Scorecard) -> str:
    """Δ score with its interval, or with why there is none worth showing."""
    d = card.score_diff
    if card.score_note:
        return f"{signed(d.mean_diff)} ({card.score_note})"
    return f"{signed(d.mean_diff)} [{signed(d.low)},{signed(d.high)}]"


def comparison_rows(comp: Comparison) -> list[dict[str, Any]]:
    """One row per pair and scenario, then the pair's overall row."""
    rows = []
    for p in comp.pairs:
        rows += [card_row(p.a, p.b, p.candidate, c) for c in p.scenarios]
        rows.append(card_row(p.a, p.b, p.candidate, p.overall))
    return rows


def to_json(comp: Comparison) -> str:
    return comp.model_dump_json(indent=2)


def to_csv(comp: Comparison) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(comparison_rows(comp))
    return buf.getvalue()


def to_markdown(comp: Comparison) -> str:
    return render_text("compare.md.j2", comp=comp).strip() + "\n"


def chart_for(comp: Comparison) -> Any:
    metric = comp.config.metric
    sides = [comp.pairs[0].overall.a] + [p.overall.b for p in comp.pairs] if comp.pairs else []
    return scatter([(s.label, s.agent_cost_per_session, s.pass_rate if metric == "pass_rate" else s.mean_score)
                    for s in sides])


def to_html(comp: Comparison) -> str:
    return render_page("compare.html.j2", comp=comp, chart=chart_for(comp))


def print_table(comp: Comparison, console: Console | None = None) -> None:
    """The comparison as rich tables, one per pair, plus warnings and the routing hint."""
    console = console or Console(width=None if sys.stdout.isatty() else 150)  # pipes and CI logs get wide rows
    for w in comp.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    for p in comp.pairs:
        table = Table(title=f"b = {p.b} vs a = {p.a} (differences b - a); non-inferiority of {p.candidate} "
                            f"({p.candidate_by}) on {comp.config.metric}, margin {comp.config.margin}")
        for col in ("scenario", "pass a → b", "Δ pass [CI]", "McNemar p", "Δ score [CI]", "W/T/L",
                    "agent $/session a → b", "$/passing a → b", "verdict"):
            table.add_column(col, overflow="fold", no_wrap=col == "verdict")
        for card in p.scenarios + [p.overall]:
            table.add_row(
                card.scenario + (f" ({card.flipped})" if card.flipped else ""),
                f"{pct(card.a.pass_rate)}→{pct(card.b.pass_rate)}",
                f"{signed(card.pass_ci.mean_diff)} [{signed(card.pass_ci.low)},{signed(card.pass_ci.high)}]",
                num(card.mcnemar.p_value, 3),
                score_text(card),
                f"{card.wins}/{card.ties}/{card.losses}",
                f"{usd(card.a.agent_cost_per_session)}→{usd(card.b.agent_cost_per_session)}",
                f"{per_pass(card.a)}→{per_pass(card.b)}",
                card.verdict,
            )
        console.print(table)
        if p.pairwise:
            console.print(f"pairwise: {p.pairwise.text}", highlight=False)
        console.print(f"routing: {p.routing.text}", highlight=False)
