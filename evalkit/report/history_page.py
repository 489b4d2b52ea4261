"""`evalkit history report -o history.html`: one self-contained page over the run history.

Trend lines per suite and tier (pass rate with its interval band, mean score),
a heatmap of scenario x run outcomes, the flaky and drifting scenarios, cost
over time, and a link to each run's report.html. Inline SVG and CSS only: no
script at all (the CSP says script-src 'none'), no external asset, no request.

Rendered with report.html's jinja2 environment (sandboxed, autoescaping,
StrictUndefined, the same filters), overlaid with a loader that finds
templates/history first, so every scenario name on the page is escaped as on
a run's own page. It lives in report/ (which may read history), not in
history/, so the history package never reaches up for that environment; the
`evalkit history report` command is registered here and named by string in
evalkit/history/commands.py's SUBCOMMANDS.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import click
from jinja2 import ChoiceLoader, PackageLoader
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field

from evalkit.history.analysis_commands import filter_options, frames_of
from evalkit.history.drift import DriftConfig, drift
from evalkit.history.flaky import FlakyConfig, flaky
from evalkit.report.history_model import Axis, cost_bars, heatmap, run_ticks, run_views, trend_series, y_of
from evalkit.report.render import environment as report_environment

CSP = (
    "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


class HistoryPageConfig(BaseModel):
    """What the page covers (the frames are already limited to the newest runs) and its drift window."""

    model_config = ConfigDict(frozen=True)

    window: int = Field(5, ge=1, le=100)
    alpha: float = Field(0.05, gt=0.0, lt=1.0)
    flaky_runs: int = Field(10, ge=1)
    branch: str | None = None
    suite: str | None = None
    tier: str | None = None


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    """report.html's environment, finding templates/history/ before templates/report/."""
    base = report_environment()
    assert base.loader is not None
    env = base.overlay(loader=ChoiceLoader([PackageLoader("evalkit", "templates/history"), base.loader]))
    assert isinstance(env, SandboxedEnvironment)
    return env


def _style() -> Markup:
    env = environment()
    assert env.loader is not None
    return Markup(env.loader.get_source(env, "style.css")[0] + env.loader.get_source(env, "history.css")[0])


def page_context(frames: Any, page_dir: Path, config: HistoryPageConfig) -> dict[str, Any]:
    runs = run_views(frames, page_dir)
    empty = not len(frames.trials)
    filters = {k: v for k, v in (("branch", config.branch), ("suite", config.suite), ("tier", config.tier)) if v}
    bars, top_cost = cost_bars(runs)
    return {
        "csp": CSP,
        "style": _style(),
        "runs": runs,
        "filters": filters,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "axis": Axis(ticks=[(y_of(v), f"{v:.0%}") for v in (0.0, 0.5, 1.0)], run_ticks=run_ticks(len(runs))),
        "series": [] if empty else trend_series(frames, runs),
        "heat_rows": [] if empty else heatmap(frames, runs),
        "flaky_rows": [] if empty else flaky(frames, FlakyConfig(runs=config.flaky_runs)),
        "drift": drift(frames, DriftConfig(window=config.window, alpha=config.alpha)),
        "cost_bars": bars,
        "top_cost": top_cost,
        "unknown_cost": sum(b.unknown for b in bars),
    }


def render_history_page(frames: Any, page_dir: Path, config: HistoryPageConfig = HistoryPageConfig()) -> str:
    """The page as one string; links to run reports are relative to ``page_dir``."""
    return environment().get_template("history.html.j2").render(**page_context(frames, page_dir, config))


def write_history_page(frames: Any, out: Path, config: HistoryPageConfig = HistoryPageConfig()) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_history_page(frames, out.parent, config), encoding="utf-8")
    return out


@click.command("report")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("history.html"),
    show_default=True,
    help="Where to write the page.",
)
@filter_options
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="The newest N runs.")
@click.option(
    "--window", type=click.IntRange(min=1, max=100), default=5, show_default=True, help="Drift window (runs per side)."
)
@click.pass_context
def history_report_command(
    ctx: click.Context, output: Path, branch: str | None, suite: str | None, tier: str | None, limit: int, window: int
) -> None:
    """Write a self-contained history page: trends per suite and tier, outcome heatmap, flaky, drift, cost."""
    frames = frames_of(ctx, branch=branch, suite=suite, tier=tier, limit_runs=limit)
    path = write_history_page(frames, output, HistoryPageConfig(window=window, branch=branch, suite=suite, tier=tier))
    click.echo(f"wrote {path}")
