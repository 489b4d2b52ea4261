"""The plugin's lifecycle, one function per pytest hook (the hooks in `evalkit.pytest_plugin` delegate here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evalkit.plugin import xdist
from evalkit.plugin.ci import write_step_summary
from evalkit.plugin.collection import EXPLICIT_KEY, SETTINGS_KEY
from evalkit.plugin.controller import CONTROLLER_KEY, Controller, baseline_rows
from evalkit.plugin.gates import GateResult, decide_gate
from evalkit.plugin.items import GateItem, ScenarioItem
from evalkit.plugin.merge import merge_run_dirs, remove_tree
from evalkit.plugin.options import PluginSettings, resolve_settings
from evalkit.plugin.rows import CriterionRow, TrialRow
from evalkit.plugin.summary import RunView, build_view
from evalkit.plugin.terminal import ProgressDisplay, plain_progress_wanted, render_summary
from evalkit.run.run_dir import RESULTS, TRIALS, new_run_id, read_rows
from evalkit.spec.models import GateConfig

VIEW_KEY: pytest.StashKey[RunView] = pytest.StashKey()
XDIST_KEY: pytest.StashKey[xdist.ControllerHooks] = pytest.StashKey()
FAILURES_KEY: pytest.StashKey[list[int]] = pytest.StashKey()
WORKERS_DIR = ".evalkit-workers"


def configure(config: pytest.Config) -> None:
    settings = resolve_settings(config)
    config.stash[SETTINGS_KEY] = settings
    config.stash[FAILURES_KEY] = [0]
    config.addinivalue_line("markers", "evalkit: an evalkit scenario or suite gate")
    config.stash[EXPLICIT_KEY] = [Path(a.split("::", 1)[0]).resolve() for a in config.args]
    _add_configured_suites(config, settings.suites, settings.suites_configured)
    if xdist.is_controller(config):
        run_id = new_run_id()
        hooks = xdist.ControllerHooks(run_id, settings.report_dir / WORKERS_DIR / run_id)
        config.pluginmanager.register(hooks, "evalkit-xdist-controller")
        config.stash[XDIST_KEY] = hooks
        return
    if xdist.is_worker(config):
        info = xdist.worker_input(config)
        batch = Path(info[xdist.BATCH_ROOT]) / xdist.worker_id(config) if xdist.BATCH_ROOT in info else None
        config.stash[CONTROLLER_KEY] = Controller(config, settings, info.get(xdist.RUN_ID), batch)
    else:
        config.stash[CONTROLLER_KEY] = Controller(config, settings)


def _add_configured_suites(config: pytest.Config, suites: list[Path], configured: bool) -> None:
    """A plain `pytest` (args from `testpaths`) also collects explicitly configured suite paths."""
    if not configured or config.args_source != pytest.Config.ArgsSource.TESTPATHS:
        return
    known = {Path(a).resolve() for a in config.args}
    for path in suites:
        if path.exists() and path not in known:
            config.args.append(str(path))


def leave_gates_to_xdist_controller(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Workers see only their share, so under xdist the controller decides gates after merging."""
    if not xdist.is_worker(config):
        return
    gates = [i for i in items if isinstance(i, GateItem)]
    if not gates:
        return
    ctl = config.stash[CONTROLLER_KEY]
    ctl.xdist_gates = [(g.suite_name, g.tier, [s.id for s in g.loaded.scenarios]) for g in gates]
    items[:] = [i for i in items if not isinstance(i, GateItem)]
    config.hook.pytest_deselected(items=gates)


def collection_finished(session: pytest.Session) -> None:
    ctl = session.config.stash.get(CONTROLLER_KEY, None)
    if ctl is not None:
        ctl.select(session.items)


def start_run(session: pytest.Session) -> None:
    """Start every selected session now (not under xdist workers: they start their share lazily)."""
    config = session.config
    ctl: Controller | None = config.stash.get(CONTROLLER_KEY, None)
    if ctl is None or not ctl.selected or config.option.collectonly:
        return
    ctl.check_budget()
    if xdist.is_worker(config):
        return
    ctl.start(ctl.selected)
    if ctl.batches and config.get_verbosity() >= 0 and not config.getoption("maxfail") and ctl.settings.progress:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        write = reporter.write_line if reporter else print
        display = ProgressDisplay(write, live=not plain_progress_wanted())
        ctl.progress = display
        display.wait(lambda: all(h.done() for h in ctl.batches))


def on_failure(config: pytest.Config) -> None:
    """Under -x / --maxfail: stop scheduling once pytest will stop."""
    failures = config.stash.get(FAILURES_KEY, [0])
    failures[0] += 1
    maxfail = config.getoption("maxfail")
    ctl = config.stash.get(CONTROLLER_KEY, None)
    if maxfail and failures[0] >= maxfail and ctl is not None:
        ctl.stop()


def finish(session: pytest.Session) -> None:
    config = session.config
    hooks = config.stash.get(XDIST_KEY, None)
    if hooks is not None:
        _finish_xdist_controller(session, hooks)
        return
    ctl: Controller | None = config.stash.get(CONTROLLER_KEY, None)
    if ctl is None:
        return
    ctl.close()
    if xdist.is_worker(config):
        _send_to_controller(config, ctl)
        return
    if not ctl.outcomes:
        return
    gate_configs = {i.suite_name: i.loaded.suite.gate for i in ctl.selected}
    view = build_view(ctl.all_trials(), ctl.all_criteria(), gate_configs, list(ctl.gates.values()), ctl.final_run_dir())
    view.skipped = sum(1 for o in ctl.outcomes.values() if o.skip_reason)
    config.stash[VIEW_KEY] = view
    write_step_summary(view)


def _send_to_controller(config: pytest.Config, ctl: Controller) -> None:
    gate_configs = {i.suite_name: i.loaded.suite.gate.model_dump(mode="json") for i in ctl.selected}
    config.workeroutput[xdist.OUTPUT] = {  # type: ignore[attr-defined]
        "gates": getattr(ctl, "xdist_gates", []),
        "gate_configs": gate_configs,
        "ran": bool(ctl.batches),
    }


def _finish_xdist_controller(session: pytest.Session, hooks: xdist.ControllerHooks) -> None:
    if not any(o.get("ran") for o in hooks.outputs):
        remove_tree(hooks.batch_root)
        return
    config = session.config
    settings = config.stash[SETTINGS_KEY]
    parts = sorted(p for p in hooks.batch_root.glob(f"*/b*/{hooks.run_id}") if p.is_dir())
    run_dir = merge_run_dirs(parts, settings.report_dir / hooks.run_id)
    remove_tree(settings.report_dir / WORKERS_DIR)
    if run_dir is None:
        return
    trials = [TrialRow.model_validate(r) for r in read_rows(run_dir / TRIALS)]
    criteria = [CriterionRow.model_validate(r) for r in read_rows(run_dir / RESULTS)]
    configs: dict[str, GateConfig] = {}
    gates: dict[tuple[str, str], list[str]] = {}
    for output in hooks.outputs:
        configs.update({k: GateConfig.model_validate(v) for k, v in output.get("gate_configs", {}).items()})
        gates.update({(s, t): e for s, t, e in output.get("gates", [])})
    results = [_xdist_gate(trials, suite, tier, expected, configs.get(suite, GateConfig()), settings)
               for (suite, tier), expected in sorted(gates.items())]
    results = [r for r in results if r is not None]
    view = build_view(trials, criteria, configs, results, run_dir)
    config.stash[VIEW_KEY] = view
    write_step_summary(view)
    if any(r.failed for r in results) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _xdist_gate(trials: list[TrialRow], suite: str, tier: str, expected: list[str], gate: GateConfig,
               settings: PluginSettings) -> GateResult | None:
    mine = [t for t in trials if t.suite == suite and t.tier == tier]
    if not mine:
        return None
    return decide_gate(mine, gate, baseline=baseline_rows(settings, suite, tier), expected=expected)


def terminal_summary(reporter: Any, config: pytest.Config) -> None:
    view = config.stash.get(VIEW_KEY, None)
    if view is None or config.get_verbosity() < 0:
        return
    reporter.write_sep("=", "evalkit summary")
    reporter.write(render_summary(view, reporter._tw.fullwidth, reporter.hasmarkup))
