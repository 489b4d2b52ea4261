"""The agent under test, as the session runner sees it: one protocol, one reply shape."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_jsonable_python

from evalkit.llm.types import Message, Usage


class AgentContext(BaseModel):
    """What an agent may know about the session it is in (never the scenario's goal)."""

    model_config = ConfigDict(frozen=True)

    session_id: str
    scenario_id: str
    trial: int = 0
    seed: int = 0
    turn: int = 1
    model: str | None = None  # the agent tier under test, when the suite compares tiers
    run_id: str | None = None


class AgentReply(BaseModel):
    """One agent turn: the messages it produced (tool calls and tool results included).

    `end=True` means the agent closes the conversation (termination agent_stop).
    `usage`/`cost_usd`/`calls` let an agent that calls models itself report its spend;
    `cost_usd=None` with usage set means "price unknown".
    """

    messages: list[Message] = Field(default_factory=list)
    end: bool = False
    usage: Usage | None = None
    cost_usd: float | None = None
    calls: int = 0
    cached_calls: int = 0
    model: str | None = None  # provider:model that answered, when the agent knows it

    @property
    def text(self) -> str:
        """The visible text of the turn: the last assistant message with content."""
        for m in reversed(self.messages):
            if m.role == "assistant" and m.content:
                return m.content
        return ""


@runtime_checkable
class Agent(Protocol):
    """Anything that answers the conversation so far. Adapters make user code look like this."""

    async def respond(self, messages: list[Message], context: AgentContext) -> AgentReply: ...


class AgentSetupError(Exception):
    """The agent could not be built or called as configured (bad target, bad factory, bad template)."""


class AgentExit(Exception):
    """The agent's code called `sys.exit()` during a turn: its failure, never the end of the run."""


def reply_payload(value: Any) -> Any:
    """Strip pydantic models and tuples so tool outputs round-trip through JSON exactly."""
    return to_jsonable_python(value, fallback=repr)
