"""Everything one session needs, resolved: no defaults are looked up while it runs."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from evalkit.conversation.transcript import Transcript
from evalkit.spec.models import AgentConfig, ModelAgent, Scenario, SimulatorConfig, Suite


class SessionSpec(BaseModel):
    """One scenario x agent configuration x trial, with limits already resolved.

    `frozen_from`: replay that transcript's user turns instead of simulating them
    (see `evalkit.conversation.frozen` for when replay stops).
    `template_dir`: where a relative `simulator.template` path is resolved (the suite's folder).
    """

    run_id: str | None = None
    suite_name: str | None = None
    scenario: Scenario
    trial: int = Field(default=0, ge=0)
    seed: int = 0
    agent: AgentConfig
    agent_params: dict[str, Any] = Field(default_factory=dict)
    agent_model: str | None = None  # the tier under test; None = the agent's own default
    agent_base_url: str | None = None  # a Python agent's tier endpoint (agent_models {model, base_url}): its base_url
    simulator: SimulatorConfig = Field(default_factory=SimulatorConfig)
    max_turns: int = Field(default=10, gt=0)
    min_turns: int = Field(default=0, ge=0)
    agent_turn_timeout_s: float = Field(default=120, gt=0)
    session_timeout_s: float = Field(default=600, gt=0)
    frozen_from: Transcript | None = None
    frozen_similarity: float = Field(
        default=0.85, ge=0, le=1, description="Min normalised-text similarity to keep replaying."
    )
    session_id: str | None = None
    template_dir: Path | None = None

    @property
    def id(self) -> str:
        """The session id: given, or derived from run, suite, scenario, tier and trial."""
        if self.session_id:
            return self.session_id
        key = f"{self.run_id}|{self.suite_name}|{self.scenario.id}|{self.agent_model}|{self.trial}"
        return f"{self.scenario.id}-t{self.trial}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"

    @property
    def agent_kind(self) -> str:
        return self.agent.kind

    def simulator_template(self) -> Path | None:
        if not self.simulator.template:
            return None
        path = Path(self.simulator.template)
        return path if path.is_absolute() or self.template_dir is None else self.template_dir / path

    @classmethod
    def from_suite(
        cls, suite: Suite, scenario: Scenario, *, trial: int, seed: int, agent_model: str | None = None, **extra: Any
    ) -> SessionSpec:
        """Resolve scenario overrides over suite defaults (limits, params) for one trial."""
        defaults = suite.defaults
        agent = suite.agent_config
        params = {**suite.agent_params, **scenario.params}  # CallableAgent.params sit beneath these
        url = suite.tier_base_url(agent_model)  # the tier's endpoint, from agent_models
        if isinstance(agent, ModelAgent) and url:
            agent, url = agent.model_copy(update={"base_url": url}), None
        return cls(
            suite_name=suite.suite,
            scenario=scenario,
            trial=trial,
            seed=seed,
            agent=agent,
            agent_params=params,
            agent_model=agent_model,
            agent_base_url=url,
            simulator=suite.simulator,
            max_turns=scenario.max_turns or defaults.max_turns,
            min_turns=scenario.min_turns if scenario.min_turns is not None else defaults.min_turns,
            agent_turn_timeout_s=defaults.agent_turn_timeout_s,
            session_timeout_s=defaults.session_timeout_s,
            **extra,
        )
