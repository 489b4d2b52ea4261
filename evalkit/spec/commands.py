"""`evalkit schema` and `evalkit rubrics lock|check|list`, and the helpers every command shares.

`evalkit validate` lives in `evalkit.labels.commands`: it checks labels against
transcripts as the judge numbers them, which the spec layer cannot import.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from evalkit.spec.lockfile import LOCK_NAME, compare, lock_problem, read_lock, write_lock
from evalkit.spec.problems import Problem, SpecError, display_path
from evalkit.spec.project import find_project_root, rubric_dirs, suite_dirs
from evalkit.spec.rubrics import RubricRegistry
from evalkit.spec.schema import KINDS, schema_filename, schema_text
from evalkit.spec.usage import suites_using

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project root holding rubrics/, personas/ and suites/ (default: nearest directory with pyproject.toml).",
)


def one_line_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Bad input is already reported as problems; anything unexpected still becomes one line, not a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001
            raise click.ClickException(f"internal error: {type(exc).__name__}: {exc} (please report this)") from None

    return wrapper


def project_root(root: Path | None) -> Path:
    return root.resolve() if root else find_project_root(Path.cwd())


def report_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem))


@click.command()
@click.argument("kind", type=click.Choice(KINDS), required=False)
@click.option(
    "--write",
    "write_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write all schemas into this directory instead.",
)
@one_line_errors
def schema(kind: str | None, write_dir: Path | None) -> None:
    """Print the JSON Schema for a rubric, suite, persona or label file (for editors and CI).

    Point editors at it with a first line such as
    `# yaml-language-server: $schema=../schemas/rubric.schema.json`.
    """
    if write_dir is not None:
        write_dir.mkdir(parents=True, exist_ok=True)
        for name in KINDS:
            (write_dir / schema_filename(name)).write_text(schema_text(name), encoding="utf-8")
            click.echo(f"wrote {display_path(write_dir / schema_filename(name))}", err=True)
        return
    if kind is None:
        raise click.UsageError("name a kind (rubric, suite, persona or label) or pass --write DIR")
    click.echo(schema_text(kind), nl=False)


@click.group()
def rubrics() -> None:
    """Versioned rubrics: lock their fingerprints, check nothing changed silently, list them."""


def _registry(project: Path) -> RubricRegistry:
    registry = RubricRegistry.from_dirs(rubric_dirs(project))
    if registry.problems:
        report_problems(sorted(set(registry.problems)))
        raise click.ClickException("fix the rubric files above first (see `evalkit validate`)")
    return registry


def _lock_path(project: Path) -> Path:
    return rubric_dirs(project)[0] / LOCK_NAME


def load_lock(project: Path) -> dict[str, str]:
    try:
        return read_lock(_lock_path(project))
    except SpecError as err:
        report_problems(err.problems)
        raise click.ClickException("the lockfile is malformed") from None


@rubrics.command()
@root_option
@one_line_errors
def lock(root: Path | None) -> None:
    """Record the fingerprint of every rubric version not locked yet in rubrics/rubrics.lock.

    A version whose content changed after locking is never overwritten: bump its version instead.
    """
    project = project_root(root)
    registry = _registry(project)
    if not registry.all():
        raise click.ClickException(f"no rubric files under {display_path(rubric_dirs(project)[0])} (nothing to lock)")
    locked = load_lock(project)
    entries = compare(registry.all(), locked)
    for entry in entries:
        if entry.state == "new" and entry.fingerprint:
            locked[entry.ref] = entry.fingerprint
            click.echo(f"locked {entry.ref} {entry.fingerprint}")
    write_lock(_lock_path(project), locked)
    changed = [e for e in entries if e.state == "changed"]
    by_ref = {r.ref: r.path for r in registry.all()}
    report_problems([lock_problem(by_ref[e.ref], e) for e in changed])
    if changed:
        raise SystemExit(1)


@rubrics.command()
@root_option
@one_line_errors
def check(root: Path | None) -> None:
    """Exit 1 when a locked rubric version changed or a version is not locked yet."""
    project = project_root(root)
    registry = _registry(project)
    entries = compare(registry.all(), load_lock(project))
    by_ref = {r.ref: r.path for r in registry.all()}
    failing = [e for e in entries if e.state in ("changed", "new")]
    report_problems([lock_problem(by_ref[e.ref], e) for e in failing])
    for entry in entries:
        if entry.state == "missing":
            click.echo(f"note: {entry.message}", err=True)
    if failing:
        raise SystemExit(1)
    count = sum(e.state == "locked" for e in entries)
    click.echo(f"ok: {count} rubric version(s) match {display_path(_lock_path(project))}", err=True)


@rubrics.command(name="list")
@root_option
@one_line_errors
def list_rubrics(root: Path | None) -> None:
    """Show every rubric version with its fingerprint, lock state and the suites that use it."""
    from rich.console import Console
    from rich.table import Table

    project = project_root(root)
    registry = RubricRegistry.from_dirs(rubric_dirs(project))
    entries = compare(registry.all(), load_lock(project))
    usage = suites_using(registry, suite_dirs(project))
    table = Table(title="rubrics")
    for column in ("id", "version", "fingerprint", "lock", "used by"):
        table.add_column(column)
    styles = {"locked": "green", "new": "yellow", "changed": "bold red", "missing": "dim"}
    for entry in entries:
        rubric_id, _, version = entry.ref.rpartition("@")
        state = f"[{styles[entry.state]}]{entry.state}[/]"
        table.add_row(rubric_id, version, entry.fingerprint or "-", state, ", ".join(usage.get(entry.ref, [])) or "-")
    Console(width=max(100, Console().width)).print(table)
    if registry.problems:
        report_problems(sorted(set(registry.problems)))
        raise SystemExit(1)


commands: list[click.Command] = [schema, rubrics]
