"""FakeLLMServer: every provider's wire protocol (OpenAI, Anthropic, installed ones) on 127.0.0.1, answering from rules.

Each route is a wire adapter (`evalkit.testing.wires`) found through the provider registry, so a
provider that brings its own wire protocol is served, offline and in tests, like the built-ins.

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
from evalkit.llm.rules_file import load_rules
from evalkit.testing import wire_out, wires
from evalkit.testing.faults import Fault, FaultQueue, FaultSpec
from evalkit.testing.http_server import BackgroundHttpServer, HttpRequest, HttpResponse
from evalkit.testing.ratelimit import RateLimit, RateLimitStats, ServerRateLimiter
from evalkit.testing.wires import WireAdapter

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
    wire: str = ""  # the wire protocol of its route ("openai", "anthropic", ...)

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def provider(self) -> str:
        """The wire protocol the request came in on (an OpenAI-compatible alias's requests say "openai")."""
        return self.wire or ("anthropic" if self.path.endswith("/messages") else "openai")


class FakeLLMServer:
    """A scriptable fake model endpoint for tests and offline runs.

    Args:
        rules: rules, a shared RuleSet, or a YAML rules file; first match wins.
        latency_s: delay added to every request.
        api_key: when set, requests without this key get 401.
        rpm, tpm: rate-limit mode (see `set_rate_limit`): 429s with each protocol's headers.
    """

    def __init__(
        self,
        rules: list[Rule] | RuleSet | str | Path | None = None,
        *,
        latency_s: float = 0.0,
        api_key: str | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        rate_window_s: float = 60.0,
        rate_limit_headers: bool = True,
        port: int = 0,
    ) -> None:
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
        self._routes: dict[str, WireAdapter] = {}
        self.rate_limiter: ServerRateLimiter | None = None
        self.set_rate_limit(rpm, tpm, window_s=rate_window_s, headers=rate_limit_headers)

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeLLMServer:
        self._routes = wires.by_route()  # installed providers' wires load here, not on the first request
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeLLMServer:
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

    def base_url(self, provider: str) -> str:
        """The base URL a client of `provider` (any registered one; an alias: its wire's) uses to reach this server."""
        return self.url + wires.for_provider(provider).base_path

    def add_rule(self, rule: Rule | None = None, /, **fields: Any) -> Rule:
        return self.rules.add(rule, **fields)

    def inject(
        self,
        fault: Fault | str,
        times: int = 1,
        *,
        retry_after: float | None = None,
        retry_after_ms: int | None = None,
        latency_s: float = 0.0,
        role: str | None = None,
        path: str | None = None,
    ) -> None:
        """Make the next `times` matching requests fail (or misbehave) with `fault`."""
        self.faults.add(FaultSpec(Fault(fault), times, retry_after, retry_after_ms, latency_s, role, path))

    def set_rate_limit(
        self, rpm: int | None = None, tpm: int | None = None, *, window_s: float = 60.0, headers: bool = True
    ) -> None:
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
    def _route(self, path: str) -> WireAdapter | None:
        adapter = self._routes.get(path)
        if adapter is None:  # a provider registered after start (a test's): look once more
            self._routes = wires.by_route()
            adapter = self._routes.get(path)
        return adapter

    async def _handle(self, http: HttpRequest) -> HttpResponse:
        wire = self._route(http.path) if http.method == "POST" else None
        if wire is None:
            fallback = wires.ANTHROPIC if http.path.endswith("/messages") else wires.OPENAI
            return HttpResponse.json(404, fallback.error_body(404, f"no route {http.method} {http.path}", None))
        role = http.headers.get("x-evalkit-role", "agent")
        try:
            body = json.loads(http.body or b"{}")
        except json.JSONDecodeError:
            return HttpResponse.json(400, wire.error_body(400, "request body is not JSON", None))
        headers = {k: v for k, v in http.headers.items() if k not in _HIDDEN_HEADERS}
        with self._lock:
            self.requests.append(RecordedRequest(http.path, role, body, headers, wire=wire.name))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(http, wire, role, body)
        finally:
            with self._lock:
                self.in_flight -= 1

    async def _answer(self, http: HttpRequest, wire: WireAdapter, role: str, body: dict[str, Any]) -> HttpResponse:
        spec = self.faults.take(http.path, role)
        limited = self.rate_limiter if spec is None else None  # an injected fault bypasses the budget
        budget_headers: dict[str, str] = {}
        if limited is not None:
            admitted, budget_headers = limited.admit(wire.name, estimate_input_tokens(wire.parse(body, role)))
            if not admitted:
                message = "Rate limit reached for requests or tokens per minute (fake)"
                return HttpResponse.json(429, wire.error_body(429, message, None), budget_headers)
        delay = self.latency_s + (spec.latency_s if spec else 0.0)
        if delay:
            await asyncio.sleep(delay)
        if self.api_key and self.api_key not in (
            http.headers.get("authorization", "") + http.headers.get("x-api-key", "")
        ):
            return HttpResponse.json(401, wire.error_body(401, "invalid api key (fake)", None))
        fault = spec.fault if spec else None
        if fault is Fault.timeout:
            await asyncio.sleep(self.hang_s)
        if fault is Fault.connection_reset:
            return HttpResponse(reset=True)
        if fault in _HTTP_FAULTS:
            return _http_fault(wire, fault, spec)
        if fault is Fault.echo_key:
            return _echo_key(wire, http)
        if fault is Fault.malformed_json:
            return HttpResponse(status=200, body=b'{"id": "broken", "choices": [')
        response = self._reply(wire, role, body, fault if fault in _BODY_FAULTS else None, limited)
        response.headers.update(budget_headers)
        return response

    def _reply(
        self,
        wire: WireAdapter,
        role: str,
        body: dict[str, Any],
        fault: Fault | None,
        limited: ServerRateLimiter | None = None,
    ) -> HttpResponse:
        request = wire.parse(body, role)
        try:
            reply = self.rules.respond(request)
        except Exception as exc:  # noqa: BLE001 - a broken handler is a server error, visible to the client
            return HttpResponse.json(500, wire.error_body(500, f"rule handler failed: {exc!r}", None))
        answer = wire_out.build_answer(request, reply, fault)
        if limited is not None:
            limited.charge(answer.usage.output_tokens)
        return wire.render(request, answer, next(self._seq), body)


def _echo_key(wire: WireAdapter, http: HttpRequest) -> HttpResponse:
    """401 quoting the credentials it got: the worst a provider or gateway does with a key (secret-leak tests)."""
    sent = {name: value for name, value in http.headers.items() if name in _HIDDEN_HEADERS}
    key = sent.get("x-api-key") or sent.get("api-key") or sent.get("authorization", "").removeprefix("Bearer ")
    message = f"Incorrect API key provided: {key}. Request headers: {json.dumps(sent)}"
    return HttpResponse.json(401, wire.error_body(401, message, None), {"x-echoed-key": key})


def _http_fault(wire: WireAdapter, fault: Fault, spec: FaultSpec | None) -> HttpResponse:
    status, message = _HTTP_FAULTS[fault]
    headers: dict[str, str] = {}
    if spec is not None and spec.retry_after is not None:
        headers["retry-after"] = f"{spec.retry_after:g}"
    if spec is not None and spec.retry_after_ms is not None:
        headers["retry-after-ms"] = str(spec.retry_after_ms)
    code = "context_length_exceeded" if fault is Fault.context_length else None
    return HttpResponse.json(status, wire.error_body(status, message, code), headers)
