"""Run blocking agent code off the event loop without letting it hold the run hostage.

Each call gets its own daemon thread rather than a slot in a shared pool: a pool
(asyncio's default has ~6 workers on a small machine) would make queued sync agents
spend their turn timeout waiting, and a hung agent in a pool thread would block
interpreter exit. A daemon thread that outlives its timeout is simply abandoned.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from typing import Any


def run_in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
    """Start `fn(*args, **kwargs)` in a daemon thread; the returned future resolves on the running loop."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    context = contextvars.copy_context()

    def target() -> None:
        try:
            result = context.run(fn, *args, **kwargs)
        except BaseException as err:  # noqa: BLE001 - handed to the awaiting coroutine
            _deliver(loop, future, error=err)
        else:
            _deliver(loop, future, result=result)

    threading.Thread(target=target, daemon=True, name=f"evalkit-agent-{getattr(fn, '__name__', 'call')}").start()
    return future


def _deliver(loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], *, result: Any = None,
             error: BaseException | None = None) -> None:
    def settle() -> None:
        if future.done():  # abandoned after a timeout or cancellation
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    try:
        loop.call_soon_threadsafe(settle)
    except RuntimeError:  # the loop is closed: nobody is waiting any more
        pass
