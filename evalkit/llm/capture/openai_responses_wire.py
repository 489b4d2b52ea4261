"""The OpenAI Responses API (`POST <base_url>/responses`) as the capture proxy reads it.

The OpenAI SDK's `client.responses.create` (and the OpenAI Agents SDK, which calls it) speaks this API at
the same base URL as chat completions. A request's `function_call_output` input items are the tool
results the agent sent back; a response's `function_call` output items are the model's tool calls and its
`message` items the text. A stream ends with `response.completed`, which carries the whole response, so
a stream is read as that body. It is the `openai` wire (priced and recorded as OpenAI calls), read by its
own reader.
"""

from __future__ import annotations

from typing import Any

from evalkit.llm.capture.calls import Reading, SeenToolResult
from evalkit.llm.capture.openai_wire import error_body
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
    raw = body.get("input")
    items = [i for i in raw if isinstance(i, dict)] if isinstance(raw, list) else []
    names = {i.get("call_id"): str(i.get("name", "")) for i in items if i.get("type") == "function_call"}
    results = [
        SeenToolResult(
            call_id=str(i.get("call_id", "")), name=names.get(i.get("call_id"), ""), output=_output(i.get("output"))
        )
        for i in items
        if i.get("type") == "function_call_output"
    ]
    return RequestReading(str(body.get("model", "")), bool(body.get("stream")), results)


def read_body(body: dict[str, Any]) -> Reading:
    output = [i for i in body.get("output") or [] if isinstance(i, dict)]
    calls = [
        ToolCall(
            id=str(i.get("call_id", "")), name=str(i.get("name", "")), arguments=tool_arguments(i.get("arguments"))
        )
        for i in output
        if i.get("type") == "function_call"
    ]
    text = "".join(
        str(part.get("text", ""))
        for i in output
        if i.get("type") == "message"
        for part in i.get("content") or []
        if isinstance(part, dict) and part.get("type") == "output_text"
    )
    return Reading(
        model=str(body.get("model", "")), text=text, tool_calls=calls, usage=openai_usage(body.get("usage"), "input")
    )


def read_events(events: list[tuple[str, str]]) -> Reading:
    """The stream's last `response.completed` (or `response.incomplete`) event holds the whole response."""
    done = [
        obj.get("response")
        for name, obj in json_objects(events)
        if (obj.get("type") or name) in ("response.completed", "response.incomplete")
    ]
    if done and isinstance(done[-1], dict):
        return read_body(done[-1])
    return Reading(error="the stream ended without a completed response")


def _output(raw: Any) -> str:
    return raw if isinstance(raw, str) else text_of(raw)


CAPTURE_WIRES.add(
    "openai_responses",
    CaptureWire("openai", ("/responses",), read_request, read_body, read_events, error_body),
    doc="OpenAI Responses API (client.responses, the OpenAI Agents SDK)",
)
