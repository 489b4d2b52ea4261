"""The run's preflight as the plugin runs it: once per pytest session, before the first model call (exit 4).

Without xdist it runs in `start_run`, over the selected items' suites. Under pytest-xdist the controller runs it
in `pytest_sessionstart`, before any worker is started (workers never run it): the controller collects nothing,
so it loads the suites named on the command line (or configured) itself, and leaves out a suite none of whose
items `-k` / `-m` would select (plugin/keyword_selection.py). Offline, the fake server starts first, so each agent is built against it
and the URLs it hands out are checked, as the run will use them; under xdist that server is the controller's own,
stopped after the preflight (each worker starts its own).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from evalkit.plugin.controller import Controller
    from evalkit.plugin.options import PluginSettings


def stop_on_problems(ctl: Controller, suites: list[Any]) -> None:
    """Exit 4 with one line per problem when the preflight finds any; return when the run may start."""
    from evalkit.llm import RulesFileError

    try:
        problems = _problems(ctl, suites)
    except RulesFileError as err:
        pytest.exit(bad_rules(err), returncode=pytest.ExitCode.USAGE_ERROR)
    if problems:
        pytest.exit(message(problems), returncode=pytest.ExitCode.USAGE_ERROR)


def bad_rules(err: Exception) -> str:
    return f"evalkit: bad offline_rules file: {err}"


def message(problems: list[str]) -> str:
    lines = "\n".join(problems)
    return f"evalkit: preflight found {len(problems)} problem(s); no model was called:\n{lines}"


class ControllerPreflight:
    """The xdist controller's plugin that runs the preflight in `pytest_sessionstart`, before xdist's own (which
    starts the workers, `trylast`). `is_suite`: the plugin's rule for which YAML paths may be suites; `on_stop`
    runs before the session ends here (sessionfinish will not run: a resumed run's lock is let go)."""

    def __init__(self, settings: PluginSettings, is_suite: Callable[[Path], bool], on_stop: Callable[[], None]) -> None:
        self.settings, self.is_suite, self.on_stop = settings, is_suite, on_stop

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        try:
            controller_preflight(session.config, self.settings, self.is_suite)
        except BaseException:
            self.on_stop()
            raise


def controller_preflight(config: pytest.Config, settings: PluginSettings, is_suite: Callable[[Path], bool]) -> None:
    """Under xdist: the preflight of every suite the run names, in the controller, before workers start.

    Problems raise a usage error (exit 4, printed once): pytest.exit this early would print its message twice."""
    if not settings.preflight or config.getoption("collectonly", False):
        return
    from evalkit.plugin.keyword_selection import selects_any

    suites = [loaded for loaded in named_suites(config, settings, is_suite) if selects_any(config, settings, loaded)]
    if not suites:
        return
    from evalkit.llm import RulesFileError
    from evalkit.plugin.controller import Controller

    probe = Controller(config, settings)  # only for its run config and offline endpoint; it starts nothing
    try:
        problems = _problems(probe, suites)
    except RulesFileError as err:
        raise pytest.UsageError(bad_rules(err)) from None
    finally:
        if probe.offline is not None:
            probe.offline.close()
    if problems:
        raise pytest.UsageError(message(problems))


def _problems(ctl: Controller, suites: list[Any]) -> list[str]:
    """The preflight's problems; raises RulesFileError when offline rules do not load (each caller stops the
    session its own way, so the line is printed once)."""
    from evalkit.plugin.offline import OfflineEndpoint, with_factory_base_url
    from evalkit.run.preflight import Preflight, preflight

    if ctl.settings.offline:
        ctl.offline = ctl.offline or OfflineEndpoint(suites)  # the run's own endpoint: start() reuses it
        for loaded in suites:
            with_factory_base_url(loaded, ctl.offline.base_urls)
    run_config = ctl.run_config(probe=True).model_copy(update={"offline": ctl.settings.offline})
    return preflight(suites, Preflight(run_config, live=ctl.settings.live, endpoint_up=ctl.offline is not None))


def named_suites(config: pytest.Config, settings: PluginSettings, is_suite: Callable[[Path], bool]) -> list[Any]:
    """The suites the run's paths hold, loaded as collection loads them; one that does not load is left to the
    workers' collection, which reports it as a collection error."""
    from evalkit.conversation.agents.import_root import add_import_root
    from evalkit.conversation.agents.override import override_target
    from evalkit.spec import SpecError, is_suite_file, load_suite
    from evalkit.spec.project import yaml_files

    inipath = config.inipath
    add_import_root(config.rootpath, inipath.parent if inipath else None)
    paths = [Path(config.invocation_params.dir, a.split("::", 1)[0]) for a in config.args]
    suites = []
    for path in yaml_files(paths):
        if not (is_suite(path) and is_suite_file(path)):
            continue
        try:
            loaded = load_suite(path)
        except SpecError:
            continue
        if settings.agent:
            loaded.suite = loaded.suite.model_copy(
                update={"agent": override_target(loaded.suite.agent_config, settings.agent)}
            )
        suites.append(loaded)
    return suites
