"""FakeLLMServer: OpenAI and Anthropic wire protocols on 127.0.0.1, answering from rules.

Unmatched requests get the rule engine's documented echo reply
(``[no rule matched] <last message>``), so a missing rule shows up in
transcripts instead of hanging or failing obscurely.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.llm.mock_rules import Rule, RuleSet, estimate_input_tokens
from evalkit.llm.request import LLMRequest
from evalkit.llm.rules_file import load_rules
from evalkit.testing import wire_in, wire_out
from evalkit.testing.faults import Fault, FaultQueue, FaultSpec
from evalkit.testing.http_server import BackgroundHttpServer, HttpRequest, HttpResponse
from evalkit.testing.ratelimit import RateLimit, RateLimitStats, ServerRateLimiter

_HIDDEN_HEADERS = {"authorization", "x-api-key", "api-key", "cookie"}
_HTTP_FAULTS = {
    Fault.rate_limit: (429, "Rate limit reached (fake)"),
    Fault.server_error: (500, "Internal server error (fake)"),
    Fault.unavailable: (503, "Service unavailable (fake)"),
    Fault.overloaded: (529, "Overloaded (fake)"),
    Fault.auth: (401, "Invalid API key (fake)"),
    Fault.bad_request: (400, "Bad request (fake)"),
    Fault.context_length: (400, "This model's maximum context length is 128 tokens (fake): context_length_exceeded"),
}
_BODY_FAULTS = {Fault.empty_content, Fault.truncated, Fault.invalid_json, Fault.refusal}


@dataclass(slots=True)
class RecordedRequest:
    """A request as the server saw it; auth headers are dropped."""

    path: str
    role: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)  # arrival (time.monotonic of this process)

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def provider(self) -> str:
        return "anthropic" if self.path.endswith("/messages") else "openai"


class FakeLLMServer:
    """A scriptable fake model endpoint for tests and offline runs.

    Args:
        rules: rules, a shared RuleSet, or a YAML rules file; first match wins.
        latency_s: delay added to every request.
        api_key: when set, requests without this key get 401.
        rpm, tpm: rate-limit mode (see `set_rate_limit`): 429s with each protocol's headers.
    """

    def __init__(self, rules: list[Rule] | RuleSet | str | Path | None = None, *, latency_s: float = 0.0,
                 api_key: str | None = None, rpm: int | None = None, tpm: int | None = None,
                 rate_window_s: float = 60.0, rate_limit_headers: bool = True, port: int = 0) -> None:
        if isinstance(rules, RuleSet):  # share state (e.g. sequences) with a mock: provider
            self.rules = rules
        else:
            self.rules = RuleSet(load_rules(rules) if isinstance(rules, (str, Path)) else rules)
        self.latency_s = latency_s
        self.api_key = api_key
        self.hang_s = 30.0  # how long a `timeout` fault holds the request
        self.requests: list[RecordedRequest] = []
        self.faults = FaultQueue()
        self.in_flight = 0
        self.max_in_flight = 0
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self._http = BackgroundHttpServer(self._handle, port=port)
        self.rate_limiter: ServerRateLimiter | None = None
        self.set_rate_limit(rpm, tpm, window_s=rate_window_s, headers=rate_limit_headers)

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> "FakeLLMServer":
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> "FakeLLMServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> "FakeLLMServer":
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    # ---- addresses & scripting -------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    def add_rule(self, rule: Rule | None = None, /, **fields: Any) -> Rule:
        return self.rules.add(rule, **fields)

    def inject(self, fault: Fault | str, times: int = 1, *, retry_after: float | None = None,
               retry_after_ms: int | None = None, latency_s: float = 0.0, role: str | None = None,
               path: str | None = None) -> None:
        """Make the next `times` matching requests fail (or misbehave) with `fault`."""
        self.faults.add(FaultSpec(Fault(fault), times, retry_after, retry_after_ms, latency_s, role, path))

    def set_rate_limit(self, rpm: int | None = None, tpm: int | None = None, *, window_s: float = 60.0,
                       headers: bool = True) -> None:
        """Limit requests and/or tokens per minute (None for both: unlimited), with fresh full buckets.

        Over budget a request gets a 429 with Retry-After (plus retry-after-ms for OpenAI);
        with `headers`, every response carries x-ratelimit-* (OpenAI) or anthropic-ratelimit-*
        (Anthropic) remaining/reset headers. `window_s` is how many seconds' worth a bucket holds.
        """
        limit = RateLimit(rpm, tpm, window_s, headers)
        self.rate_limiter = ServerRateLimiter(limit) if (rpm or tpm) else None

    @property
    def rate_limit_stats(self) -> RateLimitStats:
        """Admitted request times, 429 count and tokens charged since the limit was set (empty when unlimited)."""
        return self.rate_limiter.stats if self.rate_limiter is not None else RateLimitStats()

    def reset(self) -> None:
        """Forget requests, pending faults and the concurrency high-water mark (rules stay)."""
        with self._lock:
            self.requests.clear()
            self.max_in_flight = 0
        self.faults.clear()

    def requests_for(self, role: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        return [r for r in list(self.requests) if (role is None or r.role == role) and (path is None or r.path == path)]

    # ---- request handling ------------------------------------------------------------------
    async def _handle(self, http: HttpRequest) -> HttpResponse:
        provider = "anthropic" if http.path.endswith("/v1/messages") else "openai"
        if http.method != "POST" or http.path not in ("/v1/chat/completions", "/v1/messages"):
            return HttpResponse.json(404, wire_out.error_body(provider, 404, f"no route {http.method} {http.path}"))
        role = http.headers.get("x-evalkit-role", "agent")
        try:
            body = json.loads(http.body or b"{}")
        except json.JSONDecodeError:
            return HttpResponse.json(400, wire_out.error_body(provider, 400, "request body is not JSON"))
        headers = {k: v for k, v in http.headers.items() if k not in _HIDDEN_HEADERS}
        with self._lock:
            self.requests.append(RecordedRequest(http.path, role, body, headers))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(http, provider, role, body)
        finally:
            with self._lock:
                self.in_flight -= 1

    async def _answer(self, http: HttpRequest, provider: str, role: str, body: dict[str, Any]) -> HttpResponse:
        spec = self.faults.take(http.path, role)
        limited = self.rate_limiter if spec is None else None  # an injected fault bypasses the budget
        budget_headers: dict[str, str] = {}
        if limited is not None:
            admitted, budget_headers = limited.admit(provider, estimate_input_tokens(_parse(provider, body, role)))
            if not admitted:
                message = "Rate limit reached for requests or tokens per minute (fake)"
                return HttpResponse.json(429, wire_out.error_body(provider, 429, message), budget_headers)
        delay = self.latency_s + (spec.latency_s if spec else 0.0)
        if delay:
            await asyncio.sleep(delay)
        if self.api_key and self.api_key not in (http.headers.get("authorization", "") + http.headers.get("x-api-key", "")):
            return HttpResponse.json(401, wire_out.error_body(provider, 401, "invalid api key (fake)"))
        fault = spec.fault if spec else None
        if fault is Fault.timeout:
            await asyncio.sleep(self.hang_s)
        if fault is Fault.connection_reset:
            return HttpResponse(reset=True)
        if fault in _HTTP_FAULTS:
            return _http_fault(provider, fault, spec)
        if fault is Fault.echo_key:
            return _echo_key(provider, http)
        if fault is Fault.malformed_json:
            return HttpResponse(status=200, body=b'{"id": "broken", "choices": [')
        response = self._reply(provider, role, body, fault if fault in _BODY_FAULTS else None, limited)
        response.headers.update(budget_headers)
        return response

    def _reply(self, provider: str, role: str, body: dict[str, Any], fault: Fault | None,
               limited: ServerRateLimiter | None = None) -> HttpResponse:
        request = _parse(provider, body, role)
        try:
            reply = self.rules.respond(request)
        except Exception as exc:  # a broken handler is a server error, visible to the client
            return HttpResponse.json(500, wire_out.error_body(provider, 500, f"rule handler failed: {exc!r}"))
        answer = wire_out.build_answer(request, reply, fault)
        if limited is not None:
            limited.charge(answer.usage.output_tokens)
        seq = next(self._seq)
        if provider == "anthropic" and body.get("stream"):
            pairs = wire_out.anthropic_stream(request, answer, seq)
            events = [f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in pairs]
            return HttpResponse(status=200, content_type="text/event-stream", events=events)
        if provider == "anthropic":
            return HttpResponse.json(200, wire_out.anthropic_body(request, answer, seq), {"request-id": f"req_fake_{seq}"})
        if body.get("stream"):
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            chunks = wire_out.openai_stream(request, answer, seq, usage)
            events = [f"data: {json.dumps(c)}\n\n".encode() for c in chunks] + [b"data: [DONE]\n\n"]
            return HttpResponse(status=200, content_type="text/event-stream", events=events)
        return HttpResponse.json(200, wire_out.openai_body(request, answer, seq), {"x-request-id": f"req_fake_{seq}"})


def _parse(provider: str, body: dict[str, Any], role: str) -> LLMRequest:
    parse = wire_in.anthropic_request if provider == "anthropic" else wire_in.openai_request
    return parse(body, role)


def _echo_key(provider: str, http: HttpRequest) -> HttpResponse:
    """401 quoting the credentials it got: the worst a provider or gateway does with a key (secret-leak tests)."""
    sent = {name: value for name, value in http.headers.items() if name in _HIDDEN_HEADERS}
    key = sent.get("x-api-key") or sent.get("api-key") or sent.get("authorization", "").removeprefix("Bearer ")
    message = f"Incorrect API key provided: {key}. Request headers: {json.dumps(sent)}"
    return HttpResponse.json(401, wire_out.error_body(provider, 401, message), {"x-echoed-key": key})


def _http_fault(provider: str, fault: Fault, spec: FaultSpec | None) -> HttpResponse:
    status, message = _HTTP_FAULTS[fault]
    headers: dict[str, str] = {}
    if spec is not None and spec.retry_after is not None:
        headers["retry-after"] = f"{spec.retry_after:g}"
    if spec is not None and spec.retry_after_ms is not None:
        headers["retry-after-ms"] = str(spec.retry_after_ms)
    code = "context_length_exceeded" if fault is Fault.context_length else None
    return HttpResponse.json(status, wire_out.error_body(provider, status, message, code), headers)
