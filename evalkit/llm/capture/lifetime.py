"""One capture proxy per event loop: started by the first session that needs it, stopped with the loop.

A run's sessions share one loop, so this is one proxy per run. It is stopped when the loop shuts
down its async generators (`asyncio.run` does, as the run ends) or by `stop_proxy()`; nothing
listens on 127.0.0.1 after the run.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator

from evalkit.llm.capture.proxy import CaptureProxy

_proxies: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CaptureProxy] = weakref.WeakKeyDictionary()
_starting: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
_keepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncIterator[None]] = weakref.WeakKeyDictionary()


async def loop_proxy() -> CaptureProxy:
    """This loop's proxy, started on first use."""
    loop = asyncio.get_running_loop()
    lock = _starting.setdefault(loop, asyncio.Lock())
    async with lock:
        proxy = _proxies.get(loop)
        if proxy is None:
            proxy = _proxies[loop] = await CaptureProxy().start()
            keeper = _keepers[loop] = _stop_at_loop_end(proxy)
            await anext(keeper)
        return proxy


def running_proxy() -> CaptureProxy | None:
    """This loop's proxy if one was started (tests and the run's end read it)."""
    return _proxies.get(asyncio.get_running_loop())


async def stop_proxy() -> None:
    """Stop this loop's proxy now (idempotent)."""
    loop = asyncio.get_running_loop()
    proxy = _proxies.pop(loop, None)
    _keepers.pop(loop, None)
    if proxy is not None:
        await proxy.aclose()


async def _stop_at_loop_end(proxy: CaptureProxy) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await proxy.aclose()
