"""Running a scenario from Python code: `evalkit.run_scenario(...)` and the `evalkit` fixture.

    result = evalkit.run_scenario("refund-damaged-item", agent=my_agent, trials=5)
    assert result.passed

When a test that used the `evalkit` fixture fails, the plugin adds an "evalkit"
section to the failure report with each failed scenario's message (failing
criteria, the judge's reasoning, the transcript path), so a bare
`assert result.passed` explains itself; `str(result)` is the same message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from evalkit.conversation.agents.objects import object_agent
from evalkit.plugin.controller_slot import get_controller
from evalkit.plugin.messages import counts_text, failure_message
from evalkit.plugin.model_names import model_name_problems
from evalkit.plugin.offline import OfflineEndpoint
from evalkit.plugin.spending import skip_reason
from evalkit.verdicts.scenario import ScenarioVerdict, decide_scenario
from evalkit.run import RunConfig, plan_run, run_in_thread
from evalkit.verdicts.rows import ResultRow, TrialRecord
from evalkit.spec import (AgentConfig, CallableAgent, FactoryAgent, HttpAgent, LoadedSuite, ModelAgent, ObjectAgent,
                          PluginAgent, find_project_root, is_suite_file, load_suite)

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
) -> ScenarioResult:
    """Run one scenario (every trial concurrently) and decide it like the pytest item would.

    Args:
        scenario: Scenario id, looked up in `suite` or in the project's `suites/`.
        agent: The agent under test: a Python object/function/factory (in-process), "module:attr", or an
            agent config (e.g. `FactoryAgent(kind="factory", target=...)`). Default: the suite's.
        trials: Trials to run (default: the scenario's or suite's).
        suite: Suite file holding the scenario, when the id alone is ambiguous or outside `suites/`.
        config: Run settings (report dir, models, base URLs, cache); `trials` wins over `config.trials`.
    """
    loaded = _find_suite(scenario, Path(suite) if suite else None)
    if agent is not None:
        loaded.suite = loaded.suite.model_copy(update={"agent": _agent_config(agent)})
    run_config = (config or RunConfig()).model_copy(update={"trials": trials} if trials else {})
    tiers: list[str | None] = list(run_config.tiers or loaded.suite.agent_models) or [None]
    unknown = model_name_problems(loaded, run_config, tiers[:1])
    if unknown:  # before any session, as collection does
        raise ValueError("\n".join(unknown))
    work = [w for w in plan_run([loaded], run_config) if w.scenario_id == scenario and w.agent_model == tiers[0]]
    handle = run_in_thread(work, run_config)
    handle.wait()
    results = [r for r in handle.results.values() if r.status == "done" and r.trial]
    rows = sorted((TrialRecord.model_validate(r.trial) for r in results), key=lambda t: t.trial)
    criteria = [ResultRow.model_validate(c) for r in results for c in r.results]
    verdict = decide_scenario(rows, criteria, loaded.suite.gate, handle.run_dir)
    return ScenarioResult(verdict=verdict, trials=rows, criteria=criteria, run_dir=handle.run_dir)


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
    files = sorted(p for p in (root / "suites").rglob("*.y*ml") if is_suite_file(p)) if (root / "suites").is_dir() else []
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

    def run_scenario(self, scenario: str, agent: Any = None, trials: int | None = None,
                     suite: str | Path | None = None) -> ScenarioResult:
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
        result = run_scenario(scenario, agent=agent, trials=trials, suite=loaded.path, config=config)
        self.results.append(result)
        return result
