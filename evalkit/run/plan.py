"""Turning loaded suites into work: one item per suite x scenario x tier x trial."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from evalkit.run.config import RunConfig
from evalkit.run.keys import item_key, item_of, tier_of
from evalkit.run.resume_config import resolve_resume
from evalkit.spec.models import Scenario
from evalkit.spec.suites import LoadedSuite

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def derive_seed(suite_seed: int, scenario_id: str, trial: int) -> int:
    """Same seed for the same trial of a scenario in every tier and every run, so tiers compare paired."""
    digest = hashlib.sha256(f"{suite_seed}:{scenario_id}:{trial}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@dataclass(frozen=True, slots=True, eq=False)
class WorkItem:
    """One session to run and judge.

    A dataclass rather than a pydantic model because it holds live references to
    the loaded suite (rubric resolution) and is never serialised as a whole.
    """

    suite: LoadedSuite
    scenario: Scenario
    agent_model: str | None
    trial: int
    seed: int
    key: str = field(default="")

    @property
    def suite_name(self) -> str:
        return self.suite.suite.suite

    @property
    def scenario_id(self) -> str:
        return self.scenario.id

    @property
    def tier(self) -> str:
        """The agent model as named (`openai:gpt-4.1`): the tier in every artifact (see `evalkit.run.keys`)."""
        return tier_of(self.agent_model)

    @property
    def file_stem(self) -> str:
        """A filesystem-safe name for this item's transcript."""
        return _UNSAFE.sub("_", f"{self.suite_name}__{self.scenario_id}__{self.tier}__t{self.trial}")

    @property
    def item_key(self) -> str:
        """Key of the pytest item (scenario x tier) this trial belongs to."""
        return item_of(self.key)


def plan_run(loaded_suites: list[LoadedSuite], config: RunConfig) -> list[WorkItem]:
    """Every session the run needs, in a stable order (suite, scenario, tier, trial).

    When `config.resume` is set, the stored run's shaping fields win (see `resolve_resume`)
    so a resumed run finishes exactly the plan it started.
    """
    if config.resume:
        config = resolve_resume(config)
    items: list[WorkItem] = []
    for loaded in loaded_suites:
        suite = loaded.suite
        seed = suite.seed if config.seed is None else config.seed
        tiers: list[str | None] = list(config.tiers or suite.agent_models) or [None]
        for scenario in loaded.scenarios:
            trials = config.trials or scenario.trials or suite.trials
            for agent_model in tiers:
                for trial in range(trials):
                    key = item_key(suite.suite, scenario.id, tier_of(agent_model), trial)
                    items.append(
                        WorkItem(loaded, scenario, agent_model, trial, derive_seed(seed, scenario.id, trial), key)
                    )
    return items
