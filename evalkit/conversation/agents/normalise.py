"""Turn whatever an agent returned into an `AgentReply`.

Accepted shapes (also inside a list, which is flattened in order):
a string; an `AgentReply`; a `Message`; a `ModelResponse`; a message dict in
evalkit or OpenAI form (`{"role": "assistant", "content": ..., "tool_calls": [...]}`,
`{"role": "tool", "tool_call_id": ..., "content": ...}`); a reply dict
`{"messages": [...], "end": bool, "usage": {...}, "cost_usd": ..., "model": ...}`;
an OpenAI completion or choice (`{"choices": [...]}`, `{"message": ..., "finish_reason": ...}`)
is read as its first message; any other pydantic model (e.g. an SDK message object) is
read as its dict; `None` is an empty reply. A refusal (`refusal`, Anthropic's
`stop_reason: "refusal"`) and a reply cut off at the token limit (`finish_reason:
"length"`, `stop_reason: "max_tokens"`) are kept on the message.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

from evalkit.conversation.agents.base import AgentReply, AgentSetupError
from evalkit.llm.costs import sum_costs
from evalkit.llm.types import Message, ModelResponse, ToolCall, Usage

_REPLY_KEYS = {"messages", "end", "usage", "cost_usd", "model", "calls", "cached_calls"}


EXPECTED = (
    "expected a str, a message dict ({'role': 'assistant', 'content': ...}), a list of message dicts "
    "(OpenAI style, tool_calls and role 'tool' included) or {'messages': [...], 'usage': {...}}"
)


class AgentReplyError(AgentSetupError):
    """The agent returned something evalkit cannot read as a reply: that turn is the agent's failure."""


def normalise_reply(value: Any) -> AgentReply:
    """Normalise an agent's return value; raises AgentReplyError with one line naming what was wrong."""
    try:
        reply = _normalise(value)
    except AgentSetupError as err:
        raise AgentReplyError(str(err)) from None
    except (ValidationError, TypeError, ValueError, AttributeError, KeyError, IndexError) as err:
        raise AgentReplyError(f"agent reply {_short(value)} could not be read ({_one_line(err)}); {EXPECTED}") from None
    _fill_tool_names(reply.messages)
    return reply


def _one_line(err: Exception) -> str:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "value"
        return f"{where}: {first['msg']}"
    return f"{type(err).__name__}: {err}".splitlines()[0]


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _normalise(value: Any) -> AgentReply:
    if value is None:
        return AgentReply()
    if isinstance(value, AgentReply):
        return value
    if isinstance(value, str):
        return AgentReply(messages=[Message(role="assistant", content=value)])
    if isinstance(value, Message):
        return AgentReply(messages=[_checked(value)])
    if isinstance(value, ModelResponse):
        return AgentReply(
            messages=[value.as_message()],
            usage=value.usage,
            cost_usd=value.cost_usd,
            calls=1,
            cached_calls=int(value.cached),
            model=value.model or None,
        )
    if isinstance(value, (list, tuple)):
        return _merge([_normalise(v) for v in value])
    if isinstance(value, BaseModel):
        return _normalise(value.model_dump())
    if isinstance(value, dict):
        if "role" not in value and "messages" in value:
            return _reply_dict(value)
        if "role" not in value and value.get("choices"):
            return _normalise(value["choices"][0])
        if "role" not in value and isinstance(value.get("message"), dict):
            return AgentReply(
                messages=[_message_dict({**value["message"], "finish_reason": value.get("finish_reason")})]
            )
        return AgentReply(messages=[_message_dict(value)])
    raise AgentSetupError(f"agent returned {type(value).__name__} {_short(value)}; {EXPECTED}")


def _reply_dict(value: dict[str, Any]) -> AgentReply:
    unknown = set(value) - _REPLY_KEYS
    if unknown:
        raise AgentSetupError(
            f"agent reply dict has unknown keys {sorted(unknown)}; a reply dict has a role (one message) "
            f"or only these keys: {sorted(_REPLY_KEYS)}"
        )
    inner = _normalise(value.get("messages") or [])
    usage = value.get("usage")
    return inner.model_copy(
        update={
            "end": bool(value.get("end", False)),
            "usage": Usage.model_validate(usage) if usage is not None else inner.usage,
            "cost_usd": value.get("cost_usd", inner.cost_usd),
            "model": value.get("model", inner.model),
            "calls": int(value.get("calls", inner.calls or (1 if usage is not None else 0))),
            "cached_calls": int(value.get("cached_calls", inner.cached_calls)),
        }
    )


def _merge(replies: list[AgentReply]) -> AgentReply:
    usages = [r.usage for r in replies if r.usage is not None]
    total = sum(usages[1:], usages[0]) if usages else None
    costs = [r.cost_usd for r in replies if r.usage is not None or r.cost_usd is not None]
    return AgentReply(
        messages=[m for r in replies for m in r.messages],
        end=any(r.end for r in replies),
        usage=total,
        cost_usd=sum_costs(costs) if costs else None,
        calls=sum(r.calls for r in replies),
        cached_calls=sum(r.cached_calls for r in replies),
        model=next((r.model for r in replies if r.model), None),
    )


def _message_dict(d: dict[str, Any]) -> Message:
    role = d.get("role", "assistant")
    calls = [_tool_call(c) for c in d.get("tool_calls") or []]
    content = _text(d.get("content"))
    stop = d.get("finish_reason") or d.get("stop_reason")
    refusal = d.get("refusal") or None
    if refusal is None and stop in ("refusal", "content_filter"):
        refusal = f"the provider stopped the reply ({stop})"
    return _checked(
        Message(
            role=role,
            content=content,
            tool_calls=calls,
            tool_call_id=d.get("tool_call_id"),
            name=d.get("name"),
            refusal=refusal,
            truncated=stop in ("length", "max_tokens"),
        )
    )


def _text(content: Any) -> str:
    """Plain text from a string, None, or a list of content parts (OpenAI / Anthropic style)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return json.dumps(content, sort_keys=True)


def _tool_call(c: Any) -> ToolCall:
    if isinstance(c, ToolCall):
        return c
    if isinstance(c, BaseModel):
        c = c.model_dump()
    fn = c.get("function")
    name, args = (fn.get("name"), fn.get("arguments")) if isinstance(fn, dict) else (c.get("name"), c.get("arguments"))
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError as err:
            raise AgentSetupError(f"tool call '{name}' has arguments that are not JSON: {err}") from None
    if not name or not isinstance(args or {}, dict):
        raise AgentSetupError(f"malformed tool call {c!r}: needs a name and object arguments")
    return ToolCall(id=str(c.get("id") or f"call_{name}"), name=name, arguments=args or {})


def _checked(m: Message) -> Message:
    if m.role not in ("assistant", "tool"):
        raise AgentSetupError(
            f"agent produced a '{m.role}' message; agents may only produce assistant and tool messages"
        )
    if m.role == "tool" and not m.tool_call_id:
        raise AgentSetupError("agent produced a tool message without tool_call_id")
    return m


def _fill_tool_names(messages: list[Message]) -> None:
    """Tool results often omit the tool name; take it from the call they answer."""
    names = {c.id: c.name for m in messages for c in m.tool_calls}
    for i, m in enumerate(messages):
        if m.role == "tool" and not m.name:
            messages[i] = m.model_copy(update={"name": names.get(m.tool_call_id or "", "")})
