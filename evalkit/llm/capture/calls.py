"""What the capture proxy keeps of one model call: the trajectory, never the headers.

A `CapturedCall` is one request/response pair an agent sent through the proxy, reduced to
what evalkit's checks and cost accounting read: the model's tool calls and text, the tool
results the agent sent back in that request, token usage, and an error when the upstream
failed. Headers (and with them the API keys) are never read into it; text passes through
`evalkit.security.redact` as it is captured.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from evalkit.llm.types import ToolCall, Usage


class SeenToolResult(BaseModel):
    """A tool result the agent sent the model (OpenAI `role: tool`, Anthropic `tool_result` block)."""

    call_id: str
    name: str = ""  # from the assistant tool call with that id in the same request, when present
    output: str = ""
    is_error: bool = False  # Anthropic's `is_error`; OpenAI has no such flag


class CapturedCall(BaseModel):
    """One chat request through the proxy and what came back."""

    wire: str  # "openai" | "anthropic": the wire protocol the request spoke
    path: str  # the request's path below the session prefix, e.g. /chat/completions
    model: str = ""  # as the agent sent it (bare: the provider's API name)
    stream: bool = False
    status: int = 0  # the upstream's HTTP status; 0 when it gave no answer (unreachable, reset, timed out)
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_results: list[SeenToolResult] = Field(default_factory=list)
    usage: Usage | None = None
    error: str | None = None  # why the call failed (upstream status, unreachable, broken stream)
    latency_s: float = 0.0
    replayed: bool = False  # answered from the run's cassette: nothing was spent

    @property
    def ok(self) -> bool:
        return self.error is None


class Reading(BaseModel):
    """What a wire reader found in one response body (JSON or SSE)."""

    model: str = ""
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage | None = None
    error: str | None = None
