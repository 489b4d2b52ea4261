"""One fresh agent per session, from the suite's agent config, through the agent registry."""

from __future__ import annotations

from typing import Any

from evalkit.conversation.agents.base import Agent, AgentSetupError
from evalkit.conversation.agents.registry import AGENTS, BuildRequest
from evalkit.llm.source import ModelSource
from evalkit.registry import RegistryError
from evalkit.spec.models import AgentConfig


async def build_agent(config: AgentConfig, *, hub: ModelSource, model: str | None, params: dict[str, Any]) -> Agent:
    """Build the agent for one session; `model` is the tier under test (overrides a model agent's own)."""
    kind = getattr(config, "kind", None)
    try:
        entry = AGENTS.get(str(kind))
    except RegistryError as err:
        raise AgentSetupError(str(err)) from None
    spec = entry.parts["spec"]
    if not isinstance(config, spec):
        raise AgentSetupError(f"agent kind {kind!r} expects a {spec.__name__} config, got {type(config).__name__}")
    return await entry.value(config, BuildRequest(hub=hub, model=model, params=params))
