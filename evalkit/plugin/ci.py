"""CI integration: a Markdown summary for `$GITHUB_STEP_SUMMARY` (junit properties live on the items)."""

from __future__ import annotations

import os
from pathlib import Path

from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from evalkit.plugin.messages import interval_text, pct
from evalkit.plugin.summary import RunView
from evalkit.plugin.terminal import money
from evalkit.security import redact

STEP_SUMMARY = "GITHUB_STEP_SUMMARY"
ICONS = {"pass": "✅", "fail": "❌", "invalid": "⚠️", "error": "⛔", "inconclusive": "❔", "empty": "·"}


def _render(name: str, view: RunView) -> str:
    env = SandboxedEnvironment(loader=PackageLoader("evalkit", "templates"), undefined=StrictUndefined,
                               trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    from evalkit.report.render import md  # the report's escaping: transcript text stays inert Markdown

    env.filters["md"] = md
    return env.get_template(name).render(view=view, icons=ICONS, pct=pct, interval=interval_text, money=money)


def markdown_summary(view: RunView) -> str:
    """The plugin's compact summary (verdict line, scenario table, gates), from the rows it holds."""
    return _render("plugin/step_summary.md.j2", view)


def verdict_header(view: RunView) -> str:
    """The run's verdict line and its setup errors, above the report's summary."""
    return _render("plugin/step_verdict.md.j2", view)


def write_step_summary(view: RunView) -> Path | None:
    """Append the run's Markdown summary to `$GITHUB_STEP_SUMMARY` when CI provides it.

    The run's verdict line (and setup errors, listed apart from invalid trials) first, then the
    report's summary (`evalkit.report`, the same tables as `summary.md`) when the run directory can
    be read, else the plugin's compact one from the rows it holds.
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
        fh.write(redact((verdict_header(view) + "\n" + text) if text else markdown_summary(view)) + "\n")
    return path


def record_gates(view: RunView) -> None:
    """Hand the decided gates to the run engine for run.json, so the report shows the very decisions pytest made."""
    if view.run_dir is None or not view.gates:
        return
    from evalkit.run.manifest import record_gates as store

    store(view.run_dir, [
        {"suite": g.suite, "tier": g.tier, "name": c.name, "decision": c.decision, "detail": c.detail}
        for g in view.gates
        for c in g.checks
    ])
