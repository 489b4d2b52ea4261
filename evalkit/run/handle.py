"""Running the engine from synchronous code: a worker thread with its own event loop.

The pytest plugin (and any caller with a loop already running in the main thread,
e.g. pytest-asyncio) starts the run here, then waits per item from the main
thread while every session runs concurrently in the worker.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from evalkit.llm.source import OwnedModelSource
from evalkit.run.config import RunConfig
from evalkit.run.opening import OpenedRun, open_run
from evalkit.run.outcome import ItemResult, RunSummary
from evalkit.run.plan import WorkItem
from evalkit.run.progress import ProgressCallback
from evalkit.run.scheduler import Scheduler
from evalkit.run.stages import Stages

HubFactory = Callable[[], OwnedModelSource]


def _default_hub(config: RunConfig) -> OwnedModelSource:
    from evalkit.llm import ModelHub

    return ModelHub(config.hub_config())


class RunHandle:
    """A run in progress: wait for single trials, whole items or the whole run; cancel it."""

    def __init__(self, opened: OpenedRun) -> None:
        self.run_dir: Path = opened.dir.path
        self.run_id: str = opened.run_id
        self._results: dict[str, ItemResult] = {}
        self._by_item: dict[str, list[str]] = {}
        for item in opened.items:
            self._by_item.setdefault(item.item_key, []).append(item.key)
        self._cond = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[RunSummary] | None = None
        self._summary: RunSummary | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._cancel_requested = False

    # -- called from the worker thread
    def _publish(self, result: ItemResult) -> None:
        with self._cond:
            self._results[result.key] = result
            self._cond.notify_all()

    def _attach(self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[RunSummary]) -> None:
        with self._cond:
            self._loop, self._task = loop, task
            if self._cancel_requested:
                loop.call_soon(task.cancel)

    def _finished(self, summary: RunSummary | None, error: BaseException | None) -> None:
        with self._cond:
            self._summary, self._error = summary, error
            self._cond.notify_all()

    # -- called from any thread
    @property
    def results(self) -> dict[str, ItemResult]:
        with self._cond:
            return dict(self._results)

    def wait_for(self, key: str, timeout: float | None = None) -> ItemResult:
        """Block until the trial `key` is decided (or will not run); raise TimeoutError after `timeout`."""
        if not self._wait_until(lambda: key in self._results or self._ended, timeout):
            raise TimeoutError(f"trial {key} not finished after {timeout}s")
        with self._cond:
            if key not in self._results:
                raise KeyError(f"{key} is not part of run {self.run_id}")
            return self._results[key]

    def wait_for_item(self, item_key: str, timeout: float | None = None) -> list[ItemResult]:
        """All trials of one scenario x tier item, in trial order."""
        keys = self._by_item.get(item_key)
        if keys is None:
            raise KeyError(f"{item_key} is not part of run {self.run_id}")
        return [self.wait_for(k, timeout) for k in keys]

    @property
    def _ended(self) -> bool:
        return self._summary is not None or self._error is not None

    def _wait_until(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        """Short waits, so Ctrl-C is seen promptly everywhere; Ctrl-C cancels the run cleanly, then re-raises."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            with self._cond:
                while not predicate():
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    self._cond.wait(0.25 if left is None else min(0.25, left))
            return True
        except KeyboardInterrupt:
            self.cancel()
            if self._thread is not None:
                self._thread.join()
            raise

    def done(self) -> bool:
        with self._cond:
            return self._ended

    def cancel(self) -> None:
        """Cancel the run from any thread; it ends as `interrupted` with nothing left running."""
        with self._cond:
            self._cancel_requested = True
            loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # the loop closed in between: the run has already ended
                pass

    def wait(self, timeout: float | None = None) -> RunSummary:
        """Wait for the run to end. Ctrl-C here cancels the run cleanly, then re-raises."""
        if not self._wait_until(lambda: self._ended, timeout):
            raise TimeoutError(f"run {self.run_id} not finished after {timeout}s")
        if self._thread is not None:
            self._thread.join()
        if self._summary is not None:
            return self._summary
        if self._error is None:  # _finished always sets one of the two
            raise RuntimeError(f"run {self.run_id} ended with neither a summary nor an error")
        raise self._error


def run_in_thread(
    items: list[WorkItem],
    config: RunConfig,
    progress: ProgressCallback | None = None,
    *,
    stages: Stages | None = None,
    hub_factory: HubFactory | None = None,
) -> RunHandle:
    """Start the run in a worker thread with its own loop and hub; return at once with a handle.

    The run directory is opened here, in the caller's thread, so a refused resume
    raises `ResumeError` immediately. The hub is created and closed inside the worker's loop.
    """
    opened = open_run(items, config)
    handle = RunHandle(opened)

    async def main() -> RunSummary:
        hub = hub_factory() if hub_factory else _default_hub(opened.config)
        try:
            task = asyncio.current_task()
            assert task is not None
            handle._attach(asyncio.get_running_loop(), task)
            scheduler = Scheduler(opened, hub, stages, progress, handle._publish)
            try:
                return await scheduler.execute()
            except asyncio.CancelledError:
                if scheduler.summary is None:
                    raise
                return scheduler.summary  # interrupted: the manifest and summary say so
        finally:
            await hub.aclose()
            capture = sys.modules.get("evalkit.llm.capture.lifetime")  # loaded only if a session captured an agent
            if capture is not None:
                await capture.stop_proxy()  # before asyncio.run cancels what is left: connections close cleanly

    def worker() -> None:
        try:
            summary = asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - delivered to the waiting thread
            opened.dir.release()  # the run never got to close (e.g. the hub failed to start): let a resume in
            handle._finished(None, exc)
        else:
            handle._finished(summary, None)

    handle._thread = threading.Thread(target=worker, name=f"evalkit-run-{handle.run_id}", daemon=True)
    handle._thread.start()
    return handle
