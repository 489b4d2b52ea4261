"""Run blocking agent code off the event loop without letting it hold the run hostage.

Each call gets a daemon thread of its own rather than a slot in a bounded pool: a pool
(asyncio's default has ~6 workers on a small machine) would make queued sync agents
spend their turn timeout waiting, and a hung agent in a pool thread would block
interpreter exit. A daemon thread that outlives its timeout is simply abandoned.
Threads that finished their call wait a while for the next one instead of exiting,
because starting a thread blocks the event loop until the new thread runs, which is
most of the cost of a quick tool call; a call never waits for a busy thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

_IDLE_EXIT_S = 30.0  # an idle worker exits after this long without a call

_Job = Callable[[], None]
# Inboxes of workers waiting for a call. deque append/pop/remove are atomic, so no lock:
# a contended lock would make the event loop give up the GIL on every call.
_idle: deque[queue.SimpleQueue[_Job]] = deque()


def run_in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
    """Run `fn(*args, **kwargs)` in a daemon thread; the returned future resolves on the running loop."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    context = contextvars.copy_context()

    def job() -> None:
        try:
            result = context.run(fn, *args, **kwargs)
        except BaseException as err:  # noqa: BLE001 - handed to the awaiting coroutine
            _deliver(loop, future, error=err)
        else:
            _deliver(loop, future, result=result)

    _submit(job, name=f"evalkit-agent-{getattr(fn, '__name__', 'call')}")
    return future


def _submit(job: _Job, name: str) -> None:
    """Hand `job` to an idle worker, or start a new one when every worker is busy."""
    try:
        inbox = _idle.pop()
    except IndexError:
        inbox = queue.SimpleQueue()
        inbox.put(job)
        threading.Thread(target=_worker, args=(inbox,), daemon=True, name=name).start()
    else:
        inbox.put(job)


def _worker(inbox: queue.SimpleQueue[_Job]) -> None:
    job: _Job | None = inbox.get()
    while job is not None:
        job()
        job = _next_job(inbox)


def _next_job(inbox: queue.SimpleQueue[_Job]) -> _Job | None:
    """Wait as an idle worker; None means exit (no call came in time)."""
    _idle.append(inbox)
    try:
        return inbox.get(timeout=_IDLE_EXIT_S)
    except queue.Empty:
        try:
            _idle.remove(inbox)
        except ValueError:  # a caller took this inbox just as the wait timed out
            return inbox.get()
        return None


def _deliver(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
    *,
    result: Any = None,
    error: BaseException | None = None,
) -> None:
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
