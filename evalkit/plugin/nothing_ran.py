"""When a run evaluated nothing, say so: one line counting live-mode skips, and `require_run` failing the run.

Without live mode every scenario that would call a paid model is skipped, and pytest
exits 0 on a run that evaluated nothing; a CI job that means to evaluate then passes
on nothing. The line says why and how to run them; `require_run` (`--evalkit-strict`)
makes such a run exit `NOTHING_RAN` instead.

Counted from reports (`pytest_runtest_logreport`), so the xdist controller, which sees
its workers' reports, counts the same as one process. Stdlib and pytest only: this
runs in every pytest session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from evalkit.plugin import xdist
from evalkit.plugin.collect_hint import collection_hints
from evalkit.plugin.options import PluginSettings

# pytest's own "nothing was tested" (no test collected): CI scripts already treat it as a failure of the
# run rather than of the code, and it stays apart from 1 (a scenario or gate failed on quality).
NOTHING_RAN = pytest.ExitCode.NO_TESTS_COLLECTED
LIVE_OFF = "live model calls are off"  # in evalkit.plugin.spending.SKIP_REASON and the fixture's refusal
LIVE_OFF_LINE = "live mode is off; use --evalkit-live, --evalkit-offline or --evalkit-replay"


@dataclass
class Tally:
    """What the run's test reports said about evalkit's items (one count per item, not per phase)."""

    items: int = 0  # evalkit items (scenarios and gates) that reported
    ran: int = 0  # of those, the ones not skipped
    live_off: int = 0  # tests skipped because live mode is off (scenario items and `evalkit` fixture tests)
    deselected: int = 0  # evalkit items deselected (-k, -m) in this process
    lines: list[str] = field(default_factory=list)  # the notices for the terminal summary
    hints: list[str] = field(default_factory=list)  # suites left out of collection (evalkit.plugin.collect_hint)
    strict_lines: list[str] = field(default_factory=list)  # why the run failed under require_run


TALLY_KEY: pytest.StashKey[Tally] = pytest.StashKey()


def tally(config: pytest.Config) -> Tally:
    return config.stash.setdefault(TALLY_KEY, Tally())


class Counter:
    """Registered per session: counts every test report (a worker's too, on the xdist controller)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record(tally(self.config), report)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        tally(self.config).deselected += sum(1 for item in items if item.get_closest_marker("evalkit"))


def record(counts: Tally, report: pytest.TestReport) -> None:
    """Count one item's outcome: its call phase, or its setup when that did not pass (no call follows)."""
    if report.when != "call" and not (report.when == "setup" and not report.passed):
        return
    if report.skipped and LIVE_OFF in str(report.longrepr):
        counts.live_off += 1
    if "evalkit" in report.keywords:
        counts.items += 1
        counts.ran += not report.skipped


def live_off_line(count: int) -> str:
    """`evalkit: 12 scenarios skipped: live mode is off; use --evalkit-live, ...`."""
    return f"evalkit: {count} scenario{'' if count == 1 else 's'} skipped: {LIVE_OFF_LINE}"


def finish(session: pytest.Session, settings: PluginSettings | None) -> None:
    """At session end, before the run's summary is built: the live-mode line, the collection hints, and under
    require_run the exit status when nothing ran."""
    config = session.config
    if settings is None or xdist.is_worker(config):
        return
    counts = tally(config)
    counts.hints = collection_hints(session, settings)
    if config.option.collectonly:
        return
    if counts.live_off:
        counts.lines.append(live_off_line(counts.live_off))
    if not settings.require_run or counts.ran or not _aimed_at_suites(config, settings, counts):
        return
    if session.exitstatus not in (pytest.ExitCode.OK, NOTHING_RAN):
        return  # failed, interrupted or refused already: that status says more
    if counts.items:
        why = f"no scenario ran ({counts.items} evalkit item{'' if counts.items == 1 else 's'}, all skipped)"
    elif counts.deselected:
        why = f"every evalkit item was deselected ({counts.deselected})"
    else:
        why = f"no suite was collected under the suite paths ({_shown(settings.suites, config)})"
    counts.strict_lines.append(
        f"evalkit: nothing ran and require_run is on, so the run fails (exit {int(NOTHING_RAN)}): {why}"
    )
    session.exitstatus = NOTHING_RAN


def fails(config: pytest.Config) -> bool:
    """Whether require_run failed this run (the summary's verdict line says so)."""
    counts = config.stash.get(TALLY_KEY, None)
    return bool(counts and counts.strict_lines)


def terminal_lines(config: pytest.Config) -> list[str]:
    """What to print at the end of the terminal summary (why nothing was collected, and the require_run reason,
    even under -qq: they explain the exit status)."""
    counts = config.stash.get(TALLY_KEY, None)
    if counts is None:
        return []
    return (counts.lines if config.get_verbosity() >= -1 else []) + counts.hints + counts.strict_lines


def _aimed_at_suites(config: pytest.Config, settings: PluginSettings, counts: Tally) -> bool:
    """Whether this invocation meant to run suites: an evalkit item reported, pytest ran without path arguments
    (testpaths or the current directory), or a path argument is, lies inside or holds a suite path. Explicit
    paths elsewhere (`pytest tests/unit`) are left alone: require_run must not fail a unit-test run."""
    if counts.items or config.args_source != pytest.Config.ArgsSource.ARGS:
        return True
    base = Path(config.invocation_params.dir)
    roots = [Path(r).resolve() for r in settings.suites]
    for arg in config.args:
        path = (base / arg.split("::", 1)[0]).resolve()
        if path.suffix in (".yaml", ".yml") or any(path == r or r in path.parents or path in r.parents for r in roots):
            return True
    return False


def _shown(paths: list[Path], config: pytest.Config) -> str:
    root = Path(config.rootpath)
    return ", ".join(_relative(p, root) + "/" for p in paths) or "none"


def _relative(path: Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root.resolve())) or "."
    except ValueError:
        return str(path)
