"""The OpenAI chat-completions wire as the capture proxy reads it (and every OpenAI-compatible alias)."""

from __future__ import annotations

from typing import Any

from evalkit.llm.capture.calls import Reading, SeenToolResult
from evalkit.llm.capture.wires import (
    CAPTURE_WIRES,
    CaptureWire,
    RequestReading,
    json_objects,
    openai_usage,
    text_of,
)
from evalkit.llm.structured import tool_arguments
from evalkit.llm.types import ToolCall


def read_request(body: dict[str, Any]) -> RequestReading:
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    names = {
        c.get("id"): (c.get("function") or {}).get("name", "")
        for m in messages
        for c in m.get("tool_calls") or []
        if isinstance(c, dict)
    }
    results = [
        SeenToolResult(
            call_id=str(m.get("tool_call_id", "")),
            name=str(names.get(m.get("tool_call_id")) or ""),
            output=text_of(m.get("content")),
        )
        for m in messages
        if m.get("role") == "tool"
    ]
    return RequestReading(str(body.get("model", "")), bool(body.get("stream")), results)


def read_body(body: dict[str, Any]) -> Reading:
    choice = (body.get("choices") or [{}])[0] or {}
    message = choice.get("message") or {}
    calls = [_call(c.get("id", ""), c.get("function") or {}) for c in message.get("tool_calls") or []]
    return Reading(
        model=str(body.get("model", "")),
        text=text_of(message.get("content")),
        tool_calls=calls,
        usage=openai_usage(body.get("usage"), "prompt"),
    )


def read_events(events: list[tuple[str, str]]) -> Reading:
    model, text, usage = "", [], None
    calls: dict[int, dict[str, str]] = {}
    for _, chunk in json_objects(events):
        model = model or str(chunk.get("model", ""))
        usage = openai_usage(chunk.get("usage"), "prompt") or usage
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            text.append(delta.get("content") or "")
            for part in delta.get("tool_calls") or []:
                slot = calls.setdefault(int(part.get("index", len(calls))), {"id": "", "name": "", "arguments": ""})
                function = part.get("function") or {}
                slot["id"] = part.get("id") or slot["id"]
                slot["name"] += function.get("name") or ""
                slot["arguments"] += function.get("arguments") or ""
    tool_calls = [_call(c["id"], c) for _, c in sorted(calls.items())]
    return Reading(model=model, text="".join(text), tool_calls=tool_calls, usage=usage)


def _call(call_id: str, function: dict[str, Any]) -> ToolCall:
    return ToolCall(
        id=str(call_id), name=str(function.get("name", "")), arguments=tool_arguments(function.get("arguments"))
    )


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "evalkit_capture_proxy", "code": f"upstream_{status}"}}


CAPTURE_WIRES.add(
    "openai",
    CaptureWire("openai", ("/chat/completions",), read_request, read_body, read_events, error_body),
    doc="OpenAI chat completions (and compatible servers)",
)
