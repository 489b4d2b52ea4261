"""How the simulator says "this conversation is over", and how that is read back.

Preferred: a call of the `end_conversation(reason)` tool. Also accepted: a reply
that is a JSON object `{"message": ..., "end_conversation": reason}`, and, as a
last resort, the `###STOP###` token anywhere in the text (reason "unspecified").
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from evalkit.llm.types import ModelResponse, ToolSpec

STOP_TOKEN = "###STOP###"
END_TOOL = "end_conversation"
END_REASONS: dict[str, str] = {
    "goal_met": "your goal is achieved (or the agent did all it can and you are satisfied)",
    "gave_up": "you are giving up: the agent cannot or will not help and going on is pointless",
    "agent_ended": "the agent closed the conversation",
    "off_topic": "the conversation drifted away from your goal and cannot get back",
}
UNSPECIFIED = "unspecified"


class SimulatorTurn(BaseModel):
    """The simulator's parsed reply: what the user says, and whether (why) they end."""

    text: str
    end_reason: str | None = None  # one of END_REASONS, "unspecified", or None to continue
    end_source: str | None = None  # tool | json | stop_token
    refusal: str | None = None  # the simulator model declined to play the user
    truncated: bool = False  # the reply hit the token limit (finish_reason "length")


def end_tool() -> ToolSpec:
    return ToolSpec(
        name=END_TOOL,
        description="End the conversation with the agent. Call it once, when the conversation is over.",
        parameters={
            "type": "object",
            "properties": {"reason": {"type": "string", "enum": list(END_REASONS), "description": "Why it ends."}},
            "required": ["reason"],
        },
    )


def parse_reply(response: ModelResponse) -> SimulatorTurn:
    """Read text and end signal from a simulator response (tool call > JSON field > stop token)."""
    text, reason, source = response.text, None, None
    for call in response.tool_calls:
        if call.name == END_TOOL:
            reason, source = _reason(call.arguments.get("reason")), "tool"
    payload = _json_object(text)
    if payload is not None and ("message" in payload or "end_conversation" in payload):
        text = str(payload.get("message") or "")
        signal = payload.get("end_conversation")
        if signal and reason is None:
            raw = signal.get("reason") if isinstance(signal, dict) else signal
            reason, source = _reason(raw), "json"
    if STOP_TOKEN in text:
        text = text.replace(STOP_TOKEN, "")
        if reason is None:
            reason, source = UNSPECIFIED, "stop_token"
    said = response.as_message()
    return SimulatorTurn(
        text=text.strip(), end_reason=reason, end_source=source, refusal=said.refusal, truncated=said.truncated
    )


def _reason(raw: Any) -> str:
    return raw if isinstance(raw, str) and raw in END_REASONS else UNSPECIFIED


def _json_object(text: str) -> dict[str, Any] | None:
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
