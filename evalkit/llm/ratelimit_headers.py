"""Read the rate-limit budget a provider announces on every response.

OpenAI sends `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (reset as a Go
duration: `1s`, `6m0s`, `20ms`); Anthropic sends `anthropic-ratelimit-{requests,tokens,
input-tokens,output-tokens}-{limit,remaining,reset}` (reset as an RFC 3339 time).
Both describe a token bucket that refills continuously; a `Reading` is one bucket.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

DIMENSIONS = ("requests", "tokens", "input_tokens", "output_tokens")
_OPENAI = {"requests": "requests", "tokens": "tokens"}
_ANTHROPIC = {
    "requests": "requests",
    "tokens": "tokens",
    "input-tokens": "input_tokens",
    "output-tokens": "output_tokens",
}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True, slots=True)
class Reading:
    """One announced budget: what it holds when full, what is left, and seconds until it is full again."""

    dimension: str  # requests | tokens | input_tokens | output_tokens
    limit: float | None
    remaining: float
    reset_s: float | None
    reset_absolute: bool = False  # reset was a point in time (Anthropic), so reset_s counts from when it was read


def read_rate_limits(headers: Mapping[str, str] | None) -> list[Reading]:
    """Every budget the headers announce (none for servers that send no such headers)."""
    if not headers:
        return []
    if (
        headers.get("x-ratelimit-remaining-requests") is not None
        or headers.get("x-ratelimit-remaining-tokens") is not None
    ):
        return _readings(headers, "x-ratelimit-{part}-{dim}", _OPENAI, _duration_s, absolute=False)
    if (
        headers.get("anthropic-ratelimit-requests-remaining") is not None
        or headers.get("anthropic-ratelimit-tokens-remaining") is not None
    ):
        return _readings(headers, "anthropic-ratelimit-{dim}-{part}", _ANTHROPIC, _until_s, absolute=True)
    return []


def _readings(
    headers: Mapping[str, str], pattern: str, dims: dict[str, str], reset_parser, absolute: bool
) -> list[Reading]:
    out = []
    for wire, dimension in dims.items():
        remaining = _number(headers.get(pattern.format(part="remaining", dim=wire)))
        if remaining is None:
            continue
        limit = _number(headers.get(pattern.format(part="limit", dim=wire)))
        reset = headers.get(pattern.format(part="reset", dim=wire))
        out.append(Reading(dimension, limit, remaining, reset_parser(reset) if reset else None, absolute))
    return out


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _duration_s(value: str) -> float | None:
    """`6m0s`, `1.5s`, `20ms` or a bare number of seconds; None when unreadable."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parts = _DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return sum(float(n) * _UNIT_S[u] for n, u in parts)


def _until_s(value: str) -> float | None:
    """Seconds from now until an RFC 3339 time; None when unreadable."""
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())
