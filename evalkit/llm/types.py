"""The vocabulary every part of evalkit uses to talk to a model.

Provider backends (openai, anthropic, mock) translate these types to and from
their wire formats; nothing above `evalkit.llm` ever sees a provider object.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]
CallRole = Literal["agent", "simulator", "judge", "other"]


class ToolCall(BaseModel):
    """A function call requested by a model."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Message(BaseModel):
    """One chat message in provider-neutral form."""

    role: Role
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None  # set on role="tool": which call this answers
    name: str | None = None  # tool name on role="tool"
    refusal: str | None = None  # the model declined (OpenAI `message.refusal`, a content filter); not sent back
    truncated: bool = False  # the reply was cut off at the token limit (finish_reason "length")


class ToolSpec(BaseModel):
    """A tool offered to the model: name, description and JSON Schema of its arguments."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class Usage(BaseModel):
    input_tokens: int = 0  # every input token billed, cache reads and writes included
    output_tokens: int = 0
    cached_input_tokens: int = 0  # of input_tokens, read from the provider's prompt cache (priced at cached_input)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
        )


class CallTag(BaseModel):
    """Who made a call and for what: drives per-role / per-session cost accounting."""

    role: CallRole = "other"
    scenario_id: str | None = None
    session_id: str | None = None


class GenerateConfig(BaseModel):
    """Generation parameters. Part of the cache key, so keep it explicit and hashable."""

    model_config = ConfigDict(frozen=True)

    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    seed: int | None = None
    stop: tuple[str, ...] | None = None
    tool_choice: str | None = None  # "auto" | "required" | "none" | a tool name
    logprobs: bool = False
    top_logprobs: int | None = None
    sample_index: int = 0  # distinguishes repeated samples so the cache does not collapse them
    timeout_s: float | None = None
    tag: CallTag = Field(default_factory=CallTag)


class ModelResponse(BaseModel):
    """What a model returned, normalised across providers."""

    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    finish_reason: str = "stop"  # stop | length | tool_calls | content_filter | error
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = None  # None means the price is unknown, never 0 by default
    latency_s: float = 0.0
    request_id: str | None = None
    model: str = ""  # provider:model that answered
    cached: bool = False
    attempts: int = 1  # HTTP attempts this answer took (retries + 1); 0 when served from cache or cassette
    parsed: Any = None  # the validated output_schema instance, when one was requested
    logprobs: list[dict[str, Any]] | None = None  # per output token: {token, logprob, top: {token: logprob}}
    refusal: str | None = None  # OpenAI's `message.refusal`: the model declined instead of answering

    def as_message(self) -> Message:
        refusal = self.refusal
        if refusal is None and self.finish_reason == "content_filter":
            refusal = "the provider stopped the reply (content filter or refusal)"
        return Message(
            role="assistant",
            content=self.text,
            tool_calls=list(self.tool_calls),
            refusal=refusal,
            truncated=self.finish_reason == "length",
        )


class ErrorKind(StrEnum):
    rate_limit = "rate_limit"
    overloaded = "overloaded"
    server = "server"
    timeout = "timeout"
    connection = "connection"
    auth = "auth"
    bad_request = "bad_request"
    context_length = "context_length"
    unparseable = "unparseable"
    no_recording = "no_recording"


class ModelError(Exception):
    """A classified model-access failure, raised after retries are exhausted."""

    def __init__(self, kind: ErrorKind, message: str, *, status: int | None = None, attempts: int = 1):
        super().__init__(f"{kind.value}: {message}")
        self.kind = kind
        self.status = status
        self.attempts = attempts


class Unparseable(BaseModel):
    """Structured output that failed validation even after one repair request."""

    raw_text: str
    error: str
    response: ModelResponse | None = None


@runtime_checkable
class ChatModel(Protocol):
    """The one interface to a model. Implementations: openai, anthropic, mock."""

    name: str  # "provider:model"

    async def generate(
        self,
        messages: list[Message],
        *,
        tools: list[ToolSpec] | None = None,
        output_schema: type[BaseModel] | None = None,
        config: GenerateConfig | None = None,
    ) -> ModelResponse | Unparseable:
        """Return the response; with output_schema, `parsed` holds the instance or an Unparseable is returned.

        Raises ModelError for access failures after retries.
        """
        ...
