"""Faults FakeLLMServer can inject on demand, consumed in the order they were queued."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    latency = "latency"  # extra delay, then a normal answer
    rate_limit = "rate_limit"  # 429 with Retry-After
    server_error = "server_error"  # 500
    unavailable = "unavailable"  # 503 with Retry-After
    overloaded = "overloaded"  # 529 (Anthropic's overloaded_error)
    auth = "auth"  # 401
    bad_request = "bad_request"  # 400
    context_length = "context_length"  # 400 saying the context is too long
    connection_reset = "connection_reset"  # socket closed without a response
    timeout = "timeout"  # hang until the client gives up
    malformed_json = "malformed_json"  # 200 with a body that is not JSON
    empty_content = "empty_content"  # 200 with no text and no tool calls
    truncated = "truncated"  # finish_reason length / stop_reason max_tokens
    invalid_json = "invalid_json"  # structured request answered with broken JSON
    refusal = "refusal"  # the model declines: OpenAI `message.refusal`, Anthropic stop_reason "refusal"
    echo_key = "echo_key"  # 401 whose message quotes the API key and auth headers it got (as some gateways do)


@dataclass
class FaultSpec:
    """One queued fault; `role`/`path` restrict which requests consume it."""

    fault: Fault
    times: int = 1
    retry_after: float | None = None  # seconds, sent as Retry-After
    retry_after_ms: int | None = None  # sent as retry-after-ms
    latency_s: float = 0.0
    role: str | None = None
    path: str | None = None

    def applies(self, path: str, role: str) -> bool:
        return (self.role is None or self.role == role) and (self.path is None or self.path == path)


class FaultQueue:
    """Thread-safe: tests inject from their thread, the server consumes in its own."""

    def __init__(self) -> None:
        self._specs: list[FaultSpec] = []
        self._lock = threading.Lock()

    def add(self, spec: FaultSpec) -> None:
        with self._lock:
            self._specs.append(spec)

    def take(self, path: str, role: str) -> FaultSpec | None:
        with self._lock:
            for spec in self._specs:
                if spec.applies(path, role):
                    spec.times -= 1
                    if spec.times <= 0:
                        self._specs.remove(spec)
                    return spec
        return None

    def clear(self) -> None:
        with self._lock:
            self._specs.clear()

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(s.times for s in self._specs)
