"""OpenAI chat completions (and any OpenAI-compatible server: Ollama, vLLM, gateways)."""

from __future__ import annotations

import json
import time
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from evalkit.llm.backends.base import PerLoopClient, ResponseObserver, http_client
from evalkit.llm.request import LLMRequest
from evalkit.llm.structured import tool_arguments
from evalkit.llm.types import Message, ModelResponse, ToolCall, ToolSpec, Usage

_FINISH = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


class OpenAIBackend:
    def __init__(
        self,
        base_url: str | None,
        api_key: str,
        max_connections: int,
        timeout_s: float,
        observe: ResponseObserver | None = None,
    ) -> None:
        # api.openai.com wants max_completion_tokens (reasoning models reject max_tokens);
        # compatible servers (Ollama, vLLM, llama.cpp) understand max_tokens.
        self._max_tokens_key = "max_tokens" if base_url else "max_completion_tokens"
        self._clients = PerLoopClient(
            lambda: openai.AsyncOpenAI(
                base_url=base_url,
                api_key=api_key,
                max_retries=0,
                timeout=timeout_s,
                http_client=http_client(max_connections, timeout_s, observe),
            )
        )

    async def send(self, request: LLMRequest, timeout_s: float | None) -> ModelResponse:
        started = time.perf_counter()
        # `wire_request` already builds the JSON body, so post it as is: `chat.completions.create`
        # would re-walk the whole message list against its TypedDicts (a no-op on this body that
        # costs ~1/3 of the SDK's CPU per request). Same endpoint, errors, retries, auth and parsing.
        options: openai.RequestOptions = {"headers": {"x-evalkit-role": request.role}}
        if timeout_s is not None:  # only when it differs from the client default: the SDK copies options for it
            options["timeout"] = timeout_s
        completion = await self._clients.get().post(
            "/chat/completions",
            cast_to=ChatCompletion,
            body=wire_request(request, self._max_tokens_key),
            options=options,
        )
        response = from_completion(completion)
        response.latency_s = time.perf_counter() - started
        return response

    async def aclose(self) -> None:
        await self._clients.aclose()


def wire_request(request: LLMRequest, max_tokens_key: str = "max_tokens") -> dict[str, Any]:
    body: dict[str, Any] = {"model": request.model, "messages": [_message(m) for m in request.messages]}
    if request.tools:
        body["tools"] = [_tool(t) for t in request.tools]
    p = request.params
    for key in ("temperature", "top_p", "seed"):
        if p.get(key) is not None:
            body[key] = p[key]
    if p.get("max_tokens") is not None:
        body[max_tokens_key] = p["max_tokens"]
    if p.get("stop"):
        body["stop"] = list(p["stop"])
    if p.get("logprobs"):
        body["logprobs"] = True
        if p.get("top_logprobs") is not None:
            body["top_logprobs"] = p["top_logprobs"]
    choice = p.get("tool_choice")
    if choice and request.tools:
        body["tool_choice"] = (
            choice if choice in ("auto", "required", "none") else {"type": "function", "function": {"name": choice}}
        )
    if request.output_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": request.schema_name or "output",
                "schema": request.output_schema,
                "strict": is_strict_compatible(request.output_schema),
            },
        }
    return body


def _message(m: Message) -> dict[str, Any]:
    if m.role == "tool":
        return {"role": "tool", "tool_call_id": m.tool_call_id or "", "content": m.content}
    if m.role == "assistant" and m.tool_calls:
        return {
            "role": "assistant",
            "content": m.content or None,
            "tool_calls": [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
                for c in m.tool_calls
            ],
        }
    return {"role": m.role, "content": m.content}


def _tool(t: ToolSpec) -> dict[str, Any]:
    return {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}


def is_strict_compatible(schema: dict[str, Any]) -> bool:
    """OpenAI strict mode needs every object closed with all properties required."""

    def ok(node: Any) -> bool:
        if isinstance(node, dict):
            properties = node.get("properties")
            closed = node.get("additionalProperties") is False and set(node.get("required", [])) == set(
                properties or ()
            )
            if node.get("type") == "object" and properties is not None and not closed:
                return False
            return all(ok(v) for v in node.values())
        if isinstance(node, list):
            return all(ok(v) for v in node)
        return True

    return ok(schema)


def from_completion(completion: Any) -> ModelResponse:
    if not completion.choices:
        raise ValueError("response has no choices")
    choice = completion.choices[0]
    message = choice.message
    calls = [
        ToolCall(id=c.id, name=c.function.name, arguments=tool_arguments(c.function.arguments))
        for c in message.tool_calls or []
        if getattr(c, "function", None) is not None
    ]
    usage = completion.usage
    return ModelResponse(
        text=message.content or "",
        tool_calls=calls,
        finish_reason=_FINISH.get(choice.finish_reason or "stop", choice.finish_reason or "stop"),
        usage=_usage(usage),
        request_id=getattr(completion, "_request_id", None) or completion.id,
        logprobs=_logprobs(choice),
        refusal=getattr(message, "refusal", None) or None,
    )


def _logprobs(choice: Any) -> list[dict[str, Any]] | None:
    content = getattr(getattr(choice, "logprobs", None), "content", None)
    if not content:
        return None
    return [
        {"token": t.token, "logprob": t.logprob, "top": {x.token: x.logprob for x in t.top_logprobs or []}}
        for t in content
    ]


def _usage(usage: Any) -> Usage:
    """prompt_tokens includes those read from the prompt cache (`prompt_tokens_details.cached_tokens`)."""
    if usage is None:
        return Usage()
    cached = getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", None) or 0
    return Usage(input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens, cached_input_tokens=cached)
