"""Per-endpoint concurrency and rate limits.

asyncio primitives belong to one event loop, and the run engine may drive the
hub from a worker thread's loop, so the semaphore and bucket are created
lazily per running loop.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class TokenBucket:
    """Requests-per-minute limiter: refills continuously, small bursts allowed."""

    def __init__(self, rpm: int) -> None:
        self.rate = rpm / 60.0
        self.capacity = max(1.0, min(float(rpm), self.rate))  # at most one second's worth at once
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:  # serialises waiters so they are served in order
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


class _LoopState:
    __slots__ = ("semaphore", "bucket")

    def __init__(self, max_connections: int, rpm: int | None) -> None:
        self.semaphore = asyncio.Semaphore(max_connections)
        self.bucket = TokenBucket(rpm) if rpm else None


class EndpointLimiter:
    """Caps in-flight requests (and optionally request rate) for one (provider, base_url)."""

    def __init__(self, max_connections: int, rpm: int | None = None) -> None:
        self.max_connections = max_connections
        self.rpm = rpm
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = weakref.WeakKeyDictionary()

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None:
            state = self._states[loop] = _LoopState(self.max_connections, self.rpm)
        return state

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one connection slot for the duration of a single HTTP attempt."""
        state = self._state()
        if state.bucket is not None:
            await state.bucket.acquire()
        async with state.semaphore:
            yield
