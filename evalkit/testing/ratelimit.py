"""FakeLLMServer's rate-limit mode: a provider's requests and tokens budgets, with its real headers.

Like OpenAI and Anthropic, each budget is a token bucket that refills continuously:
`rpm` requests and `tpm` tokens per minute, holding `window_s` seconds' worth (60 s,
as the providers do; a shorter window makes a short test or benchmark meaningful, since
a full minute's burst would otherwise hide the limit). A request is admitted when one
request and its input tokens are left (input is charged then, output when the answer
is made, so the bucket can go into debt); otherwise it gets a 429 with Retry-After.
Every response carries the protocol's remaining/reset headers, computed at admission.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class RateLimit:
    """Budgets of the fake endpoint (shared by both protocols, like one provider account)."""

    rpm: int | None = None
    tpm: int | None = None
    window_s: float = 60.0
    headers: bool = True  # False: 429s (with Retry-After) but no budget headers, like servers that send none

    def __post_init__(self) -> None:
        for name in ("rpm", "tpm"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"RateLimit.{name}: expected a positive number, got {value}")
        if self.window_s <= 0:
            raise ValueError(f"RateLimit.window_s: expected seconds > 0, got {self.window_s}")


class _Bucket:
    def __init__(self, per_minute: int, window_s: float, now: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * window_s)
        self.level, self.stamp = self.capacity, now

    def refill(self, now: float) -> float:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        return self.level

    def wait_for(self, amount: float) -> float:
        need = min(amount, self.capacity)
        return 0.0 if self.level >= need else (need - self.level) / self.rate

    def reset_s(self) -> float:
        return max(0.0, (self.capacity - self.level) / self.rate)


@dataclass
class RateLimitStats:
    """What the limited endpoint did: admitted and refused requests (times) and tokens charged (times, counts)."""

    admitted: list[float] = field(default_factory=list)
    refused: list[float] = field(default_factory=list)  # 429s
    charged: list[tuple[float, int]] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return len(self.admitted)

    @property
    def rejected(self) -> int:
        return len(self.refused)


class ServerRateLimiter:
    """The server side of rate-limit mode. Thread-safe: tests read stats while the server's loop admits."""

    def __init__(self, limit: RateLimit, clock=time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        now = clock()
        self.requests = _Bucket(limit.rpm, limit.window_s, now) if limit.rpm else None
        self.tokens = _Bucket(limit.tpm, limit.window_s, now) if limit.tpm else None
        self.stats = RateLimitStats()
        self._lock = threading.Lock()

    def admit(self, provider: str, input_tokens: int) -> tuple[bool, dict[str, str]]:
        """(admitted, headers): the budget headers, plus Retry-After on a 429."""
        with self._lock:
            now = self._clock()
            for bucket in (self.requests, self.tokens):
                if bucket is not None:
                    bucket.refill(now)
            wait = max(
                self.requests.wait_for(1) if self.requests else 0.0,
                self.tokens.wait_for(input_tokens) if self.tokens else 0.0,
            )
            if wait > 0:
                self.stats.refused.append(now)
                return False, {**self._headers(provider), **_retry_after(provider, wait)}
            if self.requests is not None:
                self.requests.level -= 1
            if self.tokens is not None:
                self.tokens.level -= input_tokens
            self.stats.admitted.append(now)
            self.stats.charged.append((now, input_tokens))
            return True, self._headers(provider)

    def charge(self, output_tokens: int) -> None:
        """Output is charged when the answer is made; the bucket may go into debt."""
        with self._lock:
            now = self._clock()
            if self.tokens is not None:
                self.tokens.refill(now)
                self.tokens.level -= output_tokens
            self.stats.charged.append((now, output_tokens))

    def _headers(self, provider: str) -> dict[str, str]:
        if not self.limit.headers:
            return {}
        out: dict[str, str] = {}
        for name, bucket in (("requests", self.requests), ("tokens", self.tokens)):
            if bucket is None:
                continue
            remaining, reset = str(max(0, math.floor(bucket.level))), bucket.reset_s()
            if provider == "anthropic":
                out[f"anthropic-ratelimit-{name}-limit"] = str(int(bucket.capacity))
                out[f"anthropic-ratelimit-{name}-remaining"] = remaining
                out[f"anthropic-ratelimit-{name}-reset"] = _rfc3339_in(reset)
            else:
                out[f"x-ratelimit-limit-{name}"] = str(int(bucket.capacity))
                out[f"x-ratelimit-remaining-{name}"] = remaining
                out[f"x-ratelimit-reset-{name}"] = go_duration(reset)
        return out


def _retry_after(provider: str, wait_s: float) -> dict[str, str]:
    """Anthropic sends whole seconds; OpenAI also sends retry-after-ms, which its SDK prefers."""
    headers = {"retry-after": str(max(1, math.ceil(wait_s)))}
    if provider == "openai":
        headers["retry-after-ms"] = str(max(1, math.ceil(wait_s * 1000)))
    return headers


def go_duration(seconds: float) -> str:
    """OpenAI's reset format: `20ms`, `1.5s`, `6m0s`."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    minutes, rest = divmod(seconds, 60)
    text = f"{rest:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{int(minutes)}m{text}" if minutes else text


def _rfc3339_in(seconds: float) -> str:
    """Anthropic's reset format: the UTC time the bucket is full again."""
    when = datetime.fromtimestamp(time.time() + seconds, tz=UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
