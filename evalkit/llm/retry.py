"""Retries with exponential backoff and full jitter, honouring Retry-After."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from evalkit.llm.errors import ClassifiedError, classify
from evalkit.llm.limits import EndpointLimiter
from evalkit.llm.types import ModelError

T = TypeVar("T")
log = logging.getLogger("evalkit.llm")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 4
    base_s: float = 0.5
    max_s: float = 60.0

    def delay(self, attempt: int, error: ClassifiedError) -> float:
        """Server-requested wait wins; otherwise full jitter over an exponential ceiling."""
        if error.retry_after is not None:
            return min(error.retry_after, self.max_s)
        return random.uniform(0, min(self.max_s, self.base_s * 2 ** (attempt - 1)))


async def call_with_retries(
    attempt_fn: Callable[[], Awaitable[T]], limiter: EndpointLimiter, policy: RetryPolicy
) -> tuple[T, int]:
    """Run `attempt_fn` under the endpoint limit until it succeeds or fails for good.

    Returns the result and the number of attempts. Raises ModelError carrying
    the attempt count; auth, bad_request and context_length are never retried.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            async with limiter.slot():
                return await attempt_fn(), attempt
        except ModelError:
            raise
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every SDK/transport failure is classified below
            error = classify(exc)
        if not error.retryable or attempt > policy.max_retries:
            raise error.final(attempt) from None
        delay = policy.delay(attempt, error)
        log.debug("attempt %d failed (%s, status %s); retrying in %.2fs", attempt, error.kind.value, error.status, delay)
        await asyncio.sleep(delay)  # outside the slot: waiting holds no connection
