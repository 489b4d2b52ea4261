"""Building agents without stalling the event loop, and sharing one where the agent allows it.

A session's agent is built on the run's one event loop, next to every other session's model
calls. Importing an SDK (~0.8 s for `anthropic`) or constructing a client (~18 ms for
`AsyncAnthropic`: its TLS context loads the CA bundle) there stalls them all; 100 sessions
paid ~1.8 s that way. So imports and sync factories run in worker threads, at most
`BUILD_SLOTS` at once per loop (more would only contend for the GIL with the loop).

A factory that sets `evalkit_shared = True` declares that its agent keeps no state between
conversations and may serve many sessions at once: it is called once per (target, arguments)
per event loop, and the agent is closed (`aclose()`/`close()`) when that loop's run ends,
never after a single session. Opt-in, because a shared agent that does keep state (a memory,
an order store) would leak one conversation into the next.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from evalkit.conversation.agents.threads import run_in_thread

BUILD_SLOTS = 4  # imports and factory calls in flight per loop

T = TypeVar("T")
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()
_shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SharedAgents] = weakref.WeakKeyDictionary()


async def construct(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` in a worker thread, at most BUILD_SLOTS at once on this loop."""
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(BUILD_SLOTS)
    async with slots:
        return await run_in_thread(fn, *args, **kwargs)


async def shared_agent(target: str, kwargs: dict[str, Any], build: Callable[[], Awaitable[Any]]) -> Any:
    """The loop's one agent for (target, kwargs), built by `build` on first use; sessions arriving meanwhile wait for it."""
    loop = asyncio.get_running_loop()
    agents = _shared.get(loop)
    if agents is None:
        agents = _shared[loop] = _SharedAgents()
        await agents.close_at_loop_end()
    return await agents.get((target, json.dumps(kwargs, sort_keys=True, default=repr)), build)


class _SharedAgents:
    """One loop's shared agents, keyed by target and arguments."""

    def __init__(self) -> None:
        self.builds: dict[tuple[str, str], asyncio.Future[Any]] = {}
        self._closer: AsyncIterator[None] | None = None

    async def get(self, key: tuple[str, str], build: Callable[[], Awaitable[Any]]) -> Any:
        future = self.builds.get(key)
        if future is None:
            future = self.builds[key] = asyncio.ensure_future(build())
            future.add_done_callback(lambda f: self._forget_failed(key, f))
        return await asyncio.shield(future)  # one session's cancellation must not cancel the others' build

    def _forget_failed(self, key: tuple[str, str], future: asyncio.Future[Any]) -> None:
        if future.cancelled() or future.exception() is not None:  # the next session tries again
            self.builds.pop(key, None)

    async def close_at_loop_end(self) -> None:
        """Park an async generator on the loop: `asyncio.run` closes unfinished ones as the run ends."""
        self._closer = self._close_on_exit()
        await anext(self._closer)

    async def _close_on_exit(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self.release_all()

    async def release_all(self) -> None:
        """Close every shared agent built on this loop (best effort: closing never fails the run)."""
        done = [f.result() for f in self.builds.values() if f.done() and not f.cancelled() and f.exception() is None]
        self.builds.clear()
        for agent in done:
            try:
                await agent.release()
            except Exception:  # noqa: BLE001 - the run's results are final; a failing close only leaks a client
                pass
