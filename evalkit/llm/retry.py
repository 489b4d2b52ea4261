"""Retries with exponential backoff and full jitter, honouring Retry-After.

A 429 says "not now", not "this failed": while `rate_limit_wait_s` allows, rate-limited
attempts are retried without counting against `max_retries`, so a busy provider slows a
run down instead of making its sessions invalid. Every 429/529 and every Retry-After is
also a signal to the endpoint's limiter (fewer connections, a hold on new starts).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from evalkit.llm.errors import ClassifiedError, classify
from evalkit.llm.limits import EndpointLimiter
from evalkit.llm.pacing import Cost
from evalkit.llm.types import ErrorKind, ModelError

T = TypeVar("T")
log = logging.getLogger("evalkit.llm")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 4
    base_s: float = 0.5
    max_s: float = 60.0
    rate_limit_wait_s: float = 900.0

    def waits_out(self, rate_limited_s: float) -> bool:
        """Whether a call that has waited this long on 429s keeps retrying them without counting (0: never)."""
        return self.rate_limit_wait_s > 0 and rate_limited_s <= self.rate_limit_wait_s

    def delay(self, attempt: int, error: ClassifiedError) -> float:
        """Server-requested wait wins; otherwise full jitter over an exponential ceiling."""
        if error.retry_after is not None:
            return min(error.retry_after, self.max_s)
        return random.uniform(0, min(self.max_s, self.base_s * 2 ** (attempt - 1)))


async def call_with_retries(
    attempt_fn: Callable[[], Awaitable[T]], limiter: EndpointLimiter, policy: RetryPolicy, cost: Cost | None = None
) -> tuple[T, int]:
    """Run `attempt_fn` under the endpoint limit until it succeeds or fails for good.

    Returns the result and the number of attempts. Raises ModelError carrying
    the attempt count; auth, bad_request and context_length are never retried.
    """
    attempt = retries = 0
    rate_limited_s = 0.0
    while True:
        attempt += 1
        try:
            async with limiter.slot(cost):
                result = await attempt_fn()
            limiter.succeeded(first_attempt=attempt == 1)
            return result, attempt
        except ModelError:
            raise
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every SDK/transport failure is classified below
            error = classify(exc)
        if error.kind in (ErrorKind.rate_limit, ErrorKind.overloaded) or error.retry_after is not None:
            limiter.rate_limit_signal(None if error.retry_after is None else min(error.retry_after, policy.max_s))
        delay = policy.delay(min(attempt, 8), error)
        if error.kind is ErrorKind.rate_limit and policy.waits_out(rate_limited_s + delay):
            rate_limited_s += delay  # the provider's "not now": retried while the wait budget lasts
        else:
            retries += 1
            if not error.retryable or retries > policy.max_retries:
                raise error.final(attempt) from None
        log.debug(
            "attempt %d failed (%s, status %s); retrying in %.2fs", attempt, error.kind.value, error.status, delay
        )
        await asyncio.sleep(delay)  # outside the slot: waiting holds no connection
