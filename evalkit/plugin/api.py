"""Running a scenario from Python code: `evalkit.run_scenario(...)` and the `evalkit` fixture.

    result = evalkit.run_scenario("refund-damaged-item", agent=my_agent, trials=5)
    assert result.passed

When a test that used the `evalkit` fixture fails, the plugin adds an "evalkit"
section to the failure report with each failed scenario's message (failing
criteria, the judge's reasoning, the transcript path), so a bare
`assert result.passed` explains itself; `str(result)` is the same message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from evalkit.conversation.agents.objects import object_agent
from evalkit.options.errors import OptionError
from evalkit.options.pyproject import read_tool_table
from evalkit.options.resolve import Sources, resolve
from evalkit.plugin.controller_slot import get_controller
from evalkit.plugin.messages import counts_text, failure_message
from evalkit.plugin.offline import OfflineEndpoint
from evalkit.plugin.options import PluginSettings
from evalkit.plugin.replay_guard import guarded
from evalkit.plugin.spending import is_free, skip_reason
from evalkit.run import RunConfig, plan_run, run_in_thread
from evalkit.run.preflight import Preflight, require
from evalkit.spec import (
    AgentConfig,
    CallableAgent,
    FactoryAgent,
    HttpAgent,
    LoadedSuite,
    ModelAgent,
    ObjectAgent,
    PluginAgent,
    find_project_root,
    is_suite_file,
    load_suite,
)
from evalkit.verdicts.rows import ResultRow, TrialRecord
from evalkit.verdicts.scenario import ScenarioVerdict, decide_scenario

AGENT_CONFIGS = (CallableAgent, FactoryAgent, ModelAgent, HttpAgent, ObjectAgent, PluginAgent)


class ScenarioResult(BaseModel):
    """The outcome of `run_scenario`: the verdict, its trials, and where the run was written."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    verdict: ScenarioVerdict
    trials: list[TrialRecord]
    criteria: list[ResultRow]
    run_dir: Path | None

    @property
    def passed(self) -> bool:
        return self.verdict.outcome == "pass"

    @property
    def message(self) -> str:
        label = f"{self.verdict.scenario_id}[{self.verdict.tier}]"
        if self.passed:
            return f"{label} passed: {counts_text(self.verdict)}"
        return failure_message(self.verdict, label)

    def __repr__(self) -> str:
        return f"<ScenarioResult {self.message.splitlines()[0]}>"

    def __str__(self) -> str:
        return self.message


def run_scenario(
    scenario: str,
    agent: Any = None,
    trials: int | None = None,
    suite: str | Path | None = None,
    config: RunConfig | None = None,
    live: bool | None = None,
) -> ScenarioResult:
    """Run one scenario (every trial concurrently) and decide it like the pytest item would.

    Spending is opt-in here as under pytest: a scenario that would call a paid model runs only with
    `live=True` or EVALKIT_LIVE=1, or when its calls are served offline (`config.offline`) or from a
    cassette (`config.replay_path`); otherwise `SpendingRefused` says so before any call. The project's
    `[tool.evalkit]` (base_urls, limits, report_dir...) and EVALKIT_* variables apply, under `config`'s own values.
    The preflight runs first: a problem raises `PreflightError` (a ValueError), one line each, before any call.

    Args:
        scenario: Scenario id, looked up in `suite` or in the project's `suites/`.
        agent: The agent under test: a Python object/function/factory (in-process), "module:attr", or an
            agent config (e.g. `FactoryAgent(kind="factory", target=...)`). Default: the suite's.
        trials: Trials to run (default: the scenario's or suite's).
        suite: Suite file holding the scenario, when the id alone is ambiguous or outside `suites/`.
        config: Run settings (report dir, models, base URLs, cache); `trials` wins over `config.trials`.
        live: Allow paid model calls (default: EVALKIT_LIVE).
    """
    loaded = _find_suite(scenario, Path(suite) if suite else None)
    if agent is not None:
        loaded.suite = loaded.suite.model_copy(update={"agent": _agent_config(agent)})
    settings = project_settings()
    run_config = _with_project(config, settings).model_copy(update={"trials": trials} if trials else {})
    live = settings.live if live is None else live
    tiers: list[str | None] = list(run_config.tiers or loaded.suite.agent_models) or [None]
    with guarded(run_config, live) as run_config:
        require(  # before any session, as the plugin does
            [loaded], Preflight(run_config, live=live and not run_config.offline), tiers[:1]
        )
        _refuse_spending(loaded, scenario, tiers[0], run_config, settings, live)
        work = [w for w in plan_run([loaded], run_config) if w.scenario_id == scenario and w.agent_model == tiers[0]]
        handle = run_in_thread(work, run_config)
        handle.wait()
    results = [r for r in handle.results.values() if r.status == "done" and r.trial]
    rows = sorted((TrialRecord.model_validate(r.trial) for r in results), key=lambda t: t.trial)
    criteria = [ResultRow.model_validate(c) for r in results for c in r.results]
    verdict = decide_scenario(rows, criteria, loaded.suite.gate, handle.run_dir)
    return ScenarioResult(verdict=verdict, trials=rows, criteria=criteria, run_dir=handle.run_dir)


class SpendingRefused(RuntimeError):
    """run_scenario would call a paid model without live mode."""


def project_settings() -> PluginSettings:
    """The project's settings as pytest would read them without flags: [tool.evalkit] and EVALKIT_* variables."""
    root = find_project_root()
    try:
        resolved = resolve(Sources(root=root, cwd=Path.cwd(), env=os.environ, tool=read_tool_table(root)))
    except OptionError as err:
        raise ValueError(str(err)) from None
    return PluginSettings(resolved.values)


def _with_project(config: RunConfig | None, settings: PluginSettings) -> RunConfig:
    """`config` as given, its base URLs over the project's; the project's whole config when none is given."""
    project = RunConfig.from_options(settings.values)
    if config is None:
        return project
    return config.model_copy(update={"base_urls": {**project.base_urls, **config.base_urls}})


def _refuse_spending(
    loaded: LoadedSuite, scenario: str, tier: str | None, config: RunConfig, settings: PluginSettings, live: bool
) -> None:
    if live or config.offline or config.replay_path is not None:
        return
    spec = next(s for s in loaded.scenarios if s.id == scenario)
    if not is_free(loaded, spec, tier, settings):
        raise SpendingRefused(
            f"evalkit.run_scenario('{scenario}'): live model calls are off and this scenario "
            "would call a paid model; pass live=True or set EVALKIT_LIVE=1 (or run it offline: "
            "RunConfig(offline=True), or from a cassette: RunConfig(replay_path=...))"
        )


def _agent_config(agent: Any) -> AgentConfig:
    """What the engine runs: "module:attr" as a callable target, an agent config as it is, any other
    Python object by its id in the in-process object table (resolved by the agent registry's `object` kind)."""
    if isinstance(agent, str):
        return CallableAgent(target=agent)
    if isinstance(agent, AGENT_CONFIGS):
        return agent
    return object_agent(agent)


def _find_suite(scenario: str, suite: Path | None) -> LoadedSuite:
    if suite is not None:
        loaded = load_suite(suite)
        if not any(s.id == scenario for s in loaded.scenarios):
            raise ValueError(f"{suite}: no scenario '{scenario}' (has: {', '.join(s.id for s in loaded.scenarios)})")
        return loaded
    root = find_project_root()
    files = (
        sorted(p for p in (root / "suites").rglob("*.y*ml") if is_suite_file(p)) if (root / "suites").is_dir() else []
    )
    found = [hit for f in files if (hit := _load_if_has(f, scenario)) is not None]
    if len(found) != 1:
        where = ", ".join(str(f.path) for f in found) if found else f"no suite under {root / 'suites'}"
        raise ValueError(f"scenario '{scenario}' must be in exactly one suite ({where}); pass suite=PATH")
    return found[0]


def _load_if_has(path: Path, scenario: str) -> LoadedSuite | None:
    """The loaded suite when it holds the scenario (loaded once: the caller keeps it), else None."""
    try:
        loaded = load_suite(path)
    except Exception:  # noqa: BLE001 - a broken unrelated suite must not hide the one asked for
        return None
    return loaded if any(s.id == scenario for s in loaded.scenarios) else None


class EvalkitFixture:
    """What the `evalkit` fixture gives a test: `run_scenario` with the session's evalkit options applied."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self.results: list[ScenarioResult] = []

    def failure_report(self) -> str:
        """The messages of every scenario this test ran that did not pass (shown when the test fails)."""
        return "\n\n".join(r.message for r in self.results if not r.passed)

    def run_scenario(
        self, scenario: str, agent: Any = None, trials: int | None = None, suite: str | Path | None = None
    ) -> ScenarioResult:
        ctl = get_controller(self._config)
        loaded = _find_suite(scenario, Path(suite) if suite else None)
        if agent is not None:  # the spending rule looks at the agent that will run, not the suite's
            loaded.suite = loaded.suite.model_copy(update={"agent": _agent_config(agent)})
        spec = next(s for s in loaded.scenarios if s.id == scenario)
        tier = (ctl.settings.agent_models or loaded.suite.agent_models or [None])[0]
        reason = skip_reason(loaded, spec, tier, ctl.settings)
        if reason:
            pytest.skip(reason)
        if ctl.settings.offline and ctl.offline is None:
            ctl.offline = OfflineEndpoint([loaded])
        config = ctl.run_config().model_copy(update={"run_id": None})
        result = run_scenario(
            scenario, agent=agent, trials=trials, suite=loaded.path, config=config, live=ctl.settings.live
        )
        self.results.append(result)
        return result
