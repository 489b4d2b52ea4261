"""evalkit's pytest plugin. Inert unless the project has evalkit suites.

Registered through the `pytest11` entry point, so it is imported by every
pytest run in an environment where evalkit is installed: this module and its
import-time dependencies stay light (pytest and the standard library). The
engine, the spec loader and the models are imported only once a suite file is
actually collected. Hooks stay thin; the work lives in `evalkit.plugin`.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from evalkit.plugin import nothing_ran as _nothing_ran
from evalkit.plugin import session as _session
from evalkit.plugin.options import add_options
from evalkit.plugin.redaction import redact_report, redact_terminal


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    _session.configure(config)
    config.pluginmanager.register(_nothing_ran.Counter(config), "evalkit-nothing-ran")


@pytest.hookimpl(tryfirst=True)  # pytest's terminal writer exists by now; nothing from a test has been printed
def pytest_sessionstart(session: pytest.Session) -> None:
    redact_terminal(session.config)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Any:
    if not _session.may_be_suite(file_path, parent.config):
        return None
    from evalkit.plugin.collection import collect_file

    return collect_file(file_path, parent)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    _session.leave_gates_to_xdist_controller(config, items)


def pytest_collection_finish(session: pytest.Session) -> None:
    _session.collection_finished(session)


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    _session.start_run(session)
    result = yield
    _session.loop_finished(session)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    redact_report(report)  # before the terminal, JUnit XML or xdist's controller sees it
    settle = getattr(item, "settle_duration", None)  # an evalkit item: its own trials' time, not the concurrent run's
    if settle is not None:
        settle(report)
    if report.failed:
        _session.on_failure(item.config)
        _session.explain_fixture_results(item, report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    report = yield
    redact_report(report)  # a collection error can quote a suite's or an agent module's text
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    settings = session.config.stash.get(_session.SETTINGS_KEY, None)
    _nothing_ran.finish(session, settings)  # first: the summary's verdict line says when require_run fails the run
    _session.finish(session)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    _session.terminal_summary(terminalreporter, config)
    for line in _nothing_ran.terminal_lines(config):  # at the very end, where a CI log is read first
        terminalreporter.write_line(line)


@pytest.fixture
def evalkit(request: pytest.FixtureRequest) -> Any:
    """Run evalkit scenarios from a test: `evalkit.run_scenario("id", agent=my_agent, trials=3)`."""
    from evalkit.plugin.api import EvalkitFixture

    return EvalkitFixture(request.config)
