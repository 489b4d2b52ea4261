"""What every backend offers, and the per-event-loop SDK client holder they share."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Generic, Protocol, TypeVar

import httpx2 as httpx  # the SDKs' HTTP client, a declared dependency (pyproject: httpx2>=2.0)

from evalkit.llm.limits import response_hook
from evalkit.llm.request import LLMRequest
from evalkit.llm.types import ModelResponse


class Closable(Protocol):
    """What PerLoopClient needs of an SDK client: AsyncOpenAI and AsyncAnthropic both close this way."""

    async def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


class Backend(Protocol):
    """One endpoint of one provider. `send` makes exactly one attempt; the hub retries."""

    async def send(self, request: LLMRequest, timeout_s: float | None) -> ModelResponse:
        """One attempt; `timeout_s` None means the client's default (HubConfig.timeout_s)."""
        ...

    async def aclose(self) -> None: ...


@lru_cache(maxsize=1)
def _ssl_context() -> Any:
    """Building a verifying SSL context costs ~50-100 ms; one shared context serves every client."""
    return httpx.create_ssl_context()


ResponseObserver = Callable[[int, Any], None]  # (status, headers) of every response, before the SDK parses it


def http_client(max_connections: int, timeout_s: float, observe: ResponseObserver | None = None) -> Any:
    """An httpx client whose pool matches our own concurrency limit (no hidden queueing).

    `observe` sees every response's status and headers (rate-limit budgets, 429s) through
    an httpx response hook, so both SDKs' success and error paths are covered without
    asking either for raw responses.
    """
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=30
    )
    timeout = httpx.Timeout(timeout_s, connect=min(10.0, timeout_s))
    hooks = {"response": [response_hook(observe)]} if observe is not None else None
    return httpx.AsyncClient(limits=limits, timeout=timeout, verify=_ssl_context(), event_hooks=hooks)


class PerLoopClient(Generic[C]):
    """SDK clients hold connection pools bound to one event loop: keep one per loop."""

    def __init__(self, factory: Callable[[], C]) -> None:
        self._factory = factory
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, C] = weakref.WeakKeyDictionary()

    def get(self) -> C:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = self._factory()
        return client

    async def aclose(self) -> None:
        """Close the client of the running loop; clients of dead loops are simply dropped."""
        loop = asyncio.get_running_loop()
        client = self._clients.pop(loop, None)
        self._clients.clear()
        if client is not None:
            await client.close()
