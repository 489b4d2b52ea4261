"""Server side: turn OpenAI / Anthropic request bodies into neutral LLMRequests for the rules."""

from __future__ import annotations

from typing import Any

from evalkit.llm.request import LLMRequest
from evalkit.llm.structured import tool_arguments
from evalkit.llm.types import Message, ToolCall, ToolSpec

_PARAMS = (
    "temperature",
    "max_tokens",
    "max_completion_tokens",
    "top_p",
    "seed",
    "stop",
    "stop_sequences",
    "logprobs",
    "top_logprobs",
)


def openai_request(body: dict[str, Any], role: str) -> LLMRequest:
    messages = [_openai_message(m) for m in body.get("messages") or []]
    tools = [
        ToolSpec(
            name=t["function"]["name"],
            description=t["function"].get("description") or "",
            parameters=t["function"].get("parameters") or {"type": "object", "properties": {}},
        )
        for t in body.get("tools") or []
        if t.get("type") == "function"
    ]
    schema, name = None, None
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema") or {}
        schema, name = spec.get("schema") or {}, spec.get("name")
    elif fmt.get("type") == "json_object":
        schema, name = {"type": "object"}, "json_object"
    return LLMRequest(
        provider="openai",
        model=str(body.get("model", "")),
        messages=messages,
        tools=tools,
        output_schema=schema,
        schema_name=name,
        params={k: body[k] for k in _PARAMS if k in body},
        role=role,
    )


def _openai_message(raw: dict[str, Any]) -> Message:
    calls = [
        ToolCall(
            id=c.get("id", ""), name=c["function"]["name"], arguments=tool_arguments(c["function"].get("arguments"))
        )
        for c in raw.get("tool_calls") or []
    ]
    return Message(
        role=raw.get("role", "user") if raw.get("role") != "developer" else "system",
        content=_text_of(raw.get("content")),
        tool_calls=calls,
        tool_call_id=raw.get("tool_call_id"),
        name=raw.get("name"),
    )


def anthropic_request(body: dict[str, Any], role: str) -> LLMRequest:
    messages: list[Message] = []
    if body.get("system"):
        messages.append(Message(role="system", content=_text_of(body["system"])))
    for raw in body.get("messages") or []:
        messages.extend(_anthropic_messages(raw))
    tools = [
        ToolSpec(name=t["name"], description=t.get("description") or "", parameters=t.get("input_schema") or {})
        for t in body.get("tools") or []
        if "name" in t
    ]
    schema, name = None, None
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "tool":
        forced = next((t for t in tools if t.name == choice.get("name")), None)
        if forced is not None:  # a forced tool is how evalkit asks Anthropic for structured output
            schema, name = forced.parameters, forced.name
            tools = [t for t in tools if t.name != forced.name]
    return LLMRequest(
        provider="anthropic",
        model=str(body.get("model", "")),
        messages=messages,
        tools=tools,
        output_schema=schema,
        schema_name=name,
        params={k: body[k] for k in _PARAMS if k in body},
        role=role,
    )


def _anthropic_messages(raw: dict[str, Any]) -> list[Message]:
    content = raw.get("content")
    role = raw.get("role", "user")
    if isinstance(content, str):
        return [Message(role=role, content=content)]
    out: list[Message] = []
    texts, calls = [], []
    for block in content or []:
        kind = block.get("type")
        if kind == "text":
            texts.append(block.get("text", ""))
        elif kind == "tool_use":
            calls.append(
                ToolCall(id=block.get("id", ""), name=block.get("name", ""), arguments=block.get("input") or {})
            )
        elif kind == "tool_result":
            out.append(
                Message(role="tool", content=_text_of(block.get("content")), tool_call_id=block.get("tool_use_id"))
            )
    if texts or calls or not out:
        out.append(Message(role=role, content="".join(texts), tool_calls=calls))
    return out


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content if isinstance(p, dict))
