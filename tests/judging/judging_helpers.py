"""Transcript builders for judging tests (module name unique across test dirs)."""

from __future__ import annotations

from typing import Any

from evalkit.conversation.transcript import RoleUsage, TerminationReason, ToolResult, Transcript, TranscriptMeta, TranscriptMessage
from evalkit.llm.types import ToolCall, Usage


def build(*turns: tuple[str, Any], termination: TerminationReason = TerminationReason.user_stop, **extra: Any) -> Transcript:
    """turns: ("user", text) | ("agent", text) | ("call", (name, args, ok_or_error)) | ("agent_lat", (text, seconds)).

    A "call" adds an agent message with the tool call followed by its tool result.
    """
    messages: list[TranscriptMessage] = []
    turn = 0
    for index, (kind, value) in enumerate(turns):
        if kind == "user":
            turn += 1
            messages.append(TranscriptMessage(role="user", content=value, turn=turn))
        elif kind == "agent":
            messages.append(TranscriptMessage(role="assistant", content=value, turn=turn))
        elif kind == "agent_lat":
            messages.append(TranscriptMessage(role="assistant", content=value[0], latency_s=value[1], turn=turn))
        elif kind == "call":
            name, args, status = value
            call = ToolCall(id=f"call{index}", name=name, arguments=args)
            messages.append(TranscriptMessage(role="assistant", tool_calls=[call], turn=turn))
            if status is not None:
                error = None if status is True else str(status)
                output = {"status": "done"} if error is None else None
                messages.append(TranscriptMessage(role="tool", tool_result=ToolResult(call_id=call.id, name=name, output=output, error=error), turn=turn))
        else:
            raise ValueError(kind)
    return Transcript(meta=TranscriptMeta(scenario_id="refund-damaged-item"), messages=messages, termination=termination, **extra)


