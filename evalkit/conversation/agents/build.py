"""One fresh agent per session, from the suite's agent config."""

from __future__ import annotations

from typing import Any

from evalkit.conversation.agents.base import Agent, AgentSetupError
from evalkit.conversation.agents.callable import build_callable_agent
from evalkit.conversation.agents.http_agent import HttpAgentAdapter
from evalkit.conversation.agents.model_agent import ModelAgentAdapter
from evalkit.llm.source import ModelSource
from evalkit.spec.models import AgentConfig, CallableAgent, HttpAgent, ModelAgent


async def build_agent(config: AgentConfig, *, hub: ModelSource, model: str | None, params: dict[str, Any]) -> Agent:
    """Build the agent for one session; `model` is the tier under test (overrides a model agent's own)."""
    if isinstance(config, CallableAgent):
        return await build_callable_agent(config.target, model=model, params={**config.params, **params})
    if isinstance(config, ModelAgent):
        name = model or config.model
        if not name:
            raise AgentSetupError("model agent has no model: set agent.model or list agent_models in the suite")
        return ModelAgentAdapter(config, hub.model(name))
    if isinstance(config, HttpAgent):
        return HttpAgentAdapter(config, model=model)
    raise AgentSetupError(f"unknown agent config {type(config).__name__}")
