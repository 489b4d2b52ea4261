"""Agent adapters by kind: how a suite's `agent:` config becomes an `Agent` for one session.

Each kind (`callable`, `factory`, `model`, `http`, and `object` for Python objects handed to
`evalkit.run_scenario`) is one builder registered with its config model (`spec`) and a docs line:

    @register_agent("echo", doc="Repeats the user (a worked example).", spec=EchoAgent)
    async def build_echo(config: EchoAgent, request: BuildRequest) -> Agent: ...

Installed packages add kinds through the `evalkit.agents` entry point group; the built-in
modules register on the first lookup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from evalkit.conversation.agents.base import Agent
from evalkit.llm.source import ModelSource
from evalkit.registry import Registry


@dataclass(frozen=True)
class BuildRequest:
    """What a builder may use besides its config: the model source, the tier under test, the factory params."""

    hub: ModelSource
    model: str | None = None  # the tier under test (a model agent's model, a factory's `model=`)
    params: dict[str, Any] = field(default_factory=dict)  # suite agent_params + scenario params


AgentBuilder = Callable[[Any, BuildRequest], Awaitable[Agent]]
B = TypeVar("B", bound=AgentBuilder)

BUILTIN_AGENT_MODULES = (
    "evalkit.conversation.agents.callable",
    "evalkit.conversation.agents.model_agent",
    "evalkit.conversation.agents.http_agent",
    "evalkit.conversation.agents.objects",
)

AGENTS: Registry[AgentBuilder] = Registry(
    "agent kind", "evalkit.agents", modules=BUILTIN_AGENT_MODULES, required=("spec",)
)


def register_agent(kind: str, *, doc: str, spec: type[Any]) -> Callable[[B], B]:
    """Register the decorated builder for `agent: {kind: <kind>, ...}`; `spec` is the config's pydantic model."""

    def decorate(builder: B) -> B:
        AGENTS.add(kind, builder, doc=doc, origin=getattr(builder, "__module__", ""), spec=spec)
        return builder

    return decorate
