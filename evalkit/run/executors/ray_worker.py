"""A Ray worker actor: many sessions (and their judging) at once on its own event loop.

The actor gets the run's suites, config and stage functions once, then single work items
by key. It writes nothing: each call returns the transcript or judgement plus the events
the stage emitted, and the driver writes them to the one run directory. Its hub asks the
run's budget actor for every request start, so limits are shared across the cluster.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalkit.run.config import RunConfig
from evalkit.run.plan import WorkItem
from evalkit.run.stages import JudgeStage, SessionStage, StageContext

if TYPE_CHECKING:
    from evalkit.llm.hub import ModelHub

Events = list[tuple[str, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class ItemRef:
    """A work item by value, small enough to send per call (the suites travel once per actor)."""

    suite: int  # index into the actor's suites
    scenario_id: str
    agent_model: str | None
    trial: int
    seed: int
    key: str

    @classmethod
    def of(cls, item: WorkItem, suite_index: int) -> ItemRef:
        return cls(suite_index, item.scenario_id, item.agent_model, item.trial, item.seed, item.key)


@dataclass(frozen=True, slots=True)
class WorkerSetup:
    """Everything an actor needs, sent once (and again to a restarted actor)."""

    run_id: str
    config_json: str
    suites: list[Any]  # LoadedSuite, pickled by Ray
    session: SessionStage
    judge: JudgeStage
    workers: int
    environ: dict[str, str]  # model endpoints and keys the driver's agents would see (e.g. --offline's)
    paths: list[str]  # the driver's sys.path entries, so agent factories import the same way
    cwd: str


class SessionWorker:
    """One worker process; Ray runs its async methods concurrently on one event loop."""

    def __init__(self, setup: WorkerSetup, index: int, budget: Any) -> None:
        os.environ.update(setup.environ)
        for path in setup.paths:
            if path not in sys.path and os.path.isdir(path):
                sys.path.append(path)
        if os.path.isdir(setup.cwd):
            os.chdir(setup.cwd)
        self.setup = setup
        self.index = index
        self.budget = budget
        self.config = RunConfig.model_validate_json(setup.config_json)
        self.hub: ModelHub | None = None  # made on the actor's loop at its first call (SDK clients belong to a loop)

    async def session(self, ref: ItemRef) -> tuple[str, Events]:
        events: Events = []
        transcript = await self.setup.session(self._item(ref), self._ctx(events))
        return transcript.model_dump_json(), events

    async def judge(self, ref: ItemRef, transcript_json: str) -> tuple[str, Events]:
        from evalkit.conversation.transcript import Transcript

        events: Events = []
        judgement = await self.setup.judge(
            self._item(ref), Transcript.model_validate_json(transcript_json), self._ctx(events)
        )
        return judgement.model_dump_json(), events

    def limits(self) -> list[dict[str, Any]]:
        """This worker's endpoint figures (its hub's `limits_snapshot`), for the driver's run.json."""
        return [{**entry, "worker": self.index} for entry in (self.hub.limits_snapshot() if self.hub else [])]

    async def close(self) -> None:
        if self.hub is not None:
            await self.hub.aclose()
            self.hub = None

    def _item(self, ref: ItemRef) -> WorkItem:
        loaded = self.setup.suites[ref.suite]
        scenario = next(s for s in loaded.scenarios if s.id == ref.scenario_id)
        return WorkItem(loaded, scenario, ref.agent_model, ref.trial, ref.seed, ref.key)

    def _ctx(self, events: Events) -> StageContext:
        return StageContext(
            self.setup.run_id, self.config, self._hub(), lambda kind, payload: events.append((kind, payload))
        )

    def _hub(self) -> ModelHub:
        if self.hub is None:
            self.hub = worker_hub(self.config, self.budget, self.index, self.setup.workers)
        return self.hub


def worker_hub(config: RunConfig, budget: Any, index: int, workers: int) -> ModelHub:
    """The run's hub config, with the budget actor as the shared budget of `workers` processes."""
    from evalkit.llm import ModelHub
    from evalkit.llm.config import SharedBudget
    from evalkit.run.executors.ray_budget import RayBudgetCaller

    hub_config = config.hub_config()
    if budget is None or not hub_config.shared_limits:
        return ModelHub(hub_config)
    shared = SharedBudget(address=f"ray-actor:{index}", token="ray", workers=workers)
    return ModelHub(
        hub_config.model_copy(update={"shared_budget": shared}), budget_caller=RayBudgetCaller(budget, index)
    )
