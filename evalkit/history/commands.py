"""`evalkit history ...`: import run directories, list runs, and the analyses built on the history frames.

Subcommands load lazily from `SUBCOMMANDS` (name -> "module:attr", short help): an analysis module
(trend, flaky, drift, report) adds its line here and reads the database through `history_url(ctx)`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import click

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "import": (
        "evalkit.history.commands:import_command",
        "Record run directories (or reports directories of them) into the history database.",
    ),
    "runs": (
        "evalkit.history.commands:runs_command",
        "List recorded runs, newest first: verdict, pass rate with its 95% interval, cost.",
    ),
    "trend": (
        "evalkit.history.analysis_commands:trend_command",
        "Pass rate and mean score of TARGET (a suite, a scenario, or SUITE/SCENARIO) per run, with 95% intervals.",
    ),
    "flaky": (
        "evalkit.history.analysis_commands:flaky_command",
        "Scenarios whose valid trials disagree most often within recent runs (mean pairwise disagreement).",
    ),
    "drift": (
        "evalkit.history.analysis_commands:drift_command",
        "Scenarios whose pass rate in the last window of runs is significantly below the window before; exit 1 if any.",
    ),
    "report": (
        "evalkit.report.history_page:history_report_command",
        "Write a self-contained history page: trends per suite and tier, outcome heatmap, flaky, drift, cost.",
    ),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(SUBCOMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in SUBCOMMANDS:
            module, attr = SUBCOMMANDS[cmd_name][0].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (n, SUBCOMMANDS[n][1] if n in SUBCOMMANDS else self.commands[n].get_short_help_str())
            for n in self.list_commands(ctx)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group("history", cls=_LazyGroup)
@click.option(
    "--url",
    default=None,
    metavar="URL",
    help="History database (default: EVALKIT_HISTORY_URL, else [tool.evalkit] history, else "
    "reports/history.db of the project).",
)
@click.pass_context
def history(ctx: click.Context, url: str | None) -> None:
    """Run history: record runs into a database, list them, and follow scenarios across runs."""
    ctx.obj = {"url": url}


def history_url(ctx: click.Context) -> str:
    """The database the command works on; a bad setting or history = false is a one-line usage error."""
    from evalkit.history.engine import HistoryError, parse_url
    from evalkit.history.target import HistoryConfigError, project_history_url
    from evalkit.spec.project import find_project_root

    given = (ctx.obj or {}).get("url") if isinstance(ctx.obj, dict) else None
    try:
        if given:
            try:
                parse_url(given)
            except HistoryError as err:
                raise HistoryConfigError(f"--url: {err}") from None
            return given
        url = project_history_url(find_project_root())
    except (HistoryConfigError, HistoryError) as err:
        raise click.UsageError(str(err)) from None
    if url is None:
        raise click.UsageError(
            "history is off for this project ([tool.evalkit] history = false or "
            "EVALKIT_HISTORY_URL=false); pass --url to read a database anyway"
        )
    return url


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--branch", default=None, help="Branch to note for runs that did not record theirs.")
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[Path, ...], branch: str | None) -> None:
    """Record run directories (or reports directories of them) into the history database.

    Idempotent: a run already recorded is replaced by what its directory holds now. Entries that are
    not run directories (history.db, the `latest` link) are skipped.
    """
    from evalkit.history.capture import RunPlace
    from evalkit.history.record import failure_line, record_dir

    url = history_url(ctx)
    runs, skipped = run_directories(paths)
    failed = 0
    for run_dir in runs:
        try:
            done = record_dir(url, run_dir, place=RunPlace(branch=branch))
        except Exception as err:  # noqa: BLE001 - one bad directory must not stop the backfill
            failed += 1
            click.echo(failure_line(url, err).replace("history not recorded", f"{run_dir}: not imported"), err=True)
            continue
        click.echo(f"imported {done.run_id} ({done.status}, {done.sessions} trials, verdict {done.verdict or '-'})")
    _say_totals(len(runs) - failed, failed, skipped, url)
    if failed or not runs:
        ctx.exit(1)


def _say_totals(imported: int, failed: int, skipped: int, url: str) -> None:
    from evalkit.history.engine import shown

    extra = "".join(
        [f", {failed} failed" if failed else "", f", {skipped} skipped (not run directories)" if skipped else ""]
    )
    click.echo(f"history: {imported} run(s) recorded in {shown(url)}{extra}")


def run_directories(paths: tuple[Path, ...]) -> tuple[list[Path], int]:
    """Run directories named or found one level below (a reports directory), each once, by name (run ids
    start with their UTC start time, so oldest first); and how many named entries were neither."""
    found: dict[Path, None] = {}
    skipped = 0
    for path in paths:
        if (path / "run.json").is_file():
            found[path.resolve()] = None
        elif path.is_dir() and not path.is_symlink():
            below = sorted(p for p in path.iterdir() if not p.is_symlink() and (p / "run.json").is_file())
            found.update((p.resolve(), None) for p in below)
            skipped += not below
        else:
            skipped += 1
    return sorted(found, key=lambda p: p.name), skipped


@click.command("runs")
@click.option("--suite", default=None, help="Only runs of this suite (pass rate over its trials only).")
@click.option("--branch", default=None, help="Only runs recorded on this branch.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many runs.")
@click.pass_context
def runs_command(ctx: click.Context, suite: str | None, branch: str | None, limit: int) -> None:
    """List recorded runs, newest first: verdict, pass rate with its 95% interval, cost."""
    from evalkit.history.listing import format_line, read_lines

    lines = _read(ctx, lambda url: read_lines(url, suite=suite, branch=branch, limit=limit))
    if not lines:
        click.echo("no runs recorded" + (" matching the filters" if suite or branch else ""))
        return
    for line in lines:
        click.echo(format_line(line))


def _read(ctx: click.Context, read: Any) -> Any:
    from evalkit.history.engine import HistoryError
    from evalkit.history.record import failure_line

    url = history_url(ctx)
    try:
        return read(url)
    except HistoryError as err:
        raise click.ClickException(str(err)) from None
    except Exception as err:  # noqa: BLE001 - a driver error is one line, password hidden
        raise click.ClickException(
            failure_line(url, err).replace("history not recorded", "cannot read history")
        ) from None


commands = [history]
