"""CI integration: a Markdown summary for `$GITHUB_STEP_SUMMARY` (junit properties live on the items)."""

from __future__ import annotations

import os
from pathlib import Path

from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from evalkit.plugin.messages import interval_text, pct
from evalkit.plugin.summary import RunView
from evalkit.plugin.terminal import money

STEP_SUMMARY = "GITHUB_STEP_SUMMARY"
ICONS = {"pass": "✅", "fail": "❌", "invalid": "⚠️", "empty": "·"}


def markdown_summary(view: RunView) -> str:
    env = SandboxedEnvironment(loader=PackageLoader("evalkit", "templates"), undefined=StrictUndefined,
                               trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    template = env.get_template("plugin/step_summary.md.j2")
    return template.render(view=view, icons=ICONS, pct=pct, interval=interval_text, money=money)


def write_step_summary(view: RunView) -> Path | None:
    """Append the run's Markdown summary to `$GITHUB_STEP_SUMMARY` when CI provides it.

    The report's summary (`evalkit.report`, the same tables as `summary.md`) when the run
    directory can be read, else the plugin's compact one from the rows it holds.
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
        fh.write((text or markdown_summary(view)) + "\n")
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
