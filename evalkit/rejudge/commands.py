"""`evalkit rejudge RUN_DIR --rubric id@version [--judge MODEL]`: thin click wrapper over `rejudge_run`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from evalkit.rejudge.config import RejudgeConfig, RejudgeError

ENV_LIVE = "EVALKIT_LIVE"


@click.command("rejudge")
@click.argument("run_dir", default="latest")
@click.option(
    "--rubric",
    "rubrics",
    multiple=True,
    metavar="ID@VERSION",
    help="Judge with this rubric version instead of the run's version of the same id (repeatable).",
)
@click.option("--judge", "judge_model", default=None, metavar="MODEL", help="Judge with this model (provider:model).")
@click.option("--offline", is_flag=True, help="Serve the judge from the suites' offline rules on 127.0.0.1.")
@click.option("--live", is_flag=True, help="Allow paid judge calls (also EVALKIT_LIVE=1).")
@click.option("--resume", default=None, metavar="NEW_RUN_DIR", help="Finish an interrupted re-judge.")
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the new run directory goes (default: beside RUN_DIR).",
)
@click.option(
    "--max-cost", type=click.FloatRange(min=0, min_open=True), default=None, help="Stop at this judge spend (USD)."
)
@click.option("--no-cache", is_flag=True, help="Ask the judge again instead of reusing cached answers.")
def rejudge(
    run_dir: str,
    rubrics: tuple[str, ...],
    judge_model: str | None,
    offline: bool,
    live: bool,
    resume: str | None,
    report_dir: Path | None,
    max_cost: float | None,
    no_cache: bool,
) -> None:
    """Judge RUN_DIR's stored transcripts again under another rubric version or judge, into a new run.

    No agent or simulator is called. Then `evalkit compare RUN_DIR NEW_RUN_DIR` shows which verdicts change.
    """
    from evalkit.rejudge.run import rejudge_run
    from evalkit.run.run_dir import resolve_run_dir

    if not rubrics and not judge_model:
        raise click.UsageError("nothing to change: give --rubric ID@VERSION and/or --judge MODEL")
    live = live or os.environ.get(ENV_LIVE, "").strip().lower() in ("1", "true", "yes", "on")
    try:
        source = resolve_run_dir(run_dir)
        summary = rejudge_run(
            RejudgeConfig(
                run_dir=source,
                rubrics=list(rubrics),
                judge_model=judge_model,
                report_dir=report_dir,
                resume=resume,
                offline=offline,
                live=live,
                cache=not no_cache,
                max_cost_usd=max_cost,
            )
        )
    except (RejudgeError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from None
    except Exception as err:  # a refused resume and the like: one line, never a traceback
        from evalkit.run import ResumeError

        if isinstance(err, ResumeError):
            raise click.ClickException(str(err)) from None
        raise
    _after(summary.run_dir, source)
    click.echo(
        f"rejudged {source.name} -> {summary.run_dir} ({summary.status}: {summary.decided}/{summary.planned} "
        f"trials decided)\ncompare: evalkit compare {source} {summary.run_dir}"
    )


def _after(run_dir: Path, source: Path) -> None:
    """The new run's report and history row, as `evalkit run` leaves them; a failure of either is one line."""
    from evalkit.history.record import record_run
    from evalkit.history.target import HistoryConfigError, project_history_url
    from evalkit.plugin.reports import write_reports
    from evalkit.spec import find_project_root

    report, error = write_reports(run_dir)
    click.echo(f"report: {report}" if report else f"evalkit: report not written: {error}", err=report is None)
    root = find_project_root(Path.cwd())
    try:
        url = project_history_url(root)
    except HistoryConfigError as err:
        click.echo(f"evalkit: history not recorded: {err}", err=True)
        return
    warning = record_run(url, run_dir, project_root=root) if url else None
    if warning:
        click.echo(warning, err=True)


commands = [rejudge]
