"""pytest items: one per scenario x tier, and one gate per suite x tier.

Items do not run sessions themselves: the controller has already started every
selected session concurrently; an item waits for its own trials, decides its
verdict and reports it in pytest's order.
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

from evalkit.plugin.controller_slot import get_controller
from evalkit.plugin.failure_repr import Failure, failure_repr, gate_failure, scenario_failure, setup_failure
from evalkit.plugin.messages import failure_message, interval_text, pct
from evalkit.run.keys import item_key, tier_of
from evalkit.verdicts import ScenarioVerdict

if TYPE_CHECKING:
    from evalkit.plugin.controller import Controller


class _ItemFailure(Exception):
    """An evalkit verdict against the item: its text is the full account, `failure` how pytest shows it."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.text)
        self.failure = failure


class ScenarioFailed(_ItemFailure):
    """A scenario's trials did not meet its gate (quality failure or invalid)."""


class ScenarioSetupError(_ItemFailure):
    """The agent never ran (could not be imported or built): an error of the setup, not a quality failure."""


class GateFailed(_ItemFailure):
    """A suite gate failed or was inconclusive under `inconclusive: fail`."""


class EvalkitGateWarning(UserWarning):
    """An inconclusive gate under `inconclusive: warn`."""


def cache_node_id(parent: pytest.Collector, name: str) -> Any:
    """The structured node id pytest reads back from `parent::name` in its cache (None before pytest 9.2).

    pytest 9.2 keys --lf, --ff, --nf and --sw by a structured id parsed from the cached string, where
    `scenario[tier]` is the test `scenario` with parameters `tier` (a parametrized test's shape), but
    builds a custom item's id as one name, `scenario[tier]`: the two never matched, so --lf re-ran
    everything. An item whose id is the parse of its own string matches by construction, whatever
    the tier holds (`:`, `/`, `.`, brackets). Before 9.2 ids are strings and the default is already right.
    """
    parse = getattr(type(getattr(parent, "id", None)), "parse", None)
    return None if parse is None else parse(f"{parent.nodeid}::{name}")


class _EvalItem(pytest.Item):
    def __init__(self, *, loaded: Any, agent_model: str | None, **kwargs: Any) -> None:
        if kwargs.get("nodeid") is None and "parent" in kwargs and "name" in kwargs:
            kwargs["nodeid"] = cache_node_id(kwargs["parent"], kwargs["name"])
        super().__init__(**kwargs)
        self.loaded = loaded
        self.agent_model = agent_model
        self.tier = tier_of(agent_model)  # the identity; the item's name shows `tier_label` (collection)
        self._blocked: dict[str, float] = defaultdict(float)  # per phase: seconds spent waiting on the run
        self.own_seconds = 0.0  # what the item's own trials took (sessions and judging), once known

    @property
    def suite_name(self) -> str:
        return str(self.loaded.suite.suite)

    def controller(self) -> Controller:
        return get_controller(self.config)

    @contextmanager
    def waiting(self, phase: str) -> Iterator[None]:
        """Time spent here is the concurrent run's (starting it, other items' sessions), not this item's."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self._blocked[phase] += time.perf_counter() - started

    def settle_duration(self, report: pytest.TestReport) -> None:
        """The phase's duration as this item's own: pytest's measured time without the waits on the run,
        plus, for the call, its trials' recorded time. Without this the whole concurrent run was charged to
        the first item (`--durations`, JUnit `time`); the session's wall time stays pytest's own."""
        own = self.own_seconds if report.when == "call" else 0.0
        report.duration = max(0.0, report.duration - self._blocked.pop(report.when, 0.0)) + own

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, _ItemFailure):
            return failure_repr(excinfo.value.failure, self.location, style or self.config.getoption("tbstyle", "auto"))
        return super().repr_failure(excinfo, style=style)

    def _repr_failure_py(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """Setup errors are rendered here (pytest calls `repr_failure` for the call phase only): our message,
        not pytest's and pluggy's frames."""
        if isinstance(excinfo.value, _ItemFailure):
            return failure_repr(excinfo.value.failure, self.location, style or self.config.getoption("tbstyle", "auto"))
        return super()._repr_failure_py(excinfo, style=style)


class ScenarioItem(_EvalItem):
    """All trials of one scenario under one agent tier."""

    def __init__(self, *, scenario: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    @property
    def key(self) -> str:
        """The run engine's item key of this item's trials (`evalkit.run.keys`)."""
        return item_key(self.suite_name, self.scenario.id, self.tier)

    def setup(self) -> None:
        """A scenario whose agent never ran is reported as a pytest ERROR, so setup breakage reads as such."""
        with self.waiting("setup"):
            result = self.controller().scenario_result(self)
        if result.error:
            raise ScenarioSetupError(setup_failure(result.error))
        if result.verdict is not None and result.verdict.outcome == "error":
            raise ScenarioSetupError(scenario_failure(result.verdict, failure_message(result.verdict, self.name)))

    def runtest(self) -> None:
        with self.waiting("call"):
            result = self.controller().scenario_result(self)
        self.own_seconds = sum(trial_seconds(t) for t in result.trials)
        if result.skip_reason:
            pytest.skip(result.skip_reason)
        verdict = result.verdict
        assert verdict is not None, "a scenario that was not skipped has a verdict"
        self.user_properties.extend(junit_properties(verdict, self.loaded.rubrics_for(self.scenario)))
        if verdict.outcome != "pass":
            raise ScenarioFailed(scenario_failure(verdict, failure_message(verdict, self.name)))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        """The suite file and the scenario's line (0-based, pytest's convention): IDEs, reports and CI
        annotations point at the YAML that defines it."""
        line = getattr(self.loaded, "scenario_lines", {}).get(self.scenario.id)
        return self.path, None if line is None else line - 1, self.name


class GateItem(_EvalItem):
    """The suite gate for one tier: decided over every scenario item of the suite that ran."""

    def runtest(self) -> None:
        result = self.controller().gate_result(self)
        if result is None:
            pytest.skip("no scenario of this suite ran, so there is nothing to gate")
        self.user_properties.append(("gate", result.outcome))
        if result.failed:
            raise GateFailed(gate_failure(result))
        if result.outcome == "inconclusive":
            warnings.warn(EvalkitGateWarning(result.message()), stacklevel=1)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        """The suite file and its `gate:` line (0-based), where the gate a failure is measured against is set."""
        line = getattr(self.loaded, "gate_line", None)
        return self.path, None if line is None else line - 1, self.name


def trial_seconds(trial: Any) -> float:
    """A trial's own time as recorded: its session, then its judging (absent in rows written before it was)."""
    return float(trial.latency_s or 0.0) + float(getattr(trial, "judge_latency_s", None) or 0.0)


def junit_properties(v: ScenarioVerdict, rubrics: list[Any]) -> list[tuple[str, object]]:
    """Per-item facts for junit XML `<properties>` (CI dashboards read them)."""
    props: list[tuple[str, object]] = [
        ("evalkit_outcome", v.outcome),
        ("pass_rate", pct(v.pass_rate)),
        ("interval", interval_text(v)),
        ("trials", v.trials),
        ("invalid", v.invalid),
        ("score", "n/a" if v.mean_score is None else f"{v.mean_score:.3f}"),
        ("cost_usd", "unknown" if v.cost_usd is None else f"{v.cost_usd:.6f}"),
    ]
    refs = [r.ref for r in rubrics]
    if refs:
        props.append(("rubrics", ",".join(refs)))
    return props
