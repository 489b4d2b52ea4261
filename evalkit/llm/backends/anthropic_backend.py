"""Anthropic messages API. Structured output is a forced tool call whose input schema is the output schema."""

from __future__ import annotations

import json
import time
from typing import Any

import anthropic

from evalkit.llm.backends.base import PerLoopClient, ResponseObserver, http_client
from evalkit.llm.request import LLMRequest
from evalkit.llm.types import Message, ModelResponse, ToolCall, Usage

_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
    "pause_turn": "stop",
}


class AnthropicBackend:
    def __init__(
        self,
        base_url: str | None,
        api_key: str,
        max_connections: int,
        timeout_s: float,
        default_max_tokens: int,
        observe: ResponseObserver | None = None,
    ) -> None:
        self._max_tokens = default_max_tokens
        self._clients = PerLoopClient(
            lambda: anthropic.AsyncAnthropic(
                base_url=base_url,
                api_key=api_key,
                max_retries=0,
                timeout=timeout_s,
                http_client=http_client(max_connections, timeout_s, observe),
            )
        )

    async def send(self, request: LLMRequest, timeout_s: float | None) -> ModelResponse:
        started = time.perf_counter()
        message = await self._clients.get().messages.create(
            **wire_request(request, self._max_tokens),
            timeout=anthropic.NOT_GIVEN if timeout_s is None else timeout_s,  # NOT_GIVEN: the client's default
            extra_headers={"x-evalkit-role": request.role},
        )
        response = from_message(message, request.schema_name if request.output_schema is not None else None)
        response.latency_s = time.perf_counter() - started
        return response

    async def aclose(self) -> None:
        await self._clients.aclose()


def wire_request(request: LLMRequest, default_max_tokens: int) -> dict[str, Any]:
    p = request.params
    body: dict[str, Any] = {
        "model": request.model,
        "max_tokens": p.get("max_tokens") or default_max_tokens,
        "messages": merge_turns([_message(m) for m in request.messages if _sendable(m)]),
    }
    system = request.system
    if system:
        body["system"] = system
    # This SDK generation no longer types sampling params; models that accept them still read them from the body.
    sampling = {key: p[key] for key in ("temperature", "top_p") if p.get(key) is not None}
    if sampling:
        body["extra_body"] = sampling
    if p.get("stop"):
        body["stop_sequences"] = list(p["stop"])
    tools = [{"name": t.name, "description": t.description, "input_schema": t.parameters} for t in request.tools]
    choice = p.get("tool_choice")
    if request.output_schema is not None:
        name = request.schema_name or "output"
        tools.append(
            {
                "name": name,
                "description": "Give your answer by calling this tool.",
                "input_schema": request.output_schema,
            }
        )
        body["tool_choice"] = {"type": "tool", "name": name}
    elif choice and tools:
        body["tool_choice"] = {"auto": {"type": "auto"}, "required": {"type": "any"}, "none": {"type": "none"}}.get(
            choice, {"type": "tool", "name": choice}
        )
    if tools:
        body["tools"] = tools
    return body


def _sendable(m: Message) -> bool:
    """System prompts go in `system`; empty text turns (an empty reply kept in history) are rejected by the API."""
    return m.role != "system" and bool(m.content or m.tool_calls or m.role == "tool")


def _message(m: Message) -> dict[str, Any]:
    if m.role == "tool":
        block = {"type": "tool_result", "tool_use_id": m.tool_call_id or "", "content": m.content}
        return {"role": "user", "content": [block]}
    if m.role == "assistant" and m.tool_calls:
        blocks: list[dict[str, Any]] = [{"type": "text", "text": m.content}] if m.content else []
        blocks.extend({"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in m.tool_calls)
        return {"role": "assistant", "content": blocks}
    return {"role": m.role, "content": m.content}


def merge_turns(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Anthropic requires alternating roles: merge consecutive same-role messages into one."""
    merged: list[dict[str, Any]] = []
    for message in messages:
        if merged and merged[-1]["role"] == message["role"]:
            merged[-1] = {
                "role": message["role"],
                "content": _blocks(merged[-1]["content"]) + _blocks(message["content"]),
            }
        else:
            merged.append(message)
    return merged


def _blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(content, list):
        return content
    return [{"type": "text", "text": content}] if content else []


def from_message(message: Any, structured_tool: str | None) -> ModelResponse:
    texts: list[str] = []
    calls: list[ToolCall] = []
    structured: str | None = None
    for block in message.content or []:
        if block.type == "text":
            texts.append(block.text)
        elif block.type == "tool_use":
            if structured_tool is not None and block.name == structured_tool:
                structured = json.dumps(block.input)
            else:
                calls.append(ToolCall(id=block.id, name=block.name, arguments=dict(block.input or {})))
    finish = _FINISH.get(message.stop_reason or "end_turn", message.stop_reason or "stop")
    if structured is not None:
        finish = "stop"
    usage = message.usage
    return ModelResponse(
        text=structured if structured is not None else "".join(texts),
        tool_calls=calls,
        finish_reason=finish,
        usage=_usage(usage),
        request_id=getattr(message, "_request_id", None) or message.id,
    )


def _usage(usage: Any) -> Usage:
    """Anthropic's input_tokens leaves out cache reads and writes; both are billed input (reads at the cached price)."""
    if usage is None:
        return Usage()
    read = getattr(usage, "cache_read_input_tokens", None) or 0
    written = getattr(usage, "cache_creation_input_tokens", None) or 0
    return Usage(
        input_tokens=(usage.input_tokens or 0) + read + written,
        output_tokens=usage.output_tokens or 0,
        cached_input_tokens=read,
    )
