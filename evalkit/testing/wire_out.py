"""Server side: render a scripted Reply as an OpenAI or Anthropic response body."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from evalkit.llm.mock_logprobs import scripted_logprobs
from evalkit.llm.mock_rules import Reply, estimate_usage
from evalkit.llm.request import LLMRequest
from evalkit.llm.types import ToolCall, Usage
from evalkit.testing.faults import Fault


@dataclass(slots=True)
class Answer:
    """A reply after faults are applied: exactly what goes on the wire."""

    text: str
    tool_calls: list[ToolCall]
    finish: str  # stop | length | tool_calls | refusal
    usage: Usage
    structured_input: dict[str, Any] | None = None  # Anthropic forced-tool input
    logprobs: list[dict[str, Any]] | None = None  # neutral form, when the request asked for them
    refusal: str | None = None  # set when finish is "refusal": OpenAI's message.refusal


REFUSAL_TEXT = "I'm sorry, but I can't help with that request."


def build_answer(request: LLMRequest, reply: Reply, fault: Fault | None) -> Answer:
    text, calls = reply.body_text(), reply.resolved_tool_calls(request)
    finish = reply.finish_reason or ("tool_calls" if calls else "stop")
    if fault is Fault.empty_content:
        text, calls, finish = "", [], "stop"
    elif fault is Fault.truncated:
        text, calls, finish = text[: max(1, len(text) // 2)], [], "length"
    elif fault is Fault.invalid_json:
        text, calls, finish = '{"broken": "json", ', [], "stop"
    refusal = None
    if fault is Fault.refusal or finish == "refusal":  # a rule scripts one with finish_reason "refusal"
        refusal = (text if fault is None else "") or REFUSAL_TEXT
        text, calls, finish = "", [], "refusal"
    structured = None
    if request.provider == "anthropic" and request.output_schema is not None and fault is None:
        structured = _as_object(text)
    usage = reply.usage or estimate_usage(request, text, calls)
    logprobs = None
    if request.params.get("logprobs") and reply.top_logprobs is not None:  # unscripted: like servers that ignore it
        logprobs = scripted_logprobs(text, reply.top_logprobs, request.params.get("top_logprobs"))
    return Answer(
        text=text,
        tool_calls=calls,
        finish=finish,
        usage=usage,
        structured_input=structured,
        logprobs=logprobs,
        refusal=refusal,
    )


def _as_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def openai_body(request: LLMRequest, answer: Answer, seq: int) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": answer.text if answer.text or not answer.tool_calls else None,
    }
    if answer.refusal is not None:
        message.update(content=None, refusal=answer.refusal)
    if answer.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
            for c in answer.tool_calls
        ]
    return {
        "id": f"chatcmpl-fake-{seq}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": _openai_finish(answer),
                "logprobs": _openai_logprobs(answer),
            }
        ],
        "usage": {
            "prompt_tokens": answer.usage.input_tokens,
            "completion_tokens": answer.usage.output_tokens,
            "total_tokens": answer.usage.input_tokens + answer.usage.output_tokens,
            **(
                {"prompt_tokens_details": {"cached_tokens": answer.usage.cached_input_tokens}}
                if answer.usage.cached_input_tokens
                else {}
            ),
        },
    }


def _openai_finish(answer: Answer) -> str:
    """OpenAI reports a refusal in the message, with an ordinary stop."""
    return "stop" if answer.finish == "refusal" else answer.finish


def _openai_logprobs(answer: Answer) -> dict[str, Any] | None:
    if answer.logprobs is None:
        return None

    def entry(token: str, logprob: float) -> dict[str, Any]:
        return {"token": token, "logprob": logprob, "bytes": list(token.encode())}

    content = [
        {**entry(t["token"], t["logprob"]), "top_logprobs": [entry(k, v) for k, v in t["top"].items()]}
        for t in answer.logprobs
    ]
    return {"content": content, "refusal": None}


def openai_stream(request: LLMRequest, answer: Answer, seq: int, include_usage: bool) -> list[dict[str, Any]]:
    """The chunks of an SSE stream (without the final [DONE])."""
    base = {
        "id": f"chatcmpl-fake-{seq}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request.model,
    }
    chunks = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    step = max(1, len(answer.text) // 3 or 1)
    for start in range(0, len(answer.text), step):
        delta: dict[str, Any] = {"content": answer.text[start : start + step]}
        chunks.append({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    if answer.refusal is not None:
        chunks.append({**base, "choices": [{"index": 0, "delta": {"refusal": answer.refusal}, "finish_reason": None}]})
    for i, call in enumerate(answer.tool_calls):
        fn = {"name": call.name, "arguments": json.dumps(call.arguments)}
        delta = {"tool_calls": [{"index": i, "id": call.id, "type": "function", "function": fn}]}
        chunks.append({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": _openai_finish(answer)}]})
    if include_usage:
        usage = openai_body(request, answer, seq)["usage"]
        chunks.append({**base, "choices": [], "usage": usage})
    return chunks


_ANTHROPIC_STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}


def anthropic_body(request: LLMRequest, answer: Answer, seq: int) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    stop = _ANTHROPIC_STOP.get(answer.finish, answer.finish)
    if answer.structured_input is not None:
        content.append(
            {
                "type": "tool_use",
                "id": f"toolu_fake_{seq}",
                "name": request.schema_name,
                "input": answer.structured_input,
            }
        )
        stop = "tool_use"
    else:
        if answer.text:
            content.append({"type": "text", "text": answer.text})
        content.extend(
            {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in answer.tool_calls
        )
    return {
        "id": f"msg_fake_{seq}",
        "type": "message",
        "role": "assistant",
        "model": request.model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {**_anthropic_input(answer), "output_tokens": answer.usage.output_tokens},
    }


def _anthropic_input(answer: Answer) -> dict[str, int]:
    """Anthropic counts cache reads apart from input_tokens (a scripted usage's input includes them)."""
    cached = answer.usage.cached_input_tokens
    read = {"cache_read_input_tokens": cached} if cached else {}
    return {"input_tokens": answer.usage.input_tokens - cached, **read}


def anthropic_stream(request: LLMRequest, answer: Answer, seq: int) -> list[tuple[str, dict[str, Any]]]:
    """(event name, data) pairs of an Anthropic SSE stream built from the non-streamed body."""
    body = anthropic_body(request, answer, seq)
    start = {**body, "content": [], "stop_reason": None, "usage": {**_anthropic_input(answer), "output_tokens": 0}}
    events: list[tuple[str, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": start})]
    opened: dict[str, Any]
    delta: dict[str, Any]
    for index, block in enumerate(body["content"]):
        if block["type"] == "text":
            opened, delta = {"type": "text", "text": ""}, {"type": "text_delta", "text": block["text"]}
        else:
            opened = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": opened}))
        events.append(("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}))
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    final = {"stop_reason": body["stop_reason"], "stop_sequence": None}
    events.append(
        (
            "message_delta",
            {"type": "message_delta", "delta": final, "usage": {"output_tokens": answer.usage.output_tokens}},
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}


def error_body(provider: str, status: int, message: str, code: str | None = None) -> dict[str, Any]:
    kind = _ERROR_TYPES.get(status, "api_error")
    if provider == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}
