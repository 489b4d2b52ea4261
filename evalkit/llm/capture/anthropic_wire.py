"""The Anthropic messages wire as the capture proxy reads it."""

from __future__ import annotations

from typing import Any

from evalkit.llm.capture.calls import Reading, SeenToolResult
from evalkit.llm.capture.wires import CAPTURE_WIRES, CaptureWire, RequestReading, json_objects, text_of
from evalkit.llm.structured import tool_arguments
from evalkit.llm.types import ToolCall, Usage


def read_request(body: dict[str, Any]) -> RequestReading:
    blocks = [
        b
        for m in body.get("messages") or []
        if isinstance(m, dict) and isinstance(m.get("content"), list)
        for b in m["content"]
        if isinstance(b, dict)
    ]
    names = {b.get("id"): b.get("name", "") for b in blocks if b.get("type") == "tool_use"}
    results = [
        SeenToolResult(
            call_id=str(b.get("tool_use_id", "")),
            name=str(names.get(b.get("tool_use_id")) or ""),
            output=text_of(b.get("content")),
            is_error=bool(b.get("is_error")),
        )
        for b in blocks
        if b.get("type") == "tool_result"
    ]
    return RequestReading(str(body.get("model", "")), bool(body.get("stream")), results)


def read_body(body: dict[str, Any]) -> Reading:
    content = [b for b in body.get("content") or [] if isinstance(b, dict)]
    text = "".join(b.get("text", "") for b in content if b.get("type") == "text")
    calls = [
        ToolCall(id=str(b.get("id", "")), name=str(b.get("name", "")), arguments=tool_arguments(b.get("input")))
        for b in content
        if b.get("type") == "tool_use"
    ]
    return Reading(model=str(body.get("model", "")), text=text, tool_calls=calls, usage=_usage(body.get("usage")))


def read_events(events: list[tuple[str, str]]) -> Reading:
    blocks: dict[int, dict[str, Any]] = {}
    model, usage = "", Usage()
    for _, data in json_objects(events):
        kind = data.get("type")
        if kind == "message_start":
            message = data.get("message") or {}
            model, usage = str(message.get("model", "")), _usage(message.get("usage")) or usage
        elif kind == "content_block_start":
            blocks[int(data.get("index", len(blocks)))] = {**(data.get("content_block") or {}), "_json": ""}
        elif kind == "content_block_delta":
            _apply(blocks.setdefault(int(data.get("index", 0)), {"type": "text", "_json": ""}), data.get("delta") or {})
        elif kind == "message_delta":  # output so far; newer streams also repeat the input counts here
            given = {k: v for k, v in (data.get("usage") or {}).items() if v is not None}
            usage = _usage({**_raw(usage), **given}) or usage
    ordered = [b for _, b in sorted(blocks.items())]
    text = "".join(b.get("text", "") for b in ordered if b.get("type") == "text")
    calls = [
        ToolCall(id=str(b.get("id", "")), name=str(b.get("name", "")), arguments=_input(b))
        for b in ordered
        if b.get("type") == "tool_use"
    ]
    return Reading(model=model, text=text, tool_calls=calls, usage=usage)


def _apply(block: dict[str, Any], delta: dict[str, Any]) -> None:
    if delta.get("type") == "text_delta":
        block["text"] = block.get("text", "") + str(delta.get("text", ""))
    elif delta.get("type") == "input_json_delta":
        block["_json"] += str(delta.get("partial_json", ""))


def _input(block: dict[str, Any]) -> dict[str, Any]:
    """A streamed tool_use's input: the joined partial JSON, else the start block's own input."""
    return tool_arguments(block["_json"]) if block["_json"] else tool_arguments(block.get("input") or {})


def _usage(raw: Any) -> Usage | None:
    """Input counts cache reads and writes too: they are input tokens the call was billed for (reads at the
    cached price; writes at the input price, a little under what Anthropic bills for them)."""
    if not isinstance(raw, dict):
        return None
    read, written = int(raw.get("cache_read_input_tokens") or 0), int(raw.get("cache_creation_input_tokens") or 0)
    return Usage(
        input_tokens=int(raw.get("input_tokens") or 0) + read + written,
        output_tokens=int(raw.get("output_tokens") or 0),
        cached_input_tokens=read,
    )


def _raw(usage: Usage) -> dict[str, int]:
    """`usage` back in the wire's fields (what a message_delta's counts update)."""
    fresh = usage.input_tokens - usage.cached_input_tokens
    return {
        "input_tokens": fresh,
        "cache_read_input_tokens": usage.cached_input_tokens,
        "output_tokens": usage.output_tokens,
    }


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": "api_error", "message": message}}


CAPTURE_WIRES.add(
    "anthropic",
    CaptureWire("anthropic", ("/v1/messages",), read_request, read_body, read_events, error_body),
    doc="Anthropic messages",
)
