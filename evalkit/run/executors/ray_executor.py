"""The driver side of the Ray executor: start worker actors, send them items, bring results home.

Sessions go to the worker with the fewest calls in flight, so each worker runs many at
once on its own loop. Results come back per call (transcript or judgement, plus the events
the stage emitted) and the scheduler writes them as for a local run: the driver stays the
only writer of the run directory. A worker that dies is restarted by Ray and its in-flight
calls are retried there (`max_restarts`, `max_task_retries`): only those sessions re-run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from typing import Any

from evalkit.llm.source import ModelSource
from evalkit.run.executors.config import RAY_INSTALL_HINT, ExecutorConfig
from evalkit.run.executors.ray_worker import Events, ItemRef, SessionWorker, WorkerSetup
from evalkit.run.opening import OpenedRun
from evalkit.run.plan import WorkItem
from evalkit.run.stages import Judgement, JudgeStage, SessionStage, StageContext

log = logging.getLogger(__name__)

RESTARTS = 4  # per worker actor; a worker lost more often than this fails its in-flight sessions
ENV_PREFIXES = ("OPENAI_", "ANTHROPIC_", "EVALKIT_")


def import_ray() -> Any:
    try:
        import ray
    except ImportError as err:
        raise RuntimeError(RAY_INSTALL_HINT) from err
    return ray


class RayExecutor:
    """Runs both stages of every item on Ray worker actors; see the module docstring."""

    def __init__(self, config: ExecutorConfig) -> None:
        self.config = config
        self.ray: Any = None
        self.workers: list[Any] = []
        self.in_flight: list[int] = []
        self.calls = 0  # sent so far
        self.budget: Any = None
        self._owns_ray = False
        self._suite_index: dict[int, int] = {}
        self._setup_ref: Any = None

    async def start(
        self, run: OpenedRun, ctx: StageContext, session: SessionStage, judge: JudgeStage
    ) -> tuple[SessionStage, JudgeStage]:
        self.ray = import_ray()
        await asyncio.to_thread(self._connect)
        setup = self._setup(run, session, judge)
        self._start_actors(setup)
        ctx.hub = ClusterLimits(ctx.hub, self)  # run.json's endpoints: the workers' figures, not the idle driver's
        return self.session, self.judge

    def _connect(self) -> None:
        ray = self.ray
        if ray.is_initialized():
            return
        address = self.config.address
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address == "local" or (address is None and not os.environ.get("RAY_ADDRESS")):
            kwargs.update(address="local", num_cpus=self.config.workers)  # None: all of this machine's CPUs
        else:
            kwargs.update(address=address)  # "auto", "host:port" or "ray://host:10001"; None: RAY_ADDRESS
        ray.init(**kwargs)
        self._owns_ray = True

    def _setup(self, run: OpenedRun, session: SessionStage, judge: JudgeStage) -> WorkerSetup:
        suites: list[Any] = []
        for item in run.items:
            if id(item.suite) not in self._suite_index:
                self._suite_index[id(item.suite)] = len(suites)
                suites.append(item.suite)
        workers = self.config.workers or max(1, int(self.ray.cluster_resources().get("CPU", 1)))
        environ = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)}
        paths = [p for p in sys.path if p and os.path.isdir(p)]
        return WorkerSetup(
            run.run_id, run.config.model_dump_json(), suites, session, judge, workers, environ, paths, os.getcwd()
        )

    def _start_actors(self, setup: WorkerSetup) -> None:
        ray = self.ray
        from evalkit.run.executors.ray_budget import BudgetActor

        self.budget = ray.remote(num_cpus=0, max_concurrency=8)(BudgetActor).remote()
        actor = ray.remote(num_cpus=1, max_restarts=RESTARTS, max_task_retries=RESTARTS, max_concurrency=10_000)
        worker_class = actor(SessionWorker)
        self._setup_ref = ray.put(setup)  # held here, so a restarted worker still finds its constructor arguments
        self.workers = [worker_class.remote(self._setup_ref, i, self.budget) for i in range(setup.workers)]
        self.in_flight = [0] * len(self.workers)

    async def session(self, item: WorkItem, ctx: StageContext) -> Any:
        from evalkit.conversation.transcript import Transcript

        body, events = await self._call("session", self._ref(item))
        _replay(events, ctx)
        return Transcript.model_validate_json(body)

    async def judge(self, item: WorkItem, transcript: Any, ctx: StageContext) -> Judgement:
        body, events = await self._call("judge", self._ref(item), transcript.model_dump_json())
        _replay(events, ctx)
        return Judgement.model_validate_json(body)

    def _ref(self, item: WorkItem) -> ItemRef:
        return ItemRef.of(item, self._suite_index[id(item.suite)])

    async def _call(self, method: str, *args: Any) -> tuple[str, Events]:
        """On the least busy worker; a cancelled caller cancels the remote call too."""
        index = min(range(len(self.workers)), key=self.in_flight.__getitem__)
        self.in_flight[index] += 1
        self.calls += 1
        ref = getattr(self.workers[index], method).remote(*args)
        try:
            return await ref
        except asyncio.CancelledError:
            self.ray.cancel(ref)
            raise
        finally:
            self.in_flight[index] -= 1

    async def stop(self) -> None:
        if self.ray is None:
            return
        await asyncio.to_thread(self._stop)

    def _stop(self) -> None:
        ray = self.ray
        closing = [w.close.remote() for w in self.workers]
        try:
            ray.get(closing, timeout=10)
        except Exception:
            log.debug("ray workers did not close cleanly", exc_info=True)
        for handle in [*self.workers, self.budget]:
            if handle is not None:
                ray.kill(handle, no_restart=True)
        self.workers, self.budget, self._setup_ref = [], None, None
        if self._owns_ray:
            ray.shutdown()


class ClusterLimits:
    """The driver's hub, except that `limits_snapshot` reports every worker's endpoints (the driver calls no model).

    While sessions are open it never waits: it returns the last figures the workers sent and asks
    again at most once a second. With nothing open (the run's end, run.json) it waits for fresh ones.
    """

    REFRESH_S = 1.0

    def __init__(self, hub: ModelSource, executor: RayExecutor) -> None:
        self._hub = hub
        self._executor = executor
        self._latest: list[dict[str, Any]] = []
        self._pending: list[Any] = []
        self._asked = 0.0

    def limits_snapshot(self) -> list[dict[str, Any]]:
        executor = self._executor
        if not executor.workers or not executor.calls:  # nothing sent yet: nothing to report (and no waiting)
            return self._latest
        busy = any(executor.in_flight)
        if not busy or (not self._pending and time.monotonic() - self._asked >= self.REFRESH_S):
            self._pending = [w.limits.remote() for w in executor.workers]  # idle: fresh figures, not a pending ask
            self._asked = time.monotonic()
        if self._pending:
            ready, _ = executor.ray.wait(self._pending, num_returns=len(self._pending), timeout=0 if busy else 10)
            if len(ready) == len(self._pending):
                self._collect()
        return self._latest

    def _collect(self) -> None:
        try:
            per_worker = self._executor.ray.get(self._pending)
        except Exception:
            log.warning("evalkit: could not read the Ray workers' endpoint figures", exc_info=True)
        else:
            self._latest = [entry for entries in per_worker for entry in entries]
        self._pending = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hub, name)


def _replay(events: Events, ctx: StageContext) -> None:
    """The worker's events, into the driver's event log (in the order the stage emitted them)."""
    for kind, payload in events:
        ctx.emit(kind, payload)
