"""`evalkit runs list` and `evalkit runs prune`: what reports/ holds, and room made by deleting old runs.

Thin: `evalkit.run.inventory` reads the directories, `evalkit.run.prune` deletes, and each run's
verdict is decided by `evalkit.history.verdict` the way its report and history row decide it.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from evalkit.run.inventory import RunInfo, scan_runs
from evalkit.run.prune import PruneResult, PruneRule, parse_age, prune

REPORT_DIR = click.option(
    "--report-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports"),
    show_default=True,
    help="The directory the run directories are in.",
)


@click.group("runs")
def runs() -> None:
    """Run directories under reports/: list them newest first, or prune old ones."""


@runs.command("list")
@REPORT_DIR
@click.option("--json", "as_json", is_flag=True, help="One JSON array of runs instead of the table.")
def list_command(report_dir: Path, as_json: bool) -> None:
    """List every run (id, start, suites, tiers, status, verdict, cost, size), newest first; incomplete ones marked."""
    found = scan_runs(report_dir)
    for run in found:
        run.verdict = _verdict(run)
    if as_json:
        click.echo(json.dumps([r.to_json() for r in found], indent=2))
        return
    if not found:
        click.echo(f"no runs in {report_dir}")
        return
    click.echo(_table(found))
    incomplete = sum(1 for r in found if not r.complete)
    click.echo(
        f"\n{len(found)} run(s), {human_size(sum(r.size_bytes for r in found))} in {report_dir}"
        + (f"; {incomplete} not complete" if incomplete else "")
    )


@runs.command("prune")
@REPORT_DIR
@click.option("--keep", type=click.IntRange(min=0), default=None, help="Keep the N newest runs.")
@click.option(
    "--older-than",
    "older_than",
    default=None,
    metavar="AGE",
    help="Delete runs started more than AGE ago: 30d, 12h, 2w, 90m, 45s.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete nothing.")
def prune_command(report_dir: Path, keep: int | None, older_than: str | None, dry_run: bool) -> None:
    """Delete old runs (never the one reports/latest points at, nor one still being written)."""
    if keep is None and older_than is None:
        raise click.UsageError("say which runs to delete: --keep N, --older-than AGE, or both")
    try:
        age = parse_age(older_than) if older_than is not None else None
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--older-than") from None
    result = prune(report_dir, PruneRule(keep=keep, older_than=age, dry_run=dry_run))
    _say(result, dry_run)
    if result.failed:
        raise SystemExit(1)


def _say(result: PruneResult, dry_run: bool) -> None:
    verb = "would delete" if dry_run else "deleted"
    for run in result.deleted:
        click.echo(f"{verb} {run.run_id} ({_started(run)}, {human_size(run.size_bytes)}, {_status(run)})")
    for run, why in result.kept:
        click.echo(f"kept {run.run_id}: {why}")
    for run, why in result.failed:
        click.echo(f"evalkit: {run.path}: {why}", err=True)
    click.echo(
        f"{verb} {len(result.deleted)} run(s), {human_size(result.freed_bytes)}"
        + (f"; {len(result.kept)} kept" if result.kept else "")
    )


def _verdict(run: RunInfo) -> str | None:
    """Decided from the rows like the run's report (None while being written, or when unreadable)."""
    if run.writer is not None or run.status == "unreadable":
        return None
    from evalkit.history.verdict import decide_verdict
    from evalkit.run import LoadedRun

    try:
        return decide_verdict(LoadedRun(run.path))
    except (OSError, ValueError):
        return None


def _table(found: list[RunInfo]) -> str:
    head = ("run", "started (UTC)", "suite(s)", "tiers", "status", "verdict", "cost", "size", "")
    rows = [head] + [
        (
            r.run_id,
            _started(r),
            ",".join(r.suites) or "-",
            ",".join(r.tiers) or "-",
            _status(r),
            r.verdict or "-",
            _cost(r),
            human_size(r.size_bytes),
            _notes(r),
        )
        for r in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def _started(run: RunInfo) -> str:
    return run.started_at.strftime("%Y-%m-%d %H:%M") if run.started_at else "?"


def _status(run: RunInfo) -> str:
    return "being written" if run.writer is not None else run.status.replace("_", " ")


def _cost(run: RunInfo) -> str:
    text = (
        f"${run.cost_usd:.4f}"
        if run.cost_usd is not None
        else (f"${run.cost_known_usd:.4f}+?" if run.cost_known_usd else "?")
    )
    return text + (" est." if run.offline else "")


def _notes(run: RunInfo) -> str:
    notes = ["latest"] if run.latest else []
    if run.rejudged_from:
        notes.append(f"rejudge of {run.rejudged_from}")
    if run.resumed:
        notes.append(f"resumed x{run.resumed}")
    if not run.has_report:
        notes.append("no report")
    return "; ".join(notes)


def human_size(size: int) -> str:
    """1234567 -> '1.2 MB' (decimal units, as `du --si`)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


commands = [runs]
