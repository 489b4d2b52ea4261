"""`evalkit history trend | flaky | drift`: thin click commands over the pure analyses.

(`evalkit history report` lives with the page it writes, in evalkit/report/history_page.py.)

Each reads the frames of the database `history_url(ctx)` names (the group's
--url, EVALKIT_HISTORY_URL or [tool.evalkit] history), calls one function and
prints its lines. Errors are one line: click's usage error for a bad option,
`Error: ...` (exit 1) for a name the history does not hold or an unreadable database.
"""

from __future__ import annotations

from typing import Any

import click

from evalkit.history.commands import _read

_FILTERS = [
    click.option("--branch", default=None, help="Only runs recorded on this branch."),
    click.option("--suite", default=None, help="Only this suite's trials."),
    click.option("--tier", default=None, help="Only this tier (agent model)."),
]


def filter_options(command: Any) -> Any:
    for option in reversed(_FILTERS):
        command = option(command)
    return command


def frames_of(ctx: click.Context, **query: Any) -> Any:
    from evalkit.history.frames import load_frames

    return _read(ctx, lambda url: load_frames(url, **query))


def _no_such(err: Exception) -> click.ClickException:
    """A name the history does not hold: one line (`Error: ...`), exit 1, no usage block."""
    return click.ClickException(str(err))


@click.command("trend")
@click.argument("target")
@click.option("--tier", default=None, help="Only this tier (default: one series per tier).")
@click.option("--branch", default=None, help="Only runs recorded on this branch.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the newest N runs.")
@click.pass_context
def trend_command(ctx: click.Context, target: str, tier: str | None, branch: str | None, limit: int | None) -> None:
    """Pass rate and mean score of TARGET (a suite, a scenario, or SUITE/SCENARIO) per run, with 95% intervals."""
    from evalkit.history.run_cells import HistoryInputError
    from evalkit.history.trend import TrendConfig, trend, trend_lines

    frames = frames_of(ctx, branch=branch, limit_runs=limit)
    try:
        result = trend(frames, TrendConfig(target=target, tier=tier, branch=branch))
    except HistoryInputError as err:
        raise _no_such(err) from None
    for line in trend_lines(result):
        click.echo(line)


@click.command("flaky")
@filter_options
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Each scenario's most recent runs with two or more valid trials.",
)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many to list.")
@click.pass_context
def flaky_command(
    ctx: click.Context, branch: str | None, suite: str | None, tier: str | None, runs: int, limit: int
) -> None:
    """Scenarios whose valid trials disagree most often within recent runs (mean pairwise disagreement)."""
    from evalkit.history.flaky import FlakyConfig, flaky, flaky_line

    rows = flaky(
        frames_of(ctx, branch=branch, suite=suite, tier=tier),
        FlakyConfig(runs=runs, limit=limit, branch=branch, suite=suite, tier=tier),
    )
    if not rows:
        click.echo(f"no flaky scenario: valid trials agreed within each of the last {runs} runs")
    for row in rows:
        click.echo(flaky_line(row))


@click.command("drift")
@filter_options
@click.option(
    "--window",
    type=click.IntRange(min=1, max=100),
    default=5,
    show_default=True,
    help="Runs per window: the last N runs against the N before.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(min=0.0, max=1.0, min_open=True, max_open=True),
    default=0.05,
    show_default=True,
    help="Family-wise error rate over every scenario x tier tested (Holm).",
)
@click.option("--verbose", "-v", is_flag=True, help="Also list every tested scenario that did not drift.")
@click.pass_context
def drift_command(
    ctx: click.Context,
    branch: str | None,
    suite: str | None,
    tier: str | None,
    window: int,
    alpha: float,
    verbose: bool,
) -> None:
    """Scenarios whose pass rate in the last window of runs is significantly below the window before; exit 1 if any.

    One-sided Boschloo exact test on counts divided by the design effect of correlated trials within a run,
    Holm-corrected across scenarios x tiers (docs/history.md).
    """
    from evalkit.history.drift import DriftConfig, drift, drift_line

    config = DriftConfig(window=window, alpha=alpha, branch=branch, suite=suite, tier=tier)
    report = drift(frames_of(ctx, branch=branch, suite=suite, tier=tier), config)
    for row in report.drifting:
        click.echo(drift_line(row, config.confidence))
    if verbose:
        for row in report.rows:
            if not row.drifting:
                click.echo(f"ok    {row.label}: {row.before.rate:.0%} -> {row.after.rate:.0%}, p={row.p_value:.2g}")
    click.echo(
        f"drift: {len(report.drifting)} of {len(report.rows)} scenario x tier drifting "
        f"({report.method}, rho={report.rho:.2f}, Holm, family-wise alpha {alpha}); "
        f"{len(report.skipped)} with fewer than {2 * window} runs not tested",
        err=True,
    )
    if report.drifting:
        ctx.exit(1)
