"""`evalkit report` and `evalkit compare`: thin click wrappers over `evalkit.report`."""

from __future__ import annotations

from pathlib import Path

import click

from evalkit.report.compare import CompareConfig, Comparison, Metric, compare_runs
from evalkit.report.compare_output import print_table, to_csv, to_html, to_json, to_markdown
from evalkit.report.html import write_html_report
from evalkit.report.markdown import write_markdown_summary
from evalkit.report.rundata import ReportError, open_run
from evalkit.security import redact

FORMATS = {"md": to_markdown, "html": to_html, "csv": to_csv, "json": to_json}


@click.command("report")
@click.argument("run_dir", default="latest")
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="HTML file to write (default RUN_DIR/report.html)."
)
def report_command(run_dir: str, out: Path | None) -> None:
    """Write report.html and summary.md for RUN_DIR (a run directory, a reports directory, or `latest`)."""
    try:
        run = open_run(run_dir)
        html = write_html_report(run, out)
        md = write_markdown_summary(run, out.with_suffix(".md") if out else None)
    except ReportError as err:
        raise click.ClickException(str(err)) from None
    except OSError as err:
        raise click.ClickException(_unwritable(err)) from None
    click.echo(f"report: {html}\nsummary: {md}")
    for problem in getattr(run.source, "problems", []):  # rows that disagree with the run's event log
        click.echo(f"warning: {run.path}: {problem}; resume the run to repair it", err=True)


@click.command("compare")
@click.argument("runs", nargs=-1, required=True)
@click.option(
    "--margin",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Largest acceptable drop of the cheaper side for non-inferiority (0..1).",
)
@click.option(
    "--metric",
    type=click.Choice(["pass_rate", "score"]),
    default="pass_rate",
    show_default=True,
    help="What non-inferiority is tested on.",
)
@click.option(
    "--confidence", type=click.FloatRange(0.5, 1, min_open=True, max_open=True), default=0.95, show_default=True
)
@click.option("--allow-mismatch", is_flag=True, help="Warn instead of refusing when rubric, simulator or judge differ.")
@click.option(
    "--tiers", default=None, metavar="A,B", help="Compare these tiers inside one run (default: all its tiers)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "md", "html", "csv", "json"]), default="table", show_default=True
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write the output here instead of stdout.")
@click.option(
    "--plot",
    type=click.Path(path_type=Path),
    default=None,
    help="Also save a score-vs-cost PNG (needs matplotlib: pip install 'evalkit[plot]').",
)
@click.option(
    "--pairwise", is_flag=True, help="Also ask the judge to compare paired transcripts head to head (both orders)."
)
@click.option("--judge-model", default=None, help="Judge for --pairwise (default: the runs' judge). Makes model calls.")
def compare_command(
    runs: tuple[str, ...],
    margin: float,
    metric: Metric,
    confidence: float,
    allow_mismatch: bool,
    tiers: str | None,
    fmt: str,
    out: Path | None,
    plot: Path | None,
    pairwise: bool,
    judge_model: str | None,
) -> None:
    """Compare RUN_A with RUN_B [RUN_C ...] (each against the first), or the tiers inside one run.

    Trials are paired by suite, scenario and trial. The cheaper side (agent cost per session) is the
    candidate for the non-inferiority verdict and the routing hint.
    """
    cfg = CompareConfig(
        margin=margin,
        metric=metric,
        confidence=confidence,
        allow_mismatch=allow_mismatch,
        tiers=[t.strip() for t in tiers.split(",") if t.strip()] if tiers else None,
    )
    try:
        runs = _resolve_history_refs(runs)
        comp = compare_runs(list(runs), cfg)
        if pairwise:
            from evalkit.report.pairwise_run import add_pairwise

            add_pairwise(comp, list(runs), cfg, judge_model)
    except ReportError as err:
        raise click.ClickException(str(err)) from None
    if fmt == "table" and out is None:
        print_table(comp)  # warnings included
    else:
        for w in comp.warnings:
            click.echo(f"warning: {w}", err=True)
        text = redact(FORMATS.get(fmt, to_markdown)(comp))
        if out:
            try:
                out.write_text(text, encoding="utf-8")
            except OSError as err:
                raise click.ClickException(_unwritable(err)) from None
            click.echo(f"wrote {out}")
        else:
            click.echo(text, nl=False)
    if plot:
        _plot(comp, plot)


def _resolve_history_refs(runs: tuple[str, ...]) -> tuple[str, ...]:
    """`last-green:<branch>` -> that run's directory, matched to the instrument of the first run named by path."""
    from evalkit.history.baseline import is_history_ref

    if not any(is_history_ref(r) for r in runs):
        return runs
    from evalkit.history.baseline import BaselineError, instrument_of_run, last_green
    from evalkit.history.target import HistoryConfigError, project_history_url

    others = [r for r in runs if not is_history_ref(r)]
    if not others:
        raise click.ClickException(
            "last-green:<branch> is chosen to match another run's instrument: "
            "name that run too, e.g. evalkit compare last-green:main reports/latest"
        )
    try:
        instrument = instrument_of_run(others[0])
        url = project_history_url(Path.cwd())
        return tuple(str(last_green(url, r, instrument)) if is_history_ref(r) else r for r in runs)
    except (BaselineError, HistoryConfigError) as err:
        raise click.ClickException(str(err)) from None


def _unwritable(err: OSError) -> str:
    """`--out` in a missing or read-only directory: one line naming the file, not a traceback."""
    return f"{err.filename}: cannot write: {err.strerror}"


def _plot(comp: Comparison, path: Path) -> None:
    from evalkit.report.plot import PlotUnavailable, save_plot

    try:
        save_plot(comp, path)
    except PlotUnavailable as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"plot: {path}")


commands = [report_command, compare_command]
