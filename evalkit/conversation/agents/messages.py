"""What a Python agent receives: the conversation as OpenAI chat-format dicts, or evalkit's models on request.

Default: a list of plain dicts in the OpenAI chat format, the shape most agent code already
speaks and can hand straight to an SDK:

    {"role": "user", "content": "..."}
    {"role": "assistant", "content": "...", "tool_calls": [{"id": ..., "type": "function",
        "function": {"name": ..., "arguments": "<JSON string>"}}]}      # tool_calls only when there are some
    {"role": "tool", "tool_call_id": ..., "content": "..."}

Typed option: an agent whose messages parameter is annotated `list[Message]` (or that sets
`evalkit_messages = "models"` on itself or its `respond`) receives `evalkit.llm.types.Message` objects.

Agents written before dicts became the default read `messages[-1].content`; the dicts keep that
working (attribute reads of the same keys) with one FutureWarning per process naming both fixes.
"""

from __future__ import annotations

import inspect
import json
import threading
import typing
import warnings
from typing import Any, Literal

from evalkit.llm.types import Message

MessageStyle = Literal["dicts", "models"]
STYLES: tuple[str, ...] = ("dicts", "models")

_warned = threading.Event()


class ChatMessage(dict[str, Any]):
    """A plain dict in the OpenAI chat format; attribute reads are a deprecated bridge for older agents."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in ("role", "content", "tool_calls", "tool_call_id", "name"):
            raise AttributeError(
                f"'dict' object has no attribute {name!r} (evalkit passes OpenAI chat-format dicts; "
                "annotate the parameter list[evalkit.Message] to receive evalkit's models)"
            )
        _warn_attribute(name)
        if name == "tool_calls":
            return [_LegacyCall(c) for c in self.get("tool_calls", [])]
        return self.get(name, "" if name == "content" else None)


class _LegacyCall:
    """`call.name` / `call.arguments` / `call.id` for agents that read ToolCall attributes."""

    def __init__(self, call: dict[str, Any]) -> None:
        self.id = call["id"]
        self.name = call["function"]["name"]
        self.arguments = json.loads(call["function"]["arguments"] or "{}")


def _warn_attribute(name: str) -> None:
    if _warned.is_set():
        return
    _warned.set()
    warnings.warn(
        f"evalkit: agents receive messages as OpenAI-style dicts; read message[{name!r}] instead of message.{name}, "
        "or annotate the parameter `messages: list[evalkit.Message]` to receive evalkit's models. "
        "Attribute reads will be removed in a future release.",
        FutureWarning,
        stacklevel=3,
    )


def to_chat_dicts(messages: list[Message]) -> list[dict[str, Any]]:
    """evalkit messages -> OpenAI chat-format dicts (fresh objects: the agent may mutate them freely)."""
    return [_chat_dict(m) for m in messages]


def _chat_dict(m: Message) -> ChatMessage:
    out = ChatMessage(role=m.role, content=m.content)
    if m.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
            for c in m.tool_calls
        ]
    if m.role == "tool":
        out["tool_call_id"] = m.tool_call_id or ""
    return out


def message_style(fn: Any, owner: Any = None) -> MessageStyle:
    """ "models" when the agent asked for evalkit's models (attribute or annotation), else "dicts"."""
    for holder in (fn, owner):
        declared = getattr(holder, "evalkit_messages", None)
        if declared is not None:
            if declared not in STYLES:
                from evalkit.conversation.agents.base import AgentSetupError

                raise AgentSetupError(f"evalkit_messages = {declared!r}; expected one of {list(STYLES)}")
            return declared
    return "models" if _annotated_models(fn) else "dicts"


def _annotated_models(fn: Any) -> bool:
    """Is the first parameter annotated `list[Message]` (or `Sequence[Message]`, ...)?"""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    if not params:
        return False
    first = params[0]
    annotation = first.annotation
    if isinstance(annotation, str):
        try:
            annotation = typing.get_type_hints(fn).get(first.name, annotation)
        except Exception:  # noqa: BLE001 - an unresolvable annotation is read as text below
            return "Message]" in annotation and "dict" not in annotation
    return Message in typing.get_args(annotation)
