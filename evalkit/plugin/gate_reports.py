"""Suite gates under pytest-xdist: reported as test items by the controller, after it merged the workers' runs.

A gate needs every scenario of its suite and tier, which no single worker has,
so workers drop their gate items and the controller decides the gates over the
merged run. It then reports each gate the way pytest reports an item that ran
(logstart, setup/call/teardown reports, logfinish through the normal hooks), so
the terminal's progress and counts, `-q`, JUnit XML (one testcase per gate) and
the exit status all see the gate exactly as in a single process.

Why here and not on a worker: a worker running gates last would have to wait
for other workers' trials (another process's results) inside a test, and xdist
may hand the gate to any worker in any order; the controller is the one place
that has all results, after the loop, with pytest's reporting still open.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from evalkit.plugin.failure_repr import failure_repr, gate_failure
from evalkit.plugin.items import EvalkitGateWarning
from evalkit.verdicts import GateResult

NO_TRIALS = "no scenario of this suite ran, so there is nothing to gate"


class GateSpec(BaseModel):
    """What a worker tells the controller about one gate item it collected."""

    nodeid: str
    location: tuple[str, int | None, str]
    suite: str
    tier: str
    expected: list[str]  # the suite's scenario ids (the coverage check)


def gate_spec(item: Any) -> GateSpec:
    """The controller's view of a collected `GateItem`."""
    return GateSpec(
        nodeid=item.nodeid,
        location=item.location,
        suite=item.suite_name,
        tier=item.tier,
        expected=[s.id for s in item.loaded.scenarios],
    )


def distinct(specs: list[GateSpec]) -> list[GateSpec]:
    """Every worker collects every gate: one per node id, in collection order."""
    return list({s.nodeid: s for s in specs}.values())


def report_gates(config: pytest.Config, specs: list[GateSpec], results: list[GateResult]) -> None:
    """Log one finished test per gate through pytest's hooks (terminal, JUnit, exit status)."""
    by_key = {(r.suite, r.tier): r for r in results}
    for spec in specs:
        report_gate(config, spec, by_key.get((spec.suite, spec.tier)))


def report_gate(config: pytest.Config, spec: GateSpec, result: GateResult | None) -> None:
    hook = config.hook
    props: list[tuple[str, object]] = [("gate", result.outcome)] if result else []  # JUnit reads them at teardown
    hook.pytest_runtest_logstart(nodeid=spec.nodeid, location=spec.location)
    hook.pytest_runtest_logreport(report=_report(spec, "setup", "passed"))
    if result is None:
        call = _report(spec, "call", "skipped", (spec.location[0], spec.location[1] or 0, f"Skipped: {NO_TRIALS}"))
    elif result.failed:
        shown = failure_repr(
            gate_failure(result), spec.location, config.getoption("tbstyle", "auto")
        )  # as in one process
        call = _report(spec, "call", "failed", shown, props)
    else:
        call = _report(spec, "call", "passed", None, props)
        if result.outcome == "inconclusive":
            _warn(config, spec, result.message())
    hook.pytest_runtest_logreport(report=call)
    hook.pytest_runtest_logreport(report=_report(spec, "teardown", "passed", None, props))
    hook.pytest_runtest_logfinish(nodeid=spec.nodeid, location=spec.location)


def _report(
    spec: GateSpec,
    when: Literal["setup", "call", "teardown"],
    outcome: Literal["passed", "failed", "skipped"],
    longrepr: Any = None,
    properties: list[tuple[str, object]] | None = None,
) -> pytest.TestReport:
    now = time.time()
    return pytest.TestReport(
        nodeid=spec.nodeid,
        location=spec.location,
        keywords={spec.location[2]: 1, "evalkit": 1},
        outcome=outcome,
        longrepr=longrepr,
        when=when,
        duration=0.0,
        start=now,
        stop=now,
        user_properties=properties or [],
    )


def _warn(config: pytest.Config, spec: GateSpec, message: str) -> None:
    """An inconclusive gate under `inconclusive: warn`: in pytest's warnings summary, as in a single process."""
    warning = warnings.WarningMessage(
        EvalkitGateWarning(message), EvalkitGateWarning, spec.location[0], (spec.location[1] or 0) + 1
    )
    config.hook.pytest_warning_recorded.call_historic(
        kwargs={"warning_message": warning, "when": "runtest", "nodeid": spec.nodeid, "location": None}
    )
