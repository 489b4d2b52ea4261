"""`evalkit run`: run suites through pytest without writing pytest flags.

A thin wrapper: it turns its options into `--evalkit-*` flags, calls
`pytest.main`, then says where the run and its HTML report went (the plugin
writes report.html for every run, as a plain `pytest` run does).
Options it does not know are passed to pytest unchanged (e.g. `-k refund`).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from evalkit.limit_options import LIMIT_OPTIONS

FLAGS = {  # click option name -> pytest flag
    "agent": "--evalkit-agent",
    "agent_models": "--evalkit-agent-models",
    "simulator_model": "--evalkit-simulator-model",
    "judge_model": "--evalkit-judge-model",
    "trials": "--evalkit-trials",
    "concurrency": "--evalkit-concurrency",
    "max_cost": "--evalkit-max-cost",
    "replay": "--evalkit-replay",
    "record": "--evalkit-record",
    "resume": "--evalkit-resume",
    "report_dir": "--evalkit-report-dir",
    "baseline": "--evalkit-baseline",
    "seed": "--evalkit-seed",
    "executor": "--evalkit-executor",
    "ray_address": "--evalkit-ray-address",
}
FLAGS.update({o.name: f"--evalkit-{o.flag[2:]}" for o in LIMIT_OPTIONS})  # --rpm N -> --evalkit-rpm=N
SWITCHES = {"offline": "--evalkit-offline", "live": "--evalkit-live", "no_cache": "--evalkit-no-cache"}


def pytest_args(suites: tuple[str, ...], options: dict[str, object], extra: tuple[str, ...]) -> list[str]:
    """The pytest command line for these suites and options (each suite path is also a suite root)."""
    from evalkit.spec import find_project_root

    paths = list(suites) or ["suites"]
    root = find_project_root(Path(paths[0]).resolve())
    args = [*paths, f"--rootdir={root}", "-p", "no:cacheprovider"]
    args += [f"--evalkit-suites={p}" for p in paths]
    for name, flag in FLAGS.items():
        if options.get(name) is not None:
            args.append(f"{flag}={options[name]}")
    args += [flag for name, flag in SWITCHES.items() if options.get(name)]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        args += ["-p", "evalkit.pytest_plugin"]
    return args + list(extra)


def split_pytest_args(values: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Suites are the leading paths; from the first option on, everything belongs to pytest (`-k refund`)."""
    for index, value in enumerate(values):
        if value.startswith("-"):
            return values[:index], values[index:]
    return values, ()


def limit_options(command: click.Command) -> click.Command:
    """One click option per row of `evalkit.limit_options` (checked by the plugin, like `[tool.evalkit]`)."""
    for option in reversed(LIMIT_OPTIONS):
        if option.kind is bool:
            flag = option.flag[2:]
            command = click.option(f"--{flag}/--no-{flag}", option.name, default=None,
                                   help=f"{option.help[0].upper()}{option.help[1:]}.")(command)
        else:
            command = click.option(option.flag, option.name, metavar="N" if option.kind is int else "X",
                                   help=f"{option.help[0].upper()}{option.help[1:]}.")(command)
    return command


@click.command("run", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("suites", nargs=-1)
@click.option("--offline", is_flag=True, help="Serve every model from a local fake server (no key, no network).")
@click.option("--live", is_flag=True, help="Allow paid model calls (same as EVALKIT_LIVE=1).")
@click.option("--trials", type=int, help="Trials per scenario.")
@click.option("--agent", help="Agent factory module:attr, overriding the suites'.")
@click.option("--agent-models", help="Agent model tiers, comma separated.")
@click.option("--simulator-model", help="User simulator model.")
@click.option("--judge-model", help="Judge model for every rubric.")
@click.option("--concurrency", type=int, help="Max concurrent connections per endpoint.")
@click.option("--max-cost", type=float, help="Refuse a live run estimated above this many USD.")
@click.option("--replay", type=click.Path(), help="Serve model calls from this cassette.")
@click.option("--record", type=click.Path(), help="Record model calls to this cassette.")
@click.option("--resume", help="Resume an interrupted run (run directory or 'latest').")
@click.option("--report-dir", type=click.Path(), help="Where run directories go (default reports/).")
@click.option("--baseline", help="Fail on significant regressions against this run directory.")
@click.option("--no-cache", is_flag=True, help="Do not use the response cache.")
@click.option("--seed", type=int, help="Base seed.")
@click.option("--executor", type=click.Choice(["local", "ray"]), help="Where sessions run: this process (default) or "
              "Ray workers (pip install 'evalkit[ray]').")
@click.option("--ray-address", help="Ray cluster for --executor ray: auto, ray://host:10001 or local.")
@limit_options
@click.pass_context
def run_command(ctx: click.Context, suites: tuple[str, ...], **options: object) -> None:
    """Run SUITES (files or directories; default suites/) as pytest items; the run directory gets report.html.

    Unknown options go to pytest, e.g. `evalkit run suites/demo --offline -k refund -x`.
    """
    import pytest

    from evalkit.spec import find_project_root

    suites, extra = split_pytest_args(suites)
    missing = [s for s in suites if not Path(s).exists()]
    if missing:
        raise click.BadParameter(f"no such suite file or directory: {', '.join(missing)}", param_hint="SUITES")
    args = pytest_args(suites, options, extra + tuple(ctx.args))
    root = find_project_root(Path((suites or ("suites",))[0]).resolve())
    report_dir = Path(str(options["report_dir"])).resolve() if options.get("report_dir") else root / "reports"
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
