"""CI integration: a Markdown summary for `$GITHUB_STEP_SUMMARY` (junit properties live on the items)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from evalkit.plugin.messages import interval_text, pct
from evalkit.plugin.summary import RunView
from evalkit.plugin.terminal import money
from evalkit.security import redact
from evalkit.verdicts import GateResult

STEP_SUMMARY = "GITHUB_STEP_SUMMARY"
ICONS = {"pass": "✅", "fail": "❌", "invalid": "⚠️", "error": "⛔", "inconclusive": "❔", "empty": "·"}
# The order rows are listed in: what fails the build first, what passed last.
RANK = {"fail": 0, "invalid": 1, "error": 2, "inconclusive": 3, "empty": 4, "skipped": 5, "pass": 6}


@dataclass(frozen=True)
class Row:
    """One line of the step summary's verdict table: a scenario under one tier, or a suite gate."""

    outcome: str  # pass | fail | invalid | error | inconclusive | empty | skipped
    name: str  # the scenario id, or **gate**
    suite: str
    tier: str
    pass_rate: str
    reason: str
    gate: bool = False

    @property
    def verdict(self) -> str:
        return self.outcome.upper()

    @property
    def icon(self) -> str:
        return ICONS.get(self.outcome, "")


def verdict_rows(view: RunView) -> list[Row]:
    """Gates and scenarios, failures first (FAIL, INVALID, ERROR, ..., PASS), gates before scenarios of the same verdict."""
    from evalkit.report.verdict_view import why  # the report's one-line reason, so both say the same

    ran = None if view.gate_items is None else set(view.gate_items)
    gates = [_gate_row(g) for g in view.gates if ran is None or (g.suite, g.tier) in ran]
    scenarios = [Row(v.outcome, v.scenario_id, v.suite, v.tier, pct(v.pass_rate), why(v)) for v in view.scenarios]
    return sorted(gates + scenarios, key=lambda r: (RANK.get(r.outcome, 4), not r.gate))


def _gate_row(g: GateResult) -> Row:
    outcome = "fail" if g.failed else g.outcome  # an inconclusive gate under `inconclusive: fail` fails the build
    reason = "; ".join(f"{c.name}: {c.decision}: {c.detail}" for c in g.checks if c.decision != "pass")
    return Row(outcome, "**gate**", g.suite, g.tier, "", reason, gate=True)


def _render(name: str, view: RunView) -> str:
    env = SandboxedEnvironment(
        loader=PackageLoader("evalkit", "templates"),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    from evalkit.report.render import md  # the report's escaping: transcript text stays inert Markdown

    env.filters["md"] = md
    return env.get_template(name).render(
        view=view, icons=ICONS, pct=pct, interval=interval_text, money=money, rows=verdict_rows(view)
    )


def markdown_summary(view: RunView) -> str:
    """The plugin's compact summary (verdict line, scenario table, gates), from the rows it holds."""
    return _render("plugin/step_summary.md.j2", view)


def verdict_header(view: RunView) -> str:
    """The run's verdict line and its setup errors, above the report's summary."""
    return _render("plugin/step_verdict.md.j2", view)


def verdict_table(view: RunView) -> str:
    """Every gate and scenario with its verdict and reason, failures first: what a CI reader looks for."""
    return _render("plugin/step_rows.md.j2", view)


def write_step_summary(view: RunView) -> Path | None:
    """Append the run's Markdown summary to `$GITHUB_STEP_SUMMARY` when CI provides it.

    The run's verdict line (and setup errors, listed apart from invalid trials) first, then every
    gate and scenario with its verdict and reason, failures first, then the report's summary
    (`evalkit.report`, the same tables as `summary.md`) when the run directory can be read, else the
    plugin's compact one from the rows it holds.
    """
    target = os.environ.get(STEP_SUMMARY)
    if not target or not view.scenarios:
        return None
    text = None
    if view.run_dir is not None:
        try:
            from evalkit.report import render_markdown_summary

            text = render_markdown_summary(view.run_dir)
        except Exception:  # noqa: BLE001 - the compact summary below still tells CI what happened
            text = None
    path = Path(target)
    with path.open("a", encoding="utf-8") as fh:
        head = verdict_header(view) + "\n" + verdict_table(view) + "\n"
        fh.write(redact((head + text) if text else markdown_summary(view)) + "\n")
    return path


def record_gates(view: RunView) -> None:
    """Hand the decided gates to the run engine for run.json, so the report shows the very decisions pytest made."""
    if view.run_dir is None or not view.gates:
        return
    from evalkit.run.manifest import record_gates as store

    store(
        view.run_dir,
        [
            {"suite": g.suite, "tier": g.tier, "name": c.name, "decision": c.decision, "detail": c.detail}
            for g in view.gates
            for c in g.checks
        ],
    )
