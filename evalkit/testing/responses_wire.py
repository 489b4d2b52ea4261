"""The OpenAI Responses API (`POST /v1/responses`) as FakeLLMServer speaks it: request in, reply out.

Agents written on `client.responses.create` (the OpenAI SDK's newer API, and what the OpenAI Agents SDK
calls) reach the fake server at the same base URL as chat completions. The request's `instructions`
and `input` items (messages, `function_call`, `function_call_output`) become the neutral messages the
rules match; the reply is a `response` object whose `output` holds a `message` item with the text and a
`function_call` item per tool call, or, streamed, the event sequence the SDK reads (created, item
added, content part, deltas, item done, completed).
"""

from __future__ import annotations

import json
import time
from typing import Any

from evalkit.llm.request import LLMRequest
from evalkit.llm.structured import tool_arguments
from evalkit.llm.types import Message, ToolCall, ToolSpec
from evalkit.testing.wire_out import Answer

_PARAMS = {"temperature": "temperature", "top_p": "top_p", "max_output_tokens": "max_tokens"}


def responses_request(body: dict[str, Any], role: str) -> LLMRequest:
    messages = [Message(role="system", content=str(body["instructions"]))] if body.get("instructions") else []
    raw = body.get("input")
    items = (
        [{"role": "user", "content": raw}] if isinstance(raw, str) else [i for i in raw or [] if isinstance(i, dict)]
    )
    messages += [m for item in items if (m := _message(item)) is not None]
    tools = [
        ToolSpec(
            name=str(t["name"]),
            description=str(t.get("description") or ""),
            parameters=t.get("parameters") or {"type": "object", "properties": {}},
        )
        for t in body.get("tools") or []
        if isinstance(t, dict) and t.get("type") == "function" and "name" in t
    ]
    params = {ours: body[theirs] for theirs, ours in _PARAMS.items() if theirs in body}
    return LLMRequest(
        provider="openai", model=str(body.get("model", "")), messages=messages, tools=tools, params=params, role=role
    )


def _message(item: dict[str, Any]) -> Message | None:
    kind = item.get("type", "message")
    if kind == "function_call":
        call = ToolCall(
            id=str(item.get("call_id", "")),
            name=str(item.get("name", "")),
            arguments=tool_arguments(item.get("arguments")),
        )
        return Message(role="assistant", tool_calls=[call])
    if kind == "function_call_output":
        return Message(role="tool", content=_text(item.get("output")), tool_call_id=str(item.get("call_id", "")))
    if kind != "message":
        return None  # reasoning items and the like carry nothing the rules read
    role = {"developer": "system", "assistant": "assistant", "system": "system"}.get(str(item.get("role")), "user")
    return Message(role=role, content=_text(item.get("content")))


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))


def responses_body(request: LLMRequest, answer: Answer, seq: int) -> dict[str, Any]:
    output: list[dict[str, Any]] = []
    if answer.text or not answer.tool_calls:
        text = {"type": "output_text", "text": answer.text, "annotations": []}
        output.append(
            {"type": "message", "id": f"msg_fake_{seq}", "role": "assistant", "status": "completed", "content": [text]}
        )
    for index, call in enumerate(answer.tool_calls):
        output.append(
            {
                "type": "function_call",
                "id": f"fc_fake_{seq}_{index}",
                "call_id": call.id,
                "name": call.name,
                "arguments": json.dumps(call.arguments),
                "status": "completed",
            }
        )
    usage = answer.usage
    return {
        "id": f"resp_fake_{seq}",
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed" if answer.finish != "length" else "incomplete",
        "model": request.model,
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": usage.input_tokens,
            "input_tokens_details": {"cached_tokens": usage.cached_input_tokens},
            "output_tokens": usage.output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": usage.input_tokens + usage.output_tokens,
        },
    }


def responses_stream(request: LLMRequest, answer: Answer, seq: int) -> list[tuple[str, dict[str, Any]]]:
    """(event, data) pairs: the response created, each output item added, its deltas and done, then completed."""
    final = responses_body(request, answer, seq)
    events: list[tuple[str, dict[str, Any]]] = [
        ("response.created", {"response": {**final, "status": "in_progress", "output": [], "usage": None}})
    ]
    for index, item in enumerate(final["output"]):
        where = {"item_id": item["id"], "output_index": index}
        if item["type"] == "message":
            text = item["content"][0]["text"]
            part = {"type": "output_text", "text": "", "annotations": []}
            events.append(("response.output_item.added", {"output_index": index, "item": {**item, "content": []}}))
            events.append(("response.content_part.added", {**where, "content_index": 0, "part": part}))
            events.append(("response.output_text.delta", {**where, "content_index": 0, "delta": text}))
            events.append(("response.output_text.done", {**where, "content_index": 0, "text": text}))
            events.append(("response.content_part.done", {**where, "content_index": 0, "part": {**part, "text": text}}))
        else:
            events.append(("response.output_item.added", {"output_index": index, "item": {**item, "arguments": ""}}))
            events.append(("response.function_call_arguments.delta", {**where, "delta": item["arguments"]}))
            events.append(("response.function_call_arguments.done", {**where, "arguments": item["arguments"]}))
        events.append(("response.output_item.done", {"output_index": index, "item": item}))
    events.append(("response.completed", {"response": final}))
    return [(name, {"type": name, "sequence_number": n, **data}) for n, (name, data) in enumerate(events)]
