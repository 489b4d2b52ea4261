"""What every deterministic check returns, and the transcript views checks share."""

from __future__ import annotations

from pydantic import BaseModel, Field

from evalkit.conversation.transcript import Transcript
from evalkit.judging.calls import CallStats
from evalkit.judging.verdict import Evidence
from evalkit.llm.types import ToolCall
from evalkit.spec.checks import Speaker

_ROLES: dict[str, set[str]] = {"agent": {"assistant"}, "user": {"user"}, "any": {"assistant", "user"}}


class Finding(BaseModel):
    """A check's result: passed True/False, or None when the check itself could not be evaluated."""

    passed: bool | None
    reasoning: str
    evidence: list[Evidence] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    calls: list[CallStats] = Field(default_factory=list)  # judge requests the check made (claims only)


def spoken_turns(transcript: Transcript, on: Speaker) -> list[tuple[int, str]]:
    """(turn number, text said, refusals included) of the messages written by `on`; numbers as in `numbered_turns`."""
    roles = _ROLES[on]
    return [(n, m.said) for n, m in enumerate(transcript.messages, start=1) if m.role in roles and m.said]


def tool_calls(transcript: Transcript) -> list[tuple[int, ToolCall, bool | None]]:
    """Every tool call in order: (turn number, call, succeeded); succeeded is None when no result was recorded."""
    results = {m.tool_result.call_id: m.tool_result.ok for m in transcript.messages if m.tool_result is not None}
    return [
        (n, call, results.get(call.id))
        for n, m in enumerate(transcript.messages, start=1)
        if m.role == "assistant"
        for call in m.tool_calls
    ]


def clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
