"""The transcript: everything one session produced, and what the judge reads."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from evalkit.llm.types import Message, ToolCall, Usage

_HASHED = {"role", "content", "tool_calls", "tool_result"}


class TerminationReason(StrEnum):
    user_stop = "user_stop"
    agent_stop = "agent_stop"
    max_turns = "max_turns"
    timeout = "timeout"
    agent_error = "agent_error"
    setup_error = "setup_error"  # the agent could not be imported or built: nothing of it was tested
    simulator_error = "simulator_error"
    infrastructure_error = "infrastructure_error"
    cancelled = "cancelled"


class ToolResult(BaseModel):
    call_id: str
    name: str
    output: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class TranscriptMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_result: ToolResult | None = None  # set on role="tool"
    timestamp: float = 0.0  # unix seconds
    latency_s: float | None = None  # time to produce this message
    turn: int = 0  # 1-based conversation turn (a user message and the agent's reply share it)
    scripted: bool = False  # user message that came from the scenario's script, not the simulator
    replayed: bool = False  # user message replayed from a frozen transcript (no simulator call)
    refusal: str | None = None  # the model declined: its refusal text (content is then usually empty)
    truncated: bool = False  # the reply was cut off at the model's token limit
    captured: bool = False  # reconstructed from the agent's model traffic by the capture proxy, not reported by it

    @property
    def said(self) -> str:
        """What the speaker said, refusal included: what text checks read."""
        return "\n".join(part for part in (self.content, self.refusal) if part)

    def to_message(self) -> Message:
        """The provider-neutral form, as a model (agent or judge) would see it."""
        if self.role == "tool" and self.tool_result is not None:
            return Message(
                role="tool", content=self.content, tool_call_id=self.tool_result.call_id, name=self.tool_result.name
            )
        return Message(role=self.role, content=self.content, tool_calls=list(self.tool_calls))


class RoleUsage(BaseModel):
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = 0.0  # None once any call had an unknown price
    calls: int = 0
    cached_calls: int = 0


class GuardrailFlag(BaseModel):
    name: (
        str  # empty_reply | truncated_reply | out_of_character | role_flip | goal_copy | unknown_disclosed | early_stop
    )
    # | capture_mismatch (warn: the tool calls an agent reported differ from those its model traffic shows)
    turn: int
    detail: str
    action: Literal["warn", "invalidate"]


class AgentCall(BaseModel):
    """One model call the agent made through the capture proxy (headers and bodies are not kept)."""

    turn: int
    model: str = ""  # as the agent sent it
    wire: str = ""  # openai | anthropic
    stream: bool = False
    status: int = 0  # upstream HTTP status (502: the upstream could not be reached)
    tool_calls: int = 0
    usage: Usage | None = None
    cost_usd: float | None = None  # None: no price known for the model (or no usage reported)
    latency_s: float = 0.0
    error: str | None = None


class TranscriptMeta(BaseModel):
    run_id: str | None = None
    suite: str | None = None
    scenario_id: str
    trial: int = 0
    seed: int = 0
    agent_model: str | None = None
    simulator_model: str | None = None
    agent_tier: str | None = None
    frozen_from: str | None = None  # content hash of the transcript whose user turns were replayed
    diverged_at_turn: int | None = None
    session_id: str | None = None
    agent_kind: str | None = None  # callable | model | http
    persona_id: str | None = None
    persona_variation: str | None = None  # the variation picked from the trial's seed
    captured: bool = False  # the agent's model calls went through the capture proxy (see `Transcript.agent_calls`)


class Transcript(BaseModel):
    meta: TranscriptMeta
    messages: list[TranscriptMessage] = Field(default_factory=list)
    termination: TerminationReason | None = None
    termination_detail: str = ""
    error_traceback: str | None = None
    usage_by_role: dict[str, RoleUsage] = Field(default_factory=dict)  # agent | simulator | judge
    guardrail_flags: list[GuardrailFlag] = Field(default_factory=list)
    started_at: float = 0.0
    ended_at: float = 0.0
    incomplete: bool = False
    user_end_reason: str | None = None  # the simulator's end_conversation reason (goal_met, gave_up, ...)
    agent_calls: list[AgentCall] = Field(default_factory=list)  # what the capture proxy saw, in order
    state: Any = None  # the agent's state() after the session (JSON data), when captured
    state_error: str | None = None  # why no state was captured (no state(), it raised, not JSON); None when captured

    @property
    def turns(self) -> int:
        """Number of conversation turns that reached the agent (highest turn index with a user message)."""
        return max((m.turn for m in self.messages if m.role == "user"), default=0)

    def messages_in_turn(self, turn: int, *roles: str) -> list[TranscriptMessage]:
        return [m for m in self.messages if m.turn == turn and (not roles or m.role in roles)]

    def to_json(self) -> str:
        """Canonical JSON; `Transcript.from_json(t.to_json()) == t` holds exactly."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> Transcript:
        return cls.model_validate_json(text)

    @property
    def invalidated_by_simulator(self) -> bool:
        """A session spoiled by the simulator must not be blamed on the agent."""
        return self.termination == TerminationReason.simulator_error or any(
            f.action == "invalidate" for f in self.guardrail_flags
        )

    def content_hash(self) -> str:
        """Stable id of what was said: ignores timing, usage and run metadata."""
        payload = [
            m.model_dump(
                mode="json", include=_HASHED | ({"refusal", "truncated"} if m.refusal or m.truncated else set())
            )
            for m in self.messages
        ]  # refusal and truncation count only when present, so older transcripts keep their hashes
        blob = json.dumps([self.meta.scenario_id, payload], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
