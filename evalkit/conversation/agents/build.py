"""One fresh agent per session, from the suite's agent config, through the agent registry."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

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
    return await entry.value(
        _as_spec(config, entry.parts["spec"], str(kind)), BuildRequest(hub=hub, model=model, params=params)
    )


def _as_spec(config: Any, spec: type[BaseModel], kind: str) -> BaseModel:
    """The config as its kind's own model: an installed kind's keys are checked here (the loader knows only its name)."""
    if isinstance(config, spec):
        return config
    data = config.model_dump() if isinstance(config, BaseModel) else config
    try:
        return spec.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "agent"
        raise AgentSetupError(
            f"agent kind {kind!r}: agent.{where}: {first['msg']} "
            f"({len(err.errors())} problem(s); expected {spec.__name__})"
        ) from None
