"""Wire adapters: how FakeLLMServer speaks each provider wire protocol (route, request parsing, replies, errors).

A provider that speaks its own protocol names its adapter (`Provider.wire_adapter = "module:attr"`),
so offline runs and recordings reach it through the same fake server; an alias (an OpenAI-compatible
gateway) reuses the adapter of the wire it speaks. `by_route()` is the server's routing table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from evalkit.llm.request import LLMRequest
from evalkit.testing import responses_wire, wire_in, wire_out
from evalkit.testing.http_server import HttpResponse
from evalkit.testing.wire_out import Answer


@dataclass(frozen=True)
class WireAdapter:
    """One wire protocol as the fake server serves it."""

    name: str  # the wire's name, as providers write it in `wire=`
    route: str  # the POST path the server answers, e.g. "/v1/chat/completions"
    base_path: str  # appended to the server's address to form a client's base URL ("/v1" for OpenAI)
    parse: Callable[[dict[str, Any], str], LLMRequest]  # (request body, role) -> neutral request
    render: Callable[[LLMRequest, Answer, int, dict[str, Any]], HttpResponse]  # (request, answer, seq, body)
    error_body: Callable[[int, str, str | None], dict[str, Any]]  # (status, message, code) -> error JSON


def _openai_render(request: LLMRequest, answer: Answer, seq: int, body: dict[str, Any]) -> HttpResponse:
    if body.get("stream"):
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chunks = wire_out.openai_stream(request, answer, seq, usage)
        events = [f"data: {json.dumps(c)}\n\n".encode() for c in chunks] + [b"data: [DONE]\n\n"]
        return HttpResponse(status=200, content_type="text/event-stream", events=events)
    return HttpResponse.json(200, wire_out.openai_body(request, answer, seq), {"x-request-id": f"req_fake_{seq}"})


def _anthropic_render(request: LLMRequest, answer: Answer, seq: int, body: dict[str, Any]) -> HttpResponse:
    if body.get("stream"):
        pairs = wire_out.anthropic_stream(request, answer, seq)
        events = [f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in pairs]
        return HttpResponse(status=200, content_type="text/event-stream", events=events)
    return HttpResponse.json(200, wire_out.anthropic_body(request, answer, seq), {"request-id": f"req_fake_{seq}"})


def _responses_render(request: LLMRequest, answer: Answer, seq: int, body: dict[str, Any]) -> HttpResponse:
    if body.get("stream"):
        pairs = responses_wire.responses_stream(request, answer, seq)
        events = [f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in pairs]
        return HttpResponse(status=200, content_type="text/event-stream", events=events)
    return HttpResponse.json(
        200, responses_wire.responses_body(request, answer, seq), {"x-request-id": f"req_fake_{seq}"}
    )


OPENAI = WireAdapter(
    "openai",
    "/v1/chat/completions",
    "/v1",
    wire_in.openai_request,
    _openai_render,
    partial(wire_out.error_body, "openai"),
)
ANTHROPIC = WireAdapter(
    "anthropic",
    "/v1/messages",
    "",
    wire_in.anthropic_request,
    _anthropic_render,
    partial(wire_out.error_body, "anthropic"),
)

OPENAI_RESPONSES = WireAdapter(  # the OpenAI wire's other API, at the same base URL (named `openai` for its headers)
    "openai",
    "/v1/responses",
    "/v1",
    responses_wire.responses_request,
    _responses_render,
    partial(wire_out.error_body, "openai"),
)


def by_route() -> dict[str, WireAdapter]:
    """Route -> adapter for every installed provider's wire (built-ins first)."""
    from evalkit.llm.providers import PROVIDERS

    routes = {OPENAI.route: OPENAI, OPENAI_RESPONSES.route: OPENAI_RESPONSES, ANTHROPIC.route: ANTHROPIC}
    for entry in PROVIDERS:
        spec = entry.value
        if spec.wire_adapter and not spec.local:
            adapter: WireAdapter = spec.adapter()
            routes.setdefault(adapter.route, adapter)
    return routes


def for_provider(name: str) -> WireAdapter:
    """The adapter a provider's clients reach the fake server through (an alias: its wire's)."""
    from evalkit.llm.providers import provider

    return provider(name).adapter()
