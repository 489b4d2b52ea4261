"""`evalkit calibrate` and `evalkit calibrate check`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from evalkit.spec.commands import one_line_errors, project_root, root_option

ENV_LIVE = "EVALKIT_LIVE"
LIVE_REFUSAL = (
    "evalkit: live model calls are off and calibrating would spend money; pass --live "
    "(or EVALKIT_LIVE=1), --replay CASSETTE, or --offline to use the suites' fake models"
)


def _live(flag: bool) -> bool:
    return flag or os.environ.get(ENV_LIVE, "") in {"1", "true", "yes"}


@click.group(invoke_without_command=True)
@click.option(
    "--labels",
    "labels_path",
    type=click.Path(exists=True, path_type=Path),
    help="A labels .jsonl file, or a directory of them.",
)
@click.option(
    "--rubric",
    "rubric_ref",
    help="The rubric version to calibrate, as id@version (default: the one rubric the labels name).",
)
@click.option("--judge", "judge_model", help="Judge model instead of the rubric's (as `evalkit run --judge`).")
@click.option(
    "--rejudge",
    type=click.IntRange(0, 20),
    default=0,
    show_default=True,
    help="Extra uncached readings per transcript, to measure judge noise.",
)
@click.option("--offline", is_flag=True, help="Judge with the suites' offline rules on a local fake server.")
@click.option("--replay", type=click.Path(exists=True, path_type=Path), help="Serve judge calls from this cassette.")
@click.option("--live", is_flag=True, help="Allow paid model calls (same as EVALKIT_LIVE=1).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the cluster bootstrap.")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the record here instead of calibration/<rubric>@<v>/<judge>.json under the project.",
)
@click.option(
    "--probes",
    is_flag=True,
    help="Bias probes on the holdout items: verbosity padding, injection, self-preference, pairwise position.",
)
@root_option
@click.pass_context
@one_line_errors
def calibrate(
    ctx: click.Context,
    labels_path: Path | None,
    rubric_ref: str | None,
    judge_model: str | None,
    rejudge: int,
    offline: bool,
    replay: Path | None,
    live: bool,
    seed: int,
    out_path: Path | None,
    probes: bool,
    root: Path | None,
) -> None:
    """Measure how often the judge agrees with human labels; write calibration/<rubric>@<v>/<judge>.json.

    Runs the production judging path on every labelled transcript (plus --rejudge uncached readings),
    computes agreement per criterion on the holdout labels and prints it. `evalkit calibrate check`
    says which rubric x judge of the project's suites has a current record. A labels directory with its
    own rubrics/ (such as the shipped evalkit/data/calibration/support-v1) is its own project.
    """
    if ctx.invoked_subcommand is not None:
        return
    if labels_path is None:
        raise click.UsageError("--labels is required (or use `evalkit calibrate check`)")
    if not (offline or replay is not None or _live(live)):
        raise click.ClickException(LIVE_REFUSAL)
    from evalkit.calibration.calibrate import CalibrateConfig, CalibrationError, run_calibration
    from evalkit.calibration.label_set import labelled_rubric, set_project
    from evalkit.calibration.record import record_path, write_record
    from evalkit.calibration.table import print_table, record_table
    from evalkit.spec.project import rubric_dirs
    from evalkit.spec.rubrics import RubricRegistry

    own = set_project(labels_path) if root is None else None  # a labelled set that is its own project
    project = own or project_root(root)
    try:
        rubric_ref = rubric_ref or labelled_rubric(labels_path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    registry = RubricRegistry.from_dirs(rubric_dirs(project))
    why = registry.why_unresolved(rubric_ref)
    if why or "@" not in rubric_ref:
        raise click.ClickException(f"--rubric: {why or f'{rubric_ref!r} has no version (expected id@version)'}")
    config = CalibrateConfig(
        labels=labels_path,
        rubric=rubric_ref,
        project=project,
        judge_model=judge_model,
        rejudge=rejudge,
        offline=offline,
        replay=replay,
        seed=seed,
        probes=probes,
        cache_dir=project_root(None) / ".evalkit" / "cache" if own else None,
    )
    try:
        record = run_calibration(config, registry.resolve(rubric_ref))
    except CalibrationError as exc:
        raise click.ClickException(str(exc)) from None
    path = out_path or record_path(project, rubric_ref, record.key.judge_models)
    write_record(path, record)
    print_table(record_table(record))
    if record.probes is not None:
        from evalkit.calibration.probes_table import probes_table, self_preference_lines

        print_table(probes_table(record.probes))
        for line in self_preference_lines(record.probes):
            click.echo(line)
    for note in record.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"wrote {path}", err=True)


@calibrate.command(name="check")
@click.option(
    "--suites",
    "suite_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Suite files or directories (default: the project's suites).",
)
@click.option(
    "--judge", "judge_model", help="The judge model runs use instead of the rubrics' (as `evalkit run --judge`)."
)
@click.option("--strict", is_flag=True, help="Exit 1 unless every rubric x judge is trusted.")
@click.option(
    "--min-kappa", type=float, help="Floor on kappa's lower bound (default: the suites' gate.judge_trust, 0.6)."
)
@click.option("--min-tpr", type=float, help="Floor on TPR's lower bound (default: the suites' gate.judge_trust, 0.8).")
@click.option(
    "--max-fpr", type=float, help="Ceiling on FPR's upper bound (default: the suites' gate.judge_trust, 0.15)."
)
@click.option(
    "--min-clusters",
    type=int,
    help="Fewer labelled scenarios than this is at best weak (default: the suites' gate.judge_trust, 10).",
)
@click.option("--max-age-days", type=int, help="Older records are aged (default: the suites' gate.judge_trust, 120).")
@root_option
@one_line_errors
def check(
    suite_paths: tuple[Path, ...],
    judge_model: str | None,
    strict: bool,
    min_kappa: float | None,
    min_tpr: float | None,
    max_fpr: float | None,
    min_clusters: int | None,
    max_age_days: int | None,
    root: Path | None,
) -> None:
    """Report each rubric x judge the suites use as trusted, weak, untrusted, missing, stale or aged."""
    from evalkit.calibration.calibrate import project_suites
    from evalkit.calibration.table import print_table, trust_table
    from evalkit.calibration.trust import check_project
    from evalkit.spec.project import yaml_files
    from evalkit.spec.suites import is_suite_file, load_suite

    project = project_root(root)
    if suite_paths:
        loaded = [load_suite(p, root=project) for p in yaml_files(suite_paths) if is_suite_file(p)]
    else:
        loaded = project_suites(project)
    given = {
        "min_kappa": min_kappa,
        "min_tpr": min_tpr,
        "max_fpr": max_fpr,
        "min_clusters": min_clusters,
        "max_age_days": max_age_days,
    }
    rows = check_project(project, loaded, {k: v for k, v in given.items() if v is not None}, judge_model)
    if sys.stdout.isatty():
        print_table(trust_table(rows))
    else:  # CI logs: one greppable line per rubric x judge
        for row in rows:
            click.echo(f"{row.state}: {row.use.rubric} x {'+'.join(row.use.judge_models) or '-'}: {row.why}")
    if strict and any(r.state != "trusted" for r in rows):
        raise SystemExit(1)


commands: list[click.Command] = [calibrate]
