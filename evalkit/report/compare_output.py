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
from evalkit.security import RedactingStream

COLUMNS = [
    "a",
    "b",
    "scenario",
    "n_a",
    "n_b",
    "pass_rate_a",
    "pass_rate_b",
    "pass_diff",
    "pass_diff_low",
    "pass_diff_high",
    "pass_diff_method",
    "mcnemar_p",
    "scenario_test_p",
    "scenario_test_method",
    "scenario_test_n",
    "verdict_a",
    "verdict_b",
    "k",
    "pass_at_k_a",
    "pass_at_k_b",
    "pass_hat_k_a",
    "pass_hat_k_b",
    "score_a",
    "score_b",
    "score_diff",
    "score_diff_low",
    "score_diff_high",
    "score_note",
    "wins",
    "ties",
    "losses",
    "flipped",
    "agent_cost_per_session_a",
    "agent_cost_per_session_b",
    "cost_per_pass_a",
    "cost_per_pass_b",
    "agent_tokens_per_session_a",
    "agent_tokens_per_session_b",
    "latency_a",
    "latency_b",
    "candidate",
    "verdict",
    "ni_low",
    "ni_high",
    "ni_method",
]


def card_row(a: str, b: str, candidate: str, card: Scorecard) -> dict[str, Any]:
    return {
        "a": a,
        "b": b,
        "scenario": card.scenario,
        "n_a": card.a.counts.n,
        "n_b": card.b.counts.n,
        "pass_rate_a": card.a.pass_rate,
        "pass_rate_b": card.b.pass_rate,
        "pass_diff": card.pass_ci.mean_diff,
        "pass_diff_low": card.pass_ci.low,
        "pass_diff_high": card.pass_ci.high,
        "pass_diff_method": card.pass_ci.method,
        "mcnemar_p": card.mcnemar.p_value,  # trial-level: ignores clustering by scenario
        "scenario_test_p": card.scenario_test.p_value if card.scenario_test else None,
        "scenario_test_method": card.scenario_test.method if card.scenario_test else "",
        "scenario_test_n": card.scenario_test.n_scenarios if card.scenario_test else None,
        "verdict_a": card.verdict_a or "",
        "verdict_b": card.verdict_b or "",
        "k": card.a.pass_k.k if card.a.pass_k else None,
        "pass_at_k_a": card.a.pass_k.pass_at_k if card.a.pass_k else None,
        "pass_at_k_b": card.b.pass_k.pass_at_k if card.b.pass_k else None,
        "pass_hat_k_a": card.a.pass_k.pass_hat_k if card.a.pass_k else None,
        "pass_hat_k_b": card.b.pass_k.pass_hat_k if card.b.pass_k else None,
        "score_a": card.a.mean_score,
        "score_b": card.b.mean_score,
        "score_diff": card.score_diff.mean_diff,
        "score_diff_low": card.score_diff.low,
        "score_diff_high": card.score_diff.high,
        "score_note": card.score_note or "",
        "wins": card.wins,
        "ties": card.ties,
        "losses": card.losses,
        "flipped": card.flipped or "",
        "agent_cost_per_session_a": card.a.agent_cost_per_session,
        "agent_cost_per_session_b": card.b.agent_cost_per_session,
        "cost_per_pass_a": card.a.cost_per_pass,
        "cost_per_pass_b": card.b.cost_per_pass,
        "agent_tokens_per_session_a": card.a.agent_tokens_per_session,
        "agent_tokens_per_session_b": card.b.agent_tokens_per_session,
        "latency_a": card.a.latency_per_session,
        "latency_b": card.b.latency_per_session,
        "candidate": candidate,
        "verdict": card.verdict,
        "ni_low": card.ni_diff.low,
        "ni_high": card.ni_diff.high,
        "ni_method": card.ni_diff.method,
    }


def score_text(card: Scorecard) -> str:
    """Δ score with its interval, or with why there is none worth showing."""
    d = card.score_diff
    if card.score_note:
        return f"{signed(d.mean_diff)} ({card.score_note})"
    return f"{signed(d.mean_diff)} [{signed(d.low)},{signed(d.high)}]"


def scenario_test_text(card: Scorecard) -> str:
    """The scenario-level p-value, or why a one-scenario row has none."""
    return card.scenario_test.text if card.scenario_test else "– (one scenario)"


def pass_k_text(card: Scorecard) -> str:
    """`pass@k / pass^k` of a then b, e.g. `90% / 60% → 80% / 40%`."""
    if not (card.a.pass_k and card.b.pass_k):
        return "–"
    return f"{card.a.pass_k.values_text} → {card.b.pass_k.values_text}"


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
    return (
        render_text("compare.md.j2", comp=comp, scenario_test_text=scenario_test_text, pass_k_text=pass_k_text).strip()
        + "\n"
    )


def chart_for(comp: Comparison) -> Any:
    metric = comp.config.metric
    sides = [comp.pairs[0].overall.a] + [p.overall.b for p in comp.pairs] if comp.pairs else []
    return scatter(
        [(s.label, s.agent_cost_per_session, s.pass_rate if metric == "pass_rate" else s.mean_score) for s in sides]
    )


def to_html(comp: Comparison) -> str:
    return render_page(
        "compare.html.j2",
        comp=comp,
        chart=chart_for(comp),
        scenario_test_text=scenario_test_text,
        pass_k_text=pass_k_text,
    )


def print_table(comp: Comparison, console: Console | None = None) -> None:
    """The comparison as rich tables, one per pair, plus warnings and the routing hint."""
    console = console or Console(
        file=RedactingStream(sys.stdout),  # type: ignore[arg-type]  # a duck-typed TextIO: write/flush, the rest delegated
        width=None if sys.stdout.isatty() else 150,
    )  # pipes and CI logs get wide rows
    for w in comp.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    for p in comp.pairs:
        table = Table(
            title=f"b = {p.b} vs a = {p.a} (differences b - a); non-inferiority of {p.candidate} "
            f"({p.candidate_by}) on {comp.config.metric}, margin {comp.config.margin}"
        )
        columns = [
            "scenario",
            "pass a → b",
            "Δ pass [CI]",
            "McNemar p, trials (ignores clustering)",
            "scenario-level p (sign-flip)",
        ]
        columns += [f"pass@{p.k} / pass^{p.k} a → b"] if p.k else []
        for col in [*columns, "Δ score [CI]", "W/T/L", "agent $/session a → b", "$/passing a → b", "verdict"]:
            table.add_column(col, overflow="fold", no_wrap=col == "verdict")
        for card in [*p.scenarios, p.overall]:
            table.add_row(
                card.scenario + (f" ({card.flipped})" if card.flipped else ""),
                f"{pct(card.a.pass_rate)}→{pct(card.b.pass_rate)}",
                f"{signed(card.pass_ci.mean_diff)} [{signed(card.pass_ci.low)},{signed(card.pass_ci.high)}]",
                num(card.mcnemar.p_value, 3),
                scenario_test_text(card),
                *([pass_k_text(card)] if p.k else []),
                score_text(card),
                f"{card.wins}/{card.ties}/{card.losses}",
                f"{usd(card.a.agent_cost_per_session)}→{usd(card.b.agent_cost_per_session)}",
                f"{per_pass(card.a)}→{per_pass(card.b)}",
                card.verdict,
            )
        console.print(table)
        console.print(
            "McNemar pools paired trials as if independent (ignores clustering by scenario); the "
            "scenario-level p is a sign-flip test over per-scenario pass-rate differences.",
            highlight=False,
        )
        if p.pairwise:
            console.print(f"pairwise: {p.pairwise.text}", highlight=False)
        console.print(f"routing: {p.routing.text}", highlight=False)
