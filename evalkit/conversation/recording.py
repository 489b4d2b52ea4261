"""Small pure helpers the session runner uses to write the transcript and classify failures."""

from __future__ import annotations

import json
import sys
import time
import traceback
from typing import Any

from evalkit.conversation.transcript import ToolResult, TranscriptMessage
from evalkit.llm.errors import classify
from evalkit.llm.providers import sdk_modules
from evalkit.llm.types import ErrorKind, Message, ModelError

INFRA_KINDS = {
    ErrorKind.rate_limit,
    ErrorKind.overloaded,
    ErrorKind.server,
    ErrorKind.timeout,
    ErrorKind.connection,
    ErrorKind.auth,
    ErrorKind.no_recording,
}
_TRANSPORT_MODULES = frozenset({"httpx", "httpx2", "httpcore", "httpcore2"})  # under every SDK; the SDKs' own
# packages come from the provider registry (`Provider.sdk_modules`), so an installed provider's SDK counts too
_PASS_THROUGH = {"pydantic", "pydantic_core"}  # libraries an SDK parses responses with


def is_infrastructure(err: BaseException) -> bool:
    """Did the agent fail because a model endpoint failed (not because of its own code)?

    True for evalkit's ModelError (the model agent's calls, retried by the hub) except
    unparseable output; for openai / anthropic / transport exceptions that classify as
    rate limit, overload, 5xx, timeout, connection or auth; and for a malformed 200 body:
    the SDK's response validation error, or a ValueError (a JSON decode or validation
    error) raised while the SDK read the response. Anything else the agent raised,
    including its own parsing of a model's text, is agent_error.
    """
    if isinstance(err, ModelError):
        return err.kind in INFRA_KINDS
    if _top_module(type(err).__module__) in _sdk_modules():
        if "ResponseValidation" in type(err).__name__:  # a 200 whose body is not what the API promises
            return True
        return classify(err).kind in INFRA_KINDS
    return isinstance(err, ValueError) and raised_inside_sdk(err)


def raised_inside_sdk(err: BaseException) -> bool:
    """Was `err` raised by SDK code: is the innermost frame outside the standard library and pydantic an SDK's?

    So `json.loads` failing inside `openai._response` counts, `json.loads` in the agent's own code does not.
    """
    frames = [frame.f_globals.get("__name__", "") for frame, _ in traceback.walk_tb(err.__traceback__)]
    sdks = _sdk_modules()
    for name in reversed(frames):
        top = _top_module(name)
        if top in sdks:
            return True
        if top not in sys.stdlib_module_names and top not in _PASS_THROUGH:
            return False
    return False


def _sdk_modules() -> frozenset[str]:
    return _TRANSPORT_MODULES | sdk_modules()


def _top_module(name: str) -> str:
    return name.split(".")[0]


def agent_messages(produced: list[Message], turn: int, latency_s: float) -> list[TranscriptMessage]:
    """Transcript messages for one agent turn; the turn's latency sits on its last message."""
    now = time.time()
    if not produced:
        produced = [Message(role="assistant", content="")]  # the turn happened, even if silent
    out = [
        TranscriptMessage(
            role=m.role,
            content=m.content,
            tool_calls=list(m.tool_calls),
            tool_result=tool_result(m) if m.role == "tool" else None,
            timestamp=now,
            turn=turn,
        )
        for m in produced
    ]
    out[-1].latency_s = latency_s
    return out


def tool_result(message: Message) -> ToolResult:
    """Structured view of a tool message: JSON objects/arrays are parsed; `{"error": ...}` marks a failure."""
    output: Any = message.content
    if message.content.lstrip()[:1] in ("{", "["):
        try:
            output = json.loads(message.content)
        except json.JSONDecodeError:
            pass
    if isinstance(output, dict) and set(output) == {"error"}:
        return ToolResult(call_id=message.tool_call_id or "", name=message.name or "", error=str(output["error"]))
    return ToolResult(call_id=message.tool_call_id or "", name=message.name or "", output=output)


def message_event(message: TranscriptMessage, base: dict[str, Any]) -> dict[str, Any]:
    """The payload of an `on_event("turn", ...)` call for one recorded message."""
    return {
        **base,
        "turn": message.turn,
        "role": message.role,
        "content": message.content,
        "tool_calls": [c.model_dump(mode="json") for c in message.tool_calls],
        "tool_result": message.tool_result.model_dump(mode="json") if message.tool_result else None,
        "scripted": message.scripted,
        "replayed": message.replayed,
        "latency_s": message.latency_s,
    }
