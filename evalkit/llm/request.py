"""The provider-neutral request: what backends send, rules match, caches and cassettes key on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evalkit.llm.types import GenerateConfig, Message, ToolSpec

# GenerateConfig fields that change how a call is made but not what it asks for.
_UNKEYED_PARAMS = {"tag", "timeout_s"}


def params_of(config: GenerateConfig) -> dict[str, Any]:
    """Generation parameters that identify a request (timeout and tag excluded)."""
    return config.model_dump(mode="json", exclude=_UNKEYED_PARAMS)


@dataclass(slots=True)
class LLMRequest:
    """One model request in neutral form; also what a mock-rule handler receives.

    `model` is the bare model name (no provider prefix) so the same rules match
    whether served in-process (`mock:`) or over HTTP by FakeLLMServer.
    """

    provider: str
    model: str
    messages: list[Message]
    tools: list[ToolSpec] = field(default_factory=list)
    output_schema: dict[str, Any] | None = None
    schema_name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    role: str = "agent"

    @property
    def last_message(self) -> str:
        """Content of the last message ("" when there is none)."""
        return self.messages[-1].content if self.messages else ""

    @property
    def last_user_message(self) -> str:
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content
        return ""

    @property
    def system(self) -> str:
        """All system prompts joined: rules may match on them."""
        return "\n\n".join(m.content for m in self.messages if m.role == "system")

    def normalised(self) -> dict[str, Any]:
        """JSON-ready identity of the request (no base_url, keys or headers)."""
        return {
            "provider": self.provider,
            "model": self.model,
            "messages": [_message_json(m) for m in self.messages],
            "tools": [t.model_dump(mode="json") for t in self.tools],
            "schema": self.output_schema,
            "params": self.params,
        }


def _message_json(message: Message) -> dict[str, Any]:
    """Compact message form: only fields that carry information."""
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = [c.model_dump(mode="json") for c in message.tool_calls]
    if message.tool_call_id is not None:
        out["tool_call_id"] = message.tool_call_id
    if message.name is not None:
        out["name"] = message.name
    return out
