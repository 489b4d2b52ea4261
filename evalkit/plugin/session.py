"""The plugin's lifecycle, one function per pytest hook (the hooks in `evalkit.pytest_plugin` delegate here).

Module-level imports stay light (pytest, stdlib, options, xdist glue): a pytest
run without evalkit suites must not pay for importing the engine and the SDKs.
The controller is created on first need, i.e. when a suite file is collected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from evalkit.plugin import github, xdist
from evalkit.plugin.controller_slot import CONTROLLER_KEY, get_controller, install_factory  # noqa: F401 - get_controller: re-exported
from evalkit.plugin.options import PluginSettings, resolve_settings
from evalkit.plugin.preload import stop_rewriting_own_modules

if TYPE_CHECKING:
    from evalkit.plugin.controller import Controller
    from evalkit.plugin.summary import RunView

SETTINGS_KEY: pytest.StashKey[PluginSettings] = pytest.StashKey()
EXPLICIT_KEY: pytest.StashKey[list[Path]] = pytest.StashKey()
VIEW_KEY: pytest.StashKey[RunView] = pytest.StashKey()
XDIST_KEY: pytest.StashKey[xdist.ControllerHooks] = pytest.StashKey()
FAILURES_KEY: pytest.StashKey[list[int]] = pytest.StashKey()
GATES_KEY: pytest.StashKey[list[tuple[str, str]]] = pytest.StashKey()  # (suite, tier) of the selected gate items
HISTORY_KEY: pytest.StashKey[str | None] = pytest.StashKey()  # the history database URL (None: history off)
PREFLIGHT_PROBLEMS: pytest.StashKey[list[str]] = pytest.StashKey()  # found before any model call: exit 4


def configure(config: pytest.Config) -> None:
    stop_rewriting_own_modules(config)
    settings = resolve_settings(config)
    config.stash[SETTINGS_KEY] = settings
    install_factory(config, _new_controller)
    config.stash[HISTORY_KEY] = _history_url(config, settings)
    config.stash[FAILURES_KEY] = [0]
    config.addinivalue_line("markers", "evalkit: an evalkit scenario or suite gate")
    config.stash[EXPLICIT_KEY] = [Path(a.split("::", 1)[0]).resolve() for a in config.args]
    github.register(config, xdist.is_worker(config))  # GitHub Actions: failing items annotate their YAML line
    _add_configured_suites(config, settings.suites, settings.suites_configured)
    if xdist.is_controller(config):
        hooks = _claim_resumed_run(settings) if settings.resume else _new_xdist_run(settings)
        config.pluginmanager.register(hooks, "evalkit-xdist-controller")
        config.stash[XDIST_KEY] = hooks
        from evalkit.plugin.preflight_gate import ControllerPreflight  # before any worker starts: once, here

        config.pluginmanager.register(
            ControllerPreflight(settings, lambda p: may_be_suite(p, config), hooks.release), "evalkit-preflight"
        )
        from evalkit.plugin.shared_budget import host_budget

        host_budget(config, settings)


def _history_url(config: pytest.Config, settings: PluginSettings) -> str | None:
    """Where this run is recorded at its end; a bad `[tool.evalkit] history` is refused now, in one line."""
    from evalkit.history.target import HistoryConfigError, project_history_url

    try:
        return project_history_url(Path(config.rootpath), settings.report_dir)
    except HistoryConfigError as err:
        raise pytest.UsageError(f"evalkit: {err}") from None


def _new_xdist_run(settings: PluginSettings) -> xdist.ControllerHooks:
    """A run directory name for the workers' parts; nothing is created until a worker writes."""
    from evalkit.run.run_dir import new_run_id

    return xdist.ControllerHooks(Path(settings.report_dir).resolve() / new_run_id())


def _claim_resumed_run(settings: PluginSettings) -> xdist.ControllerHooks:
    """Lock the run to resume and merge its leftover parts, so workers read what it has decided (one-line refusals)."""
    from evalkit.run.lock import RunLock, RunLocked
    from evalkit.run.parts import reopen_for_parts
    from evalkit.run.resume import ResumeError
    from evalkit.run.run_dir import resolve_run_dir
    from evalkit.run.tier_compat import upgrade_in_place

    try:
        path = resolve_run_dir(str(settings.resume), settings.report_dir)
        lock = RunLock.acquire(path)
    except FileNotFoundError as err:
        raise pytest.UsageError(f"evalkit: cannot resume: {err}") from None
    except RunLocked as err:
        raise pytest.UsageError(f"evalkit: cannot resume: {err}; let it end first") from None
    merged = reopen_for_parts(path)
    if merged.busy:
        lock.release()
        raise pytest.UsageError(f"evalkit: cannot resume: {merged.busy[0]}; let it end first")
    upgrade_in_place(path)  # an old run's short tiers become full names before any worker reads it
    try:
        _refuse_changed_suites(path)
    except ResumeError as err:
        lock.release()
        raise pytest.UsageError(f"evalkit: {err}") from None
    return xdist.ControllerHooks(path, lock)


def _refuse_changed_suites(path: Path) -> None:
    """Refuse here, once, what every worker would refuse (a suite or rubric changed since the run started)."""
    from evalkit.run.resume import check_stored_suites_unchanged
    from evalkit.run.run_dir import RunDir

    try:
        manifest = RunDir(path).read_manifest()
    except (FileNotFoundError, ValueError):
        return  # no manifest yet: the workers check against what they find
    check_stored_suites_unchanged(manifest, path)


def _new_controller(config: pytest.Config) -> Controller:
    """The session's controller (`get_controller` builds it on first use; xdist workers get the controller's run id)."""
    from evalkit.plugin.controller import Controller  # lazy: the engine loads only once a suite is collected

    settings = config.stash[SETTINGS_KEY]
    info = xdist.worker_input(config)
    part = None
    if xdist.RUN_DIR in info:
        part = xdist.WorkerPart(Path(info[xdist.RUN_DIR]), info[xdist.INVOCATION], xdist.worker_id(config))
    controller = Controller(config, settings, info.get(xdist.RUN_ID), part)
    controller.guard_replay()  # before any agent module is imported: a module-level client reads the variables then
    return controller


def may_be_suite(file_path: Path, config: pytest.Config) -> bool:
    """Cheap filter before anything heavy is imported: a YAML file under a suite path or named explicitly."""
    if file_path.suffix not in (".yaml", ".yml"):
        return False
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        return False
    resolved = file_path.resolve()
    if resolved in config.stash.get(EXPLICIT_KEY, []):
        return True
    return any(resolved == root or root in resolved.parents for root in settings.suites)


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
    ctl = config.stash.get(CONTROLLER_KEY, None)
    if ctl is None or not xdist.is_worker(config):
        return
    from evalkit.plugin.items import GateItem

    gates = [i for i in items if isinstance(i, GateItem)]
    if not gates:
        return
    from evalkit.plugin.gate_reports import gate_spec

    ctl.xdist_gates = [gate_spec(g).model_dump(mode="json") for g in gates]
    items[:] = [i for i in items if not isinstance(i, GateItem)]
    config.hook.pytest_deselected(items=gates)


def collection_finished(session: pytest.Session) -> None:
    ctl = session.config.stash.get(CONTROLLER_KEY, None)
    if ctl is not None:
        ctl.select(session.items)
        from evalkit.plugin.items import GateItem

        session.config.stash[GATES_KEY] = [(i.suite_name, i.tier) for i in session.items if isinstance(i, GateItem)]


def start_run(session: pytest.Session) -> None:
    """Start every selected session now (xdist workers start their share lazily, when it is known)."""
    config = session.config
    ctl = config.stash.get(CONTROLLER_KEY, None)
    if ctl is None or not ctl.selected or config.option.collectonly:
        return
    ctl.check_budget()
    if xdist.is_worker(config):
        return
    if ctl.settings.preflight:
        _preflight(ctl)
    from evalkit.llm import RulesFileError
    from evalkit.plugin.preflight_gate import bad_rules
    from evalkit.run import ResumeError

    display = None
    if config.get_verbosity() >= 0 and not config.getoption("maxfail") and ctl.settings.progress:
        from evalkit.plugin.terminal import progress_display

        display = progress_display(config.pluginmanager.get_plugin("terminalreporter"))
        ctl.progress = display  # before the start: a short run's every snapshot may arrive before start returns
    try:
        ctl.start(ctl.selected)
    except ResumeError as err:
        pytest.exit(f"evalkit: {err}", returncode=pytest.ExitCode.USAGE_ERROR)
    except RulesFileError as err:
        pytest.exit(bad_rules(err), returncode=pytest.ExitCode.USAGE_ERROR)
    if ctl.batches and display is not None:
        display.wait(lambda: all(h.done() for h in ctl.batches))


def _preflight(ctl: Controller) -> None:
    """Stop before the first model call when an agent, a model name or an endpoint is wrong (exit 4)."""
    from evalkit.plugin.preflight_gate import stop_on_problems

    stop_on_problems(ctl, list({id(i.loaded): i.loaded for i in ctl.selected}.values()))


def on_failure(config: pytest.Config) -> None:
    """Under -x / --maxfail: stop scheduling once pytest will stop."""
    failures = config.stash.get(FAILURES_KEY, [0])
    failures[0] += 1
    maxfail = config.getoption("maxfail")
    ctl = config.stash.get(CONTROLLER_KEY, None)
    if maxfail and failures[0] >= maxfail and ctl is not None:
        ctl.stop()


def explain_fixture_results(item: pytest.Item, report: pytest.TestReport) -> None:
    """A failed test that ran scenarios through the `evalkit` fixture gets their failure messages."""
    fixture = getattr(item, "funcargs", {}).get("evalkit")
    text = fixture.failure_report() if fixture is not None and hasattr(fixture, "failure_report") else ""
    if text:
        report.sections.append(("evalkit", text))


def loop_finished(session: pytest.Session) -> None:
    """Under xdist, once every worker is done: merge their runs, decide, and report each gate as an item."""
    hooks = session.config.stash.get(XDIST_KEY, None)
    if hooks is None:
        return
    from evalkit.plugin.gate_reports import GateSpec, distinct, report_gates

    view = _merge_and_decide(session, hooks)
    specs = distinct([GateSpec.model_validate(g) for o in hooks.outputs for g in o.get("gates", [])])
    session.config.stash[GATES_KEY] = [(s.suite, s.tier) for s in specs]
    if view is not None:
        view.gate_items = session.config.stash[GATES_KEY]
    if specs:
        session.testscollected += len(specs)  # the workers collected them; counted here, where they run
        report_gates(session.config, specs, view.gates if view else [])


def finish(session: pytest.Session) -> None:
    config = session.config
    if config.stash.get(PREFLIGHT_PROBLEMS, None):  # a suite's model name failed at collection: a usage error
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    hooks = config.stash.get(XDIST_KEY, None)
    if hooks is not None:
        try:
            if not hooks.decided:  # the loop was interrupted: still merge, so nothing the workers wrote is lost
                _merge_and_decide(session, hooks)
            _publish(config)
        finally:
            hooks.release()
        return
    ctl = config.stash.get(CONTROLLER_KEY, None)
    if ctl is None:
        return
    ctl.close()
    if xdist.is_worker(config):
        _send_to_controller(config, ctl)
        return
    if not ctl.outcomes:
        return
    from evalkit.plugin.nothing_ran import fails as nothing_ran_fails
    from evalkit.plugin.summary import build_view

    view = build_view(ctl.all_trials(), ctl.all_criteria(), ctl.verdict_inputs())
    view.skipped = sum(1 for o in ctl.outcomes.values() if o.skip_reason)
    view.offline = ctl.settings.offline
    view.gate_items = config.stash.get(GATES_KEY, None)
    view.nothing_ran_fails = nothing_ran_fails(config)
    config.stash[VIEW_KEY] = view
    _publish(config)


def _publish(config: pytest.Config) -> None:
    """Where the run's verdict goes besides the terminal: run.json's gates, report.html, the CI step summary."""
    view = config.stash.get(VIEW_KEY, None)
    if view is None:
        return
    from evalkit.plugin.ci import record_gates, write_step_summary
    from evalkit.plugin.reports import write_reports

    record_gates(view)
    view.report, view.report_error = write_reports(view.run_dir)
    write_step_summary(view)
    _record_history(config, view)


def _record_history(config: pytest.Config, view: RunView) -> None:
    """Every run that ends (complete or interrupted) goes into the history database; a failure there is one
    warning line, never the run's failure."""
    url = config.stash.get(HISTORY_KEY, None)
    if url is None or view.run_dir is None:
        return
    from evalkit.history.record import record_run

    warning = record_run(url, view.run_dir, verdict=view.outcome, project_root=Path(config.rootpath))
    if warning:
        _say(config, warning)


def _send_to_controller(config: pytest.Config, ctl: Controller) -> None:
    gate_configs = {i.suite_name: i.loaded.suite.gate.model_dump(mode="json") for i in ctl.selected}
    config.workeroutput[xdist.OUTPUT] = {  # type: ignore[attr-defined]  # xdist adds workeroutput to a worker's Config
        "gates": ctl.xdist_gates,
        "gate_configs": gate_configs,
        "ran": bool(ctl.batches),
    }


def _merge_and_decide(session: pytest.Session, hooks: xdist.ControllerHooks) -> RunView | None:
    """Merge the workers' parts into the run directory and decide it (once); the view is stashed for the summaries."""
    hooks.decided = True
    config = session.config
    merged = hooks.merge()
    left = hooks.refused or (merged.busy[0] if merged is not None and merged.busy else None)
    if left:
        _say(
            config,
            f"evalkit: not every worker's results are merged yet ({left}); "
            f"`--evalkit-resume {hooks.run_dir}` merges them and goes on",
        )
    if merged is None or not _merged_run(hooks.run_dir):
        return None
    view = _decide_merged(hooks, hooks.run_dir, config.stash[SETTINGS_KEY])
    config.stash[VIEW_KEY] = view
    return view


def _merged_run(run_dir: Path) -> bool:
    """The run directory holds a merged run (not only the provisional manifest a first worker wrote)."""
    try:
        return not json.loads((run_dir / "run.json").read_text()).get("provisional")
    except (OSError, ValueError, AttributeError):
        return False


def _say(config: pytest.Config, text: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(text)


def _decide_merged(hooks: xdist.ControllerHooks, run_dir: Path, settings: PluginSettings) -> RunView:
    from evalkit.plugin.controller import baseline_trials
    from evalkit.plugin.summary import build_view
    from evalkit.run.run_dir import RESULTS, TRIALS, read_rows
    from evalkit.run.trust_inputs import with_judge_evidence
    from evalkit.spec.models import GateConfig
    from evalkit.verdicts import ResultRow, TrialRecord, VerdictInputs

    trials = [TrialRecord.model_validate(r) for r in read_rows(run_dir / TRIALS)]
    criteria = [ResultRow.model_validate(r) for r in read_rows(run_dir / RESULTS)]
    inputs = VerdictInputs(baseline=baseline_trials(settings, current=run_dir), run_dir=run_dir)
    for output in hooks.outputs:
        inputs.gates.update({k: GateConfig.model_validate(v) for k, v in output.get("gate_configs", {}).items()})
        inputs.expected.update({g["suite"]: g["expected"] for g in output.get("gates", [])})
    view = build_view(trials, criteria, with_judge_evidence(inputs, trials))
    view.offline = settings.offline
    return view


def terminal_summary(reporter: Any, config: pytest.Config) -> None:
    view = config.stash.get(VIEW_KEY, None)
    if view is None:
        return
    from evalkit.plugin.terminal import output_width, quiet_summary, render_summary

    if config.get_verbosity() < 0:
        if config.get_verbosity() == -1:  # -q: the verdict line only; -qq: nothing
            reporter.write(quiet_summary(view))
        return
    reporter.write_sep("=", "evalkit summary")
    reporter.write(render_summary(view, output_width(reporter), reporter.hasmarkup))
