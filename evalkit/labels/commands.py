"""`evalkit validate` (suites, rubrics, personas and labels) and `evalkit labels sample|edit`.

`validate` lives here rather than in `evalkit.spec.commands` because checking a
label's cited turns needs the judge's view of a transcript (judging), which the
spec layer must not import. Only the spec is imported until label files are
actually found, so `evalkit validate` stays as light as before.
"""

from __future__ import annotations

import getpass
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import click

from evalkit.spec.commands import load_lock, one_line_errors, project_root, report_problems, root_option
from evalkit.spec.labels import read_labels, rubric_problems
from evalkit.spec.problems import Problem, display_path
from evalkit.spec.project import persona_dirs, rubric_dirs, suite_dirs
from evalkit.spec.rubrics import ResolvedRubric, RubricRegistry
from evalkit.spec.survey import survey

if TYPE_CHECKING:  # the labels modules load lazily (see above); the type is only for annotations
    from evalkit.labels.sample import Strategy

LABELS_DIR = "labels"


def label_dirs(project: Path) -> list[Path]:
    return [project / LABELS_DIR]


def _label_targets(paths: list[Path], extra: tuple[Path, ...]) -> list[Path]:
    """Label files: .jsonl files named, .jsonl under a `labels/` directory named or below one, and --labels."""
    found: list[Path] = []
    for path in paths:
        if path.is_file() and path.suffix == ".jsonl":
            found.append(path)
        elif path.is_dir():
            base = path.resolve().parent
            found += [p for p in path.rglob("*.jsonl") if LABELS_DIR in p.resolve().relative_to(base).parts[:-1]]
    for path in extra:
        found += [path] if path.is_file() else sorted(path.rglob("*.jsonl"))
    return sorted(set(found))


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--labels",
    "label_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="A labels .jsonl file, or a directory of them, to check as well (repeatable).",
)
@click.option(
    "--deep",
    is_flag=True,
    help="Also run the preflight a run does before its first model call: import "
    "and build each suite's agent, resolve every model name to a provider, connect to each base URL.",
)
@root_option
@one_line_errors
def validate(paths: tuple[Path, ...], label_paths: tuple[Path, ...], root: Path | None, deep: bool = False) -> None:
    """Check suites, rubrics, personas and labels; print every problem as path:line:col: key: message.

    PATHS are files or directories (default: suites/, rubrics/, personas/ and labels/ under the project root).
    Label files are .jsonl files named directly, found under a labels/ directory, or given with --labels.
    The offline rules files the suites name are loaded too, and templates, check schemas and named files are
    checked as a run would use them. --deep adds the run's preflight (no model is called).
    Exits 1 when anything is wrong; warnings (message "warning: ...") are printed too but do not fail.
    """
    project = project_root(root)
    targets = list(paths) or [*suite_dirs(project), *rubric_dirs(project), *persona_dirs(project)]
    labels = _label_targets(list(paths) or label_dirs(project), label_paths)
    result = survey([p for p in targets if p.suffix != ".jsonl"], project)
    result.files += result.rules_files
    result.problems = sorted(set(result.problems + rules_file_problems(result.rules_files)))
    if labels:
        from evalkit.labels.check import check_label_files  # reads transcripts: judging, not needed otherwise

        registry = RubricRegistry.from_dirs(rubric_dirs(project))
        problems, warnings = check_label_files(labels, registry, load_lock(project))
        result.files += labels
        result.problems = sorted(set(result.problems + problems))
        result.warnings = sorted(set(result.warnings + warnings))
    report_problems(result.problems + result.warnings)
    files = len(result.files)
    warned = f", {len(result.warnings)} warning(s)" if result.warnings else ""
    if deep and result.ok:
        from evalkit.labels.deep import deep_problems  # imports the engine and the agents: only when asked

        found = deep_problems([p for p in result.files if p.suffix in (".yaml", ".yml")], project)
        for line in found:
            click.echo(line)
        if found:
            click.echo(f"preflight: {len(found)} problem(s){warned}", err=True)
            raise SystemExit(1)
    if result.ok:
        click.echo(f"ok: {files} file(s) valid{warned}", err=True)
        return
    bad = len({p.path for p in result.problems})
    click.echo(f"{len(result.problems)} problem(s) in {bad} of {files} file(s){warned}", err=True)
    raise SystemExit(1)


_RULES_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?:(?P<key>rules\[\d+\][^:]*): )?(?P<message>.*)$")


def rules_file_problems(files: list[Path]) -> list[Problem]:
    """Offline rules files load as the fake server will load them: `evalkit run --offline` stopped at a bad one."""
    if not files:
        return []
    from evalkit.llm.rules_file import RulesFileError, load_rules  # llm: only when a suite names rules

    problems = []
    for file in files:
        try:
            load_rules(file)
        except RulesFileError as err:
            for text in str(err).splitlines():
                match = _RULES_LINE.match(text)
                if match is None:
                    problems.append(Problem(str(file), 1, 1, "", text))
                else:
                    problems.append(Problem(match["path"], int(match["line"]), 1, match["key"] or "", match["message"]))
        except Exception as err:  # noqa: BLE001 - e.g. a rule's `match` that is not a regex (re.error)
            message = (
                f"offline rules cannot be loaded: {type(err).__name__}: {err} (expected rules the fake server accepts)"
            )
            problems.append(Problem(str(file), 1, 1, "", message))
    return problems


@click.group()
def labels() -> None:
    """Human labels for judge calibration: draw trials of a run to label, then label them in the terminal."""


def _rubric(project: Path, ref: str) -> ResolvedRubric:
    """The exact rubric version labels are for: a bare id would silently follow the newest version."""
    registry = RubricRegistry.from_dirs(rubric_dirs(project))
    why = registry.why_unresolved(ref)
    if why:
        raise click.ClickException(f"--rubric: {why}")
    resolved = registry.resolve(ref)
    if "@" not in ref:
        raise click.ClickException(f"--rubric: {ref!r} names no version (expected {resolved.ref})")
    return resolved


@labels.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--rubric", "rubric_ref", required=True, help="The rubric to label for, as ID@VERSION.")
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="Holdout items to draw (stratified by scenario).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed draws the same items.")
@click.option(
    "--strategy",
    type=click.Choice(["uniform", "disagreement"]),
    default="uniform",
    show_default=True,
    help="disagreement also adds the trials whose judge samples disagreed most, as dev items.",
)
@click.option(
    "--dev",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="How many dev items --strategy disagreement adds.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Labels file to write (default: labels/ID@VERSION.jsonl under the project root); must not exist.",
)
@root_option
@one_line_errors
def sample(
    run_dir: Path, rubric_ref: str, n: int, seed: int, strategy: Strategy, dev: int, out: Path | None, root: Path | None
) -> None:
    """Draw trials of RUN_DIR to label (uniformly within scenarios) and write unlabelled label stubs.

    Each holdout item records its inclusion probability (what PPI needs); dev items from
    --strategy disagreement are for judge-prompt debugging and are never used for correction.
    """
    from evalkit.labels.sample import SampleConfig, candidates, draw, stubs
    from evalkit.run.load import LoadedRun
    from evalkit.run.run_dir import resolve_run_dir

    project = project_root(root)
    resolved = _rubric(project, rubric_ref)
    try:
        run = LoadedRun(resolve_run_dir(run_dir))
    except (FileNotFoundError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    out = out or label_dirs(project)[0] / f"{resolved.ref}.jsonl"
    if out.exists():
        raise click.ClickException(f"{display_path(out)} already exists (expected a new file: pass --out)")
    pool = candidates(run, resolved)
    if not pool:
        raise click.ClickException(
            f"{display_path(run.path)}: no trial was judged under {resolved.ref} "
            "with a transcript on disk (nothing to label)"
        )
    result = draw(pool, SampleConfig(resolved, n, seed, strategy, dev))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(label.line() + "\n" for label in stubs(result, out, run.run_id, resolved)), encoding="utf-8")
    holdout = sum(d.split == "holdout" for d in result.items)
    click.echo(
        f"wrote {display_path(out)}: {holdout} holdout item(s) from {len(result.population)} scenario(s) "
        f"of {len(pool)} judged trial(s), {len(result.items) - holdout} dev item(s)",
        err=True,
    )
    if strategy == "disagreement" and len(result.items) == holdout and dev:
        click.echo("note: no other trial's judge samples disagreed (no spread): no dev items to add", err=True)
    if holdout < n:
        click.echo(f"note: asked for {n}, the run has {len(pool)} judged trial(s)", err=True)
    if holdout < len(result.population):
        click.echo(
            f"note: fewer items than scenarios: {len(result.population) - holdout} scenario(s) have none", err=True
        )


@labels.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--labeller", default=None, help="Your name, recorded in each label (default: your login name).")
@root_option
@one_line_errors
def edit(file: Path, labeller: str | None, root: Path | None) -> None:
    """Label the unlabelled items of FILE in the terminal, saving each item as soon as it is done.

    Shows each transcript numbered as the judge sees it, then asks every judged criterion's
    question with its scale and anchors. q (or Ctrl-D) stops; run it again to continue.
    """
    from evalkit.labels.edit import EditConfig, edit_labels

    project = project_root(root)
    registry = RubricRegistry.from_dirs(rubric_dirs(project))
    loaded = read_labels(file)
    problems, _ = rubric_problems(loaded, registry, {})
    if loaded.problems or problems:
        report_problems(sorted(set(loaded.problems + problems)))
        raise click.ClickException(f"fix {display_path(file)} first (see `evalkit validate --labels`)")
    config = EditConfig(labeller=labeller or getpass.getuser(), width=min(shutil.get_terminal_size().columns, 120))
    summary = edit_labels(loaded, registry, config, ask=input, say=click.echo)
    click.echo(
        f"\n{summary.labelled} item(s) labelled, {summary.skipped} skipped, {summary.remaining} still "
        f"unlabelled in {display_path(file)}"
    )


commands: list[click.Command] = [validate, labels]
