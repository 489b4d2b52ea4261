"""`evalkit run`: run suites through pytest without writing pytest flags.

A thin wrapper: it turns its options into `--evalkit-*` flags, calls
`pytest.main`, then says where the run and its HTML report went (the plugin
writes report.html for every run, as a plain `pytest` run does).
Options it does not know are passed to pytest unchanged (e.g. `-k refund`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from evalkit.options import OPTIONS, Option

RUN_OPTIONS = tuple(o for o in OPTIONS if o.cli)  # every table row but suites (this command's arguments)


def pytest_args(suites: tuple[str, ...], options: dict[str, object], extra: tuple[str, ...]) -> list[str]:
    """The pytest command line for these suites and options (each suite path is also a suite root)."""
    from evalkit.spec import find_project_root

    paths = list(suites) or ["suites"]
    root = find_project_root(Path(paths[0]).resolve())
    args = [*paths, f"--rootdir={root}", "-p", "no:cacheprovider"]
    args += [f"--evalkit-suites={p}" for p in paths]
    for option in RUN_OPTIONS:
        args += pytest_flags(option, options.get(option.name))
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        args += ["-p", "evalkit.pytest_plugin"]
    return args + list(extra)


def pytest_flags(option: Option, value: object) -> list[str]:
    """`--rpm 60` -> ['--evalkit-rpm=60']; `--no-cache` -> ['--evalkit-no-cache']; unset -> []."""
    if value is None or value == ():
        return []
    if value is False:
        return ["--evalkit-no-" + option.name.replace("_", "-")]
    if value is True:
        return [option.pytest_flag if option.switch else f"{option.pytest_flag}=true"]
    values = value if isinstance(value, (tuple, list)) else [value]
    return [f"{option.pytest_flag}={v}" for v in values]


def split_pytest_args(values: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Suites are the leading paths; from the first option on, everything belongs to pytest (`-k refund`)."""
    for index, value in enumerate(values):
        if value.startswith("-"):
            return values[:index], values[index:]
    return values, ()


F = TypeVar("F", bound=Callable[..., Any])  # the command function, before @click.command wraps it


def table_options(command: F) -> F:
    """One click option per row of the option table; values are checked by the plugin (one line naming the
    `--evalkit-` flag), as the same values from `[tool.evalkit]` or the environment are."""
    for option in reversed(RUN_OPTIONS):
        names = [option.flag, *("--" + a.replace("_", "-") for a in option.renames)]
        help = f"{option.help[0].upper()}{option.help[1:]}" + (f" (or {option.env_var})." if option.env_var else ".")
        if option.kind is bool:
            flag = option.flag[2:]
            renames = ["--" + a.replace("_", "-") for a in option.renames]  # `--strict`: another name for on
            command = click.option(f"--{flag}/--no-{flag}", *renames, option.name, default=None, help=help)(command)
        else:
            command = click.option(
                *names, option.name, metavar=option.shown_metavar(), help=help, multiple=option.kind in (list, dict)
            )(command)
    return command


@click.command("run", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("suites", nargs=-1)
@table_options
@click.pass_context
def run_command(ctx: click.Context, suites: tuple[str, ...], **options: object) -> None:
    """Run SUITES (files or directories; default suites/) as pytest items; the run directory gets report.html.

    Unknown options go to pytest, e.g. `evalkit run suites/airline --offline -k refund -x`.
    """
    import pytest

    from evalkit.spec import find_project_root

    suites, extra = split_pytest_args(suites)
    missing = [s for s in suites if not Path(s).exists()]
    if missing:
        raise click.BadParameter(f"no such suite file or directory: {', '.join(missing)}", param_hint="SUITES")
    args = pytest_args(suites, options, extra + tuple(ctx.args))
    root = find_project_root(Path((suites or ("suites",))[0]).resolve())
    report_dir = _report_dir(root, options.get("report_dir"))
    before = _run_dirs(report_dir)
    code = pytest.main(args)
    for run_dir, stamp in sorted(_run_dirs(report_dir).items()):
        if before.get(run_dir) != stamp:  # new, or resumed (its run.json was rewritten)
            _say_report(run_dir)
            _record_history(run_dir, root, report_dir)
    ctx.exit(int(code))


def _record_history(run_dir: Path, root: Path, report_dir: Path) -> None:
    """A run the plugin did not record (it could not decide it) still goes into history; a failure is one line."""
    from evalkit.history.record import record_if_missed

    warning = record_if_missed(run_dir, root, report_dir)
    if warning:
        click.echo(warning, err=True)


def _report_dir(root: Path, flag: object) -> Path:
    """Where the plugin will put the run: the flag, EVALKIT_REPORT_DIR or [tool.evalkit], else reports/ (a bad
    value is left for the plugin to refuse in its one line)."""
    from evalkit.options import OptionError, Sources, read_tool_table, resolve

    try:
        given = resolve(
            Sources(root=root, cwd=Path.cwd(), flags={"report_dir": flag}, env=os.environ, tool=read_tool_table(root))
        ).get("report_dir")
    except OptionError:
        given = None
    return Path(given) if given else root / "reports"


def _run_dirs(report_dir: Path) -> dict[Path, int]:
    """Run directories by their run.json's modification time."""
    if not report_dir.is_dir():
        return {}
    manifests = (p / "run.json" for p in report_dir.iterdir() if p.is_dir() and not p.is_symlink())
    return {m.parent: m.stat().st_mtime_ns for m in manifests if m.exists()}


def _say_report(run_dir: Path) -> None:
    """Say where a run directory this command produced and its report.html are (the plugin wrote the report;
    it is written here only when missing or older than the run, e.g. the plugin could not decide the run)."""
    from evalkit.plugin.reports import REPORT, is_current, write_reports

    report, error = (run_dir / REPORT, None) if is_current(run_dir) else write_reports(run_dir)
    if report is None:
        click.echo(f"evalkit: run directory {run_dir} (no HTML report: {error})")
        return
    click.echo(f"evalkit: run directory {run_dir}")
    click.echo(f"evalkit: report {report}")


commands = [run_command]
